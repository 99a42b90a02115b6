# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Resource Manager side of the Azure settings modules without a network: a scope's policies read in bulk
(never one read per role), roles paired per scope, refusals before any write, one PATCH per changed policy with
failures kept per policy."""

from __future__ import annotations

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _arm_role_settings as rs
from ansible_collections.entra.pim.plugins.module_utils._arm_scopes import ScopeError, ScopeResolver
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
from ansible_collections.entra.pim.plugins.module_utils._role_settings import validate_groups

PROD = "4f2a1c3e-1111-4aaa-8bbb-000000000001"
SUB = f"/subscriptions/{PROD}"
RG = SUB + "/resourceGroups/rg-app"
ROLES = {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner", "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
         "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader"}
RULE = {"id": "Expiration_EndUser_Assignment", "ruleType": "RoleManagementPolicyExpirationRule",
        "isExpirationRequired": True, "maximumDuration": "PT8H",
        "target": {"caller": "EndUser", "operations": ["All"], "level": "Assignment"}}
AUTH = "/providers/Microsoft.Authorization"


class FakeArm:
    def __init__(self, without_policy=()):
        self.reads = []
        self.patches = []
        self.fail = {}
        self.without_policy = set(without_policy)

    def list_subscriptions(self):
        self.reads.append("subscriptions")
        return [{"id": SUB, "subscriptionId": PROD, "displayName": "Production"}]

    def list_resource_groups(self, sub):
        self.reads.append("groups")
        return [{"id": RG, "name": "rg-app"}]

    def list_role_definitions(self, scope):
        self.reads.append(f"roles {scope}")
        return [{"id": f"{scope}{AUTH}/roleDefinitions/{g}", "name": g, "roleName": n, "type": "BuiltInRole"}
                for g, n in ROLES.items()]

    def list_policy_assignments(self, scope):
        self.reads.append(f"assignments {scope}")
        return [{"id": f"{scope}{AUTH}/roleManagementPolicyAssignments/p-{g}_{g}", "scope": scope,
                 "policyId": f"{scope}{AUTH}/roleManagementPolicies/p-{g}",
                 "roleDefinitionId": f"{scope}{AUTH}/roleDefinitions/{g}"}
                for g in ROLES if g not in self.without_policy]

    def list_policies(self, scope):
        self.reads.append(f"policies {scope}")
        return [{"id": f"{scope}{AUTH}/roleManagementPolicies/p-{g}", "name": f"p-{g}", "scope": scope,
                 "rules": [RULE]} for g in ROLES if g not in self.without_policy]

    def patch_policy(self, policy_id, rules):
        self.patches.append((policy_id, rules))
        if policy_id in self.fail:
            raise self.fail[policy_id]
        return {}


def test_every_role_at_two_scopes_costs_a_handful_of_reads_never_one_per_role():
    arm = FakeArm()
    groups = [{"roles": ["all"], "scope": "Production"}, {"roles": ["Owner", "reader"], "scope": "Production/rg-app"},
              {"roles": ["Contributor"], "scope": SUB.upper()}]
    pairs, scopes = rs.read_targets(arm, ScopeResolver(arm), groups)
    assert [[t["displayName"] for t, _p in p] for p in pairs] == [
        ["Contributor at Production", "Owner at Production", "Reader at Production"],
        ["Owner at rg-app", "Reader at rg-app"], ["Contributor at Production"]]
    assert [s["id"] for s in scopes] == [SUB, RG, SUB]
    # Per scope: role definitions, policy assignments, policies; the subscription list and the groups once.
    assert sorted(arm.reads) == sorted(["subscriptions", "groups", f"roles {SUB}", f"assignments {SUB}",
                                        f"policies {SUB}", f"roles {RG}", f"assignments {RG}", f"policies {RG}"])
    policy = pairs[0][0][1]
    assert policy["rules"][0]["@odata.type"].endswith("ExpirationRule")  # Graph-shaped for _policy


def test_unknown_scopes_and_roles_are_refused_before_any_policy_read():
    arm = FakeArm()
    with pytest.raises(ScopeError) as caught:
        rs.read_targets(arm, ScopeResolver(arm), [{"roles": ["Owner"], "scope": "Production/rg-ap"},
                                                  {"roles": ["Owner"], "scope": "Prod"}])
    assert "resource group 'rg-ap' does not exist" in str(caught.value)
    assert "no subscription 'Prod'" in str(caught.value)
    assert not [r for r in arm.reads if r.startswith("policies")]
    with pytest.raises(ScopeError, match="'Ownr' \\(did you mean 'Owner'"):
        rs.read_targets(arm, ScopeResolver(arm), [{"roles": ["Ownr"], "scope": "Production"}])


def test_a_role_named_without_a_policy_at_its_scope_fails_but_all_skips_it():
    owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    arm = FakeArm(without_policy=[owner])
    with pytest.raises(ScopeError, match="no PIM policy found for 'Owner at Production'"):
        rs.read_targets(arm, ScopeResolver(arm), [{"roles": ["Owner"], "scope": "Production"}])
    pairs, _scopes = rs.read_targets(arm, ScopeResolver(arm), [{"roles": ["all"], "scope": "Production"}])
    assert [t["role"]["roleName"] for t, _p in pairs[0]] == ["Contributor", "Reader"]


def test_one_patch_per_changed_policy_and_failures_stay_per_policy():
    arm = FakeArm()
    ok = {"policy_id": f"{SUB}{AUTH}/roleManagementPolicies/a", "bodies": {
        "Expiration_EndUser_Assignment": {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
                                          "id": "Expiration_EndUser_Assignment", "maximumDuration": "PT1H"}}}
    refused = dict(ok, policy_id=f"{SUB}{AUTH}/roleManagementPolicies/b")
    arm.fail[refused["policy_id"]] = GraphCallError(403, "AuthorizationFailed", "no")
    outcome = rs.write_policies(arm, [ok, refused])
    assert [e is None for _c, e in outcome] == [True, False]
    assert outcome[1][1].code == "AuthorizationFailed"
    assert arm.patches[0] == (ok["policy_id"], [{"id": "Expiration_EndUser_Assignment", "maximumDuration": "PT1H",
                                                 "ruleType": "RoleManagementPolicyExpirationRule"}])


def test_reread_answers_settle_unknowns_shape():
    arm = FakeArm()
    found = rs.reread_policies(arm, [SUB])
    assert {p["policy_id"] for p in found.values()} == {f"{SUB}{AUTH}/roleManagementPolicies/p-{g}" for g in ROLES}


def test_a_bad_scope_or_no_roles_is_found_without_a_read():
    errors = validate_groups([{"roles": [], "scope": "/subscriptions/not-a-guid"}], rs.AZURE_SETTINGS)
    assert any("roles: name at least one role" in e for e in errors)
    assert any("'/subscriptions/not-a-guid'" in e and "not a subscription id" in e for e in errors)
    assert rs.role_settings_argument_spec()["role_settings"]["options"]["scope"] == {"type": "str"}


def test_policy_entries_name_approvers_or_say_why_not(monkeypatch):
    """The settings reader both pim_azure_role_setting_info and pim_compliance_scan use: approvers by name through
    Graph; without Graph rights (401/403) the ids stay and a warning says so; any other Graph error is raised."""
    from ansible_collections.entra.pim.plugins.module_utils import _arm_role_settings as ars
    from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError

    target = {"role": {"roleName": "Owner", "id": "/providers/Microsoft.Authorization/roleDefinitions/r-1"},
              "role_guid": "r-1", "scope": {"id": "/subscriptions/s-1", "display_name": "Production"}}
    pairs = [(target, {"policy_id": "p-1", "rules": []})]
    warnings = []
    monkeypatch.setattr(ars, "approver_names", lambda graph, got: {})
    entries = ars.policy_entries(None, pairs, warnings.append)
    assert [(e["role"], e["scope"], e["policy_id"]) for e in entries] == [("Owner", "/subscriptions/s-1", "p-1")]
    assert warnings == []

    def refused(status):
        def read(graph, got):
            raise GraphCallError(status, "Authorization_RequestDenied" if status == 403 else "ServiceUnavailable", "no")
        return read
    monkeypatch.setattr(ars, "approver_names", refused(403))
    assert ars.policy_entries(None, pairs, warnings.append)[0]["policy_id"] == "p-1"
    assert warnings == ["the approvers' names were not read from Microsoft Graph (Authorization_RequestDenied); they "
                        "are given as user:<id> or group:<id>"]
    monkeypatch.setattr(ars, "approver_names", refused(503))
    with pytest.raises(GraphCallError):
        ars.policy_entries(None, pairs, warnings.append)
