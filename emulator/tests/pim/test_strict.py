"""Where Entra is strict and the emulator once was not (issue 18): delegated reads need a reader role,
approval re-reviews conflict, app-only admin assignments cannot satisfy an MFA rule, duplicate pending
activations answer Graph's code, audit activity names come from Microsoft's audit activity reference."""

import pytest
from helpers import ASSIGN, ELIG, body, for_, permanent
from pim_env import ALICE, BOB, CAROL, EXCH, PRA, TENANT, Env

from pim_emulator.pim.ids import policy_id

INST = "/roleManagement/directory/roleAssignmentScheduleInstances"
ELIG_INST = "/roleManagement/directory/roleEligibilityScheduleInstances"
APPROVALS = "/roleManagement/directory/roleAssignmentApprovals"
NS = "#microsoft.graph.unifiedRoleManagementPolicy"
ME = "/filterByCurrentUser(on='principal')"
POLICY_FILTER = {"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'"}


def _env() -> Env:
    # Bob is an active Privileged Role Administrator; Alice is only eligible for Exchange Administrator.
    env = Env()
    env.call("POST", ASSIGN, body("adminAssign", BOB, PRA, exp=permanent()))
    env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()))
    return env


TENANT_READS = [
    ("/policies/roleManagementPolicies", POLICY_FILTER),
    ("/policies/roleManagementPolicyAssignments", POLICY_FILTER),
    (f"/policies/roleManagementPolicies/{policy_id(TENANT, EXCH)}", {}),
    (INST, {}), (ELIG_INST, {}),
    ("/roleManagement/directory/roleEligibilitySchedules", {}),
    ("/roleManagement/directory/roleAssignmentSchedules", {}),
    (ASSIGN, {}), (ELIG, {}),
]


@pytest.mark.parametrize("path,query", TENANT_READS)
def test_delegated_tenant_reads_need_a_reader_role(path, query):
    # "For read operations: Global Reader, Security Operator, Security Reader, Security Administrator, or
    # Privileged Role Administrator" (rbac-pim-entra-roles-apis, on every PIM for Entra roles page).
    env = _env()
    err = env.error("GET", path, caller=env.user(ALICE), **query)
    assert err.status == 403 and err.code == "Authorization_RequestDenied"
    assert env.call("GET", path, caller=env.user(BOB), **query)[0] == 200
    assert env.call("GET", path, **query)[0] == 200  # app-only: the permission alone decides


def test_any_user_reads_their_own_with_filter_by_current_user():
    env = _env()
    _, mine = env.call("GET", ELIG_INST + ME, caller=env.user(ALICE))
    assert [i["roleDefinitionId"] for i in mine.items] == [EXCH]
    _, r = env.call("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")), caller=env.user(ALICE))
    _, reqs = env.call("GET", ASSIGN + ME, caller=env.user(ALICE))
    assert [x["id"] for x in reqs.items] == [r["id"]]
    # her own request by id (as pim_role_activation polls it), not someone else's
    assert env.call("GET", f"{ASSIGN}/{r['id']}", caller=env.user(ALICE))[1]["status"] == "Provisioned"
    _, bobs = env.call("GET", ASSIGN, caller=env.user(BOB))
    other = next(x for x in bobs.items if x["principalId"] == BOB)
    assert env.error("GET", f"{ASSIGN}/{other['id']}", caller=env.user(ALICE)).status == 403


def test_option_turns_the_read_role_check_off():
    env = Env(delegated_read_requires_role=False)
    assert env.call("GET", INST, caller=env.user(ALICE))[0] == 200


def _require_approval(env, approver):
    url = f"/policies/roleManagementPolicies/{policy_id(TENANT, EXCH)}/rules/Approval_EndUser_Assignment"
    env.call("PATCH", url, {"@odata.type": NS + "ApprovalRule", "setting": {
        "isApprovalRequired": True, "approvalMode": "SingleStage",
        "approvalStages": [{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True,
                            "primaryApprovers": [{"@odata.type": "#microsoft.graph.singleUser",
                                                  "userId": approver}]}]}})


def test_reviewing_a_reviewed_step_conflicts():
    # "If the request has already been approved by another approver in the same approval stage, the method
    # returns 409 Conflict" (Update approvalStep).
    env = _env()
    _require_approval(env, CAROL)
    _, r = env.call("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")), caller=env.user(ALICE))
    _, appr = env.call("GET", f"{APPROVALS}/{r['approvalId']}", caller=env.user(CAROL), version="beta")
    url = f"{APPROVALS}/{r['approvalId']}/steps/{appr['steps'][0]['id']}"
    review = {"reviewResult": "Approve", "justification": "ok"}
    assert env.call("PATCH", url, review, caller=env.user(CAROL), version="beta") == (204, None)
    err = env.error("PATCH", url, review, caller=env.user(CAROL), version="beta")
    assert err.status == 409


def test_duplicate_pending_activation_answers_graphs_code_and_message():
    env = _env()
    _require_approval(env, CAROL)
    env.call("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")), caller=env.user(ALICE))
    err = env.error("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")), caller=env.user(ALICE))
    assert (err.status, err.code) == (400, "PendingRoleAssignmentRequest")
    assert err.message == "There already exists a pending governanceRoleAssignmentRequest in the system."


