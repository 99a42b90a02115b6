"""JSON batching (``POST /v1.0/$batch``) as Graph documents it ("Combine multiple HTTP requests using JSON batching").

Validation of the envelope is all-or-nothing (400 for the whole batch); after that every item runs
through ``graph.run`` like a top-level request, so it gets its own permission check, its own
injected 429 and its own latency. Independent items run concurrently; an item waits for the
items it depends on, and gets 424 when one of them failed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import graph
from .contract import Caller, GraphError

if TYPE_CHECKING:
    from .emulator import Emulator

MAX_ITEMS = 20


def _bad(message: str, rid: str, crid: str | None) -> tuple[int, dict, bool]:
    return 400, GraphError(400, "BadRequest", message).envelope(rid, crid), False


def _split_url(url: str, version: str) -> tuple[str, str, str]:
    """Relative item URL ("/users?$top=1" or "users?$top=1") -> (version, path, raw query)."""
    raw_path, _, raw_query = url.partition("?")
    path = unquote(raw_path)
    if not path.startswith("/"):
        path = "/" + path
    for v in ("v1.0", "beta"):  # tolerate a version prefix in the item URL
        if path.lower().startswith(f"/{v}/"):
            return v, path[len(v) + 1:], raw_query
    return version, path.rstrip("/") or "/", raw_query


async def run_batch(emu: Emulator, caller: Caller, body: Any, base: str, version: str, rid: str,
                    crid: str | None) -> tuple[int, dict, bool]:
    """Returns (status, body, whether any item was a write)."""
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        return _bad("Invalid batch payload format.", rid, crid)
    items = body["requests"]
    if len(items) > MAX_ITEMS:
        return _bad(f"The number of batch requests in the input exceeds the allowed limit of {MAX_ITEMS}.", rid, crid)
    if not items:
        return _bad("Invalid batch payload format.", rid, crid)
    # An item id is "Not case-sensitive. Must be unique in the batch, otherwise, the batch request fails
    # with a 400" (JSON batching, learn.microsoft.com/graph/json-batching): ids and dependsOn compare folded.
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not item.get("id") or not item.get("method") or not item.get("url"):
            return _bad("Invalid batch payload format.", rid, crid)
        iid = str(item["id"])
        if iid.casefold() in seen:
            return _bad(f"Batch request id '{iid}' is duplicated.", rid, crid)
        if "://" in str(item["url"]):
            return _bad("Batch request url must be relative.", rid, crid)
        headers = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
        if item.get("body") is not None and "content-type" not in headers:
            return _bad(f"Content-Type header must be specified when the request body is present for request id "
                        f"'{iid}'.", rid, crid)
        # msgraph-core writes "depends_on"; Graph's own name is "dependsOn": honour both.
        deps = item.get("dependsOn") or item.get("depends_on") or []
        for dep in deps:
            if str(dep).casefold() not in seen:
                return _bad(f"Invalid dependency for request Id {iid}: '{dep}' must be a previous request.", rid,
                            crid)
        seen.add(iid.casefold())

    done: dict[str, asyncio.Future] = {str(i["id"]).casefold(): asyncio.get_running_loop().create_future()
                                       for i in items}
    writes = False

    async def one(item: dict) -> dict:
        nonlocal writes
        iid = str(item["id"])
        deps = [str(d).casefold() for d in (item.get("dependsOn") or item.get("depends_on") or [])]
        statuses = [await done[d] for d in deps]
        if any(s >= 400 for s in statuses):
            err = GraphError(424, "FailedDependency", "Failed dependency.")
            done[iid.casefold()].set_result(424)
            return {"id": iid, "status": 424, "headers": {}, "body": err.envelope(rid, crid)}
        method = str(item["method"]).upper()
        item_version, path, raw_query = _split_url(str(item["url"]), version)
        # "To use advanced query capabilities in batch requests, specify the ConsistencyLevel header in
        # the JSON body" (aad-advanced-queries); item header names are case-insensitive.
        item_headers = {str(k).lower(): v for k, v in (item.get("headers") or {}).items()}
        outcome = await graph.run(emu, caller, method, path, raw_query, item.get("body"), base, item_version,
                                  rid, crid, item_headers.get("consistencylevel"))
        writes = writes or outcome.write
        done[iid.casefold()].set_result(outcome.status)
        headers = dict(outcome.headers)
        if outcome.body is not None and outcome.status != 204:
            headers.setdefault("Content-Type", "application/json")
        answer = {"id": iid, "status": outcome.status, "headers": headers}
        if outcome.body is not None and outcome.status != 204:
            answer["body"] = outcome.body
        return answer

    responses = await asyncio.gather(*(one(i) for i in items))
    return 200, {"responses": list(responses)}, writes
