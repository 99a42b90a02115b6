"""PimEngine: routes PIM Graph paths to the engine's modules and owns the shared helpers."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from ..contract import Clock, Collection, GraphError, GraphRequest, Tenant
from . import approvals, audit, classic, policies, requests, schedules
from ..responses.graph_directory import schedules as views
from .durations import parse_duration
from .errors import method_not_allowed, not_found
from .schedules import ASSIGN, ELIG

DEFAULT_OPTIONS = {
    "rule_patch_status": 204,  # v1.0 doc: 204; newer doc text: 200 + rule (fact sheet 3)
    "last_admin_protection": True,
    "request_retention_days": 45,
    "read_after_write_lag_ms": 0,
    # Listing eligibility requests was observed to demand ReadWrite (fact sheet 1, docs issue #22292).
    # Off by default: the permission table documents the Read scopes, and read-only apps need pending requests.
    "request_list_requires_readwrite": False,
    # Delegated admin* actions need an active Privileged Role Administrator or Global Administrator role.
    "delegated_admin_requires_role": True,
    # Delegated tenant-wide reads need an active reader role (permissions.READ_ROLES); self reads do not.
    "delegated_read_requires_role": True,
}


class PimEngine:
    def __init__(self, tenant: Tenant, clock: Clock, options: dict | None = None):
        self.tenant = tenant
        self.clock = clock
        # Keep the caller's dict (the HTTP layer shares one across engines and changes it at run time);
        # only fill in the defaults it lacks.
        self.options = options if options is not None else {}
        for key, value in DEFAULT_OPTIONS.items():
            self.options.setdefault(key, value)

    # ---- shared helpers -----------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    @staticmethod
    def clone(obj):
        """A deep copy of plain JSON (much faster than copy.deepcopy for policy reads)."""
        return json.loads(json.dumps(obj))

    @staticmethod
    def method_not_allowed() -> GraphError:
        return method_not_allowed()

    @staticmethod
    def entity(req: GraphRequest, context: str, obj: dict) -> dict:
        """A single object answer with Graph's ``@odata.context`` first."""
        body = {"@odata.context": f"{req.base_url}/$metadata#{context}/$entity"}
        body.update({k: v for k, v in obj.items() if not k.startswith("_")})
        return body

    def visible_after(self) -> float | None:
        """``_visible_after`` for an object created now, when the read-after-write lag fault is on."""
        lag = self.options.get("read_after_write_lag_ms") or 0
        return self.now().timestamp() + lag / 1000.0 if lag > 0 else None

    def is_visible(self, obj: dict) -> bool:
        va = obj.get("_visible_after")
        return va is None or va <= self.now().timestamp()

    # ---- routing ------------------------------------------------------------------------------
    def dispatch(self, req: GraphRequest) -> tuple[int, dict | Collection | None]:
        parts = [p for p in req.path.split("/") if p]
        if not parts:
            raise not_found()
        head = parts[0]
        if req.version == "beta":
            return self._beta(req, parts)
        if head == "policies" and len(parts) >= 2:
            if parts[1] == "roleManagementPolicies":
                return policies.handle_policies(self, req, parts)
            if parts[1] == "roleManagementPolicyAssignments":
                return policies.handle_assignments(self, req, parts)
        if head == "auditLogs" and len(parts) >= 2 and parts[1] == "directoryAudits":
            self._upkeep()  # so that lazily detected expiries are in the log when it is read
            return audit.handle(self, req, parts)
        if head == "roleManagement" and len(parts) >= 3 and parts[1] == "directory":
            return self._directory(req, parts[2:])
        raise not_found()

    def _directory(self, req: GraphRequest, parts: list[str]) -> tuple[int, object]:
        self._upkeep()
        name, rest = parts[0], parts[1:]
        if name in (requests.ELIG_REQ, requests.ASSIGN_REQ):
            return requests.handle(self, req, name, rest)
        if name in ("roleEligibilitySchedules", "roleAssignmentSchedules", "roleEligibilityScheduleInstances",
                    "roleAssignmentScheduleInstances"):
            return views.handle(self, req, name, rest)
        if name == "roleAssignments":
            return classic.handle(self, req, rest)
        raise not_found()

    def _beta(self, req: GraphRequest, parts: list[str]) -> tuple[int, object]:
        # Directory-role approvals exist only in beta (fact sheet 2).
        if parts[:3] == ["roleManagement", "directory", approvals.APPROVALS]:
            self._upkeep()
            return approvals.handle(self, req, parts[3:])
        raise not_found()

    def _upkeep(self) -> None:
        """Expiry and request purge happen lazily, on the emulated clock, before each PIM call."""
        schedules.sweep(self)
        requests.sweep(self)

    def expand_links(self, items: list[dict], text: str | None, what: str, eligible: bool) -> None:
        views.expand_links(self, items, text, what, eligible)

    def purge_requests(self, older_than: timedelta | None = None) -> int:
        """Drop schedule requests older than ``older_than`` (default: the retention option); schedules stay."""
        schedules.sweep(self)
        return requests.purge(self, older_than if older_than is not None
                              else timedelta(days=self.options["request_retention_days"]))


def seed_tenant(tenant: Tenant, clock: Clock, assignments: list[dict]) -> None:
    """Default policies for every role and the given assignments (which bypass policy checks)."""
    for role_id in tenant.coll("roleDefinitions"):
        policies.seed_policy(tenant, role_id)
    eng = PimEngine(tenant, clock, {})
    now = clock.now()
    for a in assignments:
        principal, role = a["principalId"], a["roleDefinitionId"]
        scope = a.get("directoryScopeId") or "/"
        if a["kind"] == "active" and a.get("outsidePim"):
            schedules.create_classic(eng, principal, role, scope, None)
            continue
        end = None
        if not a.get("permanent"):
            end = now + (parse_duration(a.get("duration") or "P90D") or timedelta(days=90))
        sid = str(uuid.uuid4())
        # Seeded PIM assignments look old: their requests are long purged, so createdUsing has no request.
        schedules.create(eng, ELIG if a["kind"] == "eligible" else ASSIGN, sid, principal, role, scope, None, now,
                         end, sid, assignment_type="Assigned")
