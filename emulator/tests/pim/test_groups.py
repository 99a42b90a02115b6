"""PIM for Groups on the one PIM engine: the nine actions against a group's policy, lazy group policies,
membership effects on the emulated clock, plain members as assignments outside PIM, the required list filter,
permissions and approvals (routes/graph_groups.py, pim/surfaces.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pim_env import ALICE, BOB, CAROL, EXCH, GROUP, PLAINGROUP, RW, Env

from pim_emulator.pim.ids import group_policy_id

PG = "/identityGovernance/privilegedAccess/group"
ELIG, ASSIGN = f"{PG}/eligibilityScheduleRequests", f"{PG}/assignmentScheduleRequests"
GRW = frozenset({"PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
                 "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup", "RoleManagementPolicy.ReadWrite.AzureADGroup",
                 "Group.Read.All", *RW})
NS = "#microsoft.graph.unifiedRoleManagementPolicy"


def gbody(action, principal, access="member", group=GROUP, duration="P30D", justification="because", **extra):
    exp = {"type": "noExpiration"} if duration is None else {"type": "afterDuration", "duration": duration}
    b = {"action": action, "principalId": principal, "accessId": access, "groupId": group,
         "justification": justification, "scheduleInfo": {"startDateTime": None, "expiration": exp}}
    b.update(extra)
    return b


@pytest.fixture
def g() -> Env:
    env = Env()
    env.gapp = env.app(GRW)
    return env


def post(env, url, body, caller=None):
    return env.call("POST", url, body, caller or env.gapp)


def items(env, name, caller=None, **filters):
    flt = " and ".join(f"{k} eq '{v}'" for k, v in (filters or {"groupId": GROUP}).items())
    return env.call("GET", f"{PG}/{name}", None, caller or env.gapp, **{"$filter": flt})[1].items


def members(env, access="members", group=GROUP):
    return {m["id"] for m in env.call("GET", f"/groups/{group}/{access}", None, env.gapp)[1].items}


def policy_assignments(env, group=GROUP):
    return env.call("GET", "/policies/roleManagementPolicyAssignments", None, env.gapp,
                    **{"$filter": f"scopeId eq '{group}' and scopeType eq 'Group'",
                       "$expand": "policy($expand=rules)"})[1].items


def test_a_group_gets_its_policies_with_its_first_pim_request(g):
    assert policy_assignments(g) == []  # never used with PIM: no policy
    err = g.error("POST", ELIG, gbody("adminAssign", ALICE, duration=None), g.gapp)
    assert err.code == "RoleAssignmentRequestPolicyValidationFailed"
    valid = post(g, ELIG, gbody("adminAssign", ALICE, isValidationOnly=True))[1]
    assert valid["status"] == "Granted"
    assert policy_assignments(g) == []  # a refused or validation-only request leaves it unmanaged
    assert post(g, ELIG, gbody("adminAssign", ALICE))[0] == 201
    got = policy_assignments(g)
    assert sorted(a["roleDefinitionId"] for a in got) == ["member", "owner"]
    for a in got:
        assert a["policyId"] == group_policy_id(GROUP, a["roleDefinitionId"]) and a["policyId"].startswith(
            f"Group_{GROUP}_")
        assert a["id"] == f"{a['policyId']}_{a['roleDefinitionId']}" and a["scopeType"] == "Group"
        rules = {r["id"]: r for r in a["policy"]["rules"]}
        assert len(rules) == 17
        assert rules["Expiration_Admin_Eligibility"]["isExpirationRequired"] is True
        assert rules["Expiration_Admin_Assignment"]["maximumDuration"] == "P180D"
        assert rules["Expiration_EndUser_Assignment"]["maximumDuration"] == "PT8H"
        assert rules["Enablement_EndUser_Assignment"]["enabledRules"] == ["Justification"]
    policies = g.call("GET", "/policies/roleManagementPolicies", None, g.gapp,
                      **{"$filter": f"scopeId eq '{GROUP}' and scopeType eq 'Group'"})[1].items
    assert {p["id"] for p in policies} == {a["policyId"] for a in got}
    # the directory roles' policies are untouched by the groups'
    directory = g.call("GET", "/policies/roleManagementPolicies", None, g.gapp,
                       **{"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'"})[1].items
    assert all(p["scopeType"] == "DirectoryRole" for p in directory)


def test_group_defaults_refuse_permanent_and_too_long_assignments(g):
    for url, too_long in ((ELIG, "P366D"), (ASSIGN, "P181D")):
        for duration in (None, too_long):
            err = g.error("POST", url, gbody("adminAssign", ALICE, duration=duration), g.gapp)
            assert (err.status, err.message) == (400, 'The following policy rules failed: ["ExpirationRule"]')
    assert post(g, ELIG, gbody("adminAssign", ALICE, duration="P365D"))[0] == 201
    # the admin-assignment justification rule of the group policy, evaluated by the same code
    err = g.error("POST", ASSIGN, gbody("adminAssign", BOB, "owner", justification=""), g.gapp)
    assert err.message == 'The following policy rules failed: ["JustificationRule"]'


def test_patching_a_group_rule_works_as_for_roles_and_is_obeyed(g):
    post(g, ELIG, gbody("adminAssign", ALICE))
    url = f"/policies/roleManagementPolicies/{group_policy_id(GROUP, 'member')}/rules/Expiration_Admin_Eligibility"
    assert g.call("PATCH", url, {"@odata.type": NS + "ExpirationRule", "isExpirationRequired": False,
                                 "maximumDuration": "P365D"}, g.gapp)[0] == 204
    status, r = post(g, ELIG, gbody("adminAssign", BOB, duration=None))
    assert status == 201 and r["scheduleInfo"]["expiration"]["type"] == "noExpiration"
    # the owner policy keeps its default
    err = g.error("POST", ELIG, gbody("adminAssign", BOB, "owner", duration=None), g.gapp)
    assert "ExpirationRule" in err.message
    # a directory-only app may not touch a group's policy
    err = g.error("PATCH", url, {"@odata.type": NS + "ExpirationRule", "isExpirationRequired": True}, g.app(RW))
    assert err.status == 403 and "RoleManagementPolicy.ReadWrite.AzureADGroup" in err.message


def test_admin_actions_on_eligibility(g):
    status, r = post(g, ELIG, gbody("adminAssign", ALICE))
    assert status == 201 and r["status"] == "Provisioned" and (r["accessId"], r["groupId"]) == ("member", GROUP)
    assert r["targetScheduleId"] == f"{GROUP}_member_{r['id']}"
    assert "roleDefinitionId" not in r and "directoryScopeId" not in r
    assert g.error("POST", ELIG, gbody("adminAssign", ALICE), g.gapp).code == "RoleAssignmentExists"
    (sched,) = items(g, "eligibilitySchedules")
    assert sched["memberType"] == "direct" and sched["id"] == r["targetScheduleId"]
    # Unlike a role's, a group schedule takes the id of the request that updates, extends or renews it
    # ("Create eligibilityScheduleRequest" example 2: adminExtend answers {groupId}_member_{its own id}).
    status, upd = post(g, ELIG, gbody("adminUpdate", ALICE, duration="P60D"))
    assert status == 201 and upd["targetScheduleId"] == f"{GROUP}_member_{upd['id']}"
    status, ext = post(g, ELIG, gbody("adminExtend", ALICE, duration="P90D"))
    assert status == 201 and ext["targetScheduleId"] == f"{GROUP}_member_{ext['id']}"
    (sched,) = items(g, "eligibilitySchedules")
    assert sched["id"] == ext["targetScheduleId"] and sched["createdUsing"] == ext["id"]
    (inst,) = items(g, "eligibilityScheduleInstances")
    assert inst["eligibilityScheduleId"] == sched["id"] and inst["endDateTime"] is not None
    g.clock.advance(timedelta(days=91))
    assert items(g, "eligibilitySchedules") == []  # expired
    status, ren = post(g, ELIG, gbody("adminRenew", ALICE, duration="P30D"))
    assert status == 201 and ren["targetScheduleId"] == f"{GROUP}_member_{ren['id']}"
    assert [s["id"] for s in items(g, "eligibilitySchedules")] == [ren["targetScheduleId"]]
    status, rem = post(g, ELIG, gbody("adminRemove", ALICE))
    assert status == 201 and rem["status"] == "Revoked" and items(g, "eligibilitySchedules") == []
    assert g.error("POST", ELIG, gbody("adminRemove", ALICE), g.gapp).code == "RoleAssignmentDoesNotExist"
    audits = [a["activityDisplayName"] for a in g.tenant.coll("directoryAudits").values()
              if any(t["id"] == GROUP for t in a["targetResources"])]
    assert "Add eligible member to role in PIM completed (timebound)" in audits


def test_activation_makes_a_member_for_its_window(g):
    post(g, ELIG, gbody("adminAssign", ALICE))
    alice = g.user(ALICE, GRW, mfa=False)  # the group default asks a justification, not MFA
    assert ALICE not in members(g)
    err = g.error("POST", ASSIGN, gbody("selfActivate", ALICE, duration="PT9H"), alice)
    assert "ExpirationRule" in err.message  # activation max PT8H
    err = g.error("POST", ASSIGN, gbody("selfActivate", ALICE, duration="PT1H", justification=""), alice)
    assert "JustificationRule" in err.message
    status, act = post(g, ASSIGN, gbody("selfActivate", ALICE, duration="PT2H"), alice)
    assert status == 201 and act["status"] == "Provisioned"
    assert ALICE in members(g) and ALICE in members(g, "transitiveMembers")
    mine = g.call("GET", f"{PG}/assignmentScheduleInstances/filterByCurrentUser(on='principal')", None, alice)[1]
    (inst,) = mine.items
    assert (inst["assignmentType"], inst["memberType"], inst["accessId"]) == ("activated", "direct", "member")
    assert inst["@odata.type"] == "#microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance"
    g.clock.advance(timedelta(hours=2, minutes=1))
    assert ALICE not in members(g)  # the window ended: no longer a member
    assert [i for i in items(g, "assignmentScheduleInstances") if i["principalId"] == ALICE] == []
    post(g, ASSIGN, gbody("selfActivate", ALICE, duration="PT2H"), alice)
    g.clock.advance(timedelta(minutes=10))
    status, off = post(g, ASSIGN, gbody("selfDeactivate", ALICE), alice)
    assert status == 201 and off["status"] == "Revoked" and ALICE not in members(g)


def test_self_extend_and_renew_wait_for_an_admin(g):
    post(g, ASSIGN, gbody("adminAssign", ALICE, "owner"))
    alice = g.user(ALICE, GRW)
    status, r = post(g, ASSIGN, gbody("selfExtend", ALICE, "owner", duration="P60D"), alice)
    assert status == 201 and r["status"] == "PendingAdminDecision"
    assert g.call("POST", f"{ASSIGN}/{r['id']}/cancel", None, g.gapp)[0] == 204
    assert g.call("GET", f"{ASSIGN}/{r['id']}", None, g.gapp)[1]["status"] == "Canceled"
    g.clock.advance(timedelta(days=31))
    status, r = post(g, ASSIGN, gbody("selfRenew", ALICE, "owner", duration="P30D"), alice)
    assert status == 201 and r["status"] == "PendingAdminDecision"


def test_active_ownership_and_removal(g):
    assert post(g, ASSIGN, gbody("adminAssign", ALICE, "owner"))[0] == 201
    assert ALICE in members(g, "owners") and ALICE not in members(g)
    post(g, ASSIGN, gbody("adminRemove", ALICE, "owner"))
    assert ALICE not in members(g, "owners")


def test_plain_members_show_as_assignments_outside_pim_and_can_be_removed(g):
    post(g, ELIG, gbody("adminAssign", ALICE))  # PIM now manages the group
    plain = {i["principalId"]: i for i in items(g, "assignmentScheduleInstances")}
    assert set(plain) == {BOB, CAROL}
    for inst in plain.values():
        assert (inst["memberType"], inst["assignmentType"], inst["endDateTime"]) == ("direct", "assigned", None)
        assert inst["assignmentScheduleId"] == inst["id"]
    assert g.error("POST", ASSIGN, gbody("adminAssign", BOB), g.gapp).code == "RoleAssignmentExists"
    status, r = post(g, ASSIGN, gbody("adminRemove", BOB))
    assert status == 201 and r["status"] == "Revoked"
    assert BOB not in members(g) and CAROL in members(g)
    assert g.tenant.coll("groups")[GROUP]["_members"] == [CAROL]
    # an update makes a plain member a time-bound PIM member
    status, r = post(g, ASSIGN, gbody("adminUpdate", CAROL, duration="P10D"))
    assert status == 201 and r["targetScheduleId"].startswith(f"{GROUP}_member_")
    assert CAROL in members(g) and g.tenant.coll("groups")[GROUP]["_members"] == []
    g.clock.advance(timedelta(days=11))
    assert CAROL not in members(g)


def test_nested_groups_and_role_inheritance(g):
    # A role-assignable group takes no group as a member (Entra: role-assignable groups can't be nested).
    err = g.error("POST", ELIG, gbody("adminAssign", PLAINGROUP), g.gapp)
    assert err.code == "InvalidRoleAssignmentRequest"
    # An active member through PIM of a group that is eligible for a role inherits that eligibility.
    g.call("POST", "/roleManagement/directory/roleEligibilityScheduleRequests", {
        "action": "adminAssign", "principalId": GROUP, "roleDefinitionId": EXCH, "directoryScopeId": "/",
        "justification": "x", "scheduleInfo": {"expiration": {"type": "noExpiration"}}})
    post(g, ELIG, gbody("adminAssign", ALICE))
    post(g, ASSIGN, gbody("selfActivate", ALICE, duration="PT1H"), g.user(ALICE, GRW))

    def inherited():
        got = g.call("GET", "/roleManagement/directory/roleEligibilityScheduleInstances", None, g.gapp)[1].items
        return {i["principalId"] for i in got if i["memberType"] == "Group"}

    assert ALICE in inherited()
    g.clock.advance(timedelta(hours=2))
    assert ALICE not in inherited() and {BOB, CAROL} <= inherited()


def test_lists_require_a_group_or_principal_filter(g):
    for name in ("eligibilityScheduleRequests", "assignmentSchedules", "eligibilityScheduleInstances"):
        err = g.error("GET", f"{PG}/{name}", None, g.gapp)
        assert (err.status, err.code) == (400, "BadRequest")
        err = g.error("GET", f"{PG}/{name}", None, g.gapp, **{"$filter": "accessId eq 'member'"})
        assert err.status == 400
    post(g, ELIG, gbody("adminAssign", ALICE))
    assert [s["principalId"] for s in items(g, "eligibilitySchedules", principalId=ALICE)] == [ALICE]
    assert items(g, "eligibilitySchedules", principalId=BOB) == []


def test_group_routes_ask_for_the_group_permissions(g):
    directory_only = g.app(RW)
    err = g.error("POST", ELIG, gbody("adminAssign", ALICE), directory_only)
    assert err.status == 403 and err.code == "UnknownError"
    assert "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup" in err.message
    err = g.error("GET", f"{PG}/assignmentSchedules", None, directory_only, **{"$filter": f"groupId eq '{GROUP}'"})
    assert err.status == 403 and "PrivilegedAssignmentSchedule.Read.AzureADGroup" in err.message
    err = g.error("GET", "/policies/roleManagementPolicies", None, directory_only,
                  **{"$filter": f"scopeId eq '{GROUP}' and scopeType eq 'Group'"})
    assert err.status == 403 and "RoleManagementPolicy.Read.AzureADGroup" in err.message
    # PrivilegedAccess.ReadWrite.AzureADGroup, the higher privilege, is accepted
    assert post(g, ELIG, gbody("adminAssign", ALICE), g.app({"PrivilegedAccess.ReadWrite.AzureADGroup"}))[0] == 201
    # and the group scopes give nothing on directory roles
    err = g.error("GET", "/roleManagement/directory/roleEligibilitySchedules", None,
                  g.app({"PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup"}))
    assert err.status == 403


def test_approval_of_a_group_activation(g):
    post(g, ELIG, gbody("adminAssign", ALICE))
    url = f"/policies/roleManagementPolicies/{group_policy_id(GROUP, 'member')}/rules/Approval_EndUser_Assignment"
    g.call("PATCH", url, {"@odata.type": NS + "ApprovalRule", "setting": {
        "isApprovalRequired": True, "approvalMode": "SingleStage", "approvalStages": [{
            "approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True, "primaryApprovers": [
                {"@odata.type": "#microsoft.graph.singleUser", "userId": CAROL}]}]}}, g.gapp)
    alice, carol = g.user(ALICE, GRW), g.user(CAROL, GRW)
    status, r = post(g, ASSIGN, gbody("selfActivate", ALICE, duration="PT1H"), alice)
    assert status == 201 and r["status"] == "PendingApproval" and r["approvalId"]
    assert ALICE not in members(g)
    assert g.error("POST", ASSIGN, gbody("selfActivate", ALICE, duration="PT1H"), alice).code == \
        "PendingRoleAssignmentRequest"
    _, appr = g.call("GET", f"{PG}/assignmentApprovals/{r['approvalId']}", None, carol)
    (stage,) = appr["stages"]
    assert "steps" not in appr and stage["status"] == "InProgress" and stage["assignedToMe"] is True
    mine = g.call("GET", f"{PG}/assignmentApprovals/filterByCurrentUser(on='approver')", None, carol)[1].items
    assert [a["id"] for a in mine] == [r["approvalId"]]
    stage_url = f"{PG}/assignmentApprovals/{r['approvalId']}/stages/{stage['id']}"
    err = g.error("PATCH", stage_url, {"reviewResult": "Approve", "justification": "ok"}, alice)
    assert err.status == 403  # no self-approval, and alice is no approver
    assert g.call("PATCH", stage_url, {"reviewResult": "Approve", "justification": "ok"}, carol)[0] == 204
    assert g.call("GET", f"{ASSIGN}/{r['id']}", None, g.gapp)[1]["status"] == "Provisioned"
    assert ALICE in members(g)
    got = g.call("GET", stage_url, None, carol)[1]
    assert (got["reviewResult"], got["reviewedBy"]["id"]) == ("Approve", CAROL)


def test_a_group_approver_cannot_approve_their_own_request(g):
    """As for directory roles: Alice is an approver of the member stage and still cannot approve her own request."""
    post(g, ELIG, gbody("adminAssign", ALICE))
    url = f"/policies/roleManagementPolicies/{group_policy_id(GROUP, 'member')}/rules/Approval_EndUser_Assignment"
    g.call("PATCH", url, {"@odata.type": NS + "ApprovalRule", "setting": {
        "isApprovalRequired": True, "approvalMode": "SingleStage", "approvalStages": [{
            "approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True, "primaryApprovers": [
                {"@odata.type": "#microsoft.graph.singleUser", "userId": ALICE},
                {"@odata.type": "#microsoft.graph.singleUser", "userId": CAROL}]}]}}, g.gapp)
    alice, carol = g.user(ALICE, GRW), g.user(CAROL, GRW)
    _, r = post(g, ASSIGN, gbody("selfActivate", ALICE, duration="PT1H"), alice)
    (stage,) = g.call("GET", f"{PG}/assignmentApprovals/{r['approvalId']}", None, alice)[1]["stages"]
    stage_url = f"{PG}/assignmentApprovals/{r['approvalId']}/stages/{stage['id']}"
    err = g.error("PATCH", stage_url, {"reviewResult": "Approve", "justification": "mine"}, alice)
    assert (err.status, err.code) == (403, "Authorization_RequestDenied")
    assert ALICE not in members(g)
    assert g.call("PATCH", stage_url, {"reviewResult": "Approve", "justification": "ok"}, carol)[0] == 204
    assert ALICE in members(g)
