"""localstripe, bound to loopback, with a minimal stand-in for what our payments use and it lacks.

`python -m devservices.localstripe_server --port N` (devservices/stripe.py starts it). localstripe has no Stripe
Connect; the stand-in adds exactly these, and nothing else:

- `POST /v1/accounts`, `GET /v1/accounts/{id}`: an Express account (`charges_enabled` false until onboarded);
- `POST /v1/account_links`: an onboarding link; opening its url (`GET /_config/connect/onboard/{id}`) plays the
  seller finishing Stripe's hosted onboarding: the account's `charges_enabled` turns true, an `account.updated`
  event is sent, and the browser is sent to the link's `return_url`;
- `application_fee_amount` on `POST /v1/payment_intents` is accepted and echoed (localstripe refuses it);
- the events localstripe does not send and real Stripe does: `charge.refunded` when a refund is made and
  `payment_intent.canceled` when an intent is cancelled.

localstripe's store is also kept in memory only (it pickles it to /tmp/localstripe.pickle on every write,
which parallel runs would share).
"""

import argparse
import time
from typing import Any

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.resources import Charge, Event, PaymentIntent, Refund, Store, random_id, try_convert_to_int
from localstripe.webhooks import schedule_webhook

Store.dump_to_disk = lambda self: None  # memory only (see the docstring)

_accounts: dict[str, dict[str, Any]] = {}
_link_return_urls: dict[str, str] = {}

_payment_intent_init = PaymentIntent.__init__


def _payment_intent_init_with_fee(self: PaymentIntent, application_fee_amount: Any = None, **data: Any) -> None:
    _payment_intent_init(self, **data)
    self.application_fee_amount = try_convert_to_int(application_fee_amount)


PaymentIntent.__init__ = _payment_intent_init_with_fee

_refund_init = Refund.__init__


def _refund_init_with_event(self: Refund, **data: Any) -> None:
    _refund_init(self, **data)
    schedule_webhook(Event("charge.refunded", Charge._api_retrieve(self.charge)))  # noqa: SLF001 - extends localstripe


Refund.__init__ = _refund_init_with_event

_payment_intent_cancel = PaymentIntent._api_cancel  # noqa: SLF001 - extends localstripe


def _payment_intent_cancel_with_event(**data: Any) -> PaymentIntent:
    intent = _payment_intent_cancel(**data)
    schedule_webhook(Event("payment_intent.canceled", intent))
    return intent


# The server module registers the routes of `extra_apis` when it is imported: replace the entry before.
resources.extra_apis[:] = [
    (method, url, _payment_intent_cancel_with_event if func == _payment_intent_cancel else func)
    for method, url, func in resources.extra_apis
]

from localstripe import server  # noqa: E402 - after the patch above


class _Exported:
    """What localstripe's Event needs of an object: `_export()`."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def _export(self) -> dict[str, Any]:
        return dict(self._data)


async def account_create(request: web.Request) -> web.Response:
    data = await server.get_post_data(request) or {}
    account_id = "acct_" + random_id(16)
    _accounts[account_id] = {
        "id": account_id,
        "object": "account",
        "type": data.get("type", "express"),
        "country": data.get("country", "US"),
        "email": data.get("email"),
        "metadata": data.get("metadata", {}),
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
        "created": int(time.time()),
    }
    return server.json_response(_accounts[account_id])


async def account_retrieve(request: web.Request) -> web.Response:
    account = _accounts.get(request.match_info["id"])
    if account is None:
        raise UserError(404, "Not Found")
    return server.json_response(account)


async def account_link_create(request: web.Request) -> web.Response:
    data = await server.get_post_data(request) or {}
    account_id = data.get("account")
    if account_id not in _accounts or not data.get("return_url") or not data.get("refresh_url"):
        raise UserError(400, "Bad request")
    _link_return_urls[account_id] = data["return_url"]
    now = int(time.time())
    url = f"http://{request.host}/_config/connect/onboard/{account_id}"
    return server.json_response({"object": "account_link", "url": url, "created": now, "expires_at": now + 300})


async def account_onboard(request: web.Request) -> web.Response:
    account = _accounts.get(request.match_info["id"])
    if account is None:
        raise UserError(404, "Not Found")
    account.update(charges_enabled=True, payouts_enabled=True, details_submitted=True)
    event = Event("account.updated", _Exported(account))
    event.account = account["id"]
    schedule_webhook(event)
    raise web.HTTPFound(_link_return_urls.get(account["id"], "/"))


server.app.router.add_post("/v1/accounts", account_create)
server.app.router.add_get("/v1/accounts/{id}", account_retrieve)
server.app.router.add_post("/v1/account_links", account_link_create)
server.app.router.add_get("/_config/connect/onboard/{id}", account_onboard)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    web.run_app(server.app, host="127.0.0.1", port=parser.parse_args().port, print=None)


if __name__ == "__main__":
    main()
