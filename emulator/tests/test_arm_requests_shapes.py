"""The ARM PIM answers of requests, schedules, instances, role assignments, eligible child resources and approvals
carry only properties azure-mgmt-authorization 4.0.0's models know (arm_shapes.unknown_keys), so the collection
never reads a key the SDK drops; and the SDK reads them back."""

from __future__ import annotations

import uuid

import pytest

from arm_shapes import unknown_keys
from test_arm_requests import CONTRIBUTOR, OWNER, ArmHelper, _require_approval, activation, eligibility

models_2020 = pytest.importorskip("azure.mgmt.authorization.v2020_10_01.models")
models_2022 = pytest.importorskip("azure.mgmt.authorization.v2022_04_01.models")
models_2021 = pytest.importorskip("azure.mgmt.authorization.v2021_01_01_preview.models")


def _get(arm: ArmHelper, path: str, version: str = "2020-10-01", token: str | None = None) -> dict:
    emu = arm.emu
    if token is None:
        a = emu.app("pim-admin")
        token = emu.http.post(f"{emu.authority}/{arm.tenant['id']}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": a["client_id"], "client_secret": a["client_secret"],
            "scope": "https://management.azure.com/.default"}).json()["access_token"]
    r = emu.http.get(f"{emu.ready['arm_url']}{path}", params={"api-version": version},
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_every_pim_answer_matches_the_sdk_models(emu):
    emu.admin("POST", "reset").raise_for_status()
    arm = ArmHelper(emu)
    client = arm.client()
    client.role_eligibility_schedule_requests.create(arm.rg_network, str(uuid.uuid4()),
                                                     eligibility(arm, arm.uid("trent.dev"), CONTRIBUTOR,
                                                                 arm.rg_network))
    me = arm.user_client("trent.dev")
    me.role_assignment_schedule_requests.create(arm.dev, str(uuid.uuid4()),
                                                activation(arm, arm.uid("trent.dev"), CONTRIBUTOR, arm.dev))
    auth = "/providers/Microsoft.Authorization"
    checks = [("roleEligibilityScheduleRequests", models_2020.RoleEligibilityScheduleRequest),
              ("roleAssignmentScheduleRequests", models_2020.RoleAssignmentScheduleRequest),
              ("roleEligibilitySchedules", models_2020.RoleEligibilitySchedule),
              ("roleAssignmentSchedules", models_2020.RoleAssignmentSchedule),
              ("roleEligibilityScheduleInstances", models_2020.RoleEligibilityScheduleInstance),
              ("roleAssignmentScheduleInstances", models_2020.RoleAssignmentScheduleInstance)]
    for scope in ("/providers/Microsoft.Management/managementGroups/mg-landingzones", arm.prod, arm.rg_network):
        for name, model in checks:
            items = _get(arm, f"{scope}{auth}/{name}")["value"]
            for item in items:
                assert unknown_keys(models_2020, model, item) == [], (name, item)
                back = model.deserialize(item)
                assert back.name == item["name"] and back.scope == item["properties"]["scope"]
        for item in _get(arm, f"{scope}{auth}/roleAssignments", "2022-04-01")["value"]:
            assert unknown_keys(models_2022, models_2022.RoleAssignment, item) == []
    assert any(_get(arm, f"{arm.dev}{auth}/roleAssignmentScheduleRequests")["value"])
    for item in _get(arm, f"{arm.prod}{auth}/eligibleChildResources")["value"]:
        assert unknown_keys(models_2020, models_2020.EligibleChildResource, item) == []


def test_approval_answers_match_the_preview_models(emu):
    emu.admin("POST", "reset").raise_for_status()
    arm = ArmHelper(emu)
    bob = arm.uid("bob.secops")
    _require_approval(arm, arm.prod, OWNER, arm.uid("alice.admin"))
    arm.user_client("bob.secops").role_assignment_schedule_requests.create(
        arm.prod, str(uuid.uuid4()), activation(arm, bob, OWNER, arm.prod))
    approver = arm.user_client("alice.admin")
    token = approver._config.credential.token
    items = _get(arm, "/providers/Microsoft.Authorization/roleAssignmentApprovals?$filter=asApprover()",
                 "2021-01-01-preview", token=token)["value"]
    assert len(items) == 1
    assert unknown_keys(models_2021, models_2021.RoleAssignmentApproval, items[0]) == []
