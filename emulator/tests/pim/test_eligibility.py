from datetime import timedelta

from pim_env import ALICE, AU, BOB, BREAKGLASS, EXCH, GA, GROUP, PLAINGROUP, PRA, RO, SP, TENANT, Env
from helpers import ELIG, body, for_, permanent

from pim_emulator.contract import iso
from pim_emulator.pim.ids import instance_id, policy_id
from pim_emulator.pim.requests import purge_requests

INST = "/roleManagement/directory/roleEligibilityScheduleInstances"
SCHED = "/roleManagement/directory/roleEligibilitySchedules"


def test_admin_assign_shape_and_schedule(env):
    past = iso(env.clock.now() - timedelta(days=1))
    end = iso(env.clock.now() + timedelta(days=30))
    status, r = env.call("POST", ELIG, body("AdminAssign", ALICE, EXCH, start=past,
                                            exp={"type": "AfterDateTime", "endDateTime": end}))
    assert status == 201
    assert r["@odata.context"] == "https://127.0.0.1:1/v1.0/$metadata#roleManagement/directory/" \
                                  "roleEligibilityScheduleRequests/$entity"
    assert list(r)[1:] == ["id", "status", "createdDateTime", "completedDateTime", "approvalId", "customData",
                           "action", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId",
                           "isValidationOnly", "targetScheduleId", "justification", "createdBy", "scheduleInfo",
                           "ticketInfo"]
    assert r["status"] == "Provisioned" and r["action"] == "adminAssign"
    assert r["targetScheduleId"] == r["id"]
    # a past start comes back as the provisioning time
    assert r["scheduleInfo"]["startDateTime"] == r["completedDateTime"] != past
    assert r["scheduleInfo"]["expiration"] == {"type": "afterDateTime", "endDateTime": end, "duration": None}
    assert r["createdBy"]["application"]["id"] and r["createdBy"]["user"] is None
    _, s = env.call("GET", f"{SCHED}/{r['id']}")
    assert s["createdUsing"] == r["id"] and s["modifiedDateTime"] == "0001-01-01T08:00:00Z"
    assert s["memberType"] == "Direct" and s["status"] == "Provisioned"
    _, insts = env.call("GET", INST)
    inst = next(i for i in insts.items if i["principalId"] == ALICE)
    assert inst["id"] == instance_id(EXCH, ALICE, eligible=True) and inst["id"].endswith("-1-e")
    assert inst["roleEligibilityScheduleId"] == r["id"] and inst["endDateTime"] == end
    _, got = env.call("GET", f"{ELIG}/{r['id']}")
    assert got["id"] == r["id"] and "_created" not in got


def test_errors(env):
    assign = body("adminAssign", ALICE, EXCH, exp=permanent())
    env.call("POST", ELIG, assign)
    err = env.error("POST", ELIG, assign)
    assert (err.status, err.code, err.message) == (400, "RoleAssignmentExists", "The Role assignment already exists.")
    err = env.error("POST", ELIG, body("adminRemove", BOB, EXCH))
    assert (err.code, err.message) == ("RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
    err = env.error("POST", ELIG, body("adminAssign", ALICE, "00000000-0000-0000-0000-00000000beef", exp=permanent()))
    assert (err.status, err.code) == (404, "RoleNotFound")
    err = env.error("POST", ELIG, body("adminAssign", "00000000-0000-0000-0000-00000000beef", EXCH, exp=permanent()))
    assert (err.status, err.code) == (404, "SubjectNotFound")
    err = env.error("POST", ELIG, body("adminAssign", BOB, EXCH, exp=for_("2:00:00")))
    assert err.status == 400 and "Edm.Duration" in err.message
    err = env.error("POST", ELIG, body("adminAssign", BOB, EXCH, start="2024-01-19T13:38:22.169688",
                                       exp=permanent()))
    assert err.message == "Cannot convert the literal '2024-01-19T13:38:22.169688' to the expected type " \
                          "'Edm.DateTimeOffset'"
    assert env.error("POST", ELIG, body("adminAssign", SP, EXCH, exp=permanent())).code == \
        "InvalidRoleAssignmentRequest"
    assert env.error("POST", ELIG, body("adminAssign", PLAINGROUP, EXCH, exp=permanent())).code == \
        "InvalidRoleAssignmentRequest"
    assert env.error("POST", ELIG, body("bogusAction", BOB, EXCH, exp=permanent())).status == 400
    assert env.error("POST", ELIG, body("adminAssign", BOB, EXCH, scope="/administrativeUnits/nope",
                                        exp=permanent())).status == 400
    assert env.error("POST", ELIG, body("selfActivate", BOB, EXCH, exp=for_("PT1H")),
                     caller=env.user(BOB)).code == "InvalidRoleAssignmentRequest"


def test_group_and_au_scope_and_ordinal(env):
    _, r = env.call("POST", ELIG, body("adminAssign", GROUP, EXCH, exp=permanent()))
    assert r["status"] == "Provisioned"
    env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()))
    env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, scope=f"/administrativeUnits/{AU}", exp=permanent()))
    _, insts = env.call("GET", INST)
    ids = [i["id"] for i in insts.items]
    assert len(ids) == len(set(ids))
    alice = sorted(i["id"] for i in insts.items if i["principalId"] == ALICE)
    assert alice == sorted([instance_id(EXCH, ALICE, 1, True), instance_id(EXCH, ALICE, 2, True)])
    inherited = [i for i in insts.items if i["memberType"] == "Group"]
    assert {i["principalId"] for i in inherited} == {BOB, "3c6fe340-5183-489e-8615-b158fce5c18e"}
    _, mine = env.call("GET", f"{INST}/filterByCurrentUser(on='principal')", caller=env.user(BOB))
    assert [i["memberType"] for i in mine.items] == ["Group"]
    _, exp = env.call("GET", INST, **{"$expand": "principal,roleDefinition,directoryScope"})
    au_row = next(i for i in exp.items if i["directoryScopeId"] != "/")
    assert au_row["directoryScope"]["displayName"] == "Europe"
    assert au_row["principal"]["@odata.type"] == "#microsoft.graph.user"
    assert au_row["roleDefinition"]["displayName"] == "Exchange Administrator"


