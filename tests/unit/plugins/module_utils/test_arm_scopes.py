# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure scopes and role definitions without a network: parsing every written form, resolving against lists in
Resource Manager's documented shapes, the refusals naming the input and the closest names."""

from __future__ import annotations

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _arm_scopes as sc
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
from ansible_collections.entra.pim.plugins.module_utils._surfaces import AZURE

PROD = "4f2a1c3e-1111-4aaa-8bbb-000000000001"
DEV = "4f2a1c3e-2222-4aaa-8bbb-000000000002"
TENANT = "9d1e2f3a-0000-4ccc-9ddd-00000000000a"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CUSTOM = "11111111-2222-4333-8444-555555555555"


@pytest.mark.parametrize(("written", "kind", "parts"), [
    ("/subscriptions/" + PROD, sc.SUBSCRIPTION, {"subscription": PROD}),
    ("/SUBSCRIPTIONS/" + PROD + "/", sc.SUBSCRIPTION, {"subscription": PROD}),
    (f"/subscriptions/{PROD}/resourceGroups/rg-app", sc.RESOURCE_GROUP,
     {"subscription": PROD, "resource_group": "rg-app"}),
    (f"/subscriptions/{PROD}/resourcegroups/RG-App", sc.RESOURCE_GROUP,
     {"subscription": PROD, "resource_group": "RG-App"}),
    (f"/subscriptions/{PROD}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-app", sc.RESOURCE,
     {"subscription": PROD, "resource_group": "rg-app", "resource": "kv-app"}),
    (f"/subscriptions/{PROD}/resourceGroups/rg/providers/Microsoft.Sql/servers/s1/databases/db1", sc.RESOURCE,
     {"resource": "db1"}),
    ("/providers/Microsoft.Management/managementGroups/mg-landingzones", sc.MANAGEMENT_GROUP,
     {"management_group": "mg-landingzones"}),
    ("mg:Landing Zones", sc.MANAGEMENT_GROUP, {"management_group": "Landing Zones"}),
    ("MG: mg-landingzones", sc.MANAGEMENT_GROUP, {"management_group": "mg-landingzones"}),
    ("Production", sc.SUBSCRIPTION, {"subscription": "Production"}),
    (PROD, sc.SUBSCRIPTION, {"subscription": PROD}),
    ("Production/rg-app", sc.RESOURCE_GROUP, {"subscription": "Production", "resource_group": "rg-app"}),
    ("Production / rg-app / kv-app", sc.RESOURCE, {"subscription": "Production", "resource_group": "rg-app",
                                                   "resource": "kv-app"}),
])
def test_parse_every_written_form(written, kind, parts):
    parsed = sc.parse_scope(written)
    assert parsed["kind"] == kind
    for key, value in parts.items():
        assert parsed[key] == value
    assert parsed["input"] == written


def test_no_scope_means_the_default_subscription_and_without_one_says_how_to_set_it():
    assert sc.parse_scope(None, PROD)["subscription"] == PROD
    assert sc.parse_scope("  ", PROD)["kind"] == sc.SUBSCRIPTION
    with pytest.raises(sc.ScopeError, match="AZURE_SUBSCRIPTION_ID"):
        sc.parse_scope(None)


@pytest.mark.parametrize(("written", "why"), [
    ("/", "root scope"),
    ("/subscriptions/not-a-guid", "not a subscription id"),
    (f"/subscriptions/{PROD}/resourceGroups", "resourceGroups/<name>"),
    (f"/subscriptions/{PROD}/rg-app", "resourceGroups/<name>"),
    (f"/subscriptions/{PROD}/resourceGroups/rg/providers/Microsoft.KeyVault", "providers/<namespace>/<type>/<name>"),
    ("/tenants/x", "starts with /subscriptions/"),
    ("/providers/Microsoft.Management/managementGroups/", "managementGroups/<id>"),
    ("mg:", "names no management group"),
    ("Production//rg", "empty part"),
    ("a/b/c/d", "at most three parts"),
])
def test_bad_scopes_are_refused_naming_the_input_and_the_valid_forms(written, why):
    with pytest.raises(sc.ScopeError) as caught:
        sc.parse_scope(written)
    assert repr(written) in str(caught.value)
    assert why in str(caught.value)
    assert "mg:<management group name or id>" in str(caught.value)