def test_app_only_admin_assignment_cannot_satisfy_an_mfa_rule():
    env = _env()
    url = f"/policies/roleManagementPolicies/{policy_id(TENANT, EXCH)}/rules/Enablement_Admin_Eligibility"
    env.call("PATCH", url, {"@odata.type": NS + "EnablementRule", "enabledRules": ["MultiFactorAuthentication"]})
    err = env.error("POST", ELIG, body("adminAssign", CAROL, EXCH, exp=permanent()))
    assert err.message == 'The following policy rules failed: ["MfaRule"]'
    # a signed-in administrator with MFA passes the same rule
    assert env.call("POST", ELIG, body("adminAssign", CAROL, EXCH, exp=permanent()), caller=env.user(BOB))[0] == 201


# Every PIM activity name of Microsoft's "Microsoft Entra audit log activity reference" (category RoleManagement)
# that the engine writes; a name outside it would be invented.
REFERENCE = {
    "Add eligible member to role in PIM canceled (permanent)",
    "Add eligible member to role in PIM canceled (renew)",
    "Add eligible member to role in PIM canceled (timebound)",
    "Add eligible member to role in PIM completed (permanent)",
    "Add eligible member to role in PIM completed (timebound)",
    "Add eligible member to role in PIM requested (permanent)",
    "Add eligible member to role in PIM requested (renew)",
    "Add eligible member to role in PIM requested (timebound)",
    "Add member to role approval requested (PIM activation)",
    "Add member to role canceled (PIM activation)",
    "Add member to role completed (PIM activation)",
    "Add member to role in PIM canceled (permanent)",
    "Add member to role in PIM canceled (renew)",
    "Add member to role in PIM canceled (timebound)",
    "Add member to role in PIM completed (permanent)",
    "Add member to role in PIM completed (timebound)",
    "Add member to role in PIM requested (permanent)",
    "Add member to role in PIM requested (renew)",
    "Add member to role in PIM requested (timebound)",
    "Add member to role outside of PIM (permanent)",
    "Add member to role request approved (PIM activation)",
    "Add member to role request denied (PIM activation)",
    "Add member to role requested (PIM activation)",
    "Cancel request for role removal",
    "Cancel request for role update",
    "Remove eligible member from role in PIM completed (permanent)",
    "Remove eligible member from role in PIM completed (timebound)",
    "Remove eligible member from role in PIM requested (permanent)",
    "Remove eligible member from role in PIM requested (timebound)",
    "Remove member from role (PIM activation expired)",
    "Remove member from role completed (PIM deactivate)",
    "Remove member from role in PIM completed (permanent)",
    "Remove member from role in PIM completed (timebound)",
    "Remove member from role in PIM requested (permanent)",
    "Remove member from role in PIM requested (timebound)",
    "Remove member from role requested (PIM deactivate)",
    "Remove permanent direct role assignment",
    "Update eligible member in PIM canceled (extend)",
    "Update eligible member in PIM requested (extend)",
    "Update member in PIM canceled (extend)",
    "Update member in PIM requested (extend)",
    "Update role setting in PIM",
}


def test_audit_activity_names_are_microsofts():
    from datetime import timedelta

    env = _env()
    env.call("POST", ELIG, body("adminExtend", ALICE, EXCH, exp=for_("P400D")))
    env.call("POST", ELIG, body("adminUpdate", ALICE, EXCH, exp=for_("P200D")))
    _, sx = env.call("POST", ELIG, body("selfExtend", ALICE, EXCH, exp=for_("P30D")), caller=env.user(ALICE))
    env.call("POST", f"{ELIG}/{sx['id']}/cancel")
    _, act = env.call("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")), caller=env.user(ALICE))
    env.clock.advance(timedelta(minutes=10))
    env.call("POST", ASSIGN, body("selfDeactivate", ALICE, EXCH), caller=env.user(ALICE))
    _require_approval(env, CAROL)
    _, pending = env.call("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")), caller=env.user(ALICE))
    env.call("POST", f"{ASSIGN}/{pending['id']}/cancel")
    env.call("POST", "/roleManagement/directory/roleAssignments",
             {"principalId": CAROL, "roleDefinitionId": EXCH, "directoryScopeId": "/"})
    _, classic = env.call("GET", "/roleManagement/directory/roleAssignments")
    rid = next(a["id"] for a in classic.items if a["principalId"] == CAROL)
    env.call("DELETE", f"/roleManagement/directory/roleAssignments/{rid}")
    env.call("POST", ELIG, body("adminRemove", ALICE, EXCH))
    _, audits = env.call("GET", "/auditLogs/directoryAudits")
    names = {a["activityDisplayName"] for a in audits.items}
    assert "Add member to role canceled (PIM activation)" in names
    assert "Update eligible member in PIM canceled (extend)" in names
    assert "Update eligible member in PIM requested (extend)" in names
    assert names - REFERENCE == set()