def test_update_extend_renew_remove(env):
    _, r = env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=for_("P30D")))
    sid = r["id"]
    _, u = env.call("POST", ELIG, body("adminUpdate", ALICE, EXCH, exp=for_("P60D")))
    assert u["targetScheduleId"] == sid != u["id"]  # the schedule keeps its id
    _, s = env.call("GET", f"{SCHED}/{sid}")
    assert s["modifiedDateTime"] != "0001-01-01T08:00:00Z"
    _, x = env.call("POST", ELIG, body("adminExtend", ALICE, EXCH, exp=for_("P90D")))
    assert x["status"] == "Provisioned" and x["targetScheduleId"] == sid
    env.clock.advance(timedelta(days=91))
    _, insts = env.call("GET", INST)
    assert not [i for i in insts.items if i["principalId"] == ALICE]
    _, rn = env.call("POST", ELIG, body("adminRenew", ALICE, EXCH, exp=for_("P30D")))
    assert rn["targetScheduleId"] == sid
    _, rm = env.call("POST", ELIG, body("adminRemove", ALICE, EXCH, justification=None))
    assert rm["status"] == "Revoked"
    assert rm["completedDateTime"] is rm["targetScheduleId"] is rm["scheduleInfo"] is rm["justification"] is None
    err = env.error("POST", ELIG, body("adminUpdate", ALICE, EXCH, exp=for_("P60D")))
    assert err.code == "RoleAssignmentDoesNotExist"


def test_expiration_rule(env):
    url = f"/policies/roleManagementPolicies/{policy_id(TENANT, EXCH)}/rules/Expiration_Admin_Eligibility"
    env.call("PATCH", url, {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
                            "isExpirationRequired": True, "maximumDuration": "P30D"})
    err = env.error("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()))
    assert err.code == "RoleAssignmentRequestPolicyValidationFailed"
    assert err.message == 'The following policy rules failed: ["ExpirationRule"]'
    err = env.error("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=for_("P31D")))
    assert "ExpirationRule" in err.message
    assert env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=for_("P30D")))[0] == 201
    _, audits = env.call("GET", "/auditLogs/directoryAudits")
    failures = [a for a in audits.items if a["result"] == "failure"]
    assert len(failures) == 2 and "ExpirationRule" in failures[0]["resultReason"]


def test_validation_only_commits_nothing(env):
    _, r = env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent(), isValidationOnly=True))
    assert r["isValidationOnly"] is True
    _, scheds = env.call("GET", SCHED)
    assert scheds.items == []
    assert env.error("GET", f"{ELIG}/{r['id']}").code == "RoleAssignmentRequestNotFound"


