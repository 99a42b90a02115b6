"""``python -m pim_emulator bench``: requests per second for reading every policy with its rules.

Starts an emulator (or uses a running one via ``--ready-file``), takes one app token, then keeps
``--concurrency`` clients reading ``roleManagementPolicyAssignments?$expand=policy($expand=rules)``
(all pages) for ``--seconds``. Reports client-side requests per second and the server's own time
per request from the ``x-emulator-server-ms`` header (handler time, without TLS and injected latency).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import statistics
import tempfile
import time
import urllib.parse
import urllib.request

from .launch import start

PATH = "/policies/roleManagementPolicyAssignments"
QUERY = {"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'", "$expand": "policy($expand=rules)"}


def _start():
    """An emulator of its own, started by ``launch.start`` like every other harness; its log goes to a file
    so that stdout carries only the result."""
    try:
        return start(tempfile.mkdtemp(prefix="pim-bench-"), ["--log-level", "WARNING"])
    except RuntimeError as exc:
        raise SystemExit(f"emulator did not start: {exc}") from None


def _token(doc: dict, ctx: ssl.SSLContext) -> str:
    tenant = doc["tenants"][0]
    app = next(a for a in tenant["apps"] if a["name"] == "pim-reader")
    data = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": app["client_id"],
                                   "client_secret": app["client_secret"],
                                   "scope": "https://graph.microsoft.com/.default"}).encode()
    url = f"{doc['authority_host']}/{tenant['id']}/oauth2/v2.0/token"
    with urllib.request.urlopen(url, data=data, context=ctx) as resp:  # noqa: S310 - https to our own emulator
        return json.load(resp)["access_token"]


async def _client(host: str, port: int, ctx: ssl.SSLContext, token: str, first_path: str, stop_at: float,
                  server_ms: list[float], counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=host)
    try:
        while time.monotonic() < stop_at:
            path = first_path
            while path:  # one "read" = every page
                writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                              "Accept: application/json\r\n\r\n").encode())
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.decode().split("\r\n")[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                server_ms.append(float(headers.get("x-emulator-server-ms", "nan")))
                counts[0] += 1
                nxt = json.loads(body).get("@odata.nextLink")
                path = urllib.parse.urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
            counts[1] += 1
    finally:
        writer.close()


def run_bench(args) -> int:
    emulator = None
    if args.ready_file:
        with open(args.ready_file, encoding="utf-8") as fh:
            doc = json.load(fh)
    else:
        emulator = _start()
        doc = emulator.info
    try:
        ctx = ssl.create_default_context(cafile=doc["ca_bundle"])
        token = _token(doc, ctx)
        parts = urllib.parse.urlsplit(doc["graph_url"])
        path = parts.path + PATH + "?" + urllib.parse.urlencode(QUERY, quote_via=urllib.parse.quote)
        server_ms: list[float] = []
        counts = [0, 0]  # HTTP requests, full reads (all pages)

        async def main():
            stop_at = time.monotonic() + args.seconds
            await asyncio.gather(*(_client(parts.hostname, parts.port, ctx, token, path, stop_at, server_ms, counts)
                                   for _ in range(args.concurrency)))

        started = time.monotonic()
        asyncio.run(main())
        elapsed = time.monotonic() - started
        ms = sorted(x for x in server_ms if x == x)
        result = {
            "scenario": "read all policy assignments with policy+rules (all pages), one tenant",
            "concurrency": args.concurrency, "seconds": round(elapsed, 2),
            "requests": counts[0], "full_reads": counts[1],
            "requests_per_second": round(counts[0] / elapsed, 1),
            "full_reads_per_second": round(counts[1] / elapsed, 1),
            "server_ms_median": round(statistics.median(ms), 2) if ms else None,
            "server_ms_p95": round(ms[int(len(ms) * 0.95) - 1], 2) if ms else None,
        }
        print(json.dumps(result, indent=2))
        return 0
    finally:
        if emulator is not None:
            emulator.stop()
