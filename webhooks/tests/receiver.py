"""A real HTTP receiver for the webhook tests: a ThreadingHTTPServer on 127.0.0.1 (an ephemeral port), in a
thread of the test process, that records every request and answers what the test says."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float  # time.time()


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: tuple[tuple[str, str], ...] = ()
    hang_seconds: float = 0  # wait this long (or until the receiver closes) before answering


Answerer = Callable[[ReceivedRequest], Answer]


class _Server(ThreadingHTTPServer):
    # socketserver's listen backlog is 5: a burst of connections beyond it loses its SYNs, which the client
    # sends again a second later (a 1 s latency that is the receiver's, not the delivery's).
    request_queue_size = 1024


class Receiver:
    def __init__(self, answer: Answerer | None = None) -> None:
        self.answer: Answerer = answer or (lambda request: Answer())
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = ReceivedRequest(
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length),
                    received_at=time.time(),
                )
                with receiver._lock:
                    receiver.requests.append(request)
                answer = receiver.answer(request)
                if answer.hang_seconds:
                    receiver._closing.wait(answer.hang_seconds)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers:
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:
                    pass  # the client gave up (its timeout): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def received(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self.requests)

    def wait_for(self, count: int, *, timeout: float = 10) -> list[ReceivedRequest]:
        deadline = time.monotonic() + timeout
        while len(self.received()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received()

    def close(self) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()
