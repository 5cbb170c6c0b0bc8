"""Load generation for `make bench` and the load tests: an operation is a method, paths to rotate through,
headers and a body (fixed bytes, or a template whose `__N__` becomes a number unique in the run).

Two drivers with one result shape: wrk (C, light on the CPU the server needs) through a generated Lua script,
and a small asyncio HTTP/1.1 client for machines without wrk. Both stop after `seconds` or `max_requests`."""

import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

COUNTER = "__N__"


@dataclass
class Operation:
    name: str
    method: str
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    body_template: str | None = None  # every request gets its own body: COUNTER -> "<client>-<n>"
    bodies: list[str] | None = None  # rotated like the paths
    ok_statuses: tuple[int, ...] = (200,)
    # Each path once, across runs (a path that a request consumes: a cart's checkout); asyncio driver only.
    once: bool = False

    def body_for(self, client: int, number: int) -> bytes | None:
        if self.body_template is not None:
            return self.body_template.replace(COUNTER, f"{client}-{number}").encode()
        if self.bodies:
            return self.bodies[(client * 7919 + number) % len(self.bodies)].encode()
        return self.body


@dataclass
class Result:
    requests: int
    seconds: float
    errors: int  # connection errors, timeouts and statuses not in ok_statuses
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run(
    operation: Operation, *, base_url: str, seconds: float, connections: int, max_requests: int = 1_000_000
) -> Result:
    """Drive `operation` for `seconds` with `connections` concurrent clients: wrk when installed, else asyncio."""
    if shutil.which("wrk") and max_requests >= 1_000_000 and not operation.once:
        return run_wrk(operation, base_url=base_url, seconds=seconds, connections=connections)
    return asyncio.run(
        run_async(operation, base_url=base_url, seconds=seconds, connections=connections, max_requests=max_requests)
    )


# --- wrk ---


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for our (ASCII) values


def _lua_script(operation: Operation, body_file: Path | None) -> str:
    paths = ", ".join(_lua_string(path) for path in operation.paths)
    headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in operation.headers.items())
    template = _lua_string(operation.body_template) if operation.body_template is not None else "nil"
    bodies = ", ".join(_lua_string(body) for body in operation.bodies or [])
    ok = ", ".join(f"[{status}] = true" for status in operation.ok_statuses)
    return f"""
local paths = {{{paths}}}
local headers = {{{headers}}}
local template = {template}
local ok = {{{ok}}}
local bodies = {{{bodies}}}
local body = nil
local counter = 0
bad = 0
local threads = {{}}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  {"local f = io.open(" + _lua_string(str(body_file)) + ', "rb"); body = f:read("*a"); f:close()' if body_file else ""}
  counter = tid * 100000
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  local b = body
  if #bodies > 0 then
    b = bodies[(counter % #bodies) + 1]
  end
  if template then
    b = (string.gsub(template, "{COUNTER}", tid .. "-" .. counter))
  end
  return wrk.format({_lua_string(operation.method)}, path, headers, b)
end

function response(status, hdrs, resp_body)
  if not ok[status] then bad = bad + 1 end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do bad_total = bad_total + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {{"requests": %d, "duration_us": %d, "bad": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}}\\n',
    summary.requests, summary.duration, bad_total, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def run_wrk(operation: Operation, *, base_url: str, seconds: float, connections: int) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        body_file = None
        if operation.body is not None:
            body_file = Path(folder) / "body"
            body_file.write_bytes(operation.body)
        script = Path(folder) / "op.lua"
        script.write_text(_lua_script(operation, body_file))
        threads = max(1, min(2, connections))
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            base_url,
        ]
        output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)  # noqa: S603
    line = next(line for line in output.stdout.splitlines() if line.startswith("BENCH_JSON "))
    data = json.loads(line.removeprefix("BENCH_JSON "))
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=data["bad"] + data["socket_errors"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


# --- asyncio ---

_STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    match = _STATUS_LINE.match(lines[0])
    if not match:
        raise ConnectionError(f"bad status line {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            headers[name.strip().lower().decode()] = value.strip().decode("latin-1")
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(chunk[:-2] for chunk in chunks)
    elif headers.get("connection", "").lower() == "close":
        body = await reader.read()
    else:
        body = b""
    return int(match.group(1)), headers, body


def _request_bytes(method: str, host: str, path: str, headers: dict[str, str], body: bytes | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


class Connection:
    """One keep-alive HTTP/1.1 connection that reconnects when the server closes it (gunicorn sync workers
    close after every response)."""

    def __init__(self, host: str, port: int, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connected(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The open connection, or a new one when there is none or the server closed it."""
        if self.reader is not None and self.writer is not None and not self.reader.at_eof():
            return self.reader, self.writer
        await self.close()
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.timeout)
        self.reader, self.writer = reader, writer
        return reader, writer

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        reader, writer = await self._connected()
        try:
            writer.write(_request_bytes(method, f"{self.host}:{self.port}", path, headers or {}, body))
            await writer.drain()
            status, response_headers, response_body = await asyncio.wait_for(_read_response(reader), self.timeout)
        except BaseException:
            await self.close()
            raise
        if response_headers.get("connection", "").lower() == "close":
            await self.close()
        return status, response_headers, response_body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def split_url(base_url: str) -> tuple[str, int]:
    host, port = base_url.removeprefix("http://").rstrip("/").split(":")
    return host, int(port)


async def run_async(
    operation: Operation, *, base_url: str, seconds: float, connections: int, max_requests: int
) -> Result:
    host, port = split_url(base_url)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    deadline = time.monotonic() + seconds
    issued = 0

    async def client(number: int) -> None:
        nonlocal errors, issued
        connection = Connection(host, port)
        count = 0
        while time.monotonic() < deadline and issued < max_requests:
            issued += 1
            count += 1
            if operation.once and not operation.paths:
                break
            path = (
                operation.paths.pop()
                if operation.once
                else operation.paths[(number * 7919 + count) % len(operation.paths)]
            )
            started = time.perf_counter()
            try:
                status, _, _ = await connection.request(
                    operation.method, path, operation.headers, operation.body_for(number, count)
                )
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ConnectionError):
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
            if status not in operation.ok_statuses:
                errors += 1
        await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(client(number) for number in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return Result(
        requests=len(latencies),
        seconds=elapsed,
        errors=errors,
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        statuses=statuses,
    )


def _percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]
