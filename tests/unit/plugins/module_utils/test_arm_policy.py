# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM role management policy rules <-> the Graph rule dicts _policy speaks: the translation both ways, planning an
Azure policy with _policy unchanged, the PATCH body, pairing a scope's policies with its roles, the export shape."""

from __future__ import annotations

import copy

from ansible_collections.entra.pim.plugins.module_utils import _arm_policy as ap
from ansible_collections.entra.pim.plugins.module_utils._policy import plan, rules_to_settings
from ansible_collections.entra.pim.plugins.module_utils._role_settings import SECTIONS

SUB = "/subscriptions/4f2a1c3e-1111-4aaa-8bbb-000000000001"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
ALICE = "398164b1-5196-49dd-ada2-364b49f99b27"
APPROVERS = "072ac5f4-3f13-4088-ab30-0a276f3e6322"


def target(caller, level):
    return {"caller": caller, "operations": ["All"], "level": level, "targetObjects": [],
            "inheritableSettings": [], "enforcedSettings": []}


def arm_rules():
    """The 17 rules of an Azure role's policy as "Role Management Policies - Get" answers them (2020-10-01)."""
    rules = []
    for level_key, caller, level in (("Admin_Eligibility", "Admin", "Eligibility"),
                                     ("Admin_Assignment", "Admin", "Assignment"),
                                     ("EndUser_Assignment", "EndUser", "Assignment")):
        rules.append({"id": f"Expiration_{level_key}", "ruleType": "RoleManagementPolicyExpirationRule",
                      "isExpirationRequired": level_key == "EndUser_Assignment",
                      "maximumDuration": {"Admin_Eligibility": "P365D", "Admin_Assignment": "P180D"}.get(
                          level_key, "PT8H"), "target": target(caller, level)})
        rules.append({"id": f"Enablement_{level_key}", "ruleType": "RoleManagementPolicyEnablementRule",
                      "enabledRules": ["Justification"] if level_key != "Admin_Eligibility" else [],
                      "target": target(caller, level)})
        if level_key == "EndUser_Assignment":
            rules.append({"id": "Approval_EndUser_Assignment", "ruleType": "RoleManagementPolicyApprovalRule",
                          "setting": {"isApprovalRequired": False, "isApprovalRequiredForExtension": False,
                                      "isRequestorJustificationRequired": True, "approvalMode": "SingleStage",
                                      "approvalStages": [{"approvalStageTimeOutInDays": 1,
                                                          "isApproverJustificationRequired": True,
                                                          "escalationTimeInMinutes": 0, "isEscalationEnabled": False,
                                                          "primaryApprovers": [], "escalationApprovers": []}]},
                          "target": target(caller, level)})
            rules.append({"id": "AuthenticationContext_EndUser_Assignment",
                          "ruleType": "RoleManagementPolicyAuthenticationContextRule", "isEnabled": False,
                          "claimValue": "", "target": target(caller, level)})
        for recipient in ("Admin", "Requestor", "Approver"):
            rules.append({"id": f"Notification_{recipient}_{level_key}",
                          "ruleType": "RoleManagementPolicyNotificationRule", "notificationType": "Email",
                          "recipientType": recipient, "notificationLevel": "All",
                          "isDefaultRecipientsEnabled": True, "notificationRecipients": [],
                          "target": target(caller, level)})
    return rules


def by_id(rules):
    return {r["id"]: r for r in rules}


def test_every_rule_goes_to_graph_and_back_unchanged():
    rules = arm_rules()
    by_id(rules)["Approval_EndUser_Assignment"]["setting"]["approvalStages"][0]["primaryApprovers"] = [
        {"id": ALICE, "userType": "User", "isBackup": False, "description": "Alice"},
        {"id": APPROVERS, "userType": "Group", "isBackup": True}]
    kept = copy.deepcopy(rules)
    graph = ap.rules_to_graph(rules)
    assert len(graph) == 17
    assert graph[0]["@odata.type"] == "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"
    assert "ruleType" not in graph[0]
    assert ap.rules_to_arm(graph) == rules
    assert rules == kept  # the rules as read are not changed by translating them


def test_approvers_become_graph_subject_sets_that_policy_reads():
    rule = {"id": "Approval_EndUser_Assignment", "ruleType": "RoleManagementPolicyApprovalRule",
            "setting": {"isApprovalRequired": True, "approvalStages": [{
                "primaryApprovers": [{"id": ALICE, "userType": "User", "isBackup": False}],
                "escalationApprovers": [{"id": APPROVERS, "userType": "Group", "isBackup": False}]}]}}
    stage = ap.rule_to_graph(rule)["setting"]["approvalStages"][0]
    assert stage["primaryApprovers"][0]["@odata.type"] == "#microsoft.graph.singleUser"
    assert stage["primaryApprovers"][0]["userId"] == ALICE
    assert stage["escalationApprovers"][0] == {"@odata.type": "#microsoft.graph.groupMembers", "groupId": APPROVERS,
                                               "isBackup": False}


