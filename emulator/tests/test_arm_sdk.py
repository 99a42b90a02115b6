"""Azure Resource Manager through azure-mgmt-authorization 4.0.0 itself, against the emulator: the SDK's own
paths, api-versions, models and retry policy (the way the collection's ArmSession calls ARM)."""

from __future__ import annotations

import pytest

pytest.importorskip("azure.mgmt.authorization")

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError  # noqa: E402
from azure.identity import ClientSecretCredential  # noqa: E402
from azure.mgmt.authorization import AuthorizationManagementClient  # noqa: E402
from azure.mgmt.authorization.v2020_10_01.models import (  # noqa: E402
    RoleManagementPolicy, RoleManagementPolicyEnablementRule, RoleManagementPolicyExpirationRule,
)

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ARM_SCOPE = "https://management.azure.com/.default"


def credential(emu, app: str = "pim-admin", tenant: str = "contoso"):
    a, t = emu.app(app, tenant), emu.tenant(tenant)
    return ClientSecretCredential(t["id"], a["client_id"], a["client_secret"], authority=emu.authority,
                                  disable_instance_discovery=True, connection_verify=emu.ca)


def client(emu, app: str = "pim-admin", tenant: str = "contoso", **kw) -> AuthorizationManagementClient:
    """The client as the collection builds it: base_url = the ready file's arm_url, the ARM audience's scope."""
    return AuthorizationManagementClient(credential(emu, app, tenant), "00000000-0000-0000-0000-000000000000",
                                         base_url=emu.ready["arm_url"], credential_scopes=[ARM_SCOPE],
                                         connection_verify=emu.ca, **kw)


def sub(emu, name: str = "Production", tenant: str = "contoso") -> str:
    return next(s["scope"] for s in emu.tenant(tenant)["azure"]["subscriptions"] if s["displayName"] == name)


def policy_of(c: AuthorizationManagementClient, scope: str, role_guid: str):
    assignments = list(c.role_management_policy_assignments.list_for_scope(scope))
    pa = next(a for a in assignments if a.role_definition_id.lower().endswith(role_guid))
    return c.role_management_policies.get(scope, pa.policy_id.rsplit("/", 1)[-1])


def test_ready_file_names_arm(emu):
    assert emu.ready["arm_url"] == emu.authority  # ARM at the root of the same address
    assert emu.ready["arm_audience"] == "https://management.azure.com"
    names = [s["displayName"] for s in emu.tenant()["azure"]["subscriptions"]]
    assert sorted(names) == ["Development", "Production", "Sandbox"]


def test_list_policies_at_a_subscription_has_every_role_with_defaults(emu):
    emu.admin("POST", "reset")
    c = client(emu)
    scope = sub(emu)
    policies = list(c.role_management_policies.list_for_scope(scope))
    roles = list(c.role_definitions.list(scope))
    assert len(policies) == len(roles) >= 20  # one policy per role assignable at the scope
    assert len({p.name for p in policies}) == len(policies)
    p = policy_of(c, scope, OWNER)
    assert p.scope == scope and p.policy_properties.scope.type == "subscription"
    rules = {r.id: r for r in p.rules}
    assert len(rules) == 17
    assert isinstance(rules["Expiration_EndUser_Assignment"], RoleManagementPolicyExpirationRule)
    assert rules["Expiration_EndUser_Assignment"].maximum_duration == "PT8H"
    assert rules["Expiration_Admin_Eligibility"].maximum_duration == "P365D"
    assert [r.id for r in p.effective_rules] == [r.id for r in p.rules]
    # The same name at every read: ids are stable.
    assert policy_of(c, scope, OWNER).id == p.id


