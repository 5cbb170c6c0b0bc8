"""Domain events of a shop (a product changed, an order was placed): said by the app where they happen, heard by
the apps above it (webhooks), so the catalogue and orders never import what listens to them."""
