# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every approval stage of Approval_EndUser_Assignment: read, validate, plan, write and the round trip.

Graph's approvalSettings holds "one or two" unifiedApprovalStage elements (primaryApprovers,
isApproverJustificationRequired, approvalStageTimeOutInDays, isEscalationEnabled, escalationApprovers,
escalationTimeInMinutes); ``activation.approval_stages`` carries them all, ``activation.approvers`` stays the
first stage's approvers.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.entra.pim.plugins.module_utils._policy import (
    PolicyError,
    apply_plan,
    approver_ids,
    changed_paths,
    desired_approver_refs,
    documented_default_rules,
    merge_settings,
    plan,
    rules_to_settings,
    settings_argument_spec,
    validate,
)

TIER0 = "6f0e1a52-0000-4000-8000-00000000b001"
CISO = "6f0e1a52-0000-4000-8000-00000000b002"
ALICE = "a11ce000-0000-4000-8000-00000000b003"
HELPDESK = "6f0e1a52-0000-4000-8000-00000000b004"
APPROVER_MAP = {
    "group:Tier0": {"id": TIER0, "type": "group", "displayName": "Tier0"},
    "group:CISO-Office": {"id": CISO, "type": "group", "displayName": "CISO-Office"},
    "alice@contoso.com": {"id": ALICE, "type": "user", "userPrincipalName": "alice@contoso.com"},
    "group:Helpdesk": {"id": HELPDESK, "type": "group", "displayName": "Helpdesk"},
    ALICE: {"id": ALICE, "type": "user", "userPrincipalName": "alice@contoso.com"},
    "svc": {"id": "5e7c0000-0000-4000-8000-00000000b005", "type": "servicePrincipal"},
}
NAMES = {TIER0: "group:Tier0", CISO: "group:CISO-Office", ALICE: "alice@contoso.com", HELPDESK: "group:Helpdesk"}

TWO_STAGES = {"activation": {
    "require_approval": True,
    "approval_stages": [
        {"approvers": ["group:Tier0"], "require_justification": True, "timeout_days": 1,
         "escalation": {"enabled": True, "approvers": ["alice@contoso.com"], "after_minutes": 120}},
        {"approvers": ["group:CISO-Office"], "require_justification": False, "timeout_days": 2},
    ]}}


def defaults():
    return documented_default_rules()


def approval(rules):
    return next(r for r in rules if r["id"] == "Approval_EndUser_Assignment")


def two_stage_rules():
    return apply_plan(defaults(), plan(defaults(), TWO_STAGES, APPROVER_MAP))


# ---- write ------------------------------------------------------------------------------------

def test_two_stages_with_escalation_are_written_as_graph_expects():
    bodies = plan(defaults(), TWO_STAGES, APPROVER_MAP)
    assert list(bodies) == ["Approval_EndUser_Assignment"]
    setting = bodies["Approval_EndUser_Assignment"]["setting"]
    assert setting["isApprovalRequired"] is True
    assert setting["approvalMode"] == "Serial"
    first, second = setting["approvalStages"]
    assert first == {
        "approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True,
        "escalationTimeInMinutes": 120, "isEscalationEnabled": True,
        "primaryApprovers": [{"@odata.type": "#microsoft.graph.groupMembers", "groupId": TIER0}],
        "escalationApprovers": [{"@odata.type": "#microsoft.graph.singleUser", "userId": ALICE}]}
    assert second["primaryApprovers"] == [{"@odata.type": "#microsoft.graph.groupMembers", "groupId": CISO}]
    assert second["isApproverJustificationRequired"] is False
    assert second["approvalStageTimeOutInDays"] == 2
    # Left out: Graph's defaults of a new stage.
    assert second["isEscalationEnabled"] is False and second["escalationApprovers"] == []
    assert second["escalationTimeInMinutes"] == 0


def test_a_rerun_plans_nothing_and_a_one_item_list_returns_to_a_single_stage():
    rules = two_stage_rules()
    assert plan(rules, TWO_STAGES, APPROVER_MAP) == {}
    single = {"activation": {"approval_stages": [{"approvers": ["group:Tier0"]}]}}
    setting = plan(rules, single, APPROVER_MAP)["Approval_EndUser_Assignment"]["setting"]
    assert setting["approvalMode"] == "SingleStage"
    assert len(setting["approvalStages"]) == 1
    # What the list leaves out of the first stage stays as the policy holds it (escalation included).
    assert setting["approvalStages"][0]["isEscalationEnabled"] is True
    assert setting["approvalStages"][0]["escalationTimeInMinutes"] == 120


def test_stages_keep_what_graph_answered_for_approvers_that_stay():
    rules = two_stage_rules()
    # Graph answers subject sets with "id" (and isBackup/description), not userId/groupId.
    stage = approval(rules)["setting"]["approvalStages"][0]
    stage["escalationApprovers"] = [{"@odata.type": "#microsoft.graph.singleUser", "isBackup": False,
                                     "id": ALICE.upper(), "description": None}]
    changed = copy.deepcopy(TWO_STAGES)
    changed["activation"]["approval_stages"][0]["escalation"]["after_minutes"] = 60
    written = plan(rules, changed, APPROVER_MAP)["Approval_EndUser_Assignment"]["setting"]["approvalStages"][0]
    assert written["escalationApprovers"] == stage["escalationApprovers"]
    assert written["escalationTimeInMinutes"] == 60


