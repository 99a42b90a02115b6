"""The Azure state layer without HTTP (pim/arm_state.py, arm_policies.py, arm_seed.py): scope tree lookups,
role definitions, the caller's RBAC rights, policy generation and its Graph-shaped rules, generated tenants."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pim_emulator.contract import Caller, Clock
from pim_emulator.emulator import Settings
from pim_emulator.pim import arm_policies, arm_state
from pim_emulator.pim.arm_errors import ArmError
from pim_emulator.pim.arm_seed import CONTRIBUTOR, OWNER, READER, UAA
from pim_emulator.seed import build_seed, build_tenant, default_seed_document, generate_seed_document


@pytest.fixture(scope="module")
def tenant():
    return build_tenant(default_seed_document()["tenants"][0], Clock())


def sub(tenant, name):
    return next(r for r in tenant.coll(arm_state.SCOPES).values() if r.get("displayName") == name
                and r["kind"] == "subscription")


def user(tenant, key):
    return next(u["id"] for u in tenant.coll("users").values() if u["userPrincipalName"].startswith(key + "@"))


def sp(tenant, name):
    return next(s["id"] for s in tenant.coll("servicePrincipals").values() if s["displayName"] == name)


def test_tree_and_ancestors(tenant):
    prod = sub(tenant, "Production")
    rg = arm_state.find_scope(tenant, prod["id"].upper().replace("/SUBSCRIPTIONS/", "/subscriptions/")
                              + "/resourcegroups/RG-APP")
    assert rg["id"] == prod["id"] + "/resourceGroups/rg-app"  # stored casing
    vault = rg["id"] + "/providers/Microsoft.KeyVault/vaults/kv-app"
    chain = [r["displayName"] for r in arm_state.ancestors(tenant, vault)]
    assert chain == ["kv-app", "rg-app", "Production", "Landing Zones", "Tenant Root Group"]
    assert arm_state.root_group(tenant)["name"] == tenant.id
    assert arm_state.is_at_or_above(tenant, arm_state.MG_PREFIX + "mg-landingzones", rg["id"])
    assert not arm_state.is_at_or_above(tenant, sub(tenant, "Sandbox")["id"], rg["id"])
    below = {r["name"] for r in arm_state.descendants(tenant, prod["id"])}
    assert {"rg-app", "rg-network", "stappdata", "kv-app", "vnet-hub"} == below
    assert arm_state.normalize("providers/Microsoft.Subscription/subscriptions/x/") == "/subscriptions/x"
    assert arm_state.normalize("") == "/"


def test_missing_scope_errors(tenant):
    prod = sub(tenant, "Production")["id"]
    for scope, code in (("/subscriptions/nope", "SubscriptionNotFound"),
                        (prod + "/resourceGroups/nope", "ResourceGroupNotFound"),
                        ("/subscriptions/nope/resourceGroups/rg-app", "SubscriptionNotFound"),
                        (prod + "/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/nope",
                         "ResourceNotFound")):
        with pytest.raises(ArmError) as err:
            arm_state.require_scope(tenant, scope)
        assert err.value.code == code
        assert set(err.value.envelope()["error"]) == {"code", "message"}


def test_role_definitions_by_guid_and_full_id(tenant):
    prod = sub(tenant, "Production")["id"]
    assert arm_state.role_definition(tenant, OWNER)["roleName"] == "Owner"
    assert arm_state.role_definition(tenant, f"{prod}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}")
    assert arm_state.role_definition(tenant, f"{prod}/providers/Microsoft.Nope/things/{OWNER}") is None
    assert arm_state.role_definition_id(prod + "/resourceGroups/rg-app", OWNER) == \
        f"{prod}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
    assert arm_state.role_definition_id(arm_state.MG_PREFIX + "mg-landingzones", OWNER) == \
        f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
    names = {r["roleName"] for r in arm_state.role_definitions_at(tenant, prod)}
    assert {"Owner", "Contributor", "Reader", "User Access Administrator",
            "Role Based Access Control Administrator", "PIM Automation"} <= names


def test_rights_follow_role_assignments_and_not_actions(tenant):
    now = Clock().now()
    prod, dev = sub(tenant, "Production")["id"], sub(tenant, "Development")["id"]
    write = "Microsoft.Authorization/roleManagementPolicies/write"
    read = "Microsoft.Authorization/roleManagementPolicies/read"
    admin, reader = sp(tenant, "pim-admin"), sp(tenant, "pim-reader")
    assert arm_state.is_allowed(tenant, admin, prod + "/resourceGroups/rg-app", write, now)  # PIM Automation at root
    assert arm_state.is_allowed(tenant, reader, prod, read, now)  # Reader: */read
    assert not arm_state.is_allowed(tenant, reader, prod, write, now)
    alice = user(tenant, "alice.admin")  # classic Owner on Production
    assert arm_state.is_allowed(tenant, alice, prod + "/resourceGroups/rg-app", write, now)
    assert not arm_state.is_allowed(tenant, alice, dev, read, now)
    frank = user(tenant, "frank.synced")  # UAA through PIM on Development: Microsoft.Authorization/*
    assert arm_state.is_allowed(tenant, frank, dev, write, now)
    trent = user(tenant, "trent.dev")  # only eligible: no rights until activated
    assert not arm_state.is_allowed(tenant, trent, dev, read, now)
    contributor = arm_state.role_definition(tenant, CONTRIBUTOR)
    assert arm_state.role_allows(contributor, "Microsoft.Compute/virtualMachines/write")
    assert not arm_state.role_allows(contributor, write)  # Microsoft.Authorization/*/Write is a notAction
    assert arm_state.role_allows(arm_state.role_definition(tenant, UAA), write)
    assert not arm_state.role_allows(arm_state.role_definition(tenant, READER), write)
    with pytest.raises(ArmError) as err:
        arm_state.check_access(tenant, trent, dev, read, now)
    assert err.value.status == 403 and f"over scope '{dev}'" in err.value.message


def test_expired_pim_assignments_and_group_membership(tenant):
    now = Clock().now()
    dev = sub(tenant, "Development")["id"]
    frank = user(tenant, "frank.synced")
    assert arm_state.active_grants(tenant, frank, dev, now)
    s = next(x for x in tenant.coll(arm_state.ASSIGN_SCHEDULES).values() if x["principalId"] == frank)
    s["_end"] = (now - timedelta(minutes=1)).timestamp()
    try:
        assert not arm_state.active_grants(tenant, frank, dev, now)
    finally:
        s["_end"] = None
    group = next(g for g in tenant.coll("groups").values() if g["_members"])
    member = group["_members"][0]
    tenant.coll(arm_state.CLASSIC)["g"] = {"id": "g", "principalId": group["id"], "roleDefinitionId": READER,
                                           "scope": dev}
    try:
        assert arm_state.is_allowed(tenant, member, dev, "Microsoft.Resources/subscriptions/read", now)
    finally:
        del tenant.coll(arm_state.CLASSIC)["g"]


def test_policies_every_role_every_scope_stable_and_graph_shaped(tenant):
    prod = sub(tenant, "Production")
    names = {arm_policies.policy_name(tenant, prod["id"], rd["name"])
             for rd in arm_state.role_definitions_at(tenant, prod["id"])}
    assert len(names) == len(arm_state.role_definitions_at(tenant, prod["id"]))
    assert arm_policies.policy_name(tenant, prod["id"].upper(), OWNER) == arm_policies.policy_name(tenant, prod["id"],
                                                                                                   OWNER)
    rules = arm_policies.policy_rules(tenant, prod["id"], OWNER)
    assert len(rules) == 17 and rules["Expiration_EndUser_Assignment"]["maximumDuration"] == "PT8H"
    graph = arm_policies.graph_rules(tenant, prod["id"], OWNER)
    assert graph["Expiration_EndUser_Assignment"]["@odata.type"] == \
        "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"
    assert graph["Approval_EndUser_Assignment"]["@odata.type"] == \
        "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule"


def test_patch_then_graph_rules_carry_approvers(tenant):
    prod = sub(tenant, "Production")
    rd = arm_state.role_definition(tenant, OWNER)
    grace = user(tenant, "grace.approver")
    group = next(iter(tenant.coll("groups")))
    approvers = [{"id": grace, "userType": "User"}, {"id": group, "userType": "Group"}]
    body = {"properties": {"rules": [{"id": "Approval_EndUser_Assignment",
                                      "ruleType": "RoleManagementPolicyApprovalRule",
                                      "setting": {"isApprovalRequired": True,
                                                  "approvalStages": [{"primaryApprovers": approvers}]}}]}}
    who = {"id": "x", "displayName": "x", "type": "User", "email": None}
    view = arm_policies.patch(tenant, prod, rd, body, who, Clock().now())
    assert view["properties"]["lastModifiedBy"] == who
    approvers = arm_policies.graph_rules(tenant, prod["id"], OWNER)["Approval_EndUser_Assignment"]["setting"][
        "approvalStages"][0]["primaryApprovers"]
    assert approvers == [{"@odata.type": "#microsoft.graph.singleUser", "userId": grace, "description": None},
                         {"@odata.type": "#microsoft.graph.groupMembers", "groupId": group, "description": None}]
    # other scopes keep the defaults: settings are not inherited
    rg = prod["id"] + "/resourceGroups/rg-app"
    assert not arm_policies.policy_rules(tenant, rg, OWNER)["Approval_EndUser_Assignment"]["setting"][
        "isApprovalRequired"]
    tenant.coll(arm_policies.POLICIES).clear()


def test_generated_tenants_take_a_subscription_count():
    doc = generate_seed_document(2, 20, subscriptions=10)
    tenants = [build_tenant(t, Clock()) for t in doc["tenants"]]
    for t in tenants:
        subs = [r for r in t.coll(arm_state.SCOPES).values() if r["kind"] == "subscription"]
        assert len(subs) == 10
        assert len(arm_state.role_definitions_at(t, subs[0]["id"])) == 20  # 10 x 20 role policies for the bench
        assert t.coll(arm_state.ELIG_SCHEDULES)
    ids = {r["id"] for t in tenants for r in t.coll(arm_state.SCOPES).values() if r["kind"] == "subscription"}
    assert len(ids) == 20  # per tenant ids
    assert len(build_seed(Settings(tenants=1, principals=10, subscriptions=3), Clock())[0].coll(arm_state.SCOPES)) \
        == 1 + 3 * 2  # the root group, and each subscription with its resource group


def test_caller_object_id(tenant):
    app = next(a for a in tenant.coll("applications").values() if a["displayName"] == "pim-reader")
    assert arm_state.principal_of(tenant, Caller(tenant.id, app["appId"], frozenset())) == sp(tenant, "pim-reader")
    assert arm_state.principal_of(tenant, Caller(tenant.id, app["appId"], frozenset(), user_id="u1")) == "u1"
