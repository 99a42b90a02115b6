"""The pure parts of the ARM PIM route layer: $filter parsing, role definition ids, and where an item sits
relative to a listing scope (at, above, below, apart; memberType Inherited)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pim_emulator.contract import Clock, GraphError, Tenant
from pim_emulator.pim.arm_state import add_scope, key
from pim_emulator.pim.engine import PimEngine
from pim_emulator.responses.arm.pim_shared import Filter, Lineage, member_type, parse_filter, role_guid, visible

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
SUB = "11111111-2222-3333-4444-555555555555"


def _req(flt: str | None):
    return SimpleNamespace(query={"$filter": flt} if flt is not None else {})


def test_filters_are_parsed_and_joined_with_and():
    f = parse_filter(_req("atScope() and principalId eq 'ABC' and roleDefinitionId eq "
                          f"'/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{OWNER.upper()}'"))
    assert (f.at_scope, f.principal, f.role, f.as_target) == (True, "abc", OWNER, False)
    assert parse_filter(_req("asTarget()")).as_target
    assert parse_filter(_req("assignedTo('X-1')")).assigned_to == "x-1"
    assert parse_filter(_req(None)) == Filter()
    kinds = parse_filter(_req("resourceType+eq+'Subscription'+or+resourceType+eq+'resourcegroup'"), True)
    assert kinds.resource_types == ("subscription", "resourcegroup")
    for bad in ("displayName eq 'x'", "atScope() or asTarget()", "roleDefinitionId eq 'not-a-role'"):
        with pytest.raises(GraphError) as exc:
            parse_filter(_req(bad))
        assert exc.value.status == 400


def test_role_definition_ids_in_every_form_arm_writes():
    assert role_guid(OWNER.upper()) == (OWNER, None)
    assert role_guid(f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}") == (OWNER, None)
    assert role_guid(f"/subscriptions/{SUB}/providers/microsoft.authorization/roleDefinitions/{OWNER}") == (OWNER, SUB)
    assert role_guid("/subscriptions/x/providers/Microsoft.Authorization/roleAssignments/" + OWNER) == (None, None)
    assert role_guid(None) == (None, None)


@pytest.fixture()
def eng():
    t = Tenant("t1", "t1")
    root = "/providers/Microsoft.Management/managementGroups/t1"
    add_scope(t, {"id": root, "kind": "managementgroup", "name": "t1", "parent": None})
    add_scope(t, {"id": f"/subscriptions/{SUB}", "kind": "subscription", "name": SUB, "parent": key(root)})
    add_scope(t, {"id": f"/subscriptions/{SUB}/resourceGroups/RG-A", "kind": "resourcegroup", "name": "RG-A",
                  "parent": key(f"/subscriptions/{SUB}")})
    add_scope(t, {"id": "/subscriptions/other", "kind": "subscription", "name": "other", "parent": key(root)})
    return PimEngine(t, Clock(), {})


def test_where_items_sit_relative_to_the_listing_scope(eng):
    sub, rg = f"/subscriptions/{SUB}", f"/subscriptions/{SUB}/resourceGroups/RG-A"
    at_rg = Lineage(eng, rg)
    assert at_rg.relation(rg.lower()) == "at"
    assert at_rg.relation(sub) == "above"
    assert at_rg.relation("/providers/Microsoft.Management/managementGroups/t1") == "above"
    assert at_rg.relation("/subscriptions/other") == "apart"
    assert Lineage(eng, sub).relation(rg) == "below"
    item = {"scope": sub, "principalId": "P", "roleDefinitionId": OWNER, "memberType": "Direct"}
    assert member_type(at_rg, item) == "Inherited"
    assert member_type(Lineage(eng, sub), item) == "Direct"
    below = dict(item, scope=rg)
    assert visible(Lineage(eng, sub), Filter(), below, None, None)
    assert not visible(Lineage(eng, sub), Filter(at_scope=True), below, None, None)
    assert visible(at_rg, Filter(at_scope=True), item, None, None)
    assert not visible(at_rg, Filter(as_target=True), item, "someone-else", None)
    assert visible(at_rg, Filter(as_target=True), item, "p", None)
    assert not visible(at_rg, Filter(role="0" * 8 + OWNER[8:]), item, None, None)
