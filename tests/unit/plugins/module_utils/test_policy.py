# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings <-> rules mapping, checked against the documented defaults (Graph docs: List rules, sample)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.entra.pim.plugins.module_utils._policy import (
    APPROVAL,
    FIELDS,
    RULES,
    PolicyError,
    apply_plan,
    approver_ids,
    changed_paths,
    documented_default_rules,
    plan,
    principal_name,
    rules_to_settings,
    settings_skeleton,
    validate,
)

GROUP_ID = "6f0e1a52-0000-4000-8000-00000000a001"
ALICE_ID = "a11ce000-0000-4000-8000-00000000a002"
APPROVER_MAP = {
    "group:PIM-Approvers": {"id": GROUP_ID, "type": "group", "displayName": "PIM-Approvers"},
    "alice@contoso.com": {"id": ALICE_ID, "type": "user", "userPrincipalName": "alice@contoso.com"},
    "svc": {"id": "5e7c0000-0000-4000-8000-00000000a003", "type": "servicePrincipal"},
}
NAMES = {GROUP_ID: "group:PIM-Approvers", ALICE_ID: "alice@contoso.com"}

SEED = {  # the seed scenario: Exchange Administrator
    "activation": {"max_duration": "2h", "require_mfa": True, "require_justification": True,
                   "require_approval": True, "approvers": ["group:PIM-Approvers"]},
}


def defaults():
    return documented_default_rules()


def rule(rules, rule_id):
    return next(r for r in rules if r["id"] == rule_id)


# ---- the catalogue ----------------------------------------------------------------------------

def test_seventeen_rules_with_types_and_targets():
    rules = defaults()
    assert len(rules) == 17 == len(RULES)
    assert [r["id"] for r in rules][:2] == ["Expiration_Admin_Eligibility", "Enablement_Admin_Eligibility"]
    assert rule(rules, "Approval_EndUser_Assignment")["@odata.type"] == APPROVAL
    assert rule(rules, "Notification_Approver_Admin_Assignment")["target"]["caller"] == "Admin"
    assert rule(rules, "Notification_Approver_Admin_Assignment")["recipientType"] == "Approver"
    assert rule(rules, "Expiration_EndUser_Assignment")["target"]["level"] == "Assignment"


def test_every_rule_is_reachable_from_a_setting():
    assert {f.rule_id for f in FIELDS} == set(RULES)


# ---- rules -> settings ------------------------------------------------------------------------

def test_documented_defaults_read_as_settings():
    settings = rules_to_settings(defaults())
    assert settings["activation"] == {
        "max_duration": "PT8H", "require_mfa": True, "require_justification": True, "require_ticket": False,
        "authentication_context": {"enabled": False, "claim_value": None},
        "require_approval": False, "approvers": [], "approval_for_extension": False,
    }
    assert settings["eligible_assignment"] == {"allow_permanent": True, "max_duration": "P365D",
                                               "require_mfa": False, "require_justification": False}
    assert settings["active_assignment"] == {"allow_permanent": True, "max_duration": "P180D",
                                             "require_mfa": False, "require_justification": True}
    assert set(settings["notifications"]) == {"eligible_assignment", "active_assignment", "activation"}
    for event in settings["notifications"].values():
        assert event == {r: {"recipients": [], "default_recipients": True, "critical_only": False}
                         for r in ("admin", "requestor", "approver")}


def test_settings_have_the_skeleton_shape():
    def shape(node):
        return {k: shape(v) if isinstance(v, dict) else None for k, v in node.items()}
    assert shape(rules_to_settings(defaults())) == settings_skeleton()


def test_reading_normalises_durations_lists_and_approvers_in_graph_response_form():
    rules = defaults()
    rule(rules, "Expiration_EndUser_Assignment")["maximumDuration"] = "PT120M"
    rule(rules, "Enablement_EndUser_Assignment")["enabledRules"] = ["justification", "Ticketing"]
    rule(rules, "Notification_Admin_EndUser_Assignment")["notificationRecipients"] = ["B@x.com", "a@x.com"]
    rule(rules, "Notification_Admin_EndUser_Assignment")["notificationLevel"] = "Critical"
    # Graph answers approvers with "id" (and isBackup/description), not userId/groupId.
    rule(rules, "Approval_EndUser_Assignment")["setting"]["approvalStages"][0]["primaryApprovers"] = [
        {"@odata.type": "#microsoft.graph.singleUser", "isBackup": False, "id": ALICE_ID.upper(), "description": None},
        {"@odata.type": "#microsoft.graph.groupMembers", "groupId": GROUP_ID},
    ]
    settings = rules_to_settings(rules, NAMES)
    assert settings["activation"]["max_duration"] == "PT2H"
    assert settings["activation"]["require_mfa"] is False
    assert settings["activation"]["require_justification"] is True
    assert settings["activation"]["require_ticket"] is True
    assert settings["activation"]["approvers"] == ["alice@contoso.com", "group:PIM-Approvers"]
    assert settings["notifications"]["activation"]["admin"] == {
        "recipients": ["a@x.com", "b@x.com"], "default_recipients": True, "critical_only": True}
    assert sorted(approver_ids(rules)) == sorted([ALICE_ID, GROUP_ID])


