"""HTTP endpoints of shops: the owner's dashboard API and the public storefront API."""