def test_activation_approvers_alone_changes_only_the_first_stage():
    rules = two_stage_rules()
    setting = plan(rules, {"activation": {"approvers": ["group:Helpdesk"]}},
                   APPROVER_MAP)["Approval_EndUser_Assignment"]["setting"]
    first, second = setting["approvalStages"]
    assert first["primaryApprovers"] == [{"@odata.type": "#microsoft.graph.groupMembers", "groupId": HELPDESK}]
    assert first["isEscalationEnabled"] is True
    assert second == approval(rules)["setting"]["approvalStages"][1]
    assert setting["approvalMode"] == "Serial"


def test_first_stage_approvers_come_from_activation_approvers_when_left_out():
    desired = {"activation": {"require_approval": True, "approvers": ["group:Tier0"],
                              "approval_stages": [{"timeout_days": 3}, {"approvers": ["group:CISO-Office"]}]}}
    stages = plan(defaults(), desired, APPROVER_MAP)["Approval_EndUser_Assignment"]["setting"]["approvalStages"]
    assert stages[0]["primaryApprovers"] == [{"@odata.type": "#microsoft.graph.groupMembers", "groupId": TIER0}]
    assert stages[0]["approvalStageTimeOutInDays"] == 3


def test_a_parallel_policy_keeps_its_mode():
    rules = two_stage_rules()
    approval(rules)["setting"]["approvalMode"] = "Parallel"
    changed = copy.deepcopy(TWO_STAGES)
    changed["activation"]["approval_stages"][1]["timeout_days"] = 5
    assert plan(rules, changed, APPROVER_MAP)["Approval_EndUser_Assignment"]["setting"]["approvalMode"] == "Parallel"


def test_turning_approval_on_for_two_stages_held_without_approval_is_serial():
    rules = two_stage_rules()
    setting = approval(rules)["setting"]
    setting["isApprovalRequired"], setting["approvalMode"] = False, "NoApproval"
    body = plan(rules, {"activation": {"require_approval": True}}, APPROVER_MAP)
    assert body["Approval_EndUser_Assignment"]["setting"]["approvalMode"] == "Serial"


# ---- read and export --------------------------------------------------------------------------

def test_export_names_every_stage_in_the_input_shape():
    settings = rules_to_settings(two_stage_rules(), NAMES)
    assert settings["activation"]["approvers"] == ["group:Tier0"]
    assert settings["activation"]["approval_stages"] == [
        {"approvers": ["group:Tier0"], "require_justification": True, "timeout_days": 1,
         "escalation": {"enabled": True, "approvers": ["alice@contoso.com"], "after_minutes": 120}},
        {"approvers": ["group:CISO-Office"], "require_justification": False, "timeout_days": 2,
         "escalation": {"enabled": False, "approvers": [], "after_minutes": 0}},
    ]


def test_a_plain_single_stage_exports_as_before():
    rules = apply_plan(defaults(), plan(defaults(), {"activation": {"require_approval": True,
                                                                    "approvers": ["group:Tier0"]}}, APPROVER_MAP))
    assert "approval_stages" not in rules_to_settings(rules, NAMES)["activation"]
    assert "approval_stages" not in rules_to_settings(defaults())["activation"]
    # Any setting beyond the approvers makes the stage worth exporting.
    approval(rules)["setting"]["approvalStages"][0]["isApproverJustificationRequired"] = False
    assert rules_to_settings(rules, NAMES)["activation"]["approval_stages"][0]["require_justification"] is False


def test_approver_ids_name_every_stage_and_escalation_approver():
    assert approver_ids(two_stage_rules()) == sorted([TIER0, CISO, ALICE])


def test_round_trip_onto_a_fresh_policy_and_onto_a_policy_with_other_stages():
    source = two_stage_rules()
    exported = rules_to_settings(source, NAMES)
    assert validate(exported) == []
    assert plan(source, exported, APPROVER_MAP) == {}
    copied = apply_plan(defaults(), plan(defaults(), exported, APPROVER_MAP))
    assert rules_to_settings(copied, NAMES) == exported
    assert approval(copied)["setting"]["approvalMode"] == "Serial"
    # A target that already has other stages (three escalation minutes, other approvers) ends up the same.
    other = {"activation": {"require_approval": True, "approval_stages": [
        {"approvers": ["group:Helpdesk"],
         "escalation": {"enabled": True, "approvers": ["group:Tier0"], "after_minutes": 3}},
        {"approvers": ["alice@contoso.com"], "timeout_days": 7}]}}
    target = apply_plan(defaults(), plan(defaults(), other, APPROVER_MAP))
    target = apply_plan(target, plan(target, exported, APPROVER_MAP))
    assert rules_to_settings(target, NAMES) == exported


def test_changed_paths_name_the_stages():
    before = rules_to_settings(defaults())
    after = rules_to_settings(two_stage_rules(), NAMES)
    assert changed_paths(before, after) == ["activation.approval_stages", "activation.approvers",
                                            "activation.require_approval"]


