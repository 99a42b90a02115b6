"""The aiohttp application: TLS, the Graph front door, identity, $batch and admin routes.

Everything Graph-specific beyond the front door (faults, latency, routing, OData) lives in
``graph.run`` so that a ``$batch`` item takes exactly the same path as a top-level request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import uuid
from urllib.parse import unquote

from aiohttp import web

from . import admin, arm, batch, conformance, graph
from .contract import GraphError
from .emulator import Emulator
from .identity import TokenService
from .tls import make_server_tls

log = logging.getLogger("pim_emulator")
ODATA_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
VERSIONS = ("v1.0", "beta")


def json_response(status: int, body, headers: dict[str, str] | None = None) -> web.Response:
    headers = dict(headers or {})
    if status == 204 or body is None:
        return web.Response(status=status, headers=headers)
    headers["Content-Type"] = ODATA_JSON
    return web.Response(status=status, body=json.dumps(body).encode(), headers=headers)


def request_ids(request: web.Request) -> tuple[str, str | None]:
    return str(uuid.uuid4()), request.headers.get("client-request-id")


def split_graph_path(request: web.Request) -> tuple[str, str, str]:
    """(version, path below the version, raw query) from the undecoded request line."""
    raw = request.raw_path
    raw_path, _, raw_query = raw.partition("?")
    path = unquote(raw_path)
    _, version, rest = path.split("/", 2) if path.count("/") >= 2 else (None, path.strip("/"), "")
    return version, "/" + rest.rstrip("/"), raw_query


async def read_json_body(request: web.Request):
    if not request.can_read_body:
        return None
    text = await request.text()
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header "
                         "is set and payload is of valid JSON format.") from None


@web.middleware
async def headers_middleware(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException:
        raise
    except Exception:  # an emulator bug must still answer in Graph's shape, and be visible in the log
        log.exception("unhandled error for %s %s", request.method, request.path)
        rid = str(uuid.uuid4())
        response = json_response(500, GraphError(500, "InternalServerError", "Emulator internal error.").envelope(rid))
    if "request-id" not in response.headers and "x-ms-request-id" not in response.headers \
            and not request.path.startswith("/_emulator"):
        rid = str(uuid.uuid4())
        response.headers["request-id"] = rid
        response.headers["client-request-id"] = request.headers.get("client-request-id", rid)
    return response


class GraphFrontDoor:
    def __init__(self, emu: Emulator, tokens: TokenService):
        self.emu, self.tokens = emu, tokens

    async def handle(self, request: web.Request) -> web.Response:
        rid, crid = request_ids(request)
        ids = {"request-id": rid, "client-request-id": crid or rid}
        version, path, raw_query = split_graph_path(request)
        try:
            if version not in VERSIONS:
                raise GraphError(400, "BadRequest", "Invalid version.")
            caller = self.tokens.verify(request.headers.get("Authorization"))
        except GraphError as err:
            return json_response(err.status, err.envelope(rid, crid), {**err.headers, **ids})
        self.emu.stats.count_request(request.method, caller.tenant_id)
        try:
            body = await read_json_body(request)
        except GraphError as err:
            return json_response(err.status, err.envelope(rid, crid), ids)
        if path.lower() == "/$batch":
            if request.method != "POST":
                return json_response(405, GraphError(405, "BadRequest", "Only POST is supported for $batch.")
                                     .envelope(rid, crid), ids)
            lost = self.emu.faults.pick_envelope(request.method, path)
            if lost is not None:
                self.emu.stats.count_fault(str(lost.status), caller.tenant_id)
                if not lost.after:
                    return self.lost_answer(request, lost, caller.tenant_id, rid, crid, ids)
            status, doc, writes = await batch.run_batch(self.emu, caller, body, self.emu.base_url, version, rid, crid)
            if writes:
                self.emu.stats.count_write_request(caller.tenant_id)
            if lost is not None:  # the items ran; the client never sees their answers
                return self.lost_answer(request, lost, caller.tenant_id, rid, crid, ids)
            self.emu.stats.count_status(status, caller.tenant_id)
            return json_response(status, doc, ids)
        outcome = await graph.run(self.emu, caller, request.method, path, raw_query, body, self.emu.base_url,
                                  version, rid, crid, request.headers.get("ConsistencyLevel"))
        if outcome.write:
            self.emu.stats.count_write_request(caller.tenant_id)
        self.emu.stats.count_status(outcome.status, caller.tenant_id)
        headers = {**outcome.headers, **ids, "x-emulator-server-ms": f"{outcome.server_ms:.3f}"}
        return json_response(outcome.status, outcome.body, headers)


    def lost_answer(self, request: web.Request, rule, tenant_id: str, rid: str, crid: str | None,
                    ids: dict) -> web.Response:
        """A scripted fault on the ``$batch`` envelope: its status (a 5xx, 429) in Graph's error shape, or with
        ``status: 0`` the connection closed without any answer, as a dropped connection or a proxy timeout."""
        if not rule.status:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)  # never reaches the client: the connection is gone
        fault = graph._scripted_fault(self.emu, rule, rid, crid, False)
        self.emu.stats.count_status(fault.status, tenant_id)
        return json_response(fault.status, fault.body, {**fault.headers, **ids})


def make_app(emu: Emulator) -> web.Application:
    app = web.Application(middlewares=[headers_middleware], client_max_size=16 * 1024 * 1024)
    tokens = TokenService(emu)
    front = GraphFrontDoor(emu, tokens)
    app.add_routes(admin.routes(emu))
    app.add_routes(tokens.routes())
    conformance.install(app, emu)  # before the catch-all route, so GET /_emulator/conformance is its own
    arm.install(app, emu, tokens)  # Azure Resource Manager at the root: /subscriptions..., /providers/...
    app.router.add_route("*", "/{version}/{tail:.*}", front.handle)
    app["emu"] = emu
    return app


def write_ready_file(path: str, doc: dict) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2)
    os.chmod(tmp, 0o600)  # it carries secrets
    os.replace(tmp, path)


async def serve(emu: Emulator, ready_file: str | None) -> None:
    tls = make_server_tls(os.path.join(emu.work_dir, "tls"))
    emu.load()
    app = make_app(emu)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, emu.settings.host, emu.settings.port, ssl_context=tls.ssl_context(), backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    host = emu.settings.host if ":" not in emu.settings.host else f"[{emu.settings.host}]"
    if emu.settings.host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    emu.base_url = f"https://{host}:{port}"
    doc = emu.ready_document(tls.ca_path)
    if ready_file:
        write_ready_file(ready_file, doc)
    log.info("pim-emulator ready at %s (%d tenants)", emu.base_url, len(emu.tenants))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-POSIX
            pass

    async def saver():
        # Persist at most once a second after a write: cheap, and a kill -9 loses at most a second.
        while True:
            await asyncio.sleep(1.0)
            if emu.dirty:
                emu.save()

    task = asyncio.create_task(saver())
    try:
        await stop.wait()
    finally:
        task.cancel()
        await runner.cleanup()
        emu.close()
        log.info("pim-emulator stopped")
