import json
from datetime import timedelta

from pim_env import ALICE, BOB, BREAKGLASS, CAROL, EXCH, GA, GROUP, RO, TENANT, Env
from helpers import ASSIGN, ELIG, body, for_, permanent

from pim_emulator.contract import iso
from pim_emulator.pim.ids import instance_id, policy_id

INST = "/roleManagement/directory/roleAssignmentScheduleInstances"
SCHED = "/roleManagement/directory/roleAssignmentSchedules"
APPROVALS = "/roleManagement/directory/roleAssignmentApprovals"
NS = "#microsoft.graph.unifiedRoleManagementPolicy"


def _rule(env, rule_id, patch, role=EXCH):
    url = f"/policies/roleManagementPolicies/{policy_id(TENANT, role)}/rules/{rule_id}"
    assert env.call("PATCH", url, patch)[0] == 204


def _eligible(env, who=ALICE, role=EXCH):
    env.call("POST", ELIG, body("adminAssign", who, role, exp=permanent()))


def _activate(env, who=ALICE, role=EXCH, duration="PT1H", **kw):
    caller = kw.pop("caller", None) or env.user(who)
    return env.call("POST", ASSIGN, body("selfActivate", who, role, exp=for_(duration), **kw), caller=caller)


def test_activation_and_expiry(env):
    _eligible(env)
    status, r = _activate(env)
    assert status == 201 and r["status"] == "Provisioned" and r["action"] == "selfActivate"
    assert r["createdBy"]["user"]["id"] == ALICE
    assert r["scheduleInfo"]["expiration"] == {"type": "afterDuration", "endDateTime": None, "duration": "PT1H"}
    _, insts = env.call("GET", f"{INST}/filterByCurrentUser(on='principal')", caller=env.user(ALICE),
                        **{"$expand": "activatedUsing"})
    inst = insts.items[0]
    assert inst["assignmentType"] == "Activated" and inst["id"] == instance_id(EXCH, ALICE)
    assert inst["roleAssignmentScheduleId"] == r["id"] and inst["activatedUsing"]["principalId"] == ALICE
    start = env.clock.now()
    assert inst["endDateTime"] == iso(start + timedelta(hours=1))
    _, sched = env.call("GET", f"{SCHED}/{r['id']}", **{"$expand": "activatedUsing"})
    assert sched["assignmentType"] == "Activated" and sched["activatedUsing"]["id"]
    assert sched["scheduleInfo"]["expiration"]["type"] == "afterDateTime"
    err = env.error("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")), caller=env.user(ALICE))
    assert err.code == "RoleAssignmentExists"
    _, roles = env.call("GET", "/roleManagement/directory/roleAssignments", **{"$expand": "principal"})
    assert any(a["principalId"] == ALICE and a["principal"]["displayName"] == "Alice" for a in roles.items)
    env.clock.advance(timedelta(hours=1, seconds=1))
    _, insts = env.call("GET", INST)
    assert not [i for i in insts.items if i["principalId"] == ALICE]
    _, audits = env.call("GET", "/auditLogs/directoryAudits")
    names = [a["activityDisplayName"] for a in audits.items]
    assert names[0] == "Remove member from role (PIM activation expired)"
    assert audits.items[0]["activityDateTime"] == iso(start + timedelta(hours=1))
    assert audits.items[0]["initiatedBy"]["app"]["displayName"] == "MS-PIM"
    assert "Add member to role requested (PIM activation)" in names
    assert "Add member to role completed (PIM activation)" in names
    requested = next(a for a in audits.items if a["activityDisplayName"].startswith("Add member to role requested"))
    assert requested["initiatedBy"]["user"]["id"] == ALICE
    assert [t["type"] for t in requested["targetResources"]] == ["Role", "User"]
    keys = {d["key"] for d in requested["additionalDetails"]}
    assert {"RequestId", "Justification", "StartTime", "ExpirationTime"} <= keys


