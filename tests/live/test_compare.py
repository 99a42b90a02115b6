"""The live check's comparison, without a tenant: it must see a property one side sends and the other does not,
and a call one side refuses; and it must not call a level different that only one side reached."""

from __future__ import annotations

from live_graph import Step, compare
from shapes import key_sets


def step(name, body, status=200):
    return Step(name, "GET", "/x", status, {p: sorted(k) for p, k in key_sets(body).items()})


def test_an_invented_or_missing_property_is_a_difference():
    tenant = [step("instances", {"value": [{"id": "1", "memberType": "Direct", "roleAssignmentScheduleId": "s"}]})]
    emulator = [step("instances", {"value": [{"id": "2", "memberType": "Group", "isPrivileged": True}]})]
    assert compare(tenant, emulator) == [{"step": "instances", "path": "$.value[]",
                                          "tenant_only": ["roleAssignmentScheduleId"],
                                          "emulator_only": ["isPrivileged"]}]


def test_same_shape_other_values_is_no_difference():
    tenant = [step("users", {"value": [{"id": "1", "displayName": "A"}, {"id": "2", "displayName": None}]})]
    emulator = [step("users", {"value": [{"id": "9", "displayName": "Z"}]})]
    assert compare(tenant, emulator) == []


def test_an_empty_list_on_one_side_checks_nothing_below_it():
    tenant = [step("requests", {"value": [{"id": "1", "status": "PendingApproval"}]})]
    emulator = [step("requests", {"value": []})]
    assert compare(tenant, emulator) == []


def test_a_refused_call_is_a_difference():
    tenant = [step("audit", {"value": []})]
    emulator = [step("audit", {"error": {"code": "BadRequest"}}, status=400)]
    assert compare(tenant, emulator)[0]["difference"] == "status 400 from the emulator, 200 from the tenant"
