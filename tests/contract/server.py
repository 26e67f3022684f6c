"""A local HTTP server (127.0.0.1 only) that answers like a service from a route table.

Routes serve recorded or hand-written bodies byte for byte; ``inject`` makes one chosen
request fail the way services do (429, 503, a timeout, a truncated body, a refused
credential) so the fault tests can prove a collector recovers or fails cleanly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULTS = ("429", "503", "timeout", "malformed", "expired")
TIMEOUT_DELAY = 1.5  # seconds the "timeout" fault stalls; test clients time out sooner


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = b""  # bytes as they are, str as UTF-8, anything else as JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"

    def raw(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


@dataclass
class Route:
    """``method path`` (and, when given, these query/form params) answered with ``reply``.

    ``auth`` marks credential endpoints (token, session): faults never hit them.
    ``optional`` routes need not be requested for the paging check to pass.
    """

    method: str
    path: str
    reply: Reply | Callable[[Request], Reply]
    params: Mapping[str, str] = field(default_factory=dict)
    when: Callable[[Request], bool] | None = None
    auth: bool = False
    optional: bool = False
    hits: int = 0

    def matches(self, request: Request) -> bool:
        if request.method != self.method or request.path.rstrip("/") != self.path.rstrip("/"):
            return False
        merged = {**request.params, **(request.form if request.method == "POST" else {})}
        if any(merged.get(k) != v for k, v in self.params.items()):
            return False
        return self.when is None or self.when(request)


@dataclass
class _Fault:
    kind: str
    nth: int
    reply: Reply | None


class LocalServer:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.requests: list[Request] = []
        self.data_requests: list[Request] = []  # those answered by non-``auth`` routes
        self.unmatched: list[Request] = []
        self.applied: list[str] = []
        self._fault: _Fault | None = None
        self._data_requests = 0
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"app": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host!s}:{port}"

    def serve(self, routes: list[Route]) -> None:
        self.routes = routes
        self.requests.clear()
        self.data_requests.clear()
        self.unmatched.clear()
        self.applied.clear()
        self._data_requests = 0
        self._fault = None

    def inject(self, kind: str, nth: int = 1, reply: Reply | None = None) -> None:
        """Fail the ``nth`` (0-based) data request from now on, once, in the way ``kind`` says."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULTS}")
        with self._lock:
            self._fault = _Fault(kind, self._data_requests + nth, reply)

    def clear_fault(self) -> None:
        self._fault = None

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def handle(self, request: Request) -> tuple[Reply, float]:
        with self._lock:
            self.requests.append(request)
            route = next((r for r in self.routes if r.matches(request)), None)
            if route is None:
                self.unmatched.append(request)
                return Reply(404, {"error": "NotFound", "message": "no such route"}), 0.0
            route.hits += 1
            reply = route.reply(request) if callable(route.reply) else route.reply
            if route.auth:
                return reply, 0.0
            self.data_requests.append(request)
            index = self._data_requests
            self._data_requests += 1
            fault = self._fault
            if fault is None or index != fault.nth:
                return reply, 0.0
            self._fault = None
            self.applied.append(fault.kind)
        if fault.kind == "429":
            return Reply(429, {"error": "RateLimitExceeded", "message": "Too Many Requests"},
                         {"Retry-After": "3"}), 0.0
        if fault.kind == "503":
            return Reply(503, "<html><body><h1>503 Service Unavailable</h1></body></html>",
                         content_type="text/html"), 0.0
        if fault.kind == "timeout":
            return reply, TIMEOUT_DELAY
        if fault.kind == "malformed":
            raw = reply.raw()
            return Reply(reply.status, raw[: max(1, len(raw) // 2)], reply.headers,
                         reply.content_type), 0.0
        assert fault.reply is not None, "an 'expired' fault needs the service's refusal reply"
        return fault.reply, 0.0


class _Handler(BaseHTTPRequestHandler):
    app: LocalServer
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, url.path,
                          {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
                          {k.lower(): v for k, v in self.headers.items()}, body)
        reply, delay = self.app.handle(request)
        if delay:
            time.sleep(delay)
        raw = reply.raw()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(raw)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout fault)

    do_GET = _serve  # noqa: N815 (http.server's naming)
    do_POST = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        pass


def running_server() -> Iterator[LocalServer]:
    server = LocalServer()
    try:
        yield server
    finally:
        server.close()
