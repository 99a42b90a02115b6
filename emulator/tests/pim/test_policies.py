import json

from pim_env import ALICE, EXCH, GA, PRA, RO, TENANT, Env

from pim_emulator.pim.ids import policy_assignment_id, policy_id
from pim_emulator.pim.rules import default_rules

PA = "/policies/roleManagementPolicyAssignments"
FILTER = "scopeId eq '/' and scopeType eq 'DirectoryRole'"


def test_default_rules_documented_order_and_defaults():
    rules = default_rules()
    assert [r["id"] for r in rules] == [
        "Expiration_Admin_Eligibility", "Enablement_Admin_Eligibility", "Notification_Admin_Admin_Eligibility",
        "Notification_Requestor_Admin_Eligibility", "Notification_Approver_Admin_Eligibility",
        "Expiration_Admin_Assignment", "Enablement_Admin_Assignment", "Notification_Admin_Admin_Assignment",
        "Notification_Requestor_Admin_Assignment", "Notification_Approver_Admin_Assignment",
        "Expiration_EndUser_Assignment", "Enablement_EndUser_Assignment", "Approval_EndUser_Assignment",
        "AuthenticationContext_EndUser_Assignment", "Notification_Admin_EndUser_Assignment",
        "Notification_Requestor_EndUser_Assignment", "Notification_Approver_EndUser_Assignment"]
    by = {r["id"]: r for r in rules}
    assert by["Expiration_EndUser_Assignment"]["maximumDuration"] == "PT8H"
    assert by["Expiration_Admin_Assignment"]["maximumDuration"] == "P180D"
    assert by["Enablement_EndUser_Assignment"]["enabledRules"] == ["MultiFactorAuthentication", "Justification"]
    assert by["Approval_EndUser_Assignment"]["target"] == {
        "caller": "EndUser", "operations": ["all"], "level": "Assignment", "inheritableSettings": [],
        "enforcedSettings": []}
    assert by["Notification_Approver_Admin_Assignment"]["recipientType"] == "Approver"


def test_policy_assignments_require_scope_filter(env):
    err = env.error("GET", PA)
    assert err.status == 400 and err.code == "UnknownError"
    assert json.loads(err.message)["errorCode"] == "MissingProvider"
    err = env.error("GET", PA, **{"$filter": "scopeId eq '/' and scopeType eq 'Bogus'"})
    assert json.loads(err.message)["errorCode"] == "MissingProvider"


def test_policy_assignments_expand_nested(env):
    status, coll = env.call("GET", PA, **{"$filter": FILTER, "$expand": "policy($expand=rules)"})
    assert status == 200 and len(coll.items) == 4
    item = next(i for i in coll.items if i["roleDefinitionId"] == EXCH)
    assert item["id"] == policy_assignment_id(TENANT, EXCH)
    assert item["id"].startswith(f"DirectoryRole_{TENANT}_") and item["id"].endswith("_" + EXCH)
    assert item["policyId"] == policy_id(TENANT, EXCH)
    assert len(item["policy"]["rules"]) == 17
    assert item["policy"]["lastModifiedBy"] == {"displayName": None, "id": None}
    # nested $select
    _, coll = env.call("GET", PA, **{"$filter": FILTER, "$expand": "policy($select=id)"})
    assert set(coll.items[0]["policy"]) == {"id"}


def test_policy_reads_and_permissions(env):
    pid = policy_id(TENANT, GA)
    status, body = env.call("GET", f"/policies/roleManagementPolicies/{pid}", caller=env.app(RO))
    assert status == 200 and "rules" not in body and body["scopeType"] == "DirectoryRole"
    assert body["@odata.context"].endswith("#policies/roleManagementPolicies/$entity")
    _, coll = env.call("GET", f"/policies/roleManagementPolicies/{pid}/rules")
    assert len(coll.items) == 17
    _, rule = env.call("GET", f"/policies/roleManagementPolicies/{pid}/rules/Expiration_EndUser_Assignment")
    assert rule["maximumDuration"] == "PT8H"
    err = env.error("GET", f"/policies/roleManagementPolicies/{pid}", caller=env.app({"AuditLog.Read.All"}))
    assert err.status == 403 and "RoleManagementPolicy.Read.Directory" in json.loads(err.message)["message"]
    _, coll = env.call("GET", "/policies/roleManagementPolicies", **{"$filter": FILTER, "$expand": "rules"})
    assert len(coll.items) == 4 and all(len(p["rules"]) == 17 for p in coll.items)


def _rule_url(role=EXCH, rule="Expiration_EndUser_Assignment"):
    return f"/policies/roleManagementPolicies/{policy_id(TENANT, role)}/rules/{rule}"


def test_rule_patch_204_and_200():
    env = Env()
    body = {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
            "id": "Expiration_EndUser_Assignment", "isExpirationRequired": True, "maximumDuration": "PT2H",
            "target": {"caller": "EndUser", "operations": ["All"], "level": "Assignment"}}
    assert env.call("PATCH", _rule_url(), body) == (204, None)
    _, rule = env.call("GET", _rule_url())
    assert rule["maximumDuration"] == "PT2H"
    assert rule["target"]["operations"] == ["all"]
    env200 = Env(rule_patch_status=200)
    status, rule = env200.call("PATCH", _rule_url(), body)
    assert status == 200 and rule["maximumDuration"] == "PT2H"
    _, audits = env.call("GET", "/auditLogs/directoryAudits")
    rec = audits.items[0]
    assert rec["activityDisplayName"] == "Update role setting in PIM" and rec["loggedByService"] == "PIM"
    assert rec["targetResources"][0]["id"] == EXCH
    assert rec["initiatedBy"]["app"]["displayName"] == "pim-admin"