def test_unknown_approver_stays_addressable_by_prefixed_id():
    rules = defaults()
    rule(rules, "Approval_EndUser_Assignment")["setting"]["approvalStages"][0]["primaryApprovers"] = [
        {"@odata.type": "#microsoft.graph.groupMembers", "id": GROUP_ID}]
    assert rules_to_settings(rules)["activation"]["approvers"] == [f"group:{GROUP_ID}"]


def test_principal_name_is_resolvable():
    assert principal_name({"id": "1", "type": "user", "userPrincipalName": "a@b.c"}) == "a@b.c"
    assert principal_name({"id": "1", "type": "group", "displayName": "Ops"}) == "group:Ops"
    assert principal_name({"id": "1", "type": "servicePrincipal"}) == "1"


# ---- plan -------------------------------------------------------------------------------------

def test_seed_scenario_changes_exactly_the_needed_rules():
    rules = defaults()
    bodies = plan(rules, SEED, APPROVER_MAP)
    # MFA and justification are already on by default: only expiration and approval change.
    assert set(bodies) == {"Expiration_EndUser_Assignment", "Approval_EndUser_Assignment"}
    expiration = bodies["Expiration_EndUser_Assignment"]
    assert expiration["maximumDuration"] == "PT2H"
    assert expiration["@odata.type"].endswith("ExpirationRule")
    assert expiration["target"] == rule(rules, "Expiration_EndUser_Assignment")["target"]
    approval = bodies["Approval_EndUser_Assignment"]["setting"]
    assert approval["isApprovalRequired"] is True
    assert approval["approvalMode"] == "SingleStage"
    assert approval["approvalStages"][0]["primaryApprovers"] == [
        {"@odata.type": "#microsoft.graph.groupMembers", "groupId": GROUP_ID}]
    # Input rules are not modified.
    assert rules == defaults()


def test_plan_is_idempotent_after_applying():
    rules = apply_plan(defaults(), plan(defaults(), SEED, APPROVER_MAP))
    assert plan(rules, SEED, APPROVER_MAP) == {}
    after = rules_to_settings(rules, NAMES)
    assert after["activation"]["max_duration"] == "PT2H"
    assert after["activation"]["approvers"] == ["group:PIM-Approvers"]


@pytest.mark.parametrize("value", ["PT60M", "1h", "PT1H", "60m", "PT3600S"])
def test_equal_durations_are_no_change(value):
    rules = defaults()
    rule(rules, "Expiration_EndUser_Assignment")["maximumDuration"] = "PT1H"
    assert plan(rules, {"activation": {"max_duration": value}}) == {}


def test_durations_are_written_canonical():
    bodies = plan(defaults(), {"eligible_assignment": {"max_duration": "52w", "allow_permanent": False}})
    assert bodies["Expiration_Admin_Eligibility"]["maximumDuration"] == "P364D"
    assert bodies["Expiration_Admin_Eligibility"]["isExpirationRequired"] is True


def test_lists_compare_as_sets():
    rules = defaults()
    rule(rules, "Notification_Admin_Admin_Eligibility")["notificationRecipients"] = ["a@x.com", "b@x.com"]
    desired = {"notifications": {"eligible_assignment": {"admin": {"recipients": ["B@x.com", "a@x.com", "a@x.com"]}}}}
    assert plan(rules, desired) == {}
    desired["notifications"]["eligible_assignment"]["admin"]["recipients"] = ["c@x.com"]
    body = plan(rules, desired)["Notification_Admin_Admin_Eligibility"]
    assert body["notificationRecipients"] == ["c@x.com"]
    assert body["recipientType"] == "Admin" and body["notificationType"] == "Email"