def test_policy_rule_failures(env):
    _eligible(env)
    err = env.error("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT9H"), justification=None),
                    caller=env.user(ALICE, mfa=False))
    assert err.message == 'The following policy rules failed: ["ExpirationRule","JustificationRule","MfaRule"]'
    err = env.error("POST", ASSIGN, body("selfActivate", BOB, EXCH, exp=for_("PT1H")), caller=env.user(BOB))
    assert err.message == 'The following policy rules failed: ["EligibilityRule"]'
    err = env.error("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=permanent()), caller=env.user(ALICE))
    assert "ExpirationRule" in err.message
    _rule(env, "Enablement_EndUser_Assignment", {"@odata.type": NS + "EnablementRule", "enabledRules": ["Ticketing"]})
    assert "TicketingRule" in env.error("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")),
                                        caller=env.user(ALICE)).message
    _rule(env, "AuthenticationContext_EndUser_Assignment",
          {"@odata.type": NS + "AuthenticationContextRule", "isEnabled": True, "claimValue": "c1"})
    err = env.error("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H"),
                                         ticketInfo={"ticketNumber": "INC1", "ticketSystem": "SNOW"}),
                    caller=env.user(ALICE))
    assert err.message == 'The following policy rules failed: ["AuthenticationContextRule"]'
    status, r = _activate(env, ticketInfo={"ticketNumber": "INC1", "ticketSystem": "SNOW"},
                          caller=env.user(ALICE, acrs=("c1",)))
    assert status == 201 and r["ticketInfo"] == {"ticketNumber": "INC1", "ticketSystem": "SNOW"}


def test_self_actions_need_own_user(env):
    _eligible(env)
    assert env.error("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H"))).code == \
        "InvalidRoleAssignmentRequest"  # app-only
    assert env.error("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")),
                     caller=env.user(BOB)).code == "InvalidRoleAssignmentRequest"


def test_deactivate(env):
    _eligible(env)
    _activate(env)
    deact = body("selfDeactivate", ALICE, EXCH, justification=None)
    err = env.error("POST", ASSIGN, deact, caller=env.user(ALICE))
    assert (err.code, err.message) == ("ActiveDurationTooShort",
                                       "The Active duration is too short. Miniumum Required is 5 minutes.")
    env.clock.advance(timedelta(minutes=5))
    _, r = env.call("POST", ASSIGN, deact, caller=env.user(ALICE))
    assert r["status"] == "Revoked"
    assert env.error("POST", ASSIGN, deact, caller=env.user(ALICE)).code == "RoleAssignmentDoesNotExist"


def test_group_member_activates_through_group(env):
    env.call("POST", ELIG, body("adminAssign", GROUP, EXCH, exp=permanent()))
    status, r = _activate(env, who=BOB)
    assert status == 201
    _, s = env.call("GET", f"{SCHED}/{r['id']}")
    assert s["memberType"] == "Group"  # our reading: activated through a group's eligibility


def test_future_start_is_granted_then_provisioned(env):
    _eligible(env)
    start = iso(env.clock.now() + timedelta(hours=2))
    _, r = _activate(env, start=start)
    assert r["status"] == "Granted" and r["completedDateTime"] == start
    _, insts = env.call("GET", INST)
    assert not [i for i in insts.items if i["principalId"] == ALICE]
    env.clock.advance(timedelta(hours=2, minutes=1))
    _, got = env.call("GET", f"{ASSIGN}/{r['id']}")
    assert got["status"] == "Provisioned"


def test_cancel(env):
    _eligible(env)
    _, r = _activate(env, start=iso(env.clock.now() + timedelta(hours=2)))
    assert env.call("POST", f"{ASSIGN}/{r['id']}/cancel") == (204, None)
    _, got = env.call("GET", f"{ASSIGN}/{r['id']}")
    assert got["status"] == "Canceled"
    _, scheds = env.call("GET", SCHED)
    assert not [s for s in scheds.items if s["principalId"] == ALICE]
    assert env.error("POST", f"{ASSIGN}/{r['id']}/cancel").status == 400
    _, done = env.call("POST", ELIG, body("adminAssign", BOB, EXCH, exp=permanent()))
    assert env.error("POST", f"{ELIG}/{done['id']}/cancel").status == 400  # Provisioned
    assert env.error("POST", f"{ELIG}/nope/cancel").code == "RoleAssignmentRequestNotFound"