def test_role_guid_from_a_guid_or_a_full_id_never_from_a_name():
    full = f"/subscriptions/{PROD}/providers/Microsoft.Authorization/roleDefinitions/{OWNER.upper()}"
    assert sc.role_guid(full) == OWNER
    assert sc.role_guid(OWNER) == OWNER
    assert sc.role_guid("Owner") is None
    assert sc.role_guid(f"/subscriptions/{PROD}") is None  # a subscription id is no role
    assert sc.role_definition_id(f"/subscriptions/{PROD}/", OWNER) == \
        f"/subscriptions/{PROD}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"


def test_parent_scopes_inside_a_subscription():
    rg = f"/subscriptions/{PROD}/resourceGroups/rg-app"
    assert sc.parent_scopes(rg + "/providers/Microsoft.KeyVault/vaults/kv") == [rg, f"/subscriptions/{PROD}"]
    assert sc.parent_scopes(rg) == [f"/subscriptions/{PROD}"]
    assert sc.parent_scopes(f"/subscriptions/{PROD}") == []


def _role(guid, name, kind="BuiltInRole", scope=f"/subscriptions/{PROD}"):
    return {"id": sc.role_definition_id(scope, guid), "name": guid, "roleName": name, "type": kind}


ROLES = [_role(OWNER, "Owner"), _role(CONTRIBUTOR, "Contributor"), _role(READER, "Reader"),
         _role(CUSTOM, "PIM Automation", "CustomRole")]


def test_roles_by_name_guid_and_full_id_case_insensitively():
    full = f"/subscriptions/{DEV}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"
    found = sc.match_role_definitions(["Owner", "contributor", READER.upper(), full, "PIM Automation"], ROLES)
    assert found["Owner"]["name"] == OWNER
    assert found["contributor"]["name"] == CONTRIBUTOR
    assert found[READER.upper()]["name"] == READER
    assert found[full]["name"] == CONTRIBUTOR  # a full id read at another scope names the same role
    assert found["PIM Automation"]["type"] == "CustomRole"


def test_unknown_roles_name_the_input_and_the_closest_names():
    with pytest.raises(sc.ScopeError) as caught:
        sc.match_role_definitions(["Ownr", "Contributer", "00000000-0000-4000-8000-000000000000"], ROLES,
                                  "'Production'")
    text = str(caught.value)
    assert "unknown role(s) at 'Production'" in text
    assert "'Ownr' (did you mean 'Owner'?)" in text
    assert "'Contributer' (did you mean 'Contributor'" in text
    assert "00000000-0000-4000-8000-000000000000" in text


def test_a_name_two_roles_share_case_insensitively_is_ambiguous():
    roles = ROLES + [_role("22222222-2222-4333-8444-555555555555", "owner", "CustomRole")]
    assert sc.match_role_definitions(["Owner"], roles)["Owner"]["name"] == OWNER  # exact case wins
    with pytest.raises(sc.ScopeError, match="ambiguous"):
        sc.match_role_definitions(["OWNER"], roles)


class FakeArm:
    """Resource Manager's list answers, flattened as ArmSession returns them; counts the reads."""

    def __init__(self):
        self.reads = []
        self.subs = [
            {"id": f"/subscriptions/{PROD}", "subscriptionId": PROD, "displayName": "Production", "state": "Enabled",
             "tenantId": TENANT},
            {"id": f"/subscriptions/{DEV}", "subscriptionId": DEV, "displayName": "Development", "state": "Enabled",
             "tenantId": TENANT},
        ]
        self.groups = {PROD: [{"id": f"/subscriptions/{PROD}/resourceGroups/rg-app", "name": "rg-app"},
                              {"id": f"/subscriptions/{PROD}/resourceGroups/rg-network", "name": "rg-network"}],
                       DEV: [{"id": f"/subscriptions/{DEV}/resourceGroups/rg-dev", "name": "rg-dev"}]}
        self.mgs = [
            {"id": f"/providers/Microsoft.Management/managementGroups/{TENANT}", "name": TENANT,
             "displayName": "Tenant Root Group", "tenantId": TENANT},
            {"id": "/providers/Microsoft.Management/managementGroups/mg-landingzones", "name": "mg-landingzones",
             "displayName": "Landing Zones", "tenantId": TENANT},
        ]

    def list_subscriptions(self):
        self.reads.append("subscriptions")
        return self.subs

    def get_subscription(self, sub):
        self.reads.append(f"subscription {sub}")
        raise GraphCallError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")

    def list_resource_groups(self, sub):
        self.reads.append(f"groups {sub}")
        return self.groups.get(sub, [])

    def list_resources(self, sub, group):
        self.reads.append(f"resources {group}")
        base = f"/subscriptions/{sub}/resourceGroups/{group}/providers"
        return [{"id": f"{base}/Microsoft.KeyVault/vaults/kv-app", "name": "kv-app",
                 "type": "Microsoft.KeyVault/vaults"},
                {"id": f"{base}/Microsoft.Storage/storageAccounts/stapp", "name": "stapp",
                 "type": "Microsoft.Storage/storageAccounts"}]

    def list_management_groups(self):
        self.reads.append("management groups")
        return self.mgs

    def get_management_group(self, name, expand_children=False):
        self.reads.append(f"management group {name}")
        mg = "/providers/Microsoft.Management/managementGroups/"
        return {"id": mg + TENANT, "name": TENANT, "children": [
            {"id": mg + "mg-landingzones", "name": "mg-landingzones", "type": mg.strip("/"), "children": [
                {"id": f"/subscriptions/{PROD}", "name": PROD, "type": "/subscriptions"},
                {"id": f"/subscriptions/{DEV}", "name": DEV, "type": "/subscriptions"}]}]}

    def list_role_definitions(self, scope):
        self.reads.append(f"roles {scope}")
        return [_role(r["name"], r["roleName"], r["type"], scope) for r in ROLES]


