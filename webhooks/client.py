"""The one HTTP request of a delivery attempt, made safe to point at the internet (urllib3, no retries).

The connect-time check: the URL's host is resolved here, every address checked (webhooks.addresses), and the
connection is opened to that checked address itself (urllib3's pool is built on the IP), so no second lookup can
lead elsewhere (DNS rebinding). For https the TLS handshake still names the real host (`server_hostname`, SNI)
and the certificate is verified against it (`assert_hostname`); the `Host` header carries the name too.
No redirect is followed (a 3xx is a failed attempt), no proxy from the environment is used, the connection and
each read time out, the whole attempt has a deadline, and at most RESPONSE_READ_MAX_BYTES of the body are read."""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

from webhooks.addresses import AddressRefused, checked_addresses, url_target
from webhooks.models import RESPONSE_SNIPPET_MAX_CHARS

RESPONSE_READ_MAX_BYTES = RESPONSE_SNIPPET_MAX_CHARS
CONNECT_TIMEOUT_MAX_SECONDS = 5.0
ERROR_MAX_CHARS = 500


@dataclass(frozen=True, kw_only=True)
class AttemptResult:
    status_code: int | None
    response_snippet: str
    error: str
    latency_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _pool(scheme: str, address: str, port: int, host: str, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=host,
            assert_hostname=host,
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)


def _read_capped(response: urllib3.BaseHTTPResponse, *, deadline: float) -> bytes:
    """At most RESPONSE_READ_MAX_BYTES, and nothing more once the deadline has passed (a receiver that trickles
    its answer cannot hold the worker)."""
    data = b""
    while len(data) < RESPONSE_READ_MAX_BYTES and time.monotonic() < deadline:
        chunk = response.read1(RESPONSE_READ_MAX_BYTES - len(data))
        if not chunk:
            break
        data += chunk
    return data


def post(*, url: str, body: bytes, headers: dict[str, str]) -> AttemptResult:
    """POST `body` to `url`; never raises for what the receiver or the network does (it is in the result)."""
    started = time.monotonic()
    total = float(settings.WEBHOOKS_TIMEOUT_SECONDS)
    deadline = started + total
    status_code, snippet, error = None, "", ""
    try:
        scheme, host, port = url_target(url)
        address = checked_addresses(host, port)[0]
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = 443 if scheme == "https" else 80
        name = f"[{host}]" if ":" in host else host  # an IPv6 literal is bracketed in Host
        host_header = name if port == default_port else f"{name}:{port}"
        timeout = urllib3.Timeout(connect=min(CONNECT_TIMEOUT_MAX_SECONDS, total), read=total)
        with _pool(scheme, str(address), port, host, timeout) as pool:
            response = pool.urlopen(
                "POST",
                target,
                body=body,
                headers={**headers, "host": host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=False,
                assert_same_host=False,
            )
            try:
                status_code = response.status
                snippet = _read_capped(response, deadline=deadline).decode("utf-8", errors="replace")
            finally:
                response.close()
    except AddressRefused as refused:
        error = f"Refused: {refused}"
    except (urllib3.exceptions.HTTPError, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    return AttemptResult(
        status_code=status_code,
        response_snippet=snippet[:RESPONSE_SNIPPET_MAX_CHARS],
        error=error[:ERROR_MAX_CHARS],
        latency_ms=int((time.monotonic() - started) * 1000),
    )
