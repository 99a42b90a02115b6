"""A tenant's PIM state at start: the default policy of every role and the seed's assignments."""

from __future__ import annotations

import uuid
from datetime import timedelta

from ..contract import Clock, Tenant
from . import policies, schedules
from .durations import parse_duration
from .engine import PimEngine
from .schedules import ASSIGN, ELIG


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