def test_patch_a_rule_through_the_sdk_is_stored_and_counted_as_one_write(emu):
    emu.admin("POST", "reset")
    c = client(emu)
    scope = sub(emu)
    before = emu.admin("GET", "stats").json()["writes"]
    p = policy_of(c, scope, OWNER)
    rule = RoleManagementPolicyEnablementRule(id="Enablement_EndUser_Assignment",
                                              enabled_rules=["MultiFactorAuthentication", "Justification", "Ticketing"])
    updated = c.role_management_policies.update(scope, p.name, RoleManagementPolicy(rules=[rule]))
    got = {r.id: r for r in updated.rules}["Enablement_EndUser_Assignment"]
    assert got.enabled_rules == ["MultiFactorAuthentication", "Justification", "Ticketing"]
    assert updated.last_modified_by.type == "ServicePrincipal"
    # what the emulator holds now, and the write counter tests read
    state = emu.admin("GET", f"tenants/{emu.tenant()['id']}/arm").json()
    stored = next(x for x in state["policies"] if x["name"] == p.name)
    assert stored["roleName"] == "Owner"
    assert {r["id"]: r for r in stored["rules"]}["Enablement_EndUser_Assignment"]["enabledRules"][-1] == "Ticketing"
    assert emu.admin("GET", "stats").json()["writes"] == before + 1
    # another role's policy at the same scope, and the same role at another scope, are unchanged
    other = {r.id: r for r in policy_of(c, scope, CONTRIBUTOR).rules}["Enablement_EndUser_Assignment"]
    assert "Ticketing" not in other.enabled_rules
    dev = {r.id: r for r in policy_of(c, sub(emu, "Development"), OWNER).rules}["Enablement_EndUser_Assignment"]
    assert "Ticketing" not in dev.enabled_rules


def test_patch_refuses_an_unknown_rule_and_a_wrong_rule_type_before_any_change(emu):
    emu.admin("POST", "reset")
    c = client(emu)
    scope = sub(emu)
    p = policy_of(c, scope, OWNER)
    bad = RoleManagementPolicyExpirationRule(id="Expiration_Nobody", maximum_duration="PT2H")
    with pytest.raises(HttpResponseError) as err:
        c.role_management_policies.update(scope, p.name, RoleManagementPolicy(rules=[bad]))
    assert err.value.status_code == 400 and "Expiration_Nobody" in err.value.message
    wrong = RoleManagementPolicyEnablementRule(id="Expiration_EndUser_Assignment", enabled_rules=[])
    good = RoleManagementPolicyExpirationRule(id="Expiration_EndUser_Assignment", maximum_duration="PT2H")
    with pytest.raises(HttpResponseError) as err:
        c.role_management_policies.update(scope, p.name, RoleManagementPolicy(rules=[good, wrong]))
    assert err.value.status_code == 400
    too_long = RoleManagementPolicyExpirationRule(id="Expiration_EndUser_Assignment", maximum_duration="P2D")
    with pytest.raises(HttpResponseError):
        c.role_management_policies.update(scope, p.name, RoleManagementPolicy(rules=[too_long]))
    state = emu.admin("GET", f"tenants/{emu.tenant()['id']}/arm").json()
    assert state["policies"] == []  # nothing applied
    assert {r.id: r for r in policy_of(c, scope, OWNER).rules}["Expiration_EndUser_Assignment"].maximum_duration \
        == "PT8H"


def test_the_scanner_app_reads_but_cannot_write(emu):
    emu.admin("POST", "reset")
    reader = client(emu, "pim-reader")
    scope = sub(emu)
    p = policy_of(reader, scope, OWNER)  # Reader at the root group suffices to read
    rule = RoleManagementPolicyExpirationRule(id="Expiration_EndUser_Assignment", maximum_duration="PT1H")
    with pytest.raises(HttpResponseError) as err:
        reader.role_management_policies.update(scope, p.name, RoleManagementPolicy(rules=[rule]))
    assert err.value.status_code == 403
    assert err.value.error.code == "AuthorizationFailed"
    sp = emu.app("pim-reader")["service_principal_id"]
    assert err.value.error.message == (
        f"The client '{sp}' with object id '{sp}' does not have authorization to perform action "
        f"'Microsoft.Authorization/roleManagementPolicies/write' over scope '{scope}' or the scope is invalid. "
        "If access was recently granted, please refresh your credentials.")
    assert emu.admin("GET", f"tenants/{emu.tenant()['id']}/arm").json()["policies"] == []


