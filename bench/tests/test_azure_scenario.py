"""Scenario 7 (Azure resource roles, issue 11): ARM requests are told apart from Graph's, and the table."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arm_per_role_client import _differs  # noqa: E402
from azure_scenario import arm_requests, azure_section, derive_azure  # noqa: E402


def test_arm_requests_leave_graph_and_token_routes_out():
    routes = {"POST /v1.0/$batch": 2, "POST /{id}/oauth2/v2.0/token": 1,
              "GET /subscriptions/{id}/providers/Microsoft.Authorization/roleManagementPolicies": 10,
              "GET /providers/Microsoft.Management/managementGroups": 1, "GET /subscriptions": 1}
    assert arm_requests(routes) == 12


def run(by_route, writes=0, wall=1.0):
    return {"wall_s": wall, "graph": {"requests": sum(by_route.values()), "writes": writes, "by_route": by_route}}


def test_ratios_and_the_rerun_writes_reach_the_table():
    pol = "/subscriptions/{id}/providers/Microsoft.Authorization/roleManagementPolicies"
    out = {"subscriptions": 10, "role_policies": 20,
           "scan": run({pol: 30, "/subscriptions": 1, "/v1.0/$batch": 2}),
           "per_role_scan": run({pol: 600, "/subscriptions": 1}),
           "baseline_first": run({pol: 61}, writes=30), "baseline_second": run({pol: 31}, writes=0),
           "per_role_apply": run({pol: 231}, writes=30)}
    out.update(derive_azure(out))
    assert out["scan_arm_requests"] == 31 and out["scan_arm_requests_per_subscription"] == 3.1
    assert out["scan_ratio"] == 19.4 and out["baseline_ratio"] == 3.8 and out["baseline_second_writes"] == 0
    lines = azure_section({"meta": {"date": "d"}, "azure": out})
    assert "| entra.pim baseline, second run | 31 | 0 | 1.0 |" in lines
    assert azure_section({"meta": {}}) == []


def test_per_role_apply_patches_only_rules_that_differ():
    rule = {"id": "Expiration_EndUser_Assignment", "ruleType": "RoleManagementPolicyExpirationRule",
            "maximumDuration": "PT4H", "target": {"caller": "EndUser", "level": "Assignment", "operations": ["All"]}}
    assert not _differs(rule, dict(rule, target=dict(rule["target"], inheritableSettings=[])))
    assert _differs(rule, dict(rule, maximumDuration="PT8H"))
    assert _differs(rule, None)