def _require_approval(env, approvers):
    _rule(env, "Approval_EndUser_Assignment", {"@odata.type": NS + "ApprovalRule", "setting": {
        "isApprovalRequired": True, "approvalMode": "SingleStage",
        "approvalStages": [{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True,
                            "primaryApprovers": approvers}]}})


def test_approval_approve(env):
    _eligible(env)
    _require_approval(env, [{"@odata.type": "#microsoft.graph.singleUser", "userId": BOB}])
    _, r = _activate(env)
    assert r["status"] == "PendingApproval" and r["approvalId"]
    _, appr = env.call("GET", f"{APPROVALS}/{r['approvalId']}", caller=env.user(BOB), version="beta")
    step = appr["steps"][0]
    assert step["assignedToMe"] is True and step["status"] == "InProgress" and step["reviewResult"] == "NotReviewed"
    url = f"{APPROVALS}/{r['approvalId']}/steps/{step['id']}"
    review = {"reviewResult": "Approve", "justification": "ok"}
    assert env.error("PATCH", url, review, caller=env.user(CAROL), version="beta").status == 403
    assert env.error("PATCH", url, review, caller=env.user(ALICE), version="beta").status == 403  # self
    assert env.error("PATCH", url, review, version="beta").status == 403  # app-only
    assert env.error("PATCH", url, {"reviewResult": "Approve"}, caller=env.user(BOB), version="beta").status == 400
    err = env.error("GET", url, caller=env.user(BOB))  # v1.0 has no such route: Graph's unknown-segment 400
    assert (err.status, err.message) == (400, "Resource not found for the segment 'roleAssignmentApprovals'.")
    env.clock.advance(timedelta(minutes=10))
    assert env.call("PATCH", url, review, caller=env.user(BOB), version="beta") == (204, None)
    _, got = env.call("GET", f"{ASSIGN}/{r['id']}")
    assert got["status"] == "Provisioned"
    _, insts = env.call("GET", INST, **{"$filter": "x"})
    inst = next(i for i in insts.items if i["principalId"] == ALICE)
    assert inst["assignmentType"] == "Activated"
    assert inst["endDateTime"] == iso(env.clock.now() + timedelta(hours=1))  # runs from approval
    _, appr = env.call("GET", f"{APPROVALS}/{r['approvalId']}", caller=env.user(BOB), version="beta")
    assert appr["steps"][0]["reviewResult"] == "Approve" and appr["steps"][0]["reviewedBy"]["id"] == BOB
    _, audits = env.call("GET", "/auditLogs/directoryAudits")
    names = [a["activityDisplayName"] for a in audits.items]
    assert "Add member to role approval requested (PIM activation)" in names
    assert "Add member to role request approved (PIM activation)" in names


def test_an_approver_cannot_approve_their_own_request(env):
    """Self-approval is refused on its own, not only because the requester is no approver: Alice is one of the
    stage's approvers and still gets 403 on her own request, while Bob, the other approver, decides it."""
    _eligible(env)
    _require_approval(env, [{"@odata.type": "#microsoft.graph.singleUser", "userId": ALICE},
                            {"@odata.type": "#microsoft.graph.singleUser", "userId": BOB}])
    _, r = _activate(env)
    _, appr = env.call("GET", f"{APPROVALS}/{r['approvalId']}", caller=env.user(ALICE), version="beta")
    url = f"{APPROVALS}/{r['approvalId']}/steps/{appr['steps'][0]['id']}"
    review = {"reviewResult": "Approve", "justification": "mine"}
    err = env.error("PATCH", url, review, caller=env.user(ALICE), version="beta")
    assert (err.status, err.code) == (403, "Authorization_RequestDenied")
    _, got = env.call("GET", f"{ASSIGN}/{r['id']}")
    assert got["status"] == "PendingApproval"
    assert env.call("PATCH", url, dict(review, justification="ok"), caller=env.user(BOB), version="beta")[0] == 204


