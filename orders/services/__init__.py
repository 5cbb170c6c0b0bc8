"""Writes of carts and orders: cart lines (`carts`), checkout (`checkout`), order status (`orders`), and the
stock rows they lock, take and give back (`stock`)."""
