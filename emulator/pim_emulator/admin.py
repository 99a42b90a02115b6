"""The admin API under ``/_emulator/`` (bearer ``admin_token``): what tests use to observe and steer.

Not part of Graph: plain JSON, no OData envelope, no faults, no latency.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from . import directory
from .contract import iso
from .identity import AadError, TokenService
from .pim.access_reviews import summary as access_review_summary
from .pim.arm_policies import summary as arm_summary
from .pim.durations import parse_duration as iso_duration
from .pim.group_state import summary as group_summary
from .pim.requests import purge_requests as purge_old_requests

if TYPE_CHECKING:
    from .emulator import Emulator

def parse_duration(value) -> timedelta:
    """A number of seconds (negative ones too, for ``set_offset``), or an ISO 8601 duration ("PT2H", "P1DT30M")
    read by the engine's parser, the emulator's only one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    parsed = iso_duration(value)
    if parsed is None:
        raise ValueError(f"not a number of seconds or an ISO 8601 duration: {value!r}")
    return parsed


def routes(emu: Emulator) -> list[web.RouteDef]:
    tokens = TokenService(emu)  # stateless but for a key cache: signs with the emulator's key

    def guard(handler):
        async def wrapped(request: web.Request) -> web.StreamResponse:
            supplied = request.headers.get("Authorization", "")
            if not hmac.compare_digest(supplied.encode(), f"Bearer {emu.admin_token}".encode()):
                return web.json_response({"error": "unauthorized", "message": "admin bearer token required"},
                                         status=401, headers={"WWW-Authenticate": "Bearer"})
            try:
                return await handler(request)
            except (ValueError, KeyError, TypeError) as exc:
                return web.json_response({"error": "bad_request", "message": str(exc)}, status=400)
        return wrapped

    async def body(request: web.Request) -> dict:
        if not request.can_read_body:
            return {}
        doc = await request.json()
        if not isinstance(doc, dict):
            raise ValueError("a JSON object is expected")
        return doc

    def tenant_of(request: web.Request):
        tenant = emu.tenant_by_ref(request.match_info["tid"])
        if tenant is None:
            raise web.HTTPNotFound(text='{"error":"not_found","message":"unknown tenant"}',
                                   content_type="application/json")
        return tenant

    async def stats(request: web.Request):
        return web.json_response(emu.stats.to_json(request.query.get("tenant")))

    async def stats_reset(request: web.Request):
        emu.stats.reset()
        return web.json_response({"ok": True})

    async def reset(request: web.Request):
        emu.reset()
        return web.json_response({"ok": True, "now": iso(emu.clock.now())})

    async def faults_get(request: web.Request):
        return web.json_response({**emu.faults.to_json(),
                                  "read_after_write_lag_ms": emu.options["read_after_write_lag_ms"]})

    async def faults_post(request: web.Request):
        doc = await body(request)
        if doc.get("clear"):
            emu.faults.update({"latency_ms": 0, "jitter_ms": 0, "fault_429": 0, "fault_503": 0, "fault_504": 0,
                               "rules": []})
        emu.faults.update(doc)
        if "read_after_write_lag_ms" in doc:
            emu.apply_options({"read_after_write_lag_ms": int(doc["read_after_write_lag_ms"])})
        return await faults_get(request)

    async def options_get(request: web.Request):
        return web.json_response(emu.options)

    async def options_post(request: web.Request):
        doc = await body(request)
        emu.apply_options(doc)
        return web.json_response(emu.options)

    async def clock_get(request: web.Request):
        return web.json_response({"now": iso(emu.clock.now()), "offset_seconds": emu.clock.offset.total_seconds()})

    async def clock_post(request: web.Request):
        doc = await body(request)
        if "advance" in doc:
            emu.clock.advance(parse_duration(doc["advance"]))
        if "set_offset" in doc:
            emu.clock.offset = parse_duration(doc["set_offset"])
        emu.mark_dirty()
        return await clock_get(request)

    async def tenants_list(request: web.Request):
        return web.json_response([{"id": t.id, "name": t.name} for t in emu.tenants.values()])

    async def tenant_state(request: web.Request):
        # The stored collections, plus what PIM for Groups and the access reviews make of them right now (derived,
        # not stored: each review's instances by the emulated clock and their decisions).
        tenant = tenant_of(request)
        eng = emu.engine(tenant.id)
        return web.json_response({**tenant.to_json(), "groupPim": group_summary(eng),
                                  "accessReviews": access_review_summary(eng)})

    async def tenant_arm(request: web.Request):
        # The Azure part: scopes, role definitions, role assignments, schedules, requests, changed policies;
        # ?scope=<ARM scope id> adds the policy (rules in force) of every role at that scope.
        return web.json_response(arm_summary(tenant_of(request), request.query.get("scope")))

    async def tenant_group_pim(request: web.Request):
        return web.json_response(group_summary(emu.engine(tenant_of(request).id)))

    async def user_update(request: web.Request):
        tenant = tenant_of(request)
        uid = request.match_info["uid"]
        users = tenant.coll("users")
        user = users.get(uid) or next((u for u in users.values()
                                       if u.get("userPrincipalName", "").lower() == uid.lower()), None)
        if user is None:
            raise web.HTTPNotFound(text='{"error":"not_found","message":"unknown user"}',
                                   content_type="application/json")
        doc = await body(request)
        if "mfa" in doc:
            user["_mfa"] = bool(doc["mfa"])
        if "acrs" in doc:
            user["_acrs"] = list(doc["acrs"] or [])
        if "accountEnabled" in doc:
            user["accountEnabled"] = bool(doc["accountEnabled"])
        emu.mark_dirty()
        return web.json_response({"id": user["id"], "mfa": user.get("_mfa", False), "acrs": user.get("_acrs", []),
                                  "accountEnabled": user.get("accountEnabled", True)})

    async def directory_create(request: web.Request):
        # A principal made just before a run: see directory.create_object for the read-after-write lag.
        tenant = tenant_of(request)
        obj = directory.create_object(tenant, request.match_info["kind"], await body(request),
                                      emu.clock.now().timestamp(), int(emu.options.get("read_after_write_lag_ms") or 0))
        emu.mark_dirty()
        return web.json_response(obj, status=201)
    async def user_signin(request: web.Request):
        """Tokens of an interactive sign-in (``az login``, browser, device code) of a user, with MFA when
        asked and registered: the only delegated tokens that can carry ``amr: ["pwd","mfa"]``, since the
        password grant cannot (see identity.TokenService._password). Body: client_id (an app of the tenant,
        e.g. the public client pim-cli), mfa (default true), acrs (optional auth-context claims), resource (optional:
        https://management.azure.com for an Azure Resource Manager token; default Graph)."""
        tenant = tenant_of(request)
        uid = request.match_info["uid"]
        users = tenant.coll("users")
        user = users.get(uid) or next((u for u in users.values()
                                       if u.get("userPrincipalName", "").lower() == uid.lower()), None)
        if user is None or not user.get("accountEnabled", True):
            raise web.HTTPNotFound(text='{"error":"not_found","message":"unknown or disabled user"}',
                                   content_type="application/json")
        doc = await body(request)
        acrs = doc.get("acrs")
        try:
            answer = tokens.interactive_tokens(tenant, str(doc["client_id"]), user, bool(doc.get("mfa", True)),
                                                   list(acrs) if acrs is not None else None,
                                                   resource=doc.get("resource"))
        except AadError as err:
            return web.json_response({"error": "bad_request", "message": err.description}, status=400)
        return web.json_response(answer)

    async def purge_requests(request: web.Request):
        tenant = tenant_of(request)
        doc = await body(request)
        older = parse_duration(doc["older_than"]) if "older_than" in doc else \
            timedelta(days=float(emu.options["request_retention_days"]))
        result = purge_old_requests(emu.engine(tenant.id), older)
        emu.mark_dirty()
        return web.json_response({"ok": True, "purged": result})

    async def save(request: web.Request):
        emu.save()
        return web.json_response({"ok": True, "state_file": emu.settings.state_file})

    p = "/_emulator"
    return [
        web.get(f"{p}/stats", guard(stats)),
        web.post(f"{p}/stats/reset", guard(stats_reset)),
        web.post(f"{p}/reset", guard(reset)),
        web.get(f"{p}/faults", guard(faults_get)),
        web.post(f"{p}/faults", guard(faults_post)),
        web.get(f"{p}/options", guard(options_get)),
        web.post(f"{p}/options", guard(options_post)),
        web.get(f"{p}/clock", guard(clock_get)),
        web.post(f"{p}/clock", guard(clock_post)),
        web.get(f"{p}/tenants", guard(tenants_list)),
        web.get(f"{p}/tenants/{{tid}}/state", guard(tenant_state)),
        web.get(f"{p}/tenants/{{tid}}/group-pim", guard(tenant_group_pim)),
        web.get(f"{p}/tenants/{{tid}}/arm", guard(tenant_arm)),
        web.post(f"{p}/tenants/{{tid}}/users/{{uid}}", guard(user_update)),
        web.post(f"{p}/tenants/{{tid}}/users/{{uid}}/signin", guard(user_signin)),
        web.post(f"{p}/tenants/{{tid}}/purge-requests", guard(purge_requests)),
        web.post(f"{p}/tenants/{{tid}}/directory/{{kind}}", guard(directory_create)),
        web.post(f"{p}/save", guard(save)),
    ]
