"""Cart and checkout throttles, per client address (429 + Retry-After): nobody drains stock with fake carts
or orders. Rates: THROTTLE_CART and THROTTLE_CHECKOUT; counted atomically (`api.throttling`)."""

from api.throttling import WindowThrottle


class CartWriteThrottle(WindowThrottle):
    """Adding, changing and removing cart lines."""

    scope = "cart"


class CheckoutThrottle(WindowThrottle):
    """Checkouts (each one may take stock)."""

    scope = "checkout"
