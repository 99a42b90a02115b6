"""One Graph operation, from a verified caller to a JSON answer; shared by requests and $batch items.

The order mirrors the real service: authentication (by the caller of ``run``), then throttling and
other injected faults, then latency, then the route's own permission check and work. Engine answers
that are ``Collection``s get the OData options applied here, generically.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from . import directory, odata
from .contract import Caller, Collection, GraphError, GraphRequest
from .faults import ScriptedRule, fault_error, is_write, too_many_requests

if TYPE_CHECKING:
    from .emulator import Emulator

ENGINE_PREFIXES = ("/rolemanagement/directory/", "/policies/rolemanagementpolic", "/auditlogs/directoryaudits",
                   "/identitygovernance/privilegedaccess/")
BETA_ENGINE_PREFIX = "/rolemanagement/directory/roleassignmentapprovals"


def is_engine_route(path: str, version: str) -> bool:
    low = path.lower()
    if version == "beta":
        return low.startswith(BETA_ENGINE_PREFIX)
    if low.startswith("/rolemanagement/directory/roledefinitions"):
        return False
    return low.startswith(ENGINE_PREFIXES)


def segment_not_found(path: str) -> GraphError:
    """Graph answers an unknown path with 400 (not 404): "Resource not found for the segment 'x'."."""
    first = next((s for s in path.split("/") if s), "")
    return GraphError(400, "BadRequest", f"Resource not found for the segment '{first}'.")


class Outcome:
    __slots__ = ("status", "body", "headers", "write", "server_ms")

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None, write: bool = False):
        self.status, self.body, self.headers, self.write = status, body, headers or {}, write
        self.server_ms = 0.0


async def run(emu: Emulator, caller: Caller, method: str, path: str, raw_query: str, body: Any, base: str,
              version: str, request_id: str, client_request_id: str | None) -> Outcome:
    """``base`` is https://host:port; ``path`` is below the version segment."""
    write = is_write(method, path, body)
    if write and isinstance(body, dict) and body.get("isValidationOnly") is True:
        write = False  # a validation-only request changes nothing (a check-mode run may send these)
    emu.stats.count_operation(method, path, caller.tenant_id, write)
    after: ScriptedRule | None = None  # a fault that answers once the operation has been applied
    try:
        picked = emu.faults.pick(method, path)
        if picked is not None:
            emu.stats.count_fault(str(picked.status if isinstance(picked, ScriptedRule) else picked), caller.tenant_id)
            if picked == 429:
                status, doc, headers = too_many_requests(emu.faults.retry_after, request_id)
                return Outcome(status, doc, headers, write)
            if isinstance(picked, ScriptedRule) and picked.after:
                after = picked
            elif isinstance(picked, ScriptedRule):
                return _scripted_fault(emu, picked, request_id, client_request_id, write)
            else:
                raise fault_error(picked, emu.faults.retry_after)
        delay = emu.faults.delay_seconds()
        if delay:
            await asyncio.sleep(delay)  # never a blocking sleep: other clients keep being served
        started = time.perf_counter()
        query = odata.parse_query(raw_query)
        req = GraphRequest(method=method, path=path, query=query, body=body, caller=caller,
                           base_url=f"{base}/{version}", request_id=request_id, version=version,
                           now=emu.clock.now().timestamp())
        status, answer = _dispatch(emu, req)
        if isinstance(answer, Collection):
            answer = shape_collection(emu, req, answer)
        elif isinstance(answer, dict):
            if req.method == "GET" and query.get("$select") and "value" not in answer:
                keep = tuple(odata.parse_expand(query["$expand"])) if query.get("$expand") else ()
                answer = odata.apply_select(answer, odata.select_fields(query["$select"]), keep)
            answer = odata.strip_internal(answer)
        outcome = Outcome(status, answer, write=write)
        outcome.server_ms = (time.perf_counter() - started) * 1000
        if write and status < 400:
            emu.mark_dirty()
    except GraphError as err:
        outcome = Outcome(err.status, err.envelope(request_id, client_request_id), dict(err.headers), write)
    if after is not None:
        # Whatever the operation answered (it may have failed on its own), the client sees the fault.
        return _scripted_fault(emu, after, request_id, client_request_id, write)
    return outcome


def _scripted_fault(emu: Emulator, rule: ScriptedRule, request_id: str, client_request_id: str | None,
                    write: bool) -> Outcome:
    ra = rule.retry_after if rule.retry_after is not None else emu.faults.retry_after
    if rule.status == 429 and not rule.code:
        status, doc, headers = too_many_requests(ra, request_id)
        return Outcome(status, doc, headers, write)
    err = fault_error(rule.status, ra, rule.code, rule.message)
    return Outcome(err.status, err.envelope(request_id, client_request_id), dict(err.headers), write)


def _dispatch(emu: Emulator, req: GraphRequest):
    tenant = emu.tenants[req.caller.tenant_id]
    if is_engine_route(req.path, req.version):
        return emu.engine(tenant.id).dispatch(req)
    if req.version == "v1.0":
        answer = directory.handle(tenant, req)
        if answer is not None:
            return answer
    raise segment_not_found(req.path)


def shape_collection(emu: Emulator, req: GraphRequest, coll: Collection) -> dict:
    """Apply $filter/$orderby/$count/$select/$top/$skiptoken and build the OData envelope."""
    q = req.query
    now = emu.clock.now().timestamp()
    items = [it for it in coll.items if not (it.get("_visible_after") and it["_visible_after"] > now)]
    items = odata.apply_filter(items, q.get("$filter"))
    items = odata.apply_orderby(items, q.get("$orderby"))
    total = len(items)
    offset = odata.read_skiptoken(q["$skiptoken"]) if "$skiptoken" in q else 0
    top = odata.parse_top(q.get("$top"))
    page = emu.settings.page_size if top is None else min(top, emu.settings.page_size) or emu.settings.page_size
    window = items[offset: offset + page]
    fields = odata.select_fields(q.get("$select"))
    if fields is None and coll.context == "users":
        fields = directory.USER_DEFAULT
    keep = tuple(odata.parse_expand(q["$expand"]).keys()) if q.get("$expand") else ()
    value = [odata.strip_internal(odata.apply_select(it, fields, keep)) for it in window]
    doc: dict[str, Any] = {"@odata.context": f"{req.base_url}/$metadata#{coll.context}"}
    if str(q.get("$count", "")).lower() == "true":
        doc["@odata.count"] = total
    # As Graph does for directory lists, $top is the page size and a nextLink leads to the rest.
    if offset + page < total:
        opts = {k: v for k, v in q.items() if k != "$skiptoken"}
        opts["$skiptoken"] = odata.make_skiptoken(offset + page)
        doc["@odata.nextLink"] = f"{req.base_url}{req.path}?{odata.encode_query(opts)}"
    doc["value"] = value
    return doc