def test_rule_patch_changes_that_policy_only():
    """Seeded policies share one list of default rules (a 1,000-tenant start builds it once): a PATCH must give the
    patched policy its own rules and leave every other role's, and the next policy seeded, at the defaults."""
    env = Env()
    body = {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
            "id": "Expiration_EndUser_Assignment", "isExpirationRequired": True, "maximumDuration": "PT2H",
            "target": {"caller": "EndUser", "operations": ["All"], "level": "Assignment"}}
    assert env.call("PATCH", _rule_url(), body) == (204, None)
    assert env.call("GET", _rule_url())[1]["maximumDuration"] == "PT2H"
    for role in (GA, PRA):
        _, rule = env.call("GET", _rule_url(role=role))
        assert rule["maximumDuration"] == "PT8H", role
    assert Env().call("GET", _rule_url())[1]["maximumDuration"] == "PT8H"


def test_rule_patch_validation(env):
    exp = "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"
    cases = [
        ({"maximumDuration": "PT2H"}, "@odata.type"),
        ({"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule"}, "type"),
        ({"@odata.type": exp, "maximumDuration": "2:00:00"}, "Edm.Duration"),
        ({"@odata.type": exp, "isExpirationRequired": "yes"}, "boolean"),
        ({"@odata.type": exp, "bogus": 1}, "does not exist"),
    ]
    for body, needle in cases:
        err = env.error("PATCH", _rule_url(), body)
        assert err.status == 400 and needle in err.message, (body, err.message)
    en = "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule"
    err = env.error("PATCH", _rule_url(rule="Enablement_Admin_Assignment"), {"@odata.type": en,
                                                                             "enabledRules": ["Ticketing"]})
    assert err.status == 400
    assert env.call("PATCH", _rule_url(rule="Enablement_EndUser_Assignment"),
                    {"@odata.type": en, "enabledRules": ["justification", "Ticketing"]})[0] == 204
    _, rule = env.call("GET", _rule_url(rule="Enablement_EndUser_Assignment"))
    assert rule["enabledRules"] == ["Justification", "Ticketing"]
    no = "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule"
    err = env.error("PATCH", _rule_url(rule="Notification_Admin_Admin_Assignment"),
                    {"@odata.type": no, "notificationRecipients": [1]})
    assert err.status == 400
    err = env.error("PATCH", _rule_url(rule="Notification_Admin_Admin_Assignment"),
                    {"@odata.type": no, "notificationLevel": "Loud"})
    assert err.status == 400
    ap = "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule"
    bad_approver = {"@odata.type": ap, "setting": {"isApprovalRequired": True, "approvalStages": [
        {"primaryApprovers": [{"@odata.type": "#microsoft.graph.singleUser", "userId": "nobody"}]}]}}
    assert env.error("PATCH", _rule_url(rule="Approval_EndUser_Assignment"), bad_approver).status == 400
    good = {"@odata.type": ap, "setting": {"isApprovalRequired": True, "approvalMode": "singleStage",
                                           "approvalStages": [{"primaryApprovers": [
                                               {"@odata.type": "#microsoft.graph.singleUser", "userId": ALICE}]}]}}
    assert env.call("PATCH", _rule_url(rule="Approval_EndUser_Assignment"), good)[0] == 204
    ac = "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule"
    assert env.error("PATCH", _rule_url(rule="AuthenticationContext_EndUser_Assignment"),
                     {"@odata.type": ac, "isEnabled": True}).status == 400
    assert env.error("POST", f"/policies/roleManagementPolicies/{policy_id(TENANT, EXCH)}/rules", {}).status == 405
    assert env.error("DELETE", _rule_url()).status == 405


def test_policy_patch_with_rules(env):
    pid = policy_id(TENANT, EXCH)
    exp = "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"
    body = {"rules": [{"@odata.type": exp, "id": "Expiration_Admin_Eligibility", "isExpirationRequired": True,
                       "maximumDuration": "P90D"},
                      {"@odata.type": exp, "id": "Expiration_EndUser_Assignment", "maximumDuration": "PT4H"}]}
    status, pol = env.call("PATCH", f"/policies/roleManagementPolicies/{pid}", body)
    assert status == 200 and "rules" not in pol and pol["lastModifiedDateTime"]
    assert pol["lastModifiedBy"]["id"]
    _, rules = env.call("GET", f"/policies/roleManagementPolicies/{pid}/rules")
    by = {r["id"]: r for r in rules.items}
    assert by["Expiration_Admin_Eligibility"]["maximumDuration"] == "P90D"
    assert by["Expiration_EndUser_Assignment"]["maximumDuration"] == "PT4H"
    # unknown rule id: 400 and nothing applied
    bad = {"rules": [{"@odata.type": exp, "id": "Expiration_EndUser_Assignment", "maximumDuration": "PT1H"},
                     {"@odata.type": exp, "id": "Nope"}]}
    assert env.error("PATCH", f"/policies/roleManagementPolicies/{pid}", bad).status == 400
    _, rule = env.call("GET", _rule_url())
    assert rule["maximumDuration"] == "PT4H"
    err = env.error("PATCH", f"/policies/roleManagementPolicies/{pid}", body, caller=env.app(RO))
    assert err.status == 403
