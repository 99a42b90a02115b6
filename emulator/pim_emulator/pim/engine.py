"""PimEngine: one tenant's PIM backend (its tenant, the emulated clock, the engine options) and the helpers every
model shares. The bottom of the engine: it imports no other engine module, so every model can name it; the
routes that reach the models are in ``pim_emulator.routes``, their handlers in ``pim_emulator.responses``."""

from __future__ import annotations

import json
from datetime import datetime

from ..contract import Clock, GraphRequest, Tenant

DEFAULT_OPTIONS = {
    # Graph docs, Update unifiedRoleManagementPolicyRule: the v1.0 page says 204, newer text 200 and the rule.
    "rule_patch_status": 204,
    "last_admin_protection": True,
    "request_retention_days": 45,
    "read_after_write_lag_ms": 0,
    # Listing eligibility requests was observed to demand ReadWrite (microsoft-graph-docs issue 22292).
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
