"""Seed documents for the bench (the emulator's seed-file format, see pim_emulator.seed).

``bigscan``: every built-in role (the emulator gives every tenant all of them, each with its own
policy), exactly 500 eligible and 200 active assignments spread over all roles, so a scan pages
through every list. ``fresh``: a small tenant whose policies are still Microsoft's defaults, for
the baseline. ``large_tenant``: the same shape with 20,000 assignments (14,000 eligible, 6,000 active),
one user each, to time a scan, its module's memory and the emulator's paging at that size.
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


def write_bench_seed(path, large: bool = False) -> dict:
    """``large``: a seed with the 20,000-assignment tenant only (its own emulator, so the one-tenant
    figures are taken on an emulator of the usual size)."""
    doc = {"tenants": [large_tenant()] if large else [bigscan_tenant(), fresh_tenant()]}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    return doc
