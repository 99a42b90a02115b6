"""The caller's own PIM items across the tenant: ``/providers/Microsoft.Authorization/role*ScheduleInstances`` with
``$filter=asTarget()`` at the tenant level ("/"), as Get-AzRoleEligibilityScheduleInstance documents it (Example 2,
"List all My role eligible schedule instances": ``$scope = "/"`` stands for the tenant level) and as an eligible
user with no Azure role of their own finds what they may activate (pim_azure_role_activation)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from test_arm_requests import CONTRIBUTOR, OWNER, arm  # noqa: F401 - the fixture is used by name


def test_a_user_lists_their_own_eligibilities_everywhere_without_any_read_right(arm):  # noqa: F811
    victor = arm.user_client("victor.ops")
    mine = list(victor.role_eligibility_schedule_instances.list_for_scope("", filter="asTarget()"))
    assert [(i.scope, i.role_definition_id.rsplit("/", 1)[-1]) for i in mine] == [(arm.rg_app, CONTRIBUTOR)]
    assert mine[0].expanded_properties.scope.display_name == "rg-app"
    assert mine[0].member_type == "Direct" and mine[0].principal_id == arm.uid("victor.ops")
    bob = arm.user_client("bob.secops")
    assert [(i.scope, i.role_definition_id.rsplit("/", 1)[-1])
            for i in bob.role_eligibility_schedule_instances.list_for_scope("/", filter="asTarget()")] == \
        [(arm.prod, OWNER)]
    assert list(bob.role_assignment_schedule_instances.list_for_scope("", filter="asTarget()")) == []


def test_the_tenant_level_is_only_for_the_callers_own_items(arm):  # noqa: F811
    reader = arm.client(app="pim-reader")
    with pytest.raises(HttpResponseError) as exc:
        list(reader.role_eligibility_schedule_instances.list_for_scope(""))
    assert exc.value.status_code == 400 and exc.value.error.code == "InvalidScope"