def test_settings_read_from_arm_rules_are_the_directory_vocabulary():
    settings = rules_to_settings(ap.rules_to_graph(arm_rules()))
    assert settings["activation"]["max_duration"] == "PT8H"
    assert settings["activation"]["require_justification"] is True
    assert settings["activation"]["require_mfa"] is False
    assert settings["eligible_assignment"]["allow_permanent"] is True
    assert settings["active_assignment"]["max_duration"] == "P180D"
    assert settings["notifications"]["activation"]["admin"]["default_recipients"] is True


def test_a_plan_on_an_azure_policy_patches_only_the_changed_rules_in_arms_shape():
    rules = ap.rules_to_graph(arm_rules())
    desired = {"activation": {"max_duration": "1h", "require_mfa": True, "require_approval": True,
                              "approvers": ["group:PIM-Approvers"]},
               "eligible_assignment": {"allow_permanent": False}}
    approvers = {"group:PIM-Approvers": {"id": APPROVERS, "type": "group", "displayName": "PIM-Approvers"}}
    bodies = plan(rules, desired, approvers)
    assert sorted(bodies) == ["Approval_EndUser_Assignment", "Enablement_EndUser_Assignment",
                              "Expiration_Admin_Eligibility", "Expiration_EndUser_Assignment"]
    sent = ap.patch_body(bodies)["properties"]["rules"]
    written = by_id(sent)
    assert all("@odata.type" not in r for r in sent)
    assert written["Expiration_EndUser_Assignment"] == dict(by_id(arm_rules())["Expiration_EndUser_Assignment"],
                                                            maximumDuration="PT1H")
    assert written["Expiration_EndUser_Assignment"]["ruleType"] == "RoleManagementPolicyExpirationRule"
    assert written["Expiration_EndUser_Assignment"]["target"]["operations"] == ["All"]  # ARM's casing kept
    assert written["Enablement_EndUser_Assignment"]["enabledRules"] == ["Justification", "MultiFactorAuthentication"]
    assert written["Expiration_Admin_Eligibility"]["isExpirationRequired"] is True
    stage = written["Approval_EndUser_Assignment"]["setting"]["approvalStages"][0]
    assert stage["primaryApprovers"] == [{"userType": "Group", "id": APPROVERS, "isBackup": False}]
    assert written["Approval_EndUser_Assignment"]["setting"]["isApprovalRequired"] is True
    # The same settings again: nothing to write.
    after = [copy.deepcopy(bodies.get(r["id"], r)) for r in rules]
    assert plan(ap.rules_to_graph(ap.rules_to_arm(after)), desired, approvers) == {}


def policy(name, rules):
    return {"id": f"{SUB}/providers/Microsoft.Authorization/roleManagementPolicies/{name}", "name": name,
            "scope": SUB, "rules": rules}


def assignment(policy_name, role):
    return {"id": f"{SUB}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{policy_name}_{role}",
            "scope": SUB, "policyId": f"{SUB}/providers/Microsoft.Authorization/roleManagementPolicies/{policy_name}",
            "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role.upper()}"}


def test_a_scopes_policies_pair_with_roles_through_the_policy_assignments():
    policies = [policy("p-owner", arm_rules()), policy("p-reader", arm_rules()[:2])]
    found = ap.policies_by_role([assignment("p-owner", OWNER), assignment("p-reader", READER),
                                 assignment("p-gone", "11111111-2222-4333-8444-555555555555")], policies)
    assert sorted(found) == sorted([OWNER, READER])
    assert found[OWNER]["policy_id"].endswith("/p-owner")
    assert found[OWNER]["rules"][0]["@odata.type"].endswith("ExpirationRule")  # Graph-shaped for _policy


def test_targets_are_unique_per_role_and_scope_and_results_name_both():
    scope = {"id": SUB, "display_name": "Production", "kind": "subscription"}
    role = {"id": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}", "name": OWNER,
            "roleName": "Owner"}
    reader = dict(role, name=READER, roleName="Reader", id=role["id"].replace(OWNER, READER))
    pairs, missing = ap.pair_roles([role, role, reader], scope, {OWNER: {"policy_id": "p", "rules": []}})
    assert [t["displayName"] for t, _p in pairs] == ["Owner at Production"]
    assert missing == ["Reader at Production"]
    target = pairs[0][0]
    assert target["id"] == f"{SUB.lower()}/{OWNER}"
    assert ap.identity(target) == {"role": "Owner", "role_id": OWNER, "role_definition_id": role["id"],
                                   "scope": SUB, "scope_name": "Production"}


def test_the_export_groups_roles_by_scope_and_identical_settings_in_the_input_shape():
    same = {"activation": {"max_duration": "PT8H"}, "eligible_assignment": {"allow_permanent": True}}
    other = {"activation": {"max_duration": "PT1H"}, "eligible_assignment": {"allow_permanent": False}}
    rg = SUB + "/resourceGroups/rg-app"
    entries = [{"scope": SUB, "role_id": OWNER, "settings": other},
               {"scope": SUB, "role_id": READER, "settings": same},
               {"scope": SUB, "role_id": "c", "settings": same},
               {"scope": rg, "role_id": READER, "settings": same}]
    assert ap.settings_entries_of(entries, SECTIONS) == [
        {"roles": [OWNER], "scope": SUB, **other},
        {"roles": [READER, "c"], "scope": SUB, **same},
        {"roles": [READER], "scope": rg, **same}]