def test_approval_deny_and_group_approvers(env):
    _eligible(env)
    _require_approval(env, [{"@odata.type": "#microsoft.graph.groupMembers", "groupId": GROUP}])
    _, r = _activate(env)
    err = env.error("POST", ASSIGN, body("selfActivate", ALICE, EXCH, exp=for_("PT1H")), caller=env.user(ALICE))
    assert err.code == "PendingRoleAssignmentRequest"
    _, pending = env.call("GET", f"{APPROVALS}/filterByCurrentUser(on='approver')", caller=env.user(CAROL),
                          version="beta")
    assert [a["id"] for a in pending.items] == [r["approvalId"]]
    assert env.call("PATCH", f"{APPROVALS}/{r['approvalId']}", {"reviewResult": "deny", "justification": "no"},
                    caller=env.user(CAROL), version="beta") == (204, None)
    _, got = env.call("GET", f"{ASSIGN}/{r['id']}")
    assert got["status"] == "Denied"
    _, insts = env.call("GET", INST)
    assert not [i for i in insts.items if i["principalId"] == ALICE]


def test_approval_default_approvers_are_admins():
    env = Env()  # BREAKGLASS is a permanent Global Administrator made outside PIM
    _eligible(env)
    _require_approval(env, [])
    _, r = _activate(env)
    _, appr = env.call("GET", f"{APPROVALS}/{r['approvalId']}", caller=env.user(BREAKGLASS), version="beta")
    assert appr["steps"][0]["assignedToMe"]
    assert env.call("PATCH", f"{APPROVALS}/{r['approvalId']}", {"reviewResult": "Approve", "justification": "ok"},
                    caller=env.user(BREAKGLASS), version="beta")[0] == 204


def test_admin_active_assignment_rules_and_remove(env):
    err = env.error("POST", ASSIGN, body("adminAssign", ALICE, EXCH, exp=permanent(), justification=None))
    assert err.message == 'The following policy rules failed: ["JustificationRule"]'
    _rule(env, "Enablement_Admin_Assignment", {"@odata.type": NS + "EnablementRule",
                                               "enabledRules": ["Justification", "MultiFactorAuthentication"]})
    env.call("POST", "/roleManagement/directory/roleAssignments",
             {"principalId": CAROL, "roleDefinitionId": GA, "directoryScopeId": "/"})
    err = env.error("POST", ASSIGN, body("adminAssign", ALICE, EXCH, exp=permanent()),
                    caller=env.user(CAROL, mfa=False))
    assert "MfaRule" in err.message
    # an application's token carries no MFA either: the rule refuses it too (docs/emulator.md)
    assert "MfaRule" in env.error("POST", ASSIGN, body("adminAssign", ALICE, EXCH, exp=for_("P30D"))).message
    admin = env.user(CAROL)  # a Global Administrator signed in with MFA
    _, r = env.call("POST", ASSIGN, body("adminAssign", ALICE, EXCH, exp=for_("P30D")), caller=admin)
    assert r["status"] == "Provisioned" and r["targetScheduleId"] == r["id"]
    _, s = env.call("GET", f"{SCHED}/{r['id']}")
    assert s["assignmentType"] == "Assigned"
    assert env.error("POST", ASSIGN, body("adminAssign", ALICE, EXCH, exp=permanent()), caller=admin).code == \
        "RoleAssignmentExists"
    _, x = env.call("POST", ASSIGN, body("adminExtend", ALICE, EXCH, exp=for_("P60D")), caller=admin)
    assert x["targetScheduleId"] == r["id"]
    _, rm = env.call("POST", ASSIGN, body("adminRemove", ALICE, EXCH))
    assert rm["status"] == "Revoked"


