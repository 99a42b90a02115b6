"""A tenant's PIM state at start: the default policy of every role and the seed's assignments."""

from __future__ import annotations

import uuid
from datetime import timedelta

from ..contract import Clock, Tenant
from . import access_reviews, policies, schedules
from .durations import parse_duration
from .engine import PimEngine
from .schedules import ASSIGN, ELIG
from .surfaces import GROUPS


def seed_tenant(tenant: Tenant, clock: Clock, assignments: list[dict], group_pim: list[dict] | None = None) -> None:
    """Default policies for every role and the given assignments (which bypass policy checks); ``group_pim``:
    PIM for Groups state (``seed_groups``)."""
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
    seed_groups(eng, group_pim or [])


def seed_groups(eng: PimEngine, entries: list[dict]) -> None:
    """PIM for Groups state: every group named gets its member and owner policies (it is PIM-managed); each
    entry {groupId, principalId, accessId, kind, permanent, duration, outsidePim} is a plain member/owner
    (outsidePim) or a PIM schedule, which bypasses policy checks like seeded role assignments. A principal
    made active through PIM leaves the group's plain members (owners): its membership is PIM's from then on."""
    now = eng.now()
    groups = eng.tenant.coll("groups")
    for e in entries:
        gid, access, principal = e["groupId"], e.get("accessId") or "member", e.get("principalId")
        policies.seed_group_policies(eng.tenant, gid)
        if not principal:
            continue  # a group made PIM-managed without assignments
        key = "_members" if access == "member" else "_owners"
        plain = groups[gid].setdefault(key, [])
        if e["kind"] == "active" and e.get("outsidePim"):
            if principal not in plain:
                plain.append(principal)
            continue
        if e["kind"] == "active" and principal in plain:
            plain.remove(principal)
        end = None
        if not e.get("permanent"):
            end = now + (parse_duration(e.get("duration") or "P90D") or timedelta(days=90))
        rid = str(uuid.uuid4())
        schedules.create(eng, GROUPS.elig if e["kind"] == "eligible" else GROUPS.assign, rid, principal, access,
                         gid, None, now, end, rid, assignment_type="Assigned")


def seed_access_reviews(tenant: Tenant, clock: Clock, reviews: list[dict]) -> None:
    """Access review definitions of a seed document (Create bodies, ``access_reviews.seed``)."""
    access_reviews.seed(PimEngine(tenant, clock, {}), reviews)
