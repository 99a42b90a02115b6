"""What the emulator holds for PIM for Groups, one entry per group, for the admin API (``GET
/_emulator/tenants/{id}/group-pim`` and the ``groupPim`` part of the state dump): integration tests assert on
it instead of on what a module said. Evaluated on the emulated clock, like every Graph read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..contract import iso
from . import directory, requests, schedules
from .durations import from_epoch
from .ids import group_policy_id
from .surfaces import GROUPS

if TYPE_CHECKING:
    from .engine import PimEngine


def _window(s: dict) -> dict:
    return {"start": iso(from_epoch(s.get("_start"))), "end": iso(from_epoch(s.get("_end")))}


def summary(eng: PimEngine) -> dict[str, dict]:
    """group id -> {displayName, managed, policies, eligible, active, members, owners, pending}. Lists every
    group PIM manages or holds a schedule for; ``active`` includes plain members/owners (``outsidePim``)."""
    requests.upkeep(eng)
    tenant, now = eng.tenant, eng.now().timestamp()
    managed = schedules.managed_groups(tenant)
    gids = set(managed) | {s["groupId"] for c in (GROUPS.elig, GROUPS.assign) for s in tenant.coll(c).values()}
    out: dict[str, dict] = {}
    for gid in sorted(gids):
        group = tenant.coll("groups").get(gid, {})
        entry = {"displayName": group.get("displayName"), "managed": gid in managed,
                 "policies": {a: group_policy_id(gid, a) for a in ("member", "owner")} if gid in managed else {},
                 "eligible": [], "active": [], "pending": [],
                 "members": directory.group_members(tenant, gid, now, "member"),
                 "owners": directory.group_members(tenant, gid, now, "owner")}
        for s in tenant.coll(GROUPS.elig).values():
            if s["groupId"] == gid:
                entry["eligible"].append({"principalId": s["principalId"], "accessId": s["accessId"],
                                          "scheduleId": s["id"], **_window(s)})
        for s in tenant.coll(GROUPS.assign).values():
            if s["groupId"] == gid:
                entry["active"].append({"principalId": s["principalId"], "accessId": s["accessId"],
                                        "assignmentType": s["assignmentType"], "scheduleId": s["id"],
                                        "outsidePim": False, **_window(s)})
        for c in schedules.classic_items(eng, GROUPS):
            if c["groupId"] == gid:
                entry["active"].append({"principalId": c["principalId"], "accessId": c["accessId"],
                                        "assignmentType": "assigned", "scheduleId": None, "outsidePim": True,
                                        "start": None, "end": None})
        for coll in (GROUPS.elig_req, GROUPS.assign_req):
            for r in tenant.coll(coll).values():
                if r["groupId"] == gid and r["status"].startswith("Pending"):
                    entry["pending"].append({"requestId": r["id"], "action": r["action"], "status": r["status"],
                                             "principalId": r["principalId"], "accessId": r["accessId"]})
        out[gid] = entry
    return out