def test_approver_order_and_form_do_not_matter():
    rules = defaults()
    rule(rules, "Approval_EndUser_Assignment")["setting"]["approvalStages"][0]["primaryApprovers"] = [
        {"@odata.type": "#microsoft.graph.singleUser", "id": ALICE_ID, "isBackup": False, "description": None},
        {"@odata.type": "#microsoft.graph.groupMembers", "id": GROUP_ID, "isBackup": False, "description": None}]
    desired = {"activation": {"approvers": ["group:PIM-Approvers", "alice@contoso.com"]}}
    assert plan(rules, desired, APPROVER_MAP) == {}


def test_kept_approvers_are_sent_back_as_read():
    rules = defaults()
    kept = {"@odata.type": "#microsoft.graph.singleUser", "id": ALICE_ID, "isBackup": False, "description": None}
    rule(rules, "Approval_EndUser_Assignment")["setting"]["approvalStages"][0]["primaryApprovers"] = [kept]
    desired = {"activation": {"approvers": ["group:PIM-Approvers", "alice@contoso.com"]}}
    stage = plan(rules, desired, APPROVER_MAP)["Approval_EndUser_Assignment"]["setting"]["approvalStages"][0]
    assert kept in stage["primaryApprovers"]
    assert {"@odata.type": "#microsoft.graph.groupMembers", "groupId": GROUP_ID} in stage["primaryApprovers"]


def test_enablement_keeps_other_entries():
    body = plan(defaults(), {"activation": {"require_ticket": True, "require_mfa": False}})
    assert body["Enablement_EndUser_Assignment"]["enabledRules"] == ["Justification", "Ticketing"]


def test_several_fields_of_one_rule_make_one_body():
    desired = {"activation": {"require_approval": True, "approvers": ["alice@contoso.com"],
                              "approval_for_extension": True}}
    bodies = plan(defaults(), desired, APPROVER_MAP)
    assert list(bodies) == ["Approval_EndUser_Assignment"]
    assert bodies["Approval_EndUser_Assignment"]["setting"]["isApprovalRequiredForExtension"] is True


def test_approval_turns_no_approval_mode_into_single_stage():
    rules = defaults()
    setting = rule(rules, "Approval_EndUser_Assignment")["setting"]
    setting["approvalMode"] = "NoApproval"
    setting["approvalStages"] = []
    body = plan(rules, SEED, APPROVER_MAP)["Approval_EndUser_Assignment"]["setting"]
    assert body["approvalMode"] == "SingleStage"
    assert len(body["approvalStages"]) == 1


def test_all_seventeen_rules_from_defaults():
    desired = {
        "activation": {"max_duration": "1h", "require_mfa": False, "require_ticket": True,
                       "require_justification": True,
                       "authentication_context": {"enabled": True, "claim_value": "c1"},
                       "require_approval": True, "approvers": ["alice@contoso.com"]},
        "eligible_assignment": {"allow_permanent": False, "max_duration": "90d", "require_mfa": True},
        "active_assignment": {"allow_permanent": False, "max_duration": "30d", "require_mfa": True},
        "notifications": {event: {who: {"recipients": ["sec@contoso.com"]}
                                  for who in ("admin", "requestor", "approver")}
                          for event in ("eligible_assignment", "active_assignment", "activation")},
    }
    assert validate(desired) == []
    bodies = plan(defaults(), desired, APPROVER_MAP)
    assert set(bodies) == set(RULES)
    after = rules_to_settings(apply_plan(defaults(), bodies), NAMES)
    assert after["activation"]["authentication_context"] == {"enabled": True, "claim_value": "c1"}
    assert after["eligible_assignment"]["allow_permanent"] is False
    assert plan(apply_plan(defaults(), bodies), desired, APPROVER_MAP) == {}


def test_export_applies_back_without_change():
    rules = apply_plan(defaults(), plan(defaults(), SEED, APPROVER_MAP))
    exported = rules_to_settings(rules, NAMES)
    assert validate(exported) == []
    assert plan(rules, exported, APPROVER_MAP) == {}
    # ... and onto a fresh policy it reproduces the same settings.
    copied = apply_plan(defaults(), plan(defaults(), exported, APPROVER_MAP))
    assert rules_to_settings(copied, NAMES) == exported


