"""A hostile network between the collection and the emulator: a TLS-terminating forwarding proxy on 127.0.0.1.

The emulator injects *Graph* faults (429/503/504 with JSON bodies, per operation). What a real network and
real gateways also do, it cannot: reset a connection, cut a body short, answer with an HTML error page,
hang, or hand out a ``nextLink`` that leads back to a page already read. This proxy does those, per scripted
rule, for Graph and for the sign-in endpoints alike.

It terminates TLS with the emulator's own server certificate (which is valid for 127.0.0.1), so clients
trust it through the same ``ca_bundle``; it forwards each request on a fresh upstream connection and
rewrites the emulator's base URL to its own in every body (OIDC metadata, ``nextLink``), so that every
later request comes back through it.

Rules (dicts): ``method`` (``*``), ``path`` (regex searched in the path and query), ``nth`` (1-based, the
first matching request to hit), ``times`` (how many in a row), ``action``:

- ``reset``: close the connection with a TCP RST, without an answer (``after: true``: forward first, so the
  request lands upstream and only its answer is lost)
- ``truncate``: forward, then send the headers and half the body, and close
- ``html``: answer ``status`` (default 503) with an HTML page, ``retry_after`` as a header if given
- ``hang``: answer nothing until the proxy stops (a dead endpoint that accepted the connection)
- ``loop_next_link``: forward, then point the page's ``@odata.nextLink`` back at this very request
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
             b"<body><h1>Service Unavailable</h1><p>The gateway could not reach the service.</p></body></html>")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "accept-encoding", "host",
              "proxy-connection", "te", "upgrade", "trailer", "content-encoding"}


@dataclass
class Rule:
    action: str
    method: str = "*"
    path: str = ".*"
    nth: int = 1
    times: int = 1
    status: int = 503
    retry_after: str | None = None
    after: bool = False
    seen: int = 0
    fired: int = 0
    _rx: re.Pattern = field(init=False, repr=False)

    def __post_init__(self):
        self._rx = re.compile(self.path)

    def hits(self, method: str, path: str) -> bool:
        if self.method not in ("*", method) or not self._rx.search(path):
            return False
        self.seen += 1
        if self.nth <= self.seen < self.nth + self.times:
            self.fired += 1
            return True
        return False


class FaultProxy:
    """``FaultProxy(emulator_info)``; ``.url`` replaces the emulator's base URL in the connection options."""

    def __init__(self, info: dict, plain: bool = False):
        up = urlsplit(info["authority_host"])
        self.upstream_base = f"{up.scheme}://{up.netloc}"
        self._up_host, self._up_port = up.hostname, up.port or 443
        tls_dir = Path(info["ca_bundle"]).parent
        self._server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_ctx.load_cert_chain(str(tls_dir / "server.pem"), str(tls_dir / "server-key.pem"))
        self._client_ctx = ssl.create_default_context(cafile=info["ca_bundle"])
        self.rules: list[Rule] = []
        self.log: list[tuple[str, str, str]] = []  # (method, path, what happened)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        if plain:  # plain HTTP in front of the emulator, for the allow_insecure_http opt-in
            self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        else:
            self._server.socket = self._server_ctx.wrap_socket(self._server.socket, server_side=True)
            self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- configuration ----------------------------------------------------------------------
    def add(self, action: str, **kw) -> Rule:
        rule = Rule(action, **kw)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules, self.log = [], []

    def auth(self, options: dict, keys=("graph_url", "authority_host")) -> dict:
        """Connection options of the emulator, pointed at this proxy instead (for ``keys``)."""
        out = dict(options)
        for key in keys:
            if out.get(key):
                out[key] = out[key].replace(self.upstream_base, self.url)
        return out

    def count(self, method: str = "*", path: str = ".*") -> int:
        rx = re.compile(path)
        return sum(1 for m, p, *_rest in self.log if method in ("*", m) and rx.search(p))

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    # -- the request handler ------------------------------------------------------------------
    def _pick(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.hits(method, path):
                    return rule
        return None

    def _forward(self, method: str, path: str, headers, body: bytes) -> tuple[int, list, bytes]:
        conn = http.client.HTTPSConnection(self._up_host, self._up_port, context=self._client_ctx, timeout=120)
        try:
            fwd = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
            fwd["Accept-Encoding"] = "identity"  # bodies are rewritten and cut: no compression
            fwd["Host"] = f"{self._up_host}:{self._up_port}"
            conn.request(method, path, body=body or None, headers=fwd)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP], data
        finally:
            conn.close()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: the test reads proxy.log instead
                pass

            def _reset(self) -> None:
                # SO_LINGER 0: close() sends a TCP RST, which is what "connection reset by peer" is.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            def _send(self, status: int, headers: list, body: bytes, cut: bool = False) -> None:
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                if cut:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if cut else body)
                self.wfile.flush()
                if cut:  # a FIN mid-body, no TLS close_notify: the body simply stops short
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)

            def _handle(self) -> None:
                method, path = self.command, self.path
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rule = proxy._pick(method, path)
                action = rule.action if rule else "forward"
                with proxy._lock:
                    proxy.log.append((method, path, action))
                if action == "hang":
                    proxy._stop.wait()
                    self.close_connection = True
                    return
                if action == "html":
                    headers = [("Content-Type", "text/html; charset=utf-8")]
                    if rule.retry_after is not None:
                        headers.append(("Retry-After", rule.retry_after))
                    self._send(rule.status, headers, HTML_PAGE)
                    return
                if action == "reset" and not rule.after:
                    self._reset()
                    return
                status, headers, data = proxy._forward(method, path, self.headers, body)
                data = data.replace(proxy.upstream_base.encode(), proxy.url.encode())
                if action == "reset":  # after: the request landed, its answer is lost
                    self._reset()
                    return
                if action == "loop_next_link":
                    data = re.sub(rb'("@odata\.nextLink"\s*:\s*")[^"]*(")',
                                  lambda m: m.group(1) + (proxy.url + path).encode() + m.group(2), data)
                self._send(status, headers, data, cut=action == "truncate")

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle  # noqa: N815 - http.server's names

        return Handler
