# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PIM surfaces the collection governs, described as data: what Graph calls the "role" and the "scope"
of a schedule, where its requests and lists live, and how the module options name them.

Private to the collection (leading underscore): may change in any release.

The planners (``_policy``, ``_assignments``, ``_schedule``, ``_activation``) are one copy for every
surface; a surface differs only in field names, paths and nouns, which live here. Code that needs
``if surface is GROUPS`` in more than one place is missing a field on ``Surface``. No I/O here.

| surface           | "role" field (value)               | "scope" field (value)            |
|-------------------|------------------------------------|----------------------------------|
| directory roles   | roleDefinitionId (role definition) | directoryScopeId ('/', an AU...) |
| PIM for Groups    | accessId ('member' or 'owner')     | groupId (the group's object id)  |
| Azure resources   | roleDefinitionId (full ARM id)     | scope (an ARM scope id)          |
"""

from __future__ import annotations

from dataclasses import dataclass

from ._graph_paths import ARM_SCHEDULES, GROUP_ACCESS_IDS, GROUP_APPROVALS, GROUP_SCHEDULES, SCHEDULES


@dataclass(frozen=True)
class Surface:
    name: str  # in messages: "directory role", "group"
    role_field: str  # the schedule/request property naming the privilege
    scope_field: str  # the schedule/request property naming where it applies
    schedule_id_fields: tuple  # (eligible, active) instance property naming its schedule
    schedules: dict  # kind -> {"requests", "instances", "schedules"} paths
    role_option: str  # the module option naming the privilege ("role", "access")
    scope_option: str  # the module option naming where it applies ("scope", "group")
    approvals: str | None = None  # v1.0 approvals path (directory roles have approvals on beta only)
    fixed_roles: tuple = ()  # the only valid "role" values, when Graph fixes them ("member", "owner")
    # A role that exists once per scope (a group's member or owner access, each with its own policy) is keyed
    # by scope and role together in the planners (``role_key``), so the policy pre-check and exclusive mode
    # work per (group, access) with the planners unchanged; a directory role is one role at every scope.
    role_in_scope: bool = False
    role_default: str | None = None  # the "role" of an item that names none ("member")
    scope_default: str | None = "/"  # the "scope" of an item that names none (None: the scope is required)
    settings_module: str = "entra.pim.pim_role_setting"  # the module that changes this surface's policies
    # ARM names a role by its full role definition id, which differs per scope it is read at
    # (``/subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid}``), and compares ids
    # case-insensitively: the planner key holds the role's GUID and the scope in lower case.
    arm_ids: bool = False

    def role_key(self, role, scope):
        """The planners' key for the privilege ``role`` at ``scope`` (see ``role_in_scope``)."""
        if self.arm_ids:
            role = str(role or "").rstrip("/").rsplit("/", 1)[-1].lower()
            scope = str(scope or "").rstrip("/").lower()
        return f"{scope}/{role}" if self.role_in_scope else role

    def role_of(self, key):
        """The Graph "role" value (``roleDefinitionId``, ``accessId``) of a planner key."""
        return key.rsplit("/", 1)[-1] if self.role_in_scope and key else key

    def key_of(self, obj):
        """The planner key of a Graph schedule, instance or request."""
        return self.role_key(obj.get(self.role_field), obj.get(self.scope_field))

    def request_ids(self, key, scope):
        """The properties naming the privilege and where it applies, in a schedule request's body."""
        return {self.role_field: self.role_of(key), self.scope_field: scope}


DIRECTORY = Surface(
    name="directory role", role_field="roleDefinitionId", scope_field="directoryScopeId",
    schedule_id_fields=("roleEligibilityScheduleId", "roleAssignmentScheduleId"), schedules=SCHEDULES,
    role_option="role", scope_option="scope")

# Graph v1.0 privilegedAccessGroup* resources: accessId is "member" or "owner", groupId the group.
# https://learn.microsoft.com/graph/api/resources/privilegedaccessgroupeligibilityschedulerequest
GROUPS = Surface(
    name="group", role_field="accessId", scope_field="groupId",
    schedule_id_fields=("eligibilityScheduleId", "assignmentScheduleId"), schedules=GROUP_SCHEDULES,
    role_option="access", scope_option="group", approvals=GROUP_APPROVALS, fixed_roles=GROUP_ACCESS_IDS,
    role_in_scope=True, role_default="member", scope_default=None, settings_module="entra.pim.pim_group_setting")

# Azure resource roles through Resource Manager (Microsoft.Authorization 2020-10-01): a policy per role per
# scope, so the key is (scope, role GUID); the schedules are ``_arm_client.ArmSession.list_scheduled`` kinds
# below a scope. Every request names its scope, so no item may leave it out.
# https://learn.microsoft.com/rest/api/authorization/privileged-role-eligibility-rest-sample
AZURE = Surface(
    name="Azure resource role", role_field="roleDefinitionId", scope_field="scope",
    schedule_id_fields=("roleEligibilityScheduleId", "roleAssignmentScheduleId"), schedules=ARM_SCHEDULES,
    role_option="role", scope_option="scope", role_in_scope=True, scope_default=None, arm_ids=True,
    settings_module="entra.pim.pim_azure_role_setting")
