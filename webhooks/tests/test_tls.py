"""https to a pinned address: the connection goes to the address that was checked, while TLS names the real host
(SNI) and the certificate is verified against that name. The receiver's certificate is made here with the openssl
command (self-signed for hooks.example.com); only name resolution is replaced."""

import ipaddress
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from events.bus import EventType, emit
from shops.tests.factories import ProductFactory
from webhooks import addresses
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.services.delivery import DeliveryFailed, delivery_attempt
from webhooks.services.endpoints import endpoint_create

pytestmark = pytest.mark.django_db
HOST = "hooks.example.com"


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, Path, list[str], list[str]]]:
    """(port, certificate file, server names the clients sent, Host headers received)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 - a fixed command
        [  # noqa: S607 - openssl from PATH
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-days", "1", "-subj", f"/CN={HOST}",
            "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server_names: list[str] = []
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            hosts.append(self.headers["host"])
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: server_names.append(name or "")  # records the name, changes nothing
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1]), cert, server_names, hosts
    server.shutdown()
    server.server_close()


def _deliver(shop: Any, port: int) -> None:
    endpoint_create(shop=shop, url=f"https://{HOST}:{port}/hooks", event_types=["product.created"])
    emit(shop_id=shop.id, type=EventType.PRODUCT_CREATED, object_id=ProductFactory(shop=shop).id)
    delivery_attempt(delivery_id=WebhookDelivery.objects.get().id, last_attempt=False)


@pytest.fixture
def resolves_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addresses, "resolve", lambda host, port: [ipaddress.ip_address("127.0.0.1")])


def test_https_goes_to_the_checked_address_naming_the_host_for_sni_certificate_and_host_header(
    shop, tls_receiver, resolves_to_loopback, monkeypatch
) -> None:
    port, cert, server_names, hosts = tls_receiver
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # OpenSSL's default trust store: this run's certificate

    _deliver(shop, port)

    assert (server_names, hosts) == ([HOST], [f"{HOST}:{port}"])
    assert WebhookAttempt.objects.get().status_code == 200


def test_a_certificate_that_does_not_verify_fails_the_attempt(shop, tls_receiver, resolves_to_loopback) -> None:
    port, _, server_names, hosts = tls_receiver

    with pytest.raises(DeliveryFailed):
        _deliver(shop, port)

    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in attempt.error
    assert (server_names, hosts) == ([HOST], [])
