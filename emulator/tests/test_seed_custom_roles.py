"""The default seed's custom directory roles: named like built-ins (by case or a suffix), each with
its own PIM policy, shaped as Graph answers a custom role (isBuiltIn false, templateId == id)."""

from __future__ import annotations

import pytest
from pim_emulator.contract import Clock
from pim_emulator.seed import build_tenant, builtin_roles, default_seed_document

EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
CUSTOM = {"contoso": ["exchange administrator", "Global Administrator (Contoso)", "Helpdesk Administrator - Tier 2"]}


def _defs(emu, query: str = "") -> list[dict]:
    r = emu.get("/roleManagement/directory/roleDefinitions" + query)
    assert r.status_code == 200, r.text
    doc = r.json()
    items = list(doc["value"])
    while "@odata.nextLink" in doc:
        doc = emu.http.get(doc["@odata.nextLink"], headers={"Authorization": f"Bearer {emu.token()}"}).json()
        items += doc["value"]
    return items


def test_custom_roles_have_the_shape_graph_gives_a_custom_role(emu):
    custom = {d["displayName"]: d for d in _defs(emu, "?$filter=isBuiltIn eq false")}
    assert sorted(custom) == sorted(CUSTOM["contoso"])
    for d in custom.values():
        # Create unifiedRoleDefinition (learn.microsoft.com/graph/api/rbacapplication-post-roledefinitions):
        # a custom role's templateId is its own id, its version null.
        assert d["isBuiltIn"] is False and d["templateId"] == d["id"] and d["version"] is None
        assert d["isEnabled"] is True and d["rolePermissions"][0]["allowedResourceActions"]
        assert d["id"] not in {r["templateId"] for r in builtin_roles()}
    assert custom["exchange administrator"]["id"] != EXCHANGE_ADMIN
    one = emu.get(f"/roleManagement/directory/roleDefinitions/{custom['exchange administrator']['id']}").json()
    assert one["displayName"] == "exchange administrator" and one["isBuiltIn"] is False


def test_a_name_in_another_case_finds_both_roles_as_graph_compares_strings(emu):
    # Directory $filter string comparison ignores case, so a client filtering by name gets both and must pick.
    both = _defs(emu, "?$filter=displayName eq 'Exchange Administrator'")
    assert sorted((d["displayName"], d["isBuiltIn"]) for d in both) == [
        ("Exchange Administrator", True), ("exchange administrator", False)]


def test_every_custom_role_has_its_own_policy_and_the_seeded_eligibility(emu):
    custom = {d["displayName"]: d["id"] for d in _defs(emu, "?$filter=isBuiltIn eq false")}
    for name, rid in custom.items():
        r = emu.get("/policies/roleManagementPolicyAssignments", params={
            "$filter": f"scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{rid}'",
            "$expand": "policy($expand=rules)"})
        assert r.status_code == 200, r.text
        (assignment,) = r.json()["value"]
        assert len(assignment["policy"]["rules"]) == 17, name
    tier2 = custom["Helpdesk Administrator - Tier 2"]
    victor = emu.user("victor.ops")["id"]
    r = emu.get("/roleManagement/directory/roleEligibilitySchedules",
                params={"$filter": f"roleDefinitionId eq '{tier2}'"})
    assert [s["principalId"] for s in r.json()["value"]] == [victor]


@pytest.mark.parametrize("tenant", ["contoso", "fabrikam", "northwind"])
def test_every_default_tenant_gets_three_custom_roles_with_distinct_ids(tenant):
    spec = next(t for t in default_seed_document()["tenants"] if t["name"] == tenant)
    built = build_tenant(spec, Clock())
    defs = built.coll("roleDefinitions").values()
    custom = [d for d in defs if not d["isBuiltIn"]]
    assert len(custom) == 3 and len(defs) == len(builtin_roles()) + 3
    assert f"Global Administrator ({tenant.capitalize()})" in {d["displayName"] for d in custom}
    assert len({d["id"] for d in defs}) == len(defs)


def test_a_seed_assignment_names_the_role_in_its_exact_case():
    # "exchange administrator" is the custom role, "Exchange Administrator" the built-in: a seed file that
    # assigns either gets exactly that one.
    spec = {"name": "t", "users": [{"name": "a"}, {"name": "b"}], "apps": [],
            "customRoles": [{"displayName": "exchange administrator"}],
            "assignments": [
                {"principal": "a", "role": "exchange administrator", "kind": "eligible", "duration": "P30D"},
                {"principal": "b", "role": "Exchange Administrator", "kind": "eligible", "duration": "P30D"}]}
    built = build_tenant(spec, Clock())
    custom_id = next(d["id"] for d in built.coll("roleDefinitions").values() if not d["isBuiltIn"])
    users = {u["displayName"]: u["id"] for u in built.coll("users").values()}
    held = {s["principalId"]: s["roleDefinitionId"] for s in built.coll("roleEligibilitySchedules").values()}
    assert held == {users["a"]: custom_id, users["b"]: EXCHANGE_ADMIN}
