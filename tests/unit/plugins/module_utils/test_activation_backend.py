# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ActivityReader.role_settings: the settings pim_role_setting_info returns, without a second read of
the role definitions the assignment read already made. The scan's batched reads (ActivityReader.read with
settings, GraphSession.read_many) are in test_scan_batching.py."""

from __future__ import annotations

import pytest

from ansible_collections.entra.pim.plugins.module_utils._activation_backend import ActivityReader
from ansible_collections.entra.pim.plugins.module_utils._policy import rules_to_settings
from ansible_collections.entra.pim.plugins.module_utils._role_settings import RoleSettingsError

GA, EXO, CUSTOM = "62e90394-69f5-4237-9190-012177145e10", "29232cdf-9323-42fd-ade2-1d097af3e4de", "c0ffee00-0000"
APPROVER = "0b5c0f5a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
RULES = [{"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
          "id": "Approval_EndUser_Assignment",
          "setting": {"isApprovalRequired": True, "approvalStages": [{"primaryApprovers": [
              {"@odata.type": "#microsoft.graph.singleUser", "userId": APPROVER}]}]},
          "target": {"caller": "EndUser", "level": "Assignment"}}]


class FakeGraph:
    def __init__(self):
        self.calls = []

    def get_all(self, path, params=None):
        self.calls.append(("GET", path))
        if path.endswith("/roleDefinitions"):
            return [{"id": GA, "displayName": "Global Administrator", "templateId": GA},
                    {"id": EXO, "displayName": "Exchange Administrator", "templateId": EXO},
                    {"id": CUSTOM, "displayName": "No Policy", "templateId": CUSTOM}]
        if path.endswith("/roleManagementPolicyAssignments"):
            return [{"roleDefinitionId": role, "policy": {"id": f"Directory_t_{role}", "rules": RULES}}
                    for role in (GA, EXO)]
        return []

    def post(self, path, body, read=False):
        self.calls.append(("POST", path))
        return {"value": [{"id": i, "@odata.type": "#microsoft.graph.user", "userPrincipalName": "grace@contoso.com"}
                          for i in body["ids"]]}


def test_every_role_sorted_with_approver_names_and_one_role_definition_read():
    graph = FakeGraph()
    reader = ActivityReader(graph)
    reader.resolver.all_roles()
    rows = reader.role_settings()
    assert [r["role"] for r in rows] == ["Exchange Administrator", "Global Administrator"]  # no policy: skipped
    assert rows[1] == {"role": "Global Administrator", "id": GA, "template_id": GA, "policy_id": f"Directory_t_{GA}",
                       "settings": rules_to_settings(RULES, {APPROVER: "grace@contoso.com"})}
    assert "grace@contoso.com" in rows[1]["settings"]["activation"]["approvers"]
    assert sum(call[1].endswith("/roleDefinitions") for call in graph.calls) == 1


def test_named_roles_in_the_order_asked():
    rows = ActivityReader(FakeGraph()).role_settings(["global administrator", EXO, "Global Administrator"])
    assert [r["id"] for r in rows] == [GA, EXO]


def test_a_named_role_without_policy_is_an_error():
    with pytest.raises(RoleSettingsError, match="No Policy"):
        ActivityReader(FakeGraph()).role_settings(["No Policy"])
