"""The existing frontend's dashboard calls from a real Chromium: a page of ours on an origin listed in
FRONTEND_URL, holding the `auth_token` cookie of its host (cookies ignore ports: the page is on
127.0.0.1:P1, the API on 127.0.0.1:P2), calls the API with `credentials: 'include'`, JSON bodies and
multipart uploads, no Authorization and no CSRF header, as the frontend's lib/api.ts does; then reads back
what the frontend reads. The same calls from a page of another origin of the same site (127.0.0.1:P3, which
the cookie reaches too) are refused and change nothing, and no page of another site can log a browser in.

Needs Debian's `chromium` (`make test` installs it when run as root) and Playwright (never `playwright
install`: its own browsers cannot be downloaded here). Skipped when either is missing, except under CI=true.
"""

import base64
import http.server
import json
import os
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.db.models import Model
from knox.models import AuthToken

from accounts.tests.factories import PASSWORD, UserFactory
from images.tests.samples import image_bytes
from orders.models import Order
from shops.models import Category, Product, ProductImage, ProductInventoryItem, Shop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>frontend</title></head><body>
<form id="login" method="POST" action="{api}/api/v1/auth/login/">
  <input name="identifier" value="{identifier}"><input name="password" value="{password}">
  <input name="cookie" value="true">
</form>
<script>
// lib/api.ts: any path becomes <API>/api/v1/<path>/, cookies included, JSON bodies or multipart uploads.
window.call = async (method, path, body, files, contentType) => {{
  const init = {{ method, credentials: "include", headers: {{}} }};
  if (files) {{
    const form = new FormData();
    for (const [name, value] of Object.entries(files)) {{
      if (value && value.b64) {{
        const bytes = Uint8Array.from(atob(value.b64), (c) => c.charCodeAt(0));
        form.append(name, new Blob([bytes], {{ type: value.type }}), value.name);
      }} else {{
        form.append(name, value);
      }}
    }}
    init.body = form;
  }} else if (body !== null && body !== undefined) {{
    init.headers["Content-Type"] = contentType || "application/json";
    init.body = JSON.stringify(body);
  }}
  const url = "{api}/api/v1/" + path.replace(/^\\/+|\\/+$/g, "") + "/";
  try {{
    const response = await fetch(url, init);
    const text = await response.text();
    let json = null;
    try {{ json = JSON.parse(text); }} catch (error) {{}}
    return {{ status: response.status, body: json }};
  }} catch (error) {{
    return {{ status: 0, error: String(error) }};  // refused by the browser (CORS): unreadable
  }}
}};
</script></body></html>
"""


def _require_browser() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None  # type: ignore[assignment]  # skipped (or failed under CI) just below
    missing = [name for name, ok in (("playwright", sync_playwright), ("chromium", os.path.exists(CHROMIUM))) if not ok]
    if missing:
        message = (
            f"{' and '.join(missing)} not installed (apt-get install chromium; pip install -r requirements-dev.txt)"
        )
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message)
        pytest.skip(message)
    return sync_playwright


class _PageServer:
    """Serves PAGE (for `api`) on 127.0.0.1 at a free port, in a thread."""

    def __init__(self, html: str) -> None:
        body = html.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chromium(monkeypatch: Any) -> Iterator[Any]:
    sync_playwright = _require_browser()
    # Playwright's sync API keeps an event loop in this thread; our ORM calls here are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()
        # Django's connections are per context, and Playwright's loop makes this one another context: close
        # the connection the test opened in it, or the test database cannot be dropped.
        connections.close_all()


MODELS: tuple[type[Model], ...] = (Shop, Category, Product, ProductImage, ProductInventoryItem, Order, AuthToken)


def rows() -> dict[str, list[dict[str, Any]]]:
    """Every row the dashboard's calls write, and the tokens."""
    return {model.__name__: list(model._default_manager.order_by("pk").values()) for model in MODELS}


