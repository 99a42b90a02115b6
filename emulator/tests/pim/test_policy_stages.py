"""Approval rules with every stage (Graph docs: approvalSettings and unifiedApprovalStage resource types): two
serial stages with escalation are stored and read back as sent, a request under them passes both stages in
turn, and a third stage is refused before anything changes (approvalSettings: "one or two elements")."""

from __future__ import annotations

import copy

from helpers import ASSIGN, ELIG, body, for_, permanent
from pim_env import ALICE, BOB, CAROL, EXCH, GROUP, RW, TENANT, Env

from pim_emulator.pim.ids import group_policy_id, policy_id

NS = "#microsoft.graph.unifiedRoleManagementPolicy"
APPROVALS = "/roleManagement/directory/roleAssignmentApprovals"
USER, MEMBERS = "#microsoft.graph.singleUser", "#microsoft.graph.groupMembers"

TWO_STAGES = {"@odata.type": NS + "ApprovalRule", "setting": {
    "isApprovalRequired": True, "isApprovalRequiredForExtension": False, "isRequestorJustificationRequired": True,
    "approvalMode": "Serial",
    "approvalStages": [
        {"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True, "escalationTimeInMinutes": 120,
         "isEscalationEnabled": True, "primaryApprovers": [{"@odata.type": USER, "userId": BOB}],
         "escalationApprovers": [{"@odata.type": USER, "userId": CAROL}]},
        {"approvalStageTimeOutInDays": 2, "isApproverJustificationRequired": False, "escalationTimeInMinutes": 0,
         "isEscalationEnabled": False, "primaryApprovers": [{"@odata.type": MEMBERS, "groupId": GROUP}],
         "escalationApprovers": []},
    ]}}


def _url(policy, rule="Approval_EndUser_Assignment"):
    return f"/policies/roleManagementPolicies/{policy}/rules/{rule}"


def _stored(stages):
    """The stages as Graph answers them: the subject sets with their (null) description."""
    out = copy.deepcopy(stages)
    for stage in out:
        for key in ("primaryApprovers", "escalationApprovers"):
            stage[key] = [dict(s, description=None) for s in stage[key]]
    return out


def test_two_serial_stages_with_escalation_are_kept_as_sent(env):
    url = _url(policy_id(TENANT, EXCH))
    assert env.call("PATCH", url, TWO_STAGES)[0] == 204
    _, rule = env.call("GET", url)
    setting = rule["setting"]
    assert setting["approvalMode"] == "Serial" and setting["isApprovalRequired"] is True
    assert setting["approvalStages"] == _stored(TWO_STAGES["setting"]["approvalStages"])


def test_a_third_stage_is_refused_and_nothing_changes(env):
    url = _url(policy_id(TENANT, EXCH))
    _, before = env.call("GET", url)
    three = copy.deepcopy(TWO_STAGES)
    three["setting"]["approvalStages"].append(copy.deepcopy(three["setting"]["approvalStages"][1]))
    err = env.error("PATCH", url, three)
    assert err.status == 400 and "at most 2 approval stages" in err.message
    assert env.call("GET", url)[1] == before
    # The same through the policy PATCH, which applies all rules or none.
    err = env.error("PATCH", f"/policies/roleManagementPolicies/{policy_id(TENANT, EXCH)}",
                    {"rules": [dict(three, id="Approval_EndUser_Assignment")]})
    assert err.status == 400
    assert env.call("GET", url)[1] == before


def test_escalation_approvers_must_exist(env):
    bad = copy.deepcopy(TWO_STAGES)
    bad["setting"]["approvalStages"][0]["escalationApprovers"] = [{"@odata.type": USER, "userId": "nobody"}]
    err = env.error("PATCH", _url(policy_id(TENANT, EXCH)), bad)
    assert err.status == 400 and "nobody" in err.message


def test_a_request_passes_both_stages_in_turn(env):
    env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()))
    assert env.call("PATCH", _url(policy_id(TENANT, EXCH)), TWO_STAGES)[0] == 204
    _, request = env.call("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")),
                          caller=env.user(ALICE))
    assert request["status"] == "PendingApproval"
    approval = f"{APPROVALS}/{request['approvalId']}"
    _, got = env.call("GET", approval, caller=env.user(BOB), version="beta")
    first, second = got["steps"]
    assert (first["status"], second["status"]) == ("InProgress", "NotStarted")
    review = {"reviewResult": "Approve", "justification": "ok"}
    assert env.call("PATCH", f"{approval}/steps/{first['id']}", review, caller=env.user(BOB), version="beta")[0] == 204
    # The first stage's approval alone does not activate: the second stage (the group's members) is next.
    assert env.call("GET", f"{ASSIGN}/{request['id']}")[1]["status"] == "PendingApproval"
    assert env.call("PATCH", f"{approval}/steps/{second['id']}", review, caller=env.user(CAROL),
                    version="beta")[0] == 204
    assert env.call("GET", f"{ASSIGN}/{request['id']}")[1]["status"] == "Provisioned"


def test_a_group_policy_takes_two_stages_too():
    env = Env()
    app = env.app(frozenset({"RoleManagementPolicy.ReadWrite.AzureADGroup",
                             "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup", "Group.Read.All", *RW}))
    # A group's policies exist once the group is under PIM: its first eligibility brings it there.
    env.call("POST", "/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests", {
        "action": "adminAssign", "principalId": ALICE, "accessId": "member", "groupId": GROUP,
        "justification": "because",
        "scheduleInfo": {"startDateTime": None, "expiration": {"type": "afterDuration", "duration": "P30D"}}}, app)
    url = _url(group_policy_id(GROUP, "member"))
    assert env.call("PATCH", url, TWO_STAGES, app)[0] == 204
    _, rule = env.call("GET", url, None, app)
    assert rule["setting"]["approvalStages"] == _stored(TWO_STAGES["setting"]["approvalStages"])
