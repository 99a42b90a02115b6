"""PimEngine: routes PIM Graph paths to the engine's modules and owns the shared helpers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from ..contract import Clock, Collection, GraphError, GraphRequest, Tenant
from . import audit, policies
from .errors import method_not_allowed, not_found

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
}


class PimEngine:
    def __init__(self, tenant: Tenant, clock: Clock, options: dict | None = None):
        self.tenant = tenant
        self.clock = clock
        self.options = {**DEFAULT_OPTIONS, **(options or {})}

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
            return audit.handle(self, req, parts)
        if head == "roleManagement" and len(parts) >= 3 and parts[1] == "directory":
            return self._directory(req, parts[2:])
        raise not_found()

    def _directory(self, req: GraphRequest, parts: list[str]) -> tuple[int, object]:
        raise not_found()

    def _beta(self, req: GraphRequest, parts: list[str]) -> tuple[int, object]:
        raise not_found()

    def purge_requests(self, older_than: timedelta | None = None) -> int:
        return 0


def seed_tenant(tenant: Tenant, clock: Clock, assignments: list[dict]) -> None:
    """Default policies for every role and the given assignments (which bypass policy checks)."""
    for role_id in tenant.coll("roleDefinitions"):
        policies.seed_policy(tenant, role_id)