def test_outside_pim_assignments_and_classic_routes(env):
    _, insts = env.call("GET", INST)
    bg = next(i for i in insts.items if i["principalId"] == BREAKGLASS)
    assert bg["startDateTime"] is None and bg["endDateTime"] is None and bg["assignmentType"] == "Assigned"
    assert bg["id"] == bg["roleAssignmentOriginId"] == bg["roleAssignmentScheduleId"] == instance_id(GA, BREAKGLASS)
    _, scheds = env.call("GET", SCHED)
    assert any(s["id"] == bg["id"] for s in scheds.items)
    classic = "/roleManagement/directory/roleAssignments"
    status, a = env.call("POST", classic, {"principalId": ALICE, "roleDefinitionId": EXCH, "directoryScopeId": "/"})
    assert status == 201 and a["id"] == instance_id(EXCH, ALICE)
    assert env.error("POST", classic, {"principalId": ALICE, "roleDefinitionId": EXCH}).status == 400
    # the last Global Administrator is protected on the classic route too
    err = env.error("DELETE", f"{classic}/{bg['id']}")
    assert err.code == "CannotDeleteLastAdminAssignment"
    err = env.error("POST", ASSIGN, body("adminRemove", BREAKGLASS, GA))
    assert err.code == "CannotDeleteLastAdminAssignment"
    assert env.call("DELETE", f"{classic}/{a['id']}") == (204, None)
    assert env.error("DELETE", f"{classic}/{a['id']}").status == 404
    assert env.error("POST", classic, {"principalId": ALICE, "roleDefinitionId": EXCH},
                     caller=env.app(RO)).status == 403
    # adminRemove of an outside-PIM assignment works
    env.call("POST", classic, {"principalId": ALICE, "roleDefinitionId": EXCH, "directoryScopeId": "/"})
    assert env.call("POST", ASSIGN, body("adminRemove", ALICE, EXCH))[1]["status"] == "Revoked"
    _, audits = env.call("GET", "/auditLogs/directoryAudits")
    assert "Add member to role outside of PIM (permanent)" in [a["activityDisplayName"] for a in audits.items]


def test_activation_clipped_to_eligibility_end(env):
    env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=for_("PT2H")))
    _, r = _activate(env, duration="PT8H")
    _, s = env.call("GET", f"{SCHED}/{r['id']}")
    assert s["scheduleInfo"]["expiration"]["endDateTime"] == iso(env.clock.now() + timedelta(hours=2))


def test_permission_error_shape(env):
    err = env.error("POST", ASSIGN, body("adminAssign", ALICE, EXCH, exp=permanent()), caller=env.app(RO))
    inner = json.loads(err.message)
    assert err.code == "UnknownError" and inner["errorCode"] == "PermissionScopeNotGranted"
    assert "RoleAssignmentSchedule.ReadWrite.Directory" in inner["message"]
    assert env.error("GET", "/auditLogs/directoryAudits", caller=env.app(RO)).status == 403


def test_requests_filter_by_current_user_and_audit_by_id(env):
    _eligible(env)
    _eligible(env, who=BOB)
    _activate(env)
    _activate(env, who=BOB)
    _, mine = env.call("GET", f"{ASSIGN}/filterByCurrentUser(on='principal')", caller=env.user(ALICE))
    assert [r["principalId"] for r in mine.items] == [ALICE]
    assert env.error("GET", f"{ASSIGN}/filterByCurrentUser(on='principal')").status == 400  # app-only
    assert env.error("GET", f"{ASSIGN}/filterByCurrentUser(on='approver')", caller=env.user(ALICE)).status == 400
    _, audits = env.call("GET", "/auditLogs/directoryAudits")
    rec = audits.items[-1]
    _, one = env.call("GET", f"/auditLogs/directoryAudits/{rec['id']}")
    assert one["id"] == rec["id"] and one["category"] == "RoleManagement" and "_seq" not in one
    assert env.error("GET", "/auditLogs/directoryAudits/nope").status == 404
    assert env.error("GET", "/policies/roleManagementPolicies",
                     **{"$filter": "scopeId eq '/' and scopeType eq 'Bogus'"}).code == "UnknownError"
