"""Azure Resource Manager over raw HTTP: errors in ARM's envelope and codes, api-version checks, scopes answered
in their stored casing, discovery per caller, role definitions, the default seed's Azure part, user tokens for
ARM, and the admin API's view of it."""

from __future__ import annotations

import pytest

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
PIM = "2020-10-01"
ARM = "https://management.azure.com/.default"


def arm_token(emu, app: str = "pim-admin", tenant: str = "contoso") -> str:
    a, t = emu.app(app, tenant), emu.tenant(tenant)
    r = emu.http.post(f"{emu.authority}/{t['id']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": a["client_id"], "client_secret": a["client_secret"],
        "scope": ARM})
    r.raise_for_status()
    return r.json()["access_token"]


def arm_get(emu, path: str, token: str | None = None, **params):
    return emu.http.get(emu.ready["arm_url"] + path, params=params,
                        headers={"Authorization": f"Bearer {token or arm_token(emu)}"})


def scope(emu, name: str = "Production", tenant: str = "contoso") -> str:
    return next(s["scope"] for s in emu.tenant(tenant)["azure"]["subscriptions"] if s["displayName"] == name)


def policies_path(s: str) -> str:
    return f"{s}/providers/Microsoft.Authorization/roleManagementPolicies"


def test_api_version_missing_and_unknown(emu):
    r = arm_get(emu, policies_path(scope(emu)))
    assert r.status_code == 400 and r.json() == {"error": {
        "code": "MissingApiVersionParameter",
        "message": "The api-version query parameter (?api-version=) is required for all requests."}}
    r = arm_get(emu, policies_path(scope(emu)), **{"api-version": "2099-01-01"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidApiVersionParameter"
    assert "'2099-01-01'" in r.json()["error"]["message"] and "2020-10-01" in r.json()["error"]["message"]


def test_unknown_scopes_answer_arm_codes(emu):
    sub = scope(emu)
    r = arm_get(emu, policies_path("/subscriptions/00000000-0000-0000-0000-000000000001"), **{"api-version": PIM})
    assert r.status_code == 404 and r.json()["error"]["code"] == "SubscriptionNotFound"
    r = arm_get(emu, policies_path(f"{sub}/resourceGroups/rg-nope"), **{"api-version": PIM})
    assert r.status_code == 404 and r.json()["error"] == {"code": "ResourceGroupNotFound",
                                                          "message": "Resource group 'rg-nope' could not be found."}
    r = arm_get(emu, f"{sub}/resourcegroups/rg-nope", **{"api-version": "2021-04-01"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "ResourceGroupNotFound"
    r = arm_get(emu, f"{sub}/providers/Microsoft.Authorization/roleDefinitions/{'0' * 8}-0000-0000-0000-{'0' * 12}",
                **{"api-version": "2022-04-01"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "RoleDefinitionDoesNotExist"
    r = arm_get(emu, f"{sub}/providers/Microsoft.Authorization/nothingHere", **{"api-version": PIM})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidResourceType"


def test_scopes_compare_without_case_and_answer_the_stored_casing(emu):
    sub = scope(emu)
    upper = f"{sub.upper().replace('/SUBSCRIPTIONS/', '/subscriptions/')}/RESOURCEGROUPS/RG-APP"
    r = arm_get(emu, policies_path(upper), **{"api-version": PIM})
    assert r.status_code == 200
    first = r.json()["value"][0]
    assert first["properties"]["scope"] == f"{sub}/resourceGroups/rg-app"
    assert first["id"].startswith(f"{sub}/resourceGroups/rg-app/providers/Microsoft.Authorization/")
    # the docs' own form of a subscription scope names the same scope
    alias = sub.replace("/subscriptions/", "/providers/Microsoft.Subscription/subscriptions/")
    same = arm_get(emu, policies_path(alias), **{"api-version": PIM}).json()["value"]
    assert [p["name"] for p in same] == [p["name"] for p in arm_get(emu, policies_path(sub),
                                                                     **{"api-version": PIM}).json()["value"]]


def test_arm_headers_on_every_answer(emu):
    r = emu.http.get(emu.ready["arm_url"] + policies_path(scope(emu)), params={"api-version": PIM},
                     headers={"Authorization": f"Bearer {arm_token(emu)}", "x-ms-client-request-id": "abc-1"})
    assert r.headers["x-ms-request-id"] and r.headers["x-ms-correlation-request-id"]
    assert r.headers["x-ms-client-request-id"] == "abc-1"
    assert int(r.headers["x-ms-ratelimit-remaining-subscription-reads"]) <= 11999
    assert r.headers["Content-Type"].startswith("application/json")


def test_missing_expired_and_foreign_tokens(emu):
    r = emu.http.get(emu.ready["arm_url"] + "/subscriptions", params={"api-version": "2022-12-01"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "AuthenticationFailed"
    assert "Bearer" in r.headers["WWW-Authenticate"]
    r = arm_get(emu, "/subscriptions", token="not-a-jwt", **{"api-version": "2022-12-01"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"
    graph = emu.token()  # a Graph token
    r = arm_get(emu, "/subscriptions", token=graph, **{"api-version": "2022-12-01"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"


def test_subscriptions_and_management_groups_per_caller(emu):
    subs = arm_get(emu, "/subscriptions", **{"api-version": "2022-12-01"}).json()["value"]
    assert sorted(s["displayName"] for s in subs) == ["Development", "Production", "Sandbox"]
    assert all(s["tenantId"] == emu.tenant()["id"] and s["state"] == "Enabled" for s in subs)
    one = arm_get(emu, f"/subscriptions/{subs[0]['subscriptionId']}", **{"api-version": "2022-12-01"}).json()
    assert one["displayName"] == subs[0]["displayName"]
    # an app without Azure roles sees none
    none = arm_get(emu, "/subscriptions", token=arm_token(emu, "ops-automation"), **{"api-version": "2022-12-01"})
    assert none.status_code == 200 and none.json()["value"] == []
    groups = arm_get(emu, "/providers/Microsoft.Management/managementGroups", **{"api-version": "2021-04-01"})
    names = {g["name"]: g["properties"]["displayName"] for g in groups.json()["value"]}
    assert names == {emu.tenant()["id"]: "Tenant Root Group", "mg-landingzones": "Landing Zones"}
    root = arm_get(emu, f"/providers/Microsoft.Management/managementGroups/{emu.tenant()['id']}",
                   **{"api-version": "2021-04-01", "$expand": "children", "$recurse": "true"}).json()
    kids = {c["displayName"]: c for c in root["properties"]["children"]}
    assert set(kids) == {"Landing Zones", "Sandbox"}
    assert {c["displayName"] for c in kids["Landing Zones"]["children"]} == {"Development", "Production"}
    flat = arm_get(emu, "/providers/Microsoft.Management/managementGroups/mg-landingzones",
                   **{"api-version": "2021-04-01", "$expand": "children"}).json()
    assert flat["properties"]["details"]["parent"]["displayName"] == "Tenant Root Group"
    missing = arm_get(emu, "/providers/Microsoft.Management/managementGroups/nope", **{"api-version": "2021-04-01"})
    assert missing.status_code == 404


def test_resource_groups_and_resources(emu):
    sub = scope(emu)
    rgs = arm_get(emu, f"{sub}/resourcegroups", **{"api-version": "2021-04-01"}).json()["value"]
    assert [g["name"] for g in rgs] == ["rg-app", "rg-network"]
    assert rgs[0]["id"] == f"{sub}/resourceGroups/rg-app" and rgs[0]["type"] == "Microsoft.Resources/resourceGroups"
    res = arm_get(emu, f"{sub}/resourceGroups/rg-app/resources", **{"api-version": "2021-04-01"}).json()["value"]
    assert {r["type"] for r in res} == {"Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults"}


def test_role_definitions_real_ids_and_filters(emu):
    sub = scope(emu)
    path = f"{sub}/providers/Microsoft.Authorization/roleDefinitions"
    everything = arm_get(emu, path, **{"api-version": "2022-04-01"}).json()["value"]
    by_name = {r["properties"]["roleName"]: r["name"] for r in everything}
    assert by_name["Owner"] == OWNER
    assert by_name["Contributor"] == "b24988ac-6180-42a0-ab88-20f7382dd24c"
    assert by_name["Reader"] == "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    assert by_name["User Access Administrator"] == "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
    assert by_name["Role Based Access Control Administrator"] == "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
    assert "PIM Automation" in by_name
    owner = arm_get(emu, path, **{"api-version": "2022-04-01", "$filter": "roleName eq 'Owner'"}).json()["value"]
    assert [r["id"] for r in owner] == [f"{sub}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"]
    custom = arm_get(emu, path, **{"api-version": "2022-04-01", "$filter": "type eq 'CustomRole'"}).json()["value"]
    assert [r["properties"]["roleName"] for r in custom] == ["PIM Automation"]
    bad = arm_get(emu, path, **{"api-version": "2022-04-01", "$filter": "startswith(roleName,'O')"})
    assert bad.status_code == 400
    # by full id at the tenant root, and by guid at a scope
    full = f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
    root = arm_get(emu, full, **{"api-version": "2022-04-01"})
    assert root.status_code == 200 and root.json()["id"] == full


def test_policy_assignments_name_the_policy_and_role(emu):
    sub = scope(emu, "Development")
    items = arm_get(emu, f"{sub}/providers/Microsoft.Authorization/roleManagementPolicyAssignments",
                    **{"api-version": PIM}).json()["value"]
    owner = next(a for a in items if a["properties"]["roleDefinitionId"].endswith(OWNER))
    policy_name = owner["properties"]["policyId"].rsplit("/", 1)[-1]
    assert owner["name"] == f"{policy_name}_{OWNER}"
    assert owner["properties"]["policyAssignmentProperties"]["roleDefinition"]["displayName"] == "Owner"
    one = arm_get(emu, f"{sub}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{owner['name']}",
                  **{"api-version": PIM})
    assert one.status_code == 200 and one.json() == owner
    pol = arm_get(emu, f"{sub}/providers/Microsoft.Authorization/roleManagementPolicies/{policy_name}",
                  **{"api-version": PIM})
    assert pol.json()["id"] == owner["properties"]["policyId"]
    nope = arm_get(emu, f"{sub}/providers/Microsoft.Authorization/roleManagementPolicies/{'1' * 8}-1111-1111-1111-"
                   f"{'1' * 12}", **{"api-version": PIM})
    assert nope.status_code == 404


def test_patch_validation_errors_name_the_rule(emu):
    emu.admin("POST", "reset")
    sub = scope(emu)
    items = arm_get(emu, policies_path(sub), **{"api-version": PIM}).json()["value"]
    name = items[0]["name"]
    url = f"{emu.ready['arm_url']}{policies_path(sub)}/{name}"
    headers = {"Authorization": f"Bearer {arm_token(emu)}"}
    for body, needle in (
            ({"properties": {}}, "properties.rules"),
            ({"properties": {"rules": [{"id": "Nope_Rule", "ruleType": "RoleManagementPolicyExpirationRule"}]}},
             "Nope_Rule"),
            ({"properties": {"rules": [{"id": "Approval_EndUser_Assignment",
                                        "ruleType": "RoleManagementPolicyApprovalRule",
                                        "setting": {"isApprovalRequired": True, "approvalStages": [
                                            {"primaryApprovers": [{"id": "no-such-user", "userType": "User"}]}]}}]}},
             "no-such-user"),
            ({"properties": {"rules": [{"id": "Enablement_Admin_Assignment",
                                        "ruleType": "RoleManagementPolicyEnablementRule",
                                        "enabledRules": ["Ticketing"]}]}}, "Ticketing")):
        r = emu.http.patch(url, params={"api-version": PIM}, json=body, headers=headers)
        assert r.status_code == 400, body
        assert needle in r.json()["error"]["message"]
    approver = emu.user("grace.approver")["id"]
    ok = emu.http.patch(url, params={"api-version": PIM}, headers=headers, json={"properties": {"rules": [
        {"id": "Approval_EndUser_Assignment", "ruleType": "RoleManagementPolicyApprovalRule",
         "setting": {"isApprovalRequired": True, "approvalStages": [
             {"primaryApprovers": [{"id": approver, "userType": "User", "description": "Grace"}]}]}}]}})
    assert ok.status_code == 200
    rule = {r["id"]: r for r in ok.json()["properties"]["rules"]}["Approval_EndUser_Assignment"]
    assert rule["setting"]["isApprovalRequired"] is True
    assert rule["setting"]["approvalStages"][0]["primaryApprovers"] == [
        {"id": approver, "description": "Grace", "isBackup": False, "userType": "User"}]
    assert ok.json()["properties"]["effectiveRules"] == ok.json()["properties"]["rules"]


def test_default_seed_azure_access(emu):
    emu.admin("POST", "reset")
    state = emu.admin("GET", f"tenants/{emu.tenant()['id']}/arm").json()
    users = {u["id"]: u["userPrincipalName"].split("@")[0] for u in emu.tenant()["users"]}
    apps = {a["service_principal_id"]: a["name"] for a in emu.tenant()["apps"] if a.get("service_principal_id")}
    scopes = {s["id"].lower(): s for s in state["armScopes"]}
    roles = {r["name"]: r["roleName"] for r in state["armRoleDefinitions"]}

    def where(item):
        rec = scopes[item["scope"].lower()]
        return rec["displayName"] if rec["kind"] != "resourcegroup" else \
            f"{scopes[rec['parent']]['displayName']}/{rec['name']}"

    def rows(coll):
        return sorted((users.get(i["principalId"]) or apps.get(i["principalId"]), roles[i["roleDefinitionId"]],
                       where(i)) for i in state[coll])
    assert rows("armRoleEligibilitySchedules") == [("bob.secops", "Owner", "Production"),
                                                   ("trent.dev", "Contributor", "Development"),
                                                   ("victor.ops", "Contributor", "Production/rg-app")]
    assert rows("armRoleAssignmentSchedules") == [("breakglass1", "Owner", "Tenant Root Group"),
                                                  ("frank.synced", "User Access Administrator", "Development")]
    assert ("alice.admin", "Owner", "Production") in rows("armRoleAssignments")
    assert ("pim-reader", "Reader", "Tenant Root Group") in rows("armRoleAssignments")
    assert not [r for r in rows("armRoleAssignments") if r[0] in ("pim-admin", "pim-reader") and r[1] == "Owner"]
    perm = [s for s in state["armRoleAssignmentSchedules"]]
    assert all(s["scheduleInfo"]["expiration"]["type"] == "NoExpiration" for s in perm)


def test_admin_arm_view_with_policies_at_a_scope(emu):
    tid = emu.tenant()["id"]
    r = emu.admin("GET", f"tenants/{tid}/arm?scope={scope(emu)}")
    at = r.json()["policiesAtScope"]
    assert len(at) >= 20 and all(len(p["rules"]) == 17 for p in at)
    assert emu.admin("GET", f"tenants/{tid}/arm?scope=/subscriptions/nope").status_code == 400


def test_user_tokens_for_arm(emu):
    t = emu.tenant()
    # an interactive sign-in (admin API) for ARM, with MFA
    r = emu.admin("POST", f"tenants/{t['id']}/users/{emu.user('trent.dev')['id']}/signin",
                  {"client_id": emu.app("pim-cli")["client_id"], "resource": "https://management.azure.com"})
    token = r.json()["access_token"]
    assert r.json()["scope"].startswith("https://management.azure.com/user_impersonation")
    # trent holds no active Azure role: his token passes authentication and is refused by RBAC
    sub = scope(emu, "Development")
    denied = arm_get(emu, policies_path(sub), token=token, **{"api-version": PIM})
    assert denied.status_code == 403 and emu.user("trent.dev")["id"] in denied.json()["error"]["message"]
    # the same user's Graph token is no ARM token
    graph = emu.signin("trent.dev")
    assert arm_get(emu, policies_path(sub), token=graph, **{"api-version": PIM}).status_code == 401
    # password grant for the ARM scope (a user without MFA registered would be refused by Entra)
    pw = emu.user_token("wendy.nomfa", scope="https://management.azure.com/.default")
    assert pw.status_code == 200
    assert arm_get(emu, "/subscriptions", token=pw.json()["access_token"],
                   **{"api-version": "2022-12-01"}).json()["value"] == []


@pytest.mark.parametrize("path", ["/subscriptions/{sub}/providers/Microsoft.Authorization/roleManagementPolicies"])
def test_arm_calls_are_counted_like_graph_calls(emu, path):
    emu.admin("POST", "stats/reset")
    arm_get(emu, path.format(sub=scope(emu).rsplit("/", 1)[-1]), **{"api-version": PIM})
    stats = emu.admin("GET", "stats").json()
    assert stats["requests"] == 1 and stats["writes"] == 0
    assert any(k.endswith("/roleManagementPolicies") for k in stats["by_route"])