def test_friendly_and_id_scopes_resolve_to_the_stored_casing_reading_each_list_once():
    arm = FakeArm()
    resolver = sc.ScopeResolver(arm, default_subscription="production")
    scopes = resolver.scopes(["Production/RG-APP", f"/subscriptions/{PROD}/resourcegroups/rg-network", None,
                              "mg:landing zones", "Production/rg-app/kv-app", DEV.upper()])
    assert scopes["Production/RG-APP"]["id"] == f"/subscriptions/{PROD}/resourceGroups/rg-app"
    assert scopes["Production/RG-APP"]["subscription_name"] == "Production"
    assert scopes[f"/subscriptions/{PROD}/resourcegroups/rg-network"]["id"] == \
        f"/subscriptions/{PROD}/resourceGroups/rg-network"
    assert scopes[""]["id"] == f"/subscriptions/{PROD}"  # the default subscription, by name
    assert scopes["mg:landing zones"]["id"] == "/providers/Microsoft.Management/managementGroups/mg-landingzones"
    assert scopes["Production/rg-app/kv-app"]["kind"] == sc.RESOURCE
    assert scopes["Production/rg-app/kv-app"]["id"].endswith("/Microsoft.KeyVault/vaults/kv-app")
    assert scopes[DEV.upper()]["id"] == f"/subscriptions/{DEV}"
    assert arm.reads.count("subscriptions") == 1
    assert arm.reads.count(f"groups {PROD}") == 1


def test_every_unknown_scope_is_named_with_the_closest_names_in_one_error():
    resolver = sc.ScopeResolver(FakeArm())
    with pytest.raises(sc.ScopeError) as caught:
        resolver.scopes(["Prodution", "Production/rg-ap", "mg:Landing Zone", "Development/rg-app"])
    text = str(caught.value)
    assert "scope 'Prodution': no subscription 'Prodution'" in text and "'Production'" in text
    assert "resource group 'rg-ap' does not exist in subscription 'Production' (closest: 'rg-app'" in text
    assert "no management group 'Landing Zone'" in text and "'Landing Zones'" in text
    assert "resource group 'rg-app' does not exist in subscription 'Development'" in text


def test_a_subscription_id_not_listed_is_asked_for_and_not_found_is_named():
    arm = FakeArm()
    other = "4f2a1c3e-9999-4aaa-8bbb-000000000009"
    with pytest.raises(sc.ScopeError, match=f"no subscription '{other}'"):
        sc.ScopeResolver(arm).scope(f"/subscriptions/{other}/resourceGroups/rg")
    assert f"subscription {other}" in arm.reads


def test_a_refused_read_is_not_mistaken_for_a_missing_scope():
    arm = FakeArm()

    def refused(sub):
        raise GraphCallError(403, "AuthorizationFailed", "no")
    arm.get_subscription = refused
    with pytest.raises(GraphCallError, match="AuthorizationFailed"):
        sc.ScopeResolver(arm).scope("/subscriptions/4f2a1c3e-9999-4aaa-8bbb-000000000009")


