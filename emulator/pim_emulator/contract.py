"""The seam between the emulator's HTTP layer and everything under it.

The HTTP layer (server, identity, OData, $batch, admin API) turns every Graph call into a
``GraphRequest`` and hands it to the route table (``graph.GRAPH``), whose handlers
(``responses/``) answer ``(status, body)`` or raise ``GraphError``; nothing under the HTTP layer
sees aiohttp. Keeping this seam framework-free lets routes, handlers and the PIM engine be
tested without a socket and lets ``$batch`` items take exactly the same path as top-level requests.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any


@dataclass
class Caller:
    """Who is calling, as read from a verified access token."""

    tenant_id: str
    app_id: str  # the client id of the app registration that obtained the token
    permissions: frozenset[str]  # application roles (app-only) or delegated scopes
    user_id: str | None = None  # set for delegated (user) tokens only
    amr: tuple[str, ...] = ()  # authentication methods of a delegated token ("pwd", "mfa")
    acrs: tuple[str, ...] = ()  # authentication context claim values satisfied ("c1" ...)

    @property
    def is_app_only(self) -> bool:
        return self.user_id is None

    @property
    def has_mfa(self) -> bool:
        return "mfa" in self.amr


@dataclass
class GraphRequest:
    """One Graph v1.0 call, after TLS, token verification and percent-decoding."""

    method: str  # upper case
    path: str  # below /v1.0, no query string, e.g. "/roleManagement/directory/roleDefinitions"
    query: dict[str, str]  # decoded OData options, keys keep their "$" ("$filter", "$expand", ...)
    body: Any  # parsed JSON body or None
    caller: Caller
    base_url: str  # "https://127.0.0.1:PORT/v1.0": nextLink and @odata.context are built on it
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    version: str = "v1.0"  # "beta" only for the few beta routes PIM needs (directory-role approvals)
    now: float | None = None  # the emulated clock at dispatch (epoch seconds), for the directory read lag


class GraphError(Exception):
    """An error answered in Graph's OData envelope.

    ``message`` is sent verbatim; for PIM permission errors Graph sends a JSON *string* as the
    message (microsoft-graph-docs #22292 shows one), which callers build with ``pim_permission_error``.
    """

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def envelope(self, request_id: str, client_request_id: str | None = None) -> dict:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": now,
                    "request-id": request_id,
                    "client-request-id": client_request_id or request_id,
                },
            }
        }


def pim_permission_error(needed: list[str]) -> GraphError:
    """403 as PIM answers a token that lacks every one of ``needed`` (microsoft-graph-docs #22292)."""
    inner = {
        "errorCode": "PermissionScopeNotGranted",
        "message": "Authorization failed due to missing permission scope " + ",".join(needed) + ".",
        "instanceAnnotations": [],
    }
    return GraphError(403, "UnknownError", json.dumps(inner, separators=(",", ":")))


class Clock:
    """The emulated clock: real time plus an offset the admin API can advance."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


def iso(dt: datetime | None) -> str | None:
    """Graph's datetime form: UTC with a Z and 7 fractional digits are not needed; seconds + Z."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Collection:
    """A list answer from the engine, before OData options are applied.

    The HTTP layer applies ``$filter``, ``$orderby``, ``$select``, ``$top``, ``$count`` and paging
    (``@odata.nextLink`` absolute on the emulator's own address) generically, and sets
    ``@odata.context`` from ``context`` (e.g. "roleManagement/directory/roleEligibilitySchedules").
    The engine applies ``$expand`` itself, because only it knows the relationships.
    Items carrying ``_visible_after`` (epoch seconds, emulated clock) later than now are hidden:
    that is how the read-after-write lag fault is emulated, by whoever creates the object.
    """

    items: list[dict]
    context: str


class Tenant:
    """One emulated tenant. State is plain Graph-shaped JSON so the state file is a dump of it.

    ``data`` maps a collection name to {object id: Graph JSON object}. Keys starting with "_"
    are internal (e.g. a group's "_members", a user's "_password") and are never sent.

    Directory collections (HTTP layer): users, groups, servicePrincipals, applications,
    roleDefinitions, administrativeUnits.
    PIM collections (engine): roleManagementPolicies, roleManagementPolicyAssignments,
    roleEligibilityScheduleRequests, roleEligibilitySchedules, roleAssignmentScheduleRequests,
    roleAssignmentSchedules, roleAssignments, directoryAudits; for PIM for Groups the group* twins
    (pim/surfaces.py). Schedule *instances* are derived from schedules and the clock, not stored.
    """

    def __init__(self, tenant_id: str, name: str, data: dict[str, dict[str, dict]] | None = None):
        self.id = tenant_id
        self.name = name
        self.data: dict[str, dict[str, dict]] = data or {}

    def coll(self, name: str) -> dict[str, dict]:
        return self.data.setdefault(name, {})

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "data": self.data}

    @classmethod
    def from_json(cls, doc: dict) -> Tenant:
        return cls(doc["id"], doc["name"], doc.get("data") or {})
