"""docs/emulator.md says only what is true: every Graph route it lists answers, and what it calls not
emulated (PIM for Groups) does not."""

from __future__ import annotations

import pytest

GA = "62e90394-69f5-4237-9190-012177145e10"
DOCUMENTED_GETS = [
    "/roleManagement/directory/roleEligibilityScheduleRequests",
    "/roleManagement/directory/roleAssignmentScheduleRequests",
    "/roleManagement/directory/roleEligibilitySchedules",
    "/roleManagement/directory/roleAssignmentSchedules",
    "/roleManagement/directory/roleEligibilityScheduleInstances",
    "/roleManagement/directory/roleAssignmentScheduleInstances",
    "/roleManagement/directory/roleAssignments",
    f"/roleManagement/directory/roleDefinitions/{GA}",
    "/policies/roleManagementPolicies?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'",
    "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'",
    "/auditLogs/directoryAudits",
    "/users", "/groups", "/servicePrincipals", "/applications", "/directory/administrativeUnits", "/organization",
]


@pytest.mark.parametrize("path", DOCUMENTED_GETS)
def test_every_documented_route_answers(emu, path):
    r = emu.get(path)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", [
    "/identityGovernance/privilegedAccess/group/eligibilitySchedules",
    "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
])
def test_pim_for_groups_is_not_emulated_as_the_docs_say(emu, path):
    r = emu.get(path)
    assert r.status_code == 404 and r.json()["error"]["code"] == "ResourceNotFound"