def test_desired_approver_refs_include_stages_and_escalation():
    desired = {"activation": {"approvers": ["group:Tier0"], "approval_stages": [
        {"approvers": ["group:Tier0"], "escalation": {"approvers": ["alice@contoso.com"]}},
        {"approvers": ["group:CISO-Office"], "escalation": None}]}}
    assert desired_approver_refs(desired) == ["group:Tier0", "alice@contoso.com", "group:CISO-Office"]


def test_the_argument_spec_takes_stages():
    spec = settings_argument_spec()["activation"]["options"]["approval_stages"]
    assert spec["type"] == "list" and spec["elements"] == "dict"
    assert set(spec["options"]) == {"approvers", "require_justification", "timeout_days", "escalation"}
    assert set(spec["options"]["escalation"]["options"]) == {"enabled", "approvers", "after_minutes"}


def test_merge_compares_stages_by_the_principals_they_name():
    same = {"activation": {"approval_stages": [{"approvers": [ALICE]}]}}
    spelled = {"activation": {"approval_stages": [{"approvers": ["alice@contoso.com"]}]}}
    merged, conflicts = merge_settings([("tier0", same), ("extra", spelled)], APPROVER_MAP)
    assert conflicts == [] and merged == same
    other = {"activation": {"approval_stages": [{"approvers": ["group:Tier0"]}]}}
    _merged, conflicts = merge_settings([("tier0", same), ("extra", other)], APPROVER_MAP)
    assert len(conflicts) == 1 and "activation.approval_stages" in conflicts[0]


# ---- bad input, found before any write --------------------------------------------------------

@pytest.mark.parametrize("stages, fragment", [
    ([{"approvers": ["a"]}] * 3, "3 stages given"),
    ("two", "expected a list of stages"),
    (["stage"], "approval_stages[0]: expected a dictionary"),
    ([{"approver": ["a"]}], "approval_stages[0].approver: unknown setting"),
    ([{"timeout_days": 0}], "approval_stages[0].timeout_days: expected a whole number from 1"),
    ([{"timeout_days": True}], "timeout_days: expected a whole number"),
    ([{"require_justification": "yes"}], "require_justification: expected true or false"),
    ([{}, {"approvers": [""]}], "approval_stages[1].approvers: '' is not a name or id"),
    ([{"escalation": {"after_minutes": -5}}], "escalation.after_minutes: expected a whole number from 0"),
    ([{"escalation": {"enabled": True, "approvers": []}}], "escalation: enabled with no approvers"),
    ([{"escalation": {"when": 5}}], "escalation.when: unknown setting"),
    ([{"escalation": "on"}], "escalation: expected a dictionary"),
])
def test_bad_stages_are_refused_by_validate(stages, fragment):
    errors = validate({"activation": {"approval_stages": stages}})
    assert any(fragment in e for e in errors), errors


def test_required_approval_needs_approvers_in_every_stage():
    errors = validate({"activation": {"require_approval": True,
                                      "approval_stages": [{"approvers": ["group:Tier0"]}, {"approvers": []}]}})
    assert any("approval_stages[1].approvers: empty while approval is required" in e for e in errors)
    errors = validate({"activation": {"require_approval": True, "approval_stages": []}})
    assert any("approval_stages is empty" in e for e in errors)


@pytest.mark.parametrize("desired, fragment", [
    # A second stage without approvers, once merged with a policy that requires approval.
    ({"activation": {"approval_stages": [{}, {"timeout_days": 2}]}}, "approval_stages[1]: no approvers"),
    # Escalation switched on for a stage that holds no escalation approvers.
    ({"activation": {"approval_stages": [{"escalation": {"enabled": True}}]}}, "escalation: enabled with no approvers"),
    # Both spellings of the first stage's approvers, naming different principals.
    ({"activation": {"approvers": ["group:Tier0"], "approval_stages": [{"approvers": ["group:Helpdesk"]}]}},
     "name different approvers"),
])
def test_plan_refuses_stages_that_are_wrong_once_merged(desired, fragment):
    rules = apply_plan(defaults(), plan(defaults(), {"activation": {"require_approval": True,
                                                                    "approvers": ["group:Tier0"]}}, APPROVER_MAP))
    assert validate(desired) == []
    with pytest.raises(PolicyError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        plan(rules, desired, APPROVER_MAP)


def test_an_unresolved_or_non_principal_stage_approver_is_named():
    with pytest.raises(PolicyError, match=r"approval_stages\[1\]\.escalation\.approvers: 'svc' is a servicePrincipal"):
        plan(defaults(), {"activation": {"approval_stages": [
            {"approvers": ["group:Tier0"]}, {"approvers": ["group:Tier0"], "escalation": {"approvers": ["svc"]}}]}},
            APPROVER_MAP)
    with pytest.raises(PolicyError, match=r"approval_stages\[0\]\.approvers: 'nobody' was not resolved"):
        plan(defaults(), {"activation": {"approval_stages": [{"approvers": ["nobody"]}]}}, APPROVER_MAP)
