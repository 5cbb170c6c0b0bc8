"""The admin shows payments, settings and events read-only; its refund action uses the owner's refund service."""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from jobs.tests.running import run_queued_jobs
from orders.models import Order, OrderStatus
from orders.tests.endpoints import CUSTOMER, checkout_url
from payments.models import Payment, PaymentStatus
from payments.tests.factories import cart_with, stocked_product, stripe_shop
from payments.tests.localstripe import buyer_confirms, deliver, webhook_inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_refunds_what_is_left_of_a_card_payment(admin_client_logged_in, api_client) -> None:
    shop = stripe_shop()
    api_client.post(
        checkout_url(cart_with(stocked_product(shop, stock=3, price="6.00")).token), CUSTOMER, format="json"
    )
    payment = Payment.objects.get()
    buyer_confirms(intent_id=payment.intent_id, account=payment.stripe_account_id)
    deliver(api_client, webhook_inbox().wait_for(intent_id=payment.intent_id, event_type="payment_intent.succeeded")[0])
    run_queued_jobs()
    pages = [
        "/admin/payments/payment/",
        f"/admin/payments/payment/{payment.id}/change/",
        "/admin/payments/stripeevent/",
    ]

    assert [admin_client_logged_in.get(page).status_code for page in pages] == [200] * 3
    response = admin_client_logged_in.post(
        "/admin/payments/payment/", {"action": "refund_rest_in_full", "_selected_action": [payment.id]}
    )

    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount, payment.refunds.get().amount) == (PaymentStatus.REFUNDED, 600, 600)
    assert Order.objects.get().status == OrderStatus.REFUNDED