def test_an_app_without_azure_roles_is_refused_reads(emu):
    c = client(emu, "ops-automation")
    with pytest.raises(HttpResponseError) as err:
        list(c.role_management_policies.list_for_scope(sub(emu)))
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    assert "Microsoft.Authorization/roleManagementPolicies/read" in err.value.message


def test_paging_follows_absolute_next_links(tmp_path):
    from emu_harness import start_emulator, stop_emulator

    small = start_emulator(tmp_path, "--page-size", "3")
    try:
        c = client(small)
        scope = sub(small)
        policies = list(c.role_management_policies.list_for_scope(scope))
        assert len(policies) >= 20 and len({p.id for p in policies}) == len(policies)
        by_route = small.admin("GET", "stats").json()["by_route"]
        pages = sum(n for r, n in by_route.items() if r.startswith("GET ") and r.endswith("/roleManagementPolicies"))
        assert pages == -(-len(policies) // 3)  # every page was fetched through nextLink
        raw = small.http.get(f"{small.ready['arm_url']}{scope}/providers/Microsoft.Authorization/"
                             "roleManagementPolicies?api-version=2020-10-01",
                             headers={"Authorization": f"Bearer {arm_token(small)}"}).json()
        assert len(raw["value"]) == 3 and raw["nextLink"].startswith(small.ready["arm_url"] + scope)
    finally:
        stop_emulator(small)


def arm_token(emu, app: str = "pim-admin") -> str:
    a, t = emu.app(app), emu.tenant()
    r = emu.http.post(f"{emu.authority}/{t['id']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": a["client_id"], "client_secret": a["client_secret"],
        "scope": ARM_SCOPE})
    r.raise_for_status()
    return r.json()["access_token"]


def test_throttling_is_retried_by_the_sdk(emu):
    emu.admin("POST", "faults", {"rules": [{"path": "roleManagementPolicies$", "status": 429, "times": 2,
                                            "retry_after": 0}]})
    c = client(emu, retry_backoff_factor=0)
    assert len(list(c.role_management_policies.list_for_scope(sub(emu)))) >= 20
    state = emu.admin("GET", "faults").json()
    assert state["rules"][0]["fired"] == 2  # two 429s, then the answer


def test_throttled_answer_has_arm_shape_and_headers(emu):
    emu.admin("POST", "faults", {"rules": [{"path": "roleManagementPolicies$", "status": 429, "retry_after": 3}]})
    r = emu.http.get(f"{emu.ready['arm_url']}{sub(emu)}/providers/Microsoft.Authorization/roleManagementPolicies"
                     "?api-version=2020-10-01", headers={"Authorization": f"Bearer {arm_token(emu)}"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"
    assert set(r.json()) == {"error"} and r.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert r.headers["x-ms-request-id"] and r.headers["x-ms-correlation-request-id"]
    ok = emu.http.get(f"{emu.ready['arm_url']}{sub(emu)}/providers/Microsoft.Authorization/roleManagementPolicies"
                      "?api-version=2020-10-01", headers={"Authorization": f"Bearer {arm_token(emu)}"})
    assert int(ok.headers["x-ms-ratelimit-remaining-subscription-reads"]) < 12000


def test_audiences_are_kept_apart(emu):
    c = client(emu)
    # The SDK given a Graph-audience credential scope: ARM refuses the token.
    graph_scoped = AuthorizationManagementClient(credential(emu), "00000000-0000-0000-0000-000000000000",
                                                 base_url=emu.ready["arm_url"],
                                                 credential_scopes=["https://graph.microsoft.com/.default"],
                                                 connection_verify=emu.ca)
    with pytest.raises((HttpResponseError, ClientAuthenticationError)) as err:
        list(graph_scoped.role_management_policies.list_for_scope(sub(emu)))
    assert err.value.status_code == 401
    assert err.value.error.code == "InvalidAuthenticationTokenAudience"
    assert list(c.role_management_policies.list_for_scope(sub(emu)))  # the right audience passes
    # Graph refuses an ARM token.
    r = emu.get("/users", token=arm_token(emu))
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"