def test_changed_paths():
    before = rules_to_settings(defaults())
    after = rules_to_settings(apply_plan(defaults(), plan(defaults(), SEED, APPROVER_MAP)), NAMES)
    assert changed_paths(before, after) == ["activation.approvers", "activation.max_duration",
                                            "activation.require_approval"]


def test_critical_only_maps_to_notification_level():
    desired = {"notifications": {"activation": {"approver": {"critical_only": True, "default_recipients": False}}}}
    body = plan(defaults(), desired)["Notification_Approver_EndUser_Assignment"]
    assert body["notificationLevel"] == "Critical" and body["isDefaultRecipientsEnabled"] is False


# ---- checks that need the current policy ------------------------------------------------------

def test_approval_without_approvers_fails_unless_the_rule_has_some():
    with pytest.raises(PolicyError, match="no approvers"):
        plan(defaults(), {"activation": {"require_approval": True}})
    rules = apply_plan(defaults(), plan(defaults(), SEED, APPROVER_MAP))
    rule(rules, "Approval_EndUser_Assignment")["setting"]["isApprovalRequired"] = False
    assert set(plan(rules, {"activation": {"require_approval": True}})) == {"Approval_EndUser_Assignment"}


def test_authentication_context_over_current_mfa_fails():
    with pytest.raises(PolicyError, match="require_mfa: false"):
        plan(defaults(), {"activation": {"authentication_context": {"enabled": True, "claim_value": "c1"}}})


def test_authentication_context_needs_a_claim_value():
    with pytest.raises(PolicyError, match="claim_value"):
        plan(defaults(), {"activation": {"require_mfa": False, "authentication_context": {"enabled": True}}})


def test_service_principal_cannot_approve():
    with pytest.raises(PolicyError, match="approvers are users or groups"):
        plan(defaults(), {"activation": {"approvers": ["svc"]}}, APPROVER_MAP)


def test_missing_rule_is_reported():
    rules = [r for r in defaults() if r["id"] != "Expiration_EndUser_Assignment"]
    with pytest.raises(PolicyError, match="no rule Expiration_EndUser_Assignment"):
        plan(rules, {"activation": {"max_duration": "1h"}})


# ---- validate (before any I/O) ----------------------------------------------------------------

def test_seed_is_valid():
    assert validate(SEED) == []
    assert validate({}) == []
    assert validate(None) == []


@pytest.mark.parametrize("desired, fragment", [
    ({"activation": {"require_approval": True, "approvers": []}}, "approvers is empty"),
    ({"activation": {"max_duration": "25h"}}, "longer than the 24 hours"),
    ({"activation": {"max_duration": "P2D"}}, "longer than the 24 hours"),
    ({"activation": {"max_duration": "eight hours"}}, "is not a duration"),
    ({"eligible_assignment": {"max_duration": "PT0S"}}, "longer than zero"),
    ({"active_assignment": {"max_duration": 8}}, "has no unit"),
    ({"activation": {"require_mfa": True, "authentication_context": {"enabled": True, "claim_value": "c1"}}},
     "cannot both be true"),
    ({"activation": {"authentication_context": {"enabled": True, "claim_value": ""}}}, "claim_value"),
    ({"activation": {"require_mfa": "yes"}}, "expected true or false"),
    ({"activation": {"max_durration": "1h"}}, "activation.max_durration: unknown setting"),
    ({"approval": {}}, "approval: unknown setting"),
    ({"notifications": {"activation": {"admins": {}}}}, "notifications.activation.admins: unknown"),
    ({"notifications": {"activation": {"admin": {"recipients": ["not-an-address"]}}}}, "not an e-mail"),
    ({"notifications": {"activation": {"admin": {"recipients": "a@b.com"}}}}, "expected a list"),
    ({"activation": {"approvers": [""]}}, "is not a name or id"),
    ({"activation": "strict"}, "expected a dictionary"),
])
def test_bad_input(desired, fragment):
    errors = validate(desired)
    assert errors, desired
    assert any(fragment in e for e in errors), errors


def test_validate_reports_every_problem_at_once():
    errors = validate({"activation": {"max_duration": "30h", "require_approval": True, "approvers": []},
                       "eligible_assignment": {"max_duration": "forever"}})
    assert len(errors) == 3


def test_none_leaves_are_ignored_like_an_argument_spec_fills_them():
    desired = copy.deepcopy(settings_skeleton())
    desired["activation"]["max_duration"] = "2h"
    assert validate(desired) == []
    assert set(plan(defaults(), desired)) == {"Expiration_EndUser_Assignment"}
