"""URLs of the owner's webhook API."""


def endpoints_url(shop_id: int) -> str:
    return f"/api/v1/shops/{shop_id}/webhooks/endpoints/"


def endpoint_url(shop_id: int, endpoint_id: int, action: str = "") -> str:
    return f"/api/v1/shops/{shop_id}/webhooks/endpoints/{endpoint_id}/{action + '/' if action else ''}"


def deliveries_url(shop_id: int, endpoint_id: int) -> str:
    return endpoint_url(shop_id, endpoint_id, "deliveries")


def delivery_url(shop_id: int, endpoint_id: int, delivery_id: int, action: str = "") -> str:
    return f"{deliveries_url(shop_id, endpoint_id)}{delivery_id}/{action + '/' if action else ''}"
