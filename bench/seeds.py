"""Seed documents for the bench (the emulator's seed-file format, see pim_emulator.seed).

``bigscan``: every built-in role (the emulator gives every tenant all of them, each with its own
policy), exactly 500 eligible and 200 active assignments spread over all roles, so a scan pages
through every list. ``fresh``: a small tenant whose policies are still Microsoft's defaults, for
the baseline. ``large_tenant``: the same shape with 20,000 assignments (14,000 eligible, 6,000 active),
one user each, to time a scan, its module's memory and the emulator's paging at that size.
``groups_tenant``: N role-assignable groups, each holding a highly privileged role and managed by PIM for
Groups (an eligible member, an eligible owner, and a permanent member added outside PIM), to show what the
scan's group part costs as N grows (issue 12).
"""

from __future__ import annotations

import json
import random

from pim_emulator.seed import builtin_roles, default_apps

ELIGIBLE = 500
ACTIVE = 200
LARGE_ELIGIBLE = 14_000
LARGE_ACTIVE = 6_000


def _assignment(principal, role, kind, permanent, duration=None):
    return {"principal": principal, "role": role, "kind": kind, "permanent": permanent,
            "duration": None if permanent else duration, "outsidePim": False, "scope": "/"}


def bigscan_tenant(seed: int = 7, eligible: int = ELIGIBLE, active: int = ACTIVE, name: str = "bigscan") -> dict:
    rng = random.Random(seed)
    roles = sorted(r["displayName"] for r in builtin_roles())
    others = [r for r in roles if r != "Global Administrator"]
    nusers = eligible + active  # one assignment per user keeps every (principal, role) pair unique
    users = [{"name": f"user{i:04d}", "displayName": f"User {i:04d}", "mfa": True} for i in range(1, nusers + 1)]
    users[0:2] = [{"name": "breakglass1", "displayName": "Break Glass 1", "mfa": True},
                  {"name": "breakglass2", "displayName": "Break Glass 2", "mfa": True}]
    assignments = [_assignment(u["name"], "Global Administrator", "active", True) for u in users[:2]]
    pool = users[2:]
    for i in range(active - 2):
        permanent = i % 5 == 0
        assignments.append(_assignment(pool[i]["name"], others[i % len(others)], "active", permanent, "P30D"))
    for j in range(eligible):
        u = pool[active - 2 + j]
        permanent = rng.random() < 0.2
        # Round-robin over every role, Global Administrator included: each role has eligible members.
        assignments.append(_assignment(u["name"], roles[j % len(roles)], "eligible", permanent,
                                       rng.choice(["P90D", "P180D", "P365D"])))
    groups = [{"displayName": "PIM-Approvers-Tier0", "isAssignableToRole": True, "members": ["user0003", "user0004"]}]
    return {"name": name, "users": users, "groups": groups, "apps": default_apps(),
            "administrativeUnits": [], "assignments": assignments}


def fresh_tenant() -> dict:
    users = [{"name": n, "displayName": n, "mfa": True} for n in ("breakglass1", "breakglass2", "alice", "bob")]
    groups = [{"displayName": "PIM-Approvers-Tier0", "isAssignableToRole": True, "members": ["alice", "bob"]}]
    assignments = [_assignment(n, "Global Administrator", "active", True) for n in ("breakglass1", "breakglass2")]
    return {"name": "fresh", "users": users, "groups": groups, "apps": default_apps(), "administrativeUnits": [],
            "assignments": assignments}


def large_tenant() -> dict:
    return bigscan_tenant(seed=20_000, eligible=LARGE_ELIGIBLE, active=LARGE_ACTIVE, name="large")


HIGHLY_PRIVILEGED_ROLES = ("Global Administrator", "Privileged Role Administrator", "User Administrator",
                           "SharePoint Administrator", "Exchange Administrator", "Hybrid Identity Administrator",
                           "Application Administrator", "Cloud Application Administrator", "Teams Administrator",
                           "Security Administrator")
GROUP_COUNTS = (1, 10, 50)


def groups_tenant(groups: int, name: str | None = None) -> dict:
    """``groups`` PIM-managed role-assignable groups, each eligible for (every fifth one active in) a highly
    privileged role, round robin; each with three users: a permanent member added outside PIM, an eligible member
    (P180D) and an eligible owner (P365D), in the seed's ``group_pim`` entries."""
    users = [{"name": n, "displayName": n, "mfa": True} for n in ("breakglass1", "breakglass2")]
    docs, assignments, group_pim = [], [_assignment(n, "Global Administrator", "active", True)
                                        for n in ("breakglass1", "breakglass2")], []
    for g in range(1, groups + 1):
        group = f"PIM-Group-{g:03d}"
        standing, eligible, owner = (f"g{g:03d}-{who}" for who in ("standing", "eligible", "owner"))
        users += [{"name": u, "displayName": u, "mfa": True} for u in (standing, eligible, owner)]
        docs.append({"displayName": group, "isAssignableToRole": True, "members": [standing]})
        role = HIGHLY_PRIVILEGED_ROLES[(g - 1) % len(HIGHLY_PRIVILEGED_ROLES)]
        active = g % 5 == 0
        assignments.append(_assignment("group:" + group, role, "active" if active else "eligible", active, "P180D"))
        group_pim += [
            {"group": group, "principal": standing, "access": "member", "kind": "active", "permanent": True,
             "outsidePim": True},
            {"group": group, "principal": eligible, "access": "member", "kind": "eligible", "permanent": False,
             "duration": "P180D"},
            {"group": group, "principal": owner, "access": "owner", "kind": "eligible", "permanent": False,
             "duration": "P365D"},
        ]
    docs.append({"displayName": "PIM-Approvers-Tier0", "isAssignableToRole": True, "members": ["breakglass1"]})
    return {"name": name or f"groups{groups:03d}", "users": users, "groups": docs, "apps": default_apps(),
            "administrativeUnits": [], "assignments": assignments, "group_pim": group_pim}


def write_groups_seed(path, counts=GROUP_COUNTS) -> dict:
    doc = {"tenants": [groups_tenant(n) for n in counts]}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    return doc


def write_bench_seed(path, large: bool = False) -> dict:
    """``large``: a seed with the 20,000-assignment tenant only (its own emulator, so the one-tenant
    figures are taken on an emulator of the usual size)."""
    doc = {"tenants": [large_tenant()] if large else [bigscan_tenant(), fresh_tenant()]}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    return doc
