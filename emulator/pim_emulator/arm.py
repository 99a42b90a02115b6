"""The Azure Resource Manager front door: one ARM call from the HTTP request to the JSON answer.

Same process, port, TLS, token service, faults, statistics and state as Graph (server.py); ARM's own
conventions on top: the token must be for ``https://management.azure.com`` (identity.TokenService.verify_arm),
errors are ``{"error": {"code", "message"}}``, answers carry ``x-ms-request-id`` /
``x-ms-correlation-request-id`` and the ``x-ms-ratelimit-remaining-subscription-reads|writes`` headers, and a
throttled call is ARM's 429 with ``Retry-After``. The order mirrors ARM: authentication, throttling and injected
faults, then the route (its api-version, scope and RBAC checks). Writes (PUT, PATCH, POST but ``validate``,
DELETE) count in the same ``writes`` / ``write_requests`` counters as Graph's, so "0 writes" checks see both.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from .contract import GraphError
from .faults import ScriptedRule, is_write
from .identity import TokenService
from .pim import arm_state
from .pim.arm_errors import ArmError
from .responses.arm.common import ArmRequest
from .routes.arm import ARM

if TYPE_CHECKING:
    from .emulator import Emulator

JSON = "application/json; charset=utf-8"
# "Understand how Azure Resource Manager throttles requests": per subscription and principal, 12000 reads and
# 1200 writes an hour (the remaining count is what the headers report).
READS_PER_HOUR, WRITES_PER_HOUR = 12000, 1200
# Prefixes of the paths served here (routes/arm.py); the rest of the root belongs to Graph and the token service.
PREFIXES = ("/subscriptions", "/providers/")


def _response(status: int, body, headers: dict[str, str]) -> web.Response:
    if body is None or status == 204:
        return web.Response(status=status, headers=headers)
    return web.Response(status=status, body=json.dumps(body).encode(), headers={**headers, "Content-Type": JSON})


def throttled(retry_after: float, write: bool) -> ArmError:
    """ARM's 429 (same page): "Number of '{read|write}' requests for subscription '...' actor '...' exceeded.
    Please try again after '{n}' seconds after additional tokens are available." Unsure of the exact code ARM uses
    at the subscription level; SubscriptionRequestsThrottled is the one its throttling answers have carried."""
    seconds = int(retry_after) if float(retry_after).is_integer() else retry_after
    kind = "write" if write else "read"
    return ArmError(429, "SubscriptionRequestsThrottled", f"Number of '{kind}' requests exceeded. Please try again "
                    f"after '{seconds}' seconds after additional tokens are available. Refer to "
                    "https://aka.ms/arm-throttling for additional information.",
                    headers={"Retry-After": str(seconds)})


class ArmFrontDoor:
    def __init__(self, emu: Emulator, tokens: TokenService):
        self.emu, self.tokens = emu, tokens
        self.budget: Counter = Counter()  # (tenant, principal, read|write, hour) -> calls

    def _ratelimit(self, tenant_id: str, principal: str, write: bool) -> dict[str, str]:
        hour = int(time.time() // 3600)
        kind = "writes" if write else "reads"
        self.budget[(tenant_id, principal, kind, hour)] += 1
        limit = WRITES_PER_HOUR if write else READS_PER_HOUR
        remaining = max(0, limit - self.budget[(tenant_id, principal, kind, hour)])
        return {f"x-ms-ratelimit-remaining-subscription-{kind}": str(remaining)}

    async def handle(self, request: web.Request) -> web.Response:
        rid = str(uuid.uuid4())
        ids = {"x-ms-request-id": rid,
               "x-ms-correlation-request-id": request.headers.get("x-ms-correlation-request-id") or rid}
        if request.headers.get("x-ms-client-request-id"):
            ids["x-ms-client-request-id"] = request.headers["x-ms-client-request-id"]
        raw_path, _, raw_query = request.raw_path.partition("?")
        path = "/" + unquote(raw_path).strip("/")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        method = request.method.upper()
        try:
            caller = self.tokens.verify_arm(request.headers.get("Authorization"))
        except GraphError as err:
            return _response(err.status, ArmError(err.status, err.code, err.message).envelope(),
                             {**err.headers, **ids})
        tid = caller.tenant_id
        stats = self.emu.stats
        stats.count_request(method, tid)
        eng = self.emu.engine(tid)
        principal = arm_state.principal_of(eng.tenant, caller)
        body = None
        if request.can_read_body:
            text = await request.text()
            if text.strip():
                try:
                    body = json.loads(text)
                except ValueError:
                    err = ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                                   "deserialized.")
                    stats.count_status(400, tid)
                    return _response(400, err.envelope(), ids)
        # validate answers whether a request would pass, changing nothing (a check-mode run may send it).
        write = is_write(method, path, body) and not path.lower().endswith("/validate")
        stats.count_operation(method, path, tid, write)
        if write:
            stats.count_write_request(tid)
        headers = {**ids, **self._ratelimit(tid, principal, write)}
        status, answer, extra = await self._run(eng, caller, principal, method, path, query, body, rid, write)
        stats.count_status(status, tid)
        if write and status < 400:
            self.emu.mark_dirty()
        return _response(status, answer, {**extra, **headers})

    async def _run(self, eng, caller, principal: str, method: str, path: str, query: dict, body, rid: str,
                   write: bool) -> tuple[int, object, dict]:
        after: ScriptedRule | None = None
        picked = self.emu.faults.pick(method, path)
        if picked is not None:
            self.emu.stats.count_fault(str(picked.status if isinstance(picked, ScriptedRule) else picked),
                                       caller.tenant_id)
            if isinstance(picked, ScriptedRule) and picked.after:
                after = picked
            else:
                err = self._fault(picked, write)
                return err.status, err.envelope(), dict(err.headers)
        delay = self.emu.faults.delay_seconds()
        if delay:
            await asyncio.sleep(delay)
        req = ArmRequest(method=method, path=path, query=query, body=body, caller=caller, principal_id=principal,
                         base_url=self.emu.base_url, now=self.emu.clock.now(), request_id=rid,
                         page_size=self.emu.settings.page_size)
        try:
            status, answer = ARM.dispatch(eng, req)
            extra: dict = {}
        except GraphError as err:
            arm = err if isinstance(err, ArmError) else ArmError(err.status, err.code, err.message, err.headers)
            status, answer, extra = arm.status, arm.envelope(), dict(arm.headers)
        if after is not None:
            err = self._fault(after, write)
            return err.status, err.envelope(), dict(err.headers)
        return status, answer, extra

    def _fault(self, picked, write: bool) -> ArmError:
        rule = picked if isinstance(picked, ScriptedRule) else None
        status = rule.status if rule else int(picked)
        retry = rule.retry_after if rule and rule.retry_after is not None else self.emu.faults.retry_after
        if status == 429 and not (rule and rule.code):
            return throttled(retry, write)
        default = {503: ("ServiceUnavailable", "The server is currently unable to handle the request."),
                   504: ("GatewayTimeout", "The gateway did not receive a response within the specified time period."),
                   500: ("InternalServerError", "Encountered internal server error.")}
        code, message = default.get(status, ("InternalServerError", "Injected fault."))
        headers = {"Retry-After": str(retry)} if status in (429, 503, 504) else {}
        return ArmError(status, (rule.code if rule and rule.code else code),
                        (rule.message if rule and rule.message else message), headers=headers)


def install(app: web.Application, emu: Emulator, tokens: TokenService) -> None:
    """ARM's paths at the root, before Graph's ``/{version}/{tail}`` catch-all."""
    front = ArmFrontDoor(emu, tokens)
    app.router.add_route("*", "/subscriptions", front.handle)
    app.router.add_route("*", "/subscriptions/{tail:.*}", front.handle)
    app.router.add_route("*", "/providers/{tail:.*}", front.handle)
