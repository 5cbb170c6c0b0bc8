"""Cart and checkout throttles, per client address (429 + Retry-After): nobody drains stock with fake carts
or orders. Rates: THROTTLE_CART and THROTTLE_CHECKOUT."""

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class CartWriteThrottle(SimpleRateThrottle):
    """Adding, changing and removing cart lines."""

    scope = "cart"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CheckoutThrottle(SimpleRateThrottle):
    """Checkouts (each one may take stock)."""

    scope = "checkout"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
