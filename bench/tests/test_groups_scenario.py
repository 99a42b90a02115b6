"""Scenario 6 (PIM for Groups, issue 12): the seed it scans and the table it reports."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from report import _groups_section  # noqa: E402
from seeds import HIGHLY_PRIVILEGED_ROLES, groups_tenant  # noqa: E402


def test_every_group_holds_a_highly_privileged_role_and_is_pim_managed():
    tenant = groups_tenant(50)
    held = [a for a in tenant["assignments"] if a["principal"].startswith("group:")]
    assert len(held) == 50 and {a["role"] for a in held} == set(HIGHLY_PRIVILEGED_ROLES)
    assert sum(a["kind"] == "active" for a in held) == 10
    per_group = {}
    for entry in tenant["group_pim"]:
        per_group.setdefault(entry["group"], []).append((entry["access"], entry["kind"], entry["permanent"]))
    assert len(per_group) == 50
    assert all(sorted(v) == [("member", "active", True), ("member", "eligible", False), ("owner", "eligible", False)]
               for v in per_group.values())
    names = {u["name"] for u in tenant["users"]}
    assert all(e["principal"] in names for e in tenant["group_pim"])


def test_report_shows_the_group_part_next_to_batch_paging():
    def run(n, on, requests, reads):
        return {"groups": n, "group_memberships": on, "group_reads": reads, "wall_s": 1.0,
                "graph": {"requests": requests, "writes": 0}}

    results = {"meta": {"date": "d"}, "groups": {"counts": [50], "runs": [run(50, True, 11, 150),
                                                                          run(50, False, 2, 0)]}}
    rows = [line for line in _groups_section(results) if line.startswith("| 50 ")]
    assert rows == ["| 50 | 11 | 2 | 9 | 150 | 9 | 1.0 | 1.0 | 0 |"]
