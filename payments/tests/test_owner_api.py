"""The owner's payment endpoints: settings, Stripe Connect onboarding, an order's payment and its refunds."""

from decimal import Decimal

import pytest
import requests

from jobs.tests.running import run_queued_jobs
from orders.models import Order, OrderItem, OrderStatus
from orders.tests.endpoints import CUSTOMER, checkout_url
from payments.models import Payment, Refund, ShopPaymentSettings
from payments.tests.factories import cart_with, stocked_product
from payments.tests.localstripe import buyer_confirms, deliver, shop_connect, webhook_inbox
from shops.models import Product
from shops.tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db


def stock_of(line: OrderItem) -> int:
    assert line.product_id is not None
    return Product.objects.get(id=line.product_id).stock_quantity


def settings_url(shop_id: int) -> str:
    return f"/api/v1/shops/{shop_id}/payments/settings/"


def refunds_url(shop_id: int, order_id: int) -> str:
    return f"/api/v1/shops/{shop_id}/orders/{order_id}/refunds/"


def test_a_new_shop_takes_manual_payments(owner_client, user) -> None:
    shop = ShopFactory(owner=user)

    response = owner_client.get(settings_url(shop.id))

    assert response.json() == {
        "manual_enabled": True,
        "manual_instructions": "",
        "stripe_enabled": False,
        "stripe_account_id": "",
        "stripe_charges_enabled": False,
        "stripe_available": True,
    }
    assert ShopPaymentSettings.objects.count() == 0


def test_stripe_cannot_be_turned_on_before_the_account_can_take_charges(owner_client, user) -> None:
    shop = ShopFactory(owner=user)

    response = owner_client.patch(settings_url(shop.id), {"stripe_enabled": True}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"stripe_enabled": ["Connect a Stripe account that can take charges first."]},
    )
    assert ShopPaymentSettings.objects.count() == 0


def test_another_users_shop_settings_are_a_404_and_anonymous_a_401(api_client, other_client, user) -> None:
    shop = ShopFactory(owner=user)

    assert other_client.patch(settings_url(shop.id), {"manual_enabled": False}, format="json").status_code == 404
    assert api_client.get(settings_url(shop.id)).status_code == 401
    assert ShopPaymentSettings.objects.count() == 0


def test_connect_onboarding_turns_stripe_on_when_stripe_says_the_account_can_take_charges(
    owner_client, api_client, user, settings
) -> None:
    inbox = webhook_inbox()
    shop = ShopFactory(owner=user)

    response = owner_client.post(f"/api/v1/shops/{shop.id}/payments/stripe/connect/")
    account_id = ShopPaymentSettings.objects.get().stripe_account_id

    assert response.status_code == 200
    assert response.json() == {"url": f"{settings.STRIPE_API_BASE}/_config/connect/onboard/{account_id}"}

    requests.get(response.json()["url"], allow_redirects=False, timeout=5)  # the seller onboards at Stripe
    deliver(api_client, inbox.wait_for_account(account_id=account_id))
    run_queued_jobs()

    assert owner_client.get(settings_url(shop.id)).json() == {
        "manual_enabled": True,
        "manual_instructions": "",
        "stripe_enabled": True,
        "stripe_account_id": account_id,
        "stripe_charges_enabled": True,
        "stripe_available": True,
    }


@pytest.fixture
def paid_order(api_client, user) -> Order:
    shop = ShopFactory(owner=user)
    shop_connect(shop)
    mug = stocked_product(shop, stock=5, price="10.00")
    cap = ProductFactory(shop=shop, price=Decimal("5.00"), stock_status="limited", stock_quantity=5)
    cart = cart_with(mug, quantity=2)
    cart.items.create(product=cap, quantity=1)
    api_client.post(checkout_url(cart.token), CUSTOMER, format="json")
    payment = Payment.objects.get()
    buyer_confirms(intent_id=payment.intent_id, account=payment.stripe_account_id)
    deliver(api_client, webhook_inbox().wait_for(intent_id=payment.intent_id, event_type="payment_intent.succeeded")[0])
    run_queued_jobs()
    return Order.objects.get()