def test_last_global_admin_guard():
    env = Env(assignments=[{"kind": "eligible", "principalId": BREAKGLASS, "roleDefinitionId": GA,
                            "directoryScopeId": "/", "permanent": True, "duration": None}])
    err = env.error("POST", ELIG, body("adminRemove", BREAKGLASS, GA))
    assert (err.status, err.code) == (400, "CannotDeleteLastAdminAssignment")
    env.call("POST", ELIG, body("adminAssign", ALICE, GA, exp=permanent()))
    assert env.call("POST", ELIG, body("adminRemove", BREAKGLASS, GA))[1]["status"] == "Revoked"
    env_off = Env(assignments=[{"kind": "eligible", "principalId": BREAKGLASS, "roleDefinitionId": GA,
                                "directoryScopeId": "/", "permanent": True, "duration": None}],
                  last_admin_protection=False)
    assert env_off.call("POST", ELIG, body("adminRemove", BREAKGLASS, GA))[0] == 201


def test_purge_keeps_schedules(env):
    _, r = env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()))
    env.clock.advance(timedelta(days=46))
    err = env.error("GET", f"{ELIG}/{r['id']}")
    assert (err.status, err.code, err.message) == (404, "RoleAssignmentRequestNotFound",
                                                   "The role assignment request is not found")
    _, s = env.call("GET", f"{SCHED}/{r['id']}")
    assert s["principalId"] == ALICE
    env.call("POST", ELIG, body("adminAssign", BOB, EXCH, exp=permanent()))
    assert purge_requests(env.engine, timedelta(0)) == 1


def test_permissions(env):
    err = env.error("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()), caller=env.app(RO))
    assert err.status == 403 and "RoleEligibilitySchedule.ReadWrite.Directory,RoleManagement.ReadWrite.Directory" \
        in err.message
    assert env.call("GET", ELIG, caller=env.app(RO))[0] == 200
    assert env.call("GET", INST, caller=env.app({"RoleEligibilitySchedule.Read.Directory"}))[0] == 200
    strict = Env(request_list_requires_readwrite=True)
    assert strict.error("GET", ELIG, caller=strict.app(RO)).status == 403
    assert env.error("GET", INST, caller=env.app({"AuditLog.Read.All"})).status == 403
    # a signed-in admin needs Global Administrator or Privileged Role Administrator
    assert env.error("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()),
                     caller=env.user(BOB)).status == 403
    env.call("POST", "/roleManagement/directory/roleAssignments",
             {"principalId": BOB, "roleDefinitionId": PRA, "directoryScopeId": "/"})
    assert env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()), caller=env.user(BOB))[0] == 201


def test_read_after_write_lag():
    env = Env(read_after_write_lag_ms=2000)
    _, r = env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()))
    assert env.error("GET", f"{ELIG}/{r['id']}").status == 404
    _, coll = env.call("GET", SCHED)
    assert coll.items[0]["_visible_after"] > env.clock.now().timestamp()
    env.clock.advance(timedelta(seconds=3))
    assert env.call("GET", f"{ELIG}/{r['id']}")[0] == 200


def test_admin_operations_write_a_requested_and_a_completed_audit_record(env):
    end = iso(env.clock.now() + timedelta(days=30))
    _, r = env.call("POST", ELIG, body("AdminAssign", ALICE, EXCH, exp={"type": "AfterDateTime", "endDateTime": end}))
    env.call("POST", ELIG, body("AdminRemove", ALICE, EXCH))
    _, audits = env.call("GET", "/auditLogs/directoryAudits")
    mine = [a for a in audits.items if a["correlationId"] == r["id"]]
    by_name = {a["activityDisplayName"]: a for a in mine}
    assert sorted(by_name) == ["Add eligible member to role in PIM completed (timebound)",
                               "Add eligible member to role in PIM requested (timebound)"]
    # requested by the calling app, completed by the service itself (MS-PIM)
    requested = by_name["Add eligible member to role in PIM requested (timebound)"]["initiatedBy"]["app"]
    completed = by_name["Add eligible member to role in PIM completed (timebound)"]["initiatedBy"]["app"]
    assert requested["appId"] != completed["appId"] and completed["displayName"] == "MS-PIM"
    names = [a["activityDisplayName"] for a in audits.items]
    assert "Remove eligible member from role in PIM requested (permanent)" in names or \
        "Remove eligible member from role in PIM requested (timebound)" in names
    assert any(n.startswith("Remove eligible member from role in PIM completed") for n in names)