def test_roles_at_a_scope_are_read_once_per_scope():
    arm = FakeArm()
    resolver = sc.ScopeResolver(arm)
    scope = resolver.scope("Production")
    assert resolver.roles(scope, ["Owner"])["Owner"]["id"].startswith(f"/subscriptions/{PROD}/")
    resolver.roles(scope, ["Reader"])
    assert arm.reads.count(f"roles /subscriptions/{PROD}") == 1


def test_discovery_places_subscriptions_under_their_management_group():
    arm = FakeArm()
    found = sc.ScopeResolver(arm).discover(resource_groups=True)
    subs = {s["display_name"]: s for s in found["subscriptions"]}
    assert subs["Production"]["management_group_id"] == \
        "/providers/Microsoft.Management/managementGroups/mg-landingzones"
    assert [g["name"] for g in subs["Production"]["resource_groups"]] == ["rg-app", "rg-network"]
    groups = {g["display_name"]: g for g in found["management_groups"]}
    assert groups["Landing Zones"]["parent_id"] == f"/providers/Microsoft.Management/managementGroups/{TENANT}"
    assert groups["Tenant Root Group"]["parent_id"] is None
    assert found["warnings"] == []


def test_discovery_without_rights_on_management_groups_still_lists_subscriptions():
    arm = FakeArm()

    def refused():
        raise GraphCallError(403, "AuthorizationFailed", "no")
    arm.list_management_groups = refused
    found = sc.ScopeResolver(arm).discover()
    assert len(found["subscriptions"]) == 2 and found["management_groups"] == []
    assert "AuthorizationFailed" in found["warnings"][0]


def test_azure_surface_keys_by_scope_and_role_guid_whatever_the_casing_or_id_form():
    scope = f"/subscriptions/{PROD}/resourceGroups/rg-app"
    full = f"/subscriptions/{PROD}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR.upper()}"
    from_request = AZURE.key_of({"roleDefinitionId": full, "scope": scope.upper()})
    assert from_request == AZURE.role_key(CONTRIBUTOR, scope)
    assert AZURE.role_of(from_request) == CONTRIBUTOR
    assert AZURE.settings_module == "entra.pim.pim_azure_role_setting"
    assert AZURE.scope_default is None and AZURE.role_in_scope


def test_discovery_reads_a_group_whose_children_came_back_unexpanded():
    arm = FakeArm()
    mg = "/providers/Microsoft.Management/managementGroups/"

    def one_level(name, expand_children=False):
        arm.reads.append(f"management group {name}")
        if name == TENANT:  # $recurse not honoured: the children's children are not expanded (null)
            return {"id": mg + TENANT, "name": TENANT, "children": [
                {"id": mg + "mg-landingzones", "name": "mg-landingzones",
                 "type": "Microsoft.Management/managementGroups", "children": None}]}
        return {"id": mg + name, "name": name, "children": [
            {"id": f"/subscriptions/{PROD}", "name": PROD, "type": "/subscriptions", "children": None}]}
    arm.get_management_group = one_level
    found = sc.ScopeResolver(arm).discover()
    subs = {s["display_name"]: s for s in found["subscriptions"]}
    assert subs["Production"]["management_group_id"] == mg + "mg-landingzones"
    assert subs["Development"]["management_group_id"] is None  # not a child in this tree
    assert arm.reads.count("management group mg-landingzones") == 1


def test_a_resource_by_id_is_checked_through_the_role_definitions_at_it():
    arm = FakeArm()
    kv = f"/subscriptions/{PROD}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-app"
    stored = arm.list_role_definitions  # answers ids at the scope as stored (kv's casing)
    arm.list_role_definitions = lambda scope: stored(kv) if sc.same_scope(scope, kv) else stored(scope)
    found = sc.ScopeResolver(arm).scope(kv.replace("rg-app", "RG-APP").replace("kv-app", "KV-APP"))
    assert found["id"] == kv and found["kind"] == sc.RESOURCE and found["display_name"] == "kv-app"
    assert not [r for r in arm.reads if r.startswith("resources")]  # no resource list for an id

    def missing(scope):
        raise GraphCallError(404, "ResourceNotFound", f"The Resource '{scope}' was not found.")
    arm.list_role_definitions = missing
    with pytest.raises(sc.ScopeError, match="resource 'kv-gone' does not exist"):
        sc.ScopeResolver(arm).scope(kv.replace("kv-app", "kv-gone"))