def png(name: str, color: tuple[int, int, int]) -> dict[str, str]:
    data = image_bytes("PNG", (40, 30), color)
    return {"b64": base64.b64encode(data).decode(), "type": "image/png", "name": name}


@pytest.mark.django_db(transaction=True)
def test_the_frontends_dashboard_calls_work_from_its_origin_and_are_refused_from_any_other(
    chromium: Any, live_server: Any, settings: Any, bucket: Any, caplog: Any
) -> None:
    api = live_server.url.replace("localhost", "127.0.0.1")
    user = UserFactory(username="owner", email="owner@example.com")
    frontend_html = PAGE.format(api=api, identifier="owner", password=PASSWORD)
    frontend, foreign = _PageServer(frontend_html), _PageServer(frontend_html)
    frontend_origin = f"http://127.0.0.1:{frontend.port}"
    settings.FRONTEND_URL = frontend_origin
    settings.CORS_ALLOWED_ORIGINS = settings.CSRF_TRUSTED_ORIGINS = [frontend_origin]
    try:
        # The frontend's server logs in with JSON (no cookie flag) and keeps the token in its host's cookie.
        login = urllib.request.Request(  # noqa: S310 - our own live server
            f"{api}/api/v1/auth/login/",
            data=json.dumps({"identifier": "owner", "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(login, timeout=10) as answer:  # noqa: S310 - the same
            token = json.load(answer)["token"]
        context = chromium.new_context()
        context.add_cookies(
            [
                {
                    "name": "auth_token",
                    "value": token,
                    "domain": "127.0.0.1",
                    "path": "/",
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )
        page = context.new_page()
        page.goto(f"{frontend_origin}/dashboard")

        def call(method: str, path: str, body: Any = None, files: Any = None, content_type: str | None = None) -> Any:
            return page.evaluate("([m, p, b, f, c]) => call(m, p, b, f, c)", [method, path, body, files, content_type])

        ids = _dashboard_calls(call, user)

        # The same calls from another origin of the same site: the cookie goes along, the writes do not.
        before = rows()
        caplog.clear()
        intruder = context.new_page()
        intruder.goto(f"http://127.0.0.1:{foreign.port}/")

        def foreign_call(method: str, path: str, body: Any = None, files: Any = None, content_type: Any = None) -> Any:
            return intruder.evaluate(
                "([m, p, b, f, c]) => call(m, p, b, f, c)", [method, path, body, files, content_type]
            )

        refused = _foreign_calls(foreign_call, ids)
        assert set(refused) == {0}, refused  # nothing readable by the foreign page
        assert rows() == before
        forbidden = sorted(
            (record.request.method, record.request.path)
            for record in caplog.records
            if record.name == "django.request" and getattr(record, "status_code", None) == 403
        )
        shop = f"/api/v1/shops/{ids['shop']}"
        product = f"{shop}/products/{ids['product']}"
        # The requests a page may send without asking (no preflight) reached us and were refused by origin;
        # the JSON ones never left the browser (CORS refused their preflight).
        assert forbidden == sorted(
            [
                ("POST", f"{shop}/profile-image/"),
                ("POST", f"{product}/images/upload/"),
                ("POST", "/api/v1/shops/"),
                ("POST", f"{shop}/categories/"),
                ("POST", f"{product}/images/reorder/"),
            ]
        )

        # Login CSRF: a page of another site posts the login form (and a text/plain "JSON") with cookie=true.
        stranger = chromium.new_context()
        attack = stranger.new_page()
        attack.goto(f"http://localhost:{foreign.port}/")
        with attack.expect_navigation() as posted:
            attack.evaluate("document.getElementById('login').submit()")
        assert (posted.value.url, posted.value.status) == (f"{api}/api/v1/auth/login/", 415)
        attack.goto(f"http://localhost:{foreign.port}/")  # the form navigated away to the API's answer
        plain = attack.evaluate(
            "([api, password]) => fetch(api + '/api/v1/auth/login/', {method: 'POST', credentials: 'include',"
            " mode: 'no-cors', headers: {'Content-Type': 'text/plain'},"
            " body: JSON.stringify({identifier: 'owner', password, cookie: true})}).then(r => r.type)",
            [api, PASSWORD],
        )
        assert plain == "opaque"  # sent, and unreadable: the server answered 415
        unsupported = [
            record.request.path
            for record in caplog.records
            if record.name == "django.request" and getattr(record, "status_code", None) == 415
        ]
        assert unsupported == ["/api/v1/auth/login/"] * 2
        assert [c["name"] for c in stranger.cookies()] == []
        assert rows() == before
        stranger.close()
        context.close()
    finally:
        frontend.close()
        foreign.close()


def _dashboard_calls(call: Any, user: Any) -> dict[str, int]:
    """The dashboard's calls in the frontend's order, each answer read as the frontend reads it."""
    created = call("POST", "shops", {"name": "Tee Time"})
    assert created["status"] == 201, created
    shop = created["body"]
    sid = shop["id"]

    logo = call("POST", f"shops/{sid}/profile-image", files={"file": png("logo.png", (10, 120, 200))})
    assert logo["status"] == 200, logo
    assert logo["body"]["shop"]["profile_image_url"].startswith("http")

    category = call("POST", f"shops/{sid}/categories", {"name": "Tees", "slug": "", "description": ""})
    assert category["status"] == 201, category

    product = call(
        "POST",
        f"shops/{sid}/products",
        {
            "name": "Classic Tee",
            "slug": "classic-tee",
            "sku": "TEE-1",
            "short_description": "Soft cotton.",
            "long_description": "A classic tee.",
            "category": "Tees",
            "status": "active",
            "base_price": "25.00",
            "discounted_price": None,
            "currency": "USD",
            "stock_quantity": 0,
            "stock_status": "limited",
            "available_from": None,
            "available_to": None,
            "variant_types": [
                {"name": "Size", "options": [{"name": "S"}, {"name": "M"}, {"name": "L"}]},
                {"name": "Color", "options": [{"name": "Red"}, {"name": "Blue"}]},
            ],
        },
    )
    assert product["status"] == 201, product
    pid = product["body"]["id"]
    size, color = product["body"]["variant_types"]

    photos = [
        call(
            "POST",
            f"shops/{sid}/products/{pid}/images/upload",
            files={"file": png(f"{n}.png", c), "alt_text": f"{n}.png"},
        )
        for n, c in (("front", (200, 30, 30)), ("back", (30, 200, 30)))
    ]
    assert [p["status"] for p in photos] == [201, 201], photos
    assert [p["body"]["sort_order"] for p in photos] == [1, 2]

    # The inventory page: every combination, each with `existing.sku || product.sku`.
    items = [
        {
            "sku": product["body"]["sku"],
            "stock_quantity": 4,
            "price_override": None,
            "is_active": True,
            "options": [
                {"variant_type_id": size["id"], "variant_option_id": s["id"]},
                {"variant_type_id": color["id"], "variant_option_id": c["id"]},
            ],
        }
        for s in size["options"]
        for c in color["options"]
    ]
    inventory = call("PATCH", f"shops/{sid}/products/{pid}", {"inventory_items": items})
    assert inventory["status"] == 200, inventory
    assert [item["sku"] for item in inventory["body"]["inventory_items"]] == ["TEE-1"] * 6
    assert inventory["body"]["stock_quantity"] == 24

    back, front = photos[1]["body"]["id"], photos[0]["body"]["id"]
    reordered = call("POST", f"shops/{sid}/products/{pid}/images/reorder", {"order": [back, front]})
    assert reordered["status"] == 200, reordered
    assert [(i["id"], i["sort_order"]) for i in reordered["body"]] == [(back, 1), (front, 2)]

    # The storefront sells it (the shop hides quantities): a buyable item, a cart, a checkout.
    page = call("GET", f"shops/slug/{shop['slug']}/products/classic-tee")
    assert [i["stock_quantity"] for i in page["body"]["inventory_items"]] == [99] * 6
    card = next(i for i in page["body"]["images"] if i["sort_order"] == 1)
    assert card["id"] == back
    chosen = page["body"]["inventory_items"][2]
    cart = call(
        "POST",
        f"shops/slug/{shop['slug']}/cart/items",
        {
            "product_id": pid,
            "quantity": 2,
            "inventory_item_id": chosen["id"],
            "options": [
                {"variant_type_id": o["variant_type_id"], "variant_option_id": o["variant_option_id"]}
                for o in chosen["options"]
            ],
        },
    )
    assert cart["status"] == 201, cart
    order = call(
        "POST",
        f"shops/carts/{cart['body']['token']}/checkout",
        {
            "customer_name": "Ada",
            "customer_email": "ada@example.com",
            "shipping_address": {"line1": "1 Road", "city": "Town", "postal_code": "123"},
        },
    )
    assert order["status"] == 201, order

    orders = call("GET", f"shops/{sid}/orders")
    assert [o["status"] for o in orders["body"]] == ["pending"]
    cancelled = call("PATCH", f"shops/{sid}/orders/{order['body']['id']}", {"status": "cancelled"})
    assert (cancelled["status"], cancelled["body"]["status"]) == (200, "cancelled")

    hidden = call("PATCH", f"shops/{sid}/products/{pid}", {"status": "inactive"})
    assert (hidden["status"], hidden["body"]["status"]) == (200, "inactive")

    # What the dashboard reads back.
    read = call("GET", f"shops/{sid}/products/{pid}")["body"]
    assert read["status"] == "inactive"
    assert [(i["id"], i["sort_order"]) for i in read["images"]] == [(back, 1), (front, 2)]
    assert [(i["sku"], i["stock_quantity"]) for i in read["inventory_items"]] == [("TEE-1", 4)] * 6
    assert call("GET", f"shops/{sid}")["body"]["profile_image_url"] == logo["body"]["shop"]["profile_image_url"]
    listed = call("GET", f"shops/{sid}/products")["body"]
    assert [(p["id"], p["status"], p["stock_status"]) for p in listed] == [(pid, "inactive", "limited")]
    assert Shop.objects.get().owner_id == user.id
    return {
        "shop": sid,
        "product": pid,
        "order": order["body"]["id"],
        "photo": front,
        "category": category["body"]["id"],
    }


def _foreign_calls(call: Any, ids: dict[str, int]) -> list[int]:
    """The dashboard's writes again, from a page that is not the frontend; the answers as that page sees them."""
    sid, pid = ids["shop"], ids["product"]
    product = f"shops/{sid}/products/{pid}"
    return [
        call("POST", "shops", {"name": "Stolen"})["status"],
        call("POST", f"shops/{sid}/profile-image", files={"file": png("x.png", (1, 2, 3))})["status"],
        call("POST", f"shops/{sid}/categories", {"name": "Stolen"})["status"],
        call("POST", f"shops/{sid}/products", {"name": "Stolen", "sku": "X"})["status"],
        call("POST", f"{product}/images/upload", files={"file": png("x.png", (1, 2, 3)), "alt_text": "x"})["status"],
        call("PATCH", product, {"inventory_items": []})["status"],
        call("POST", f"{product}/images/reorder", {"order": [ids["photo"]]})["status"],
        call("PATCH", product, {"status": "active"})["status"],
        call("PATCH", f"shops/{sid}/orders/{ids['order']}", {"status": "refunded"})["status"],
        call("DELETE", f"shops/{sid}/categories/{ids['category']}")["status"],
        # Bodies a page may send without a preflight: text/plain "JSON".
        call("POST", "shops", {"name": "Stolen"}, content_type="text/plain")["status"],
        call("POST", f"shops/{sid}/categories", {"name": "Stolen"}, content_type="text/plain")["status"],
        call("POST", f"{product}/images/reorder", {"order": [ids["photo"]]}, content_type="text/plain")["status"],
    ]