def test_a_partial_refund_returns_the_stock_of_the_lines_the_seller_chose(owner_client, paid_order) -> None:
    mug_line, cap_line = OrderItem.objects.order_by("id")

    response = owner_client.post(
        refunds_url(paid_order.shop_id, paid_order.id),
        {"amount": "5.00", "restock_item_ids": [cap_line.id], "reason": "Cap returned"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="refund-1",
    )

    assert response.status_code == 201
    body = response.json()
    refund = Refund.objects.get()
    assert (body["status"], body["amount"], body["refunded_amount"]) == ("partially_refunded", "25.00", "5.00")
    assert body["refunds"] == [
        {
            "id": refund.id,
            "amount": "5.00",
            "reason": "Cap returned",
            "stripe_refund_id": refund.stripe_refund_id,
            "restocked_item_ids": [cap_line.id],
            "created_at": body["refunds"][0]["created_at"],
        }
    ]
    assert refund.stripe_refund_id.startswith("re_")
    cap_line.refresh_from_db()
    mug_line.refresh_from_db()
    assert stock_of(cap_line) == 5
    assert stock_of(mug_line) == 3
    assert (cap_line.stock_taken, mug_line.stock_taken) == (False, True)
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.PAID


def test_a_refund_retried_with_the_same_key_refunds_once(owner_client, paid_order) -> None:
    url = refunds_url(paid_order.shop_id, paid_order.id)
    first = owner_client.post(url, {"amount": "25.00"}, format="json", HTTP_IDEMPOTENCY_KEY="same")

    second = owner_client.post(url, {"amount": "25.00"}, format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert (Refund.objects.count(), first.json()["status"]) == (1, "refunded")
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.REFUNDED
    assert [stock_of(line) for line in OrderItem.objects.order_by("id")] == [3, 4]  # none restocked


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (
            {"amount": "25.01"},
            {"HTTP_IDEMPOTENCY_KEY": "k"},
            {"amount": ["At most 2500 (minor units) is left to refund."]},
        ),
        ({"amount": "1.005"}, {"HTTP_IDEMPOTENCY_KEY": "k"}, {"amount": ["Stripe cannot charge exactly 1.005 USD."]}),
        ({"amount": "1.00"}, {}, {"Idempotency-Key": ["Required, at most 255 characters."]}),
    ],
)
def test_a_refund_that_cannot_be_made_is_a_400_and_nothing_is_written(
    owner_client, paid_order, body, headers, expected
) -> None:
    response = owner_client.post(refunds_url(paid_order.shop_id, paid_order.id), body, format="json", **headers)

    assert (response.status_code, response.json()) == (400, expected)
    assert Refund.objects.count() == 0
    assert Payment.objects.get().refunded_amount == 0


def test_another_users_order_cannot_be_refunded(other_client, paid_order) -> None:
    response = other_client.post(
        refunds_url(paid_order.shop_id, paid_order.id), {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 404
    assert Refund.objects.count() == 0


def test_the_owner_reads_the_orders_payment(owner_client, paid_order) -> None:
    payment = Payment.objects.get()

    response = owner_client.get(f"/api/v1/shops/{paid_order.shop_id}/orders/{paid_order.id}/payment/")

    assert response.json() == {
        "id": payment.id,
        "order_id": paid_order.id,
        "provider": "stripe",
        "status": "paid",
        "currency": "USD",
        "amount": "25.00",
        "refunded_amount": "0.00",
        "intent_id": payment.intent_id,
        "failed_attempts": 0,
        "failure_message": "",
        "is_disputed": False,
        "dispute_status": "",
        "note": "",
        "refunds": [],
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
    }
