"""SSRF: endpoints at non-public addresses, or at names that resolve to them, are refused when saved and again at
connect time (the address connected to is the one checked), with WEBHOOKS_ALLOW_LOOPBACK off."""

import ipaddress

import pytest

from events.bus import EventType, emit
from shops.tests.factories import ProductFactory
from webhooks import addresses
from webhooks.addresses import AddressRefused, address_allowed, url_check
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services.delivery import DeliveryFailed, delivery_attempt
from webhooks.services.endpoints import endpoint_create

REFUSED = [
    "10.0.0.1",  # private
    "172.16.5.4",
    "192.168.1.1",
    "127.0.0.1",  # loopback
    "127.8.9.10",
    "::1",
    "169.254.169.254",  # link-local (cloud metadata)
    "fe80::1",
    "100.64.0.1",  # CGNAT
    "0.0.0.0",  # noqa: S104 - an address under test, not a bind
    "::",
    "224.0.0.251",  # multicast
    "ff02::1",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "198.18.0.1",  # benchmarking
    "192.0.2.1",  # documentation
    "fc00::1",  # unique local
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:8.8.8.8",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2001::1",  # Teredo
]


@pytest.fixture
def switch_off(settings) -> None:
    settings.WEBHOOKS_ALLOW_LOOPBACK = False


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(switch_off, address) -> None:
    assert address_allowed(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(switch_off, address) -> None:
    assert address_allowed(ipaddress.ip_address(address)) is True


def test_the_switch_allows_loopback_only(settings) -> None:
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert [address_allowed(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1", "10.0.0.1", "169.254.169.254")] == [
        True,
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://10.1.2.3/hook", "resolves to 10.1.2.3, a non-public address"),
        ("https://[::1]/hook", "resolves to ::1, a non-public address"),
        ("https://[::ffff:169.254.169.254]/hook", "resolves to ::ffff:a9fe:a9fe, a non-public address"),
        ("https://localhost:8443/hook", "a non-public address"),  # a name that resolves to loopback
        ("http://93.184.215.14/hook", "must use https"),
        ("https://user:pw@93.184.215.14/hook", "user name or password"),
        ("ftp://93.184.215.14/", "must use https"),
        ("https://hooks.invalid/", "does not resolve"),
    ],
)
def test_urls_to_non_public_addresses_are_refused_when_saved(switch_off, url, reason) -> None:
    with pytest.raises(AddressRefused, match=reason.replace("(", r"\(")):
        url_check(url)


@pytest.mark.django_db
def test_the_api_refuses_a_name_that_resolves_to_a_private_address_and_writes_nothing(
    switch_off, owner_client, shop, monkeypatch
) -> None:
    monkeypatch.setattr(addresses, "resolve", lambda host, port: [ipaddress.ip_address("192.168.0.10")])
    response = owner_client.post(
        f"/api/v1/shops/{shop.id}/webhooks/endpoints/",
        {"url": "https://printer.example.com/hook", "event_types": ["order.created"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"url": ["The host printer.example.com resolves to 192.168.0.10, a non-public address."]}
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.django_db
def test_dns_rebinding_is_refused_at_connect_time_and_nothing_is_sent(switch_off, shop, receiver, monkeypatch) -> None:
    """Resolving (getaddrinfo) is the one thing replaced here: a public address when the endpoint is saved,
    then the receiver's loopback address when the delivery connects."""
    answers = {"at save": "93.184.215.14", "at connect": "127.0.0.1"}
    moment = ["at save"]
    monkeypatch.setattr(addresses, "resolve", lambda host, port: [ipaddress.ip_address(answers[moment[0]])])
    endpoint_create(shop=shop, url=f"https://rebind.example.com:{receiver.port}/hooks", event_types=["product.created"])
    emit(shop_id=shop.id, type=EventType.PRODUCT_CREATED, object_id=ProductFactory(shop=shop).id)

    moment[0] = "at connect"
    with pytest.raises(DeliveryFailed):
        delivery_attempt(delivery_id=WebhookDelivery.objects.get().id, last_attempt=False)

    assert receiver.received() == []
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (
        None,
        "Refused: The host rebind.example.com resolves to 127.0.0.1, a non-public address.",
    )


@pytest.mark.django_db
def test_the_connection_goes_to_the_checked_address_with_the_name_in_the_host_header(
    shop, receiver, monkeypatch
) -> None:
    """With the loopback switch on: the name resolves (replaced) to the receiver's address only, and the request
    arrives there naming the host it was sent to."""
    monkeypatch.setattr(addresses, "resolve", lambda host, port: [ipaddress.ip_address("127.0.0.1")])
    endpoint_create(shop=shop, url=f"http://hooks.example.com:{receiver.port}/in?a=1", event_types=["product.created"])
    emit(shop_id=shop.id, type=EventType.PRODUCT_CREATED, object_id=ProductFactory(shop=shop).id)

    delivery_attempt(delivery_id=WebhookDelivery.objects.get().id, last_attempt=False)

    [request] = receiver.received()
    assert (request.headers["host"], request.path) == (f"hooks.example.com:{receiver.port}", "/in?a=1")
