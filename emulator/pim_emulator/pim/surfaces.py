"""The PIM surfaces one engine serves: PIM for Microsoft Entra roles (``DIRECTORY``), PIM for Groups
(``GROUPS``) and PIM for Azure resource roles (``AZURE``, served through ARM by ``routes/arm.py``). A surface is
data, not code: where its objects are stored, how its target is named (a role at a
directory scope, or the member/owner access of a group), how its enums are spelled and which Graph types and
contexts its answers carry. Every model (schedules, requests, actions, evaluation, policies, approvals) takes a
surface and stays one copy.

Every surface keys a target as the same 4-tuple (principalId, role, scope, app scope): for a group the "role" is
the ``accessId`` (member, owner), the scope the ``groupId`` and the app scope always None; for an Azure resource
role the role is the role definition's GUID (lower case: ARM's full ``.../roleDefinitions/{guid}`` ids are
normalised to it at the ARM edge and rebuilt for answers), the scope the ARM scope id in its stored casing
(``/subscriptions/{id}/resourceGroups/{name}``, ...) and the app scope None.

This module imports nothing from the engine, so every model can name it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Surface:
    name: str
    # stored collections
    elig_req: str
    assign_req: str
    elig: str
    assign: str
    classic: str | None  # assignments made outside PIM; None: derived from the group's plain members/owners
    expired: str
    approvals: str
    # how the target is named
    role_field: str
    scope_fields: tuple[str, ...]
    # enum spellings (directory roles: PascalCase; groups: camelCase, msgraph-sdk's privilegedAccessGroup* enums)
    direct: str
    via_group: str
    assigned: str
    activated: str
    # Graph: the answers' context (below $metadata#) and type names
    ctx: str
    elig_schedule_id_field: str
    assign_schedule_id_field: str
    type_prefix: str  # "unifiedRole" / "privilegedAccessGroup"
    # adminUpdate/adminExtend/adminRenew: does the schedule take the new request's id? Directory roles keep
    # the schedule id; the PIM for Groups example of adminExtend answers a new targetScheduleId
    # ({groupId}_member_{the extend request's id}: "Create eligibilityScheduleRequest", example 2, v1.0).
    new_schedule_on_update: bool = False

    def key(self, obj: dict) -> tuple:
        """(principal, role, scope, app scope) of a stored schedule, request or classic assignment."""
        scope = [obj.get(f) for f in self.scope_fields] + [None, None]
        return obj["principalId"], obj[self.role_field], scope[0], scope[1]

    def role_of(self, obj: dict) -> str:
        return obj[self.role_field]

    def target(self, principal: str, role: str, scope: str | None, app_scope: str | None) -> dict:
        """The target fields of a new object, in the documented key order."""
        if self.name == DIRECTORY_NAME:
            return {"principalId": principal, "roleDefinitionId": role, "directoryScopeId": scope,
                    "appScopeId": app_scope}
        if self.name == AZURE_NAME:
            return {"principalId": principal, "roleDefinitionId": role, "scope": scope}
        return {"accessId": role, "groupId": scope, "principalId": principal}

    def type_name(self, eligible: bool, what: str) -> str:
        """``what``: Request | Schedule | Instance (the Graph type of an item)."""
        kind = "Eligibility" if eligible else "Assignment"
        suffix = {"Request": "ScheduleRequest", "Schedule": "Schedule", "Instance": "ScheduleInstance"}[what]
        return f"{self.type_prefix}{kind}{suffix}"

    def graph_name(self, coll: str) -> str:
        """The Graph segment of a stored collection (groups store "groupEligibilitySchedules" for
        identityGovernance/privilegedAccess/group/eligibilitySchedules)."""
        if self.name == DIRECTORY_NAME or not coll.startswith("group"):
            return coll
        return coll[len("group")].lower() + coll[len("group") + 1:]

    def enum(self, value: str | None) -> str | None:
        """A directory spelling (Direct, Group, Assigned, Activated) in this surface's spelling."""
        return {"Direct": self.direct, "Group": self.via_group, "Assigned": self.assigned,
                "Activated": self.activated}.get(value or "", value)


DIRECTORY_NAME, GROUPS_NAME, AZURE_NAME = "directory", "groups", "azure"

DIRECTORY = Surface(
    name=DIRECTORY_NAME,
    elig_req="roleEligibilityScheduleRequests", assign_req="roleAssignmentScheduleRequests",
    elig="roleEligibilitySchedules", assign="roleAssignmentSchedules", classic="roleAssignments",
    expired="_expiredSchedules", approvals="roleAssignmentApprovals",
    role_field="roleDefinitionId", scope_fields=("directoryScopeId", "appScopeId"),
    direct="Direct", via_group="Group", assigned="Assigned", activated="Activated",
    ctx="roleManagement/directory", elig_schedule_id_field="roleEligibilityScheduleId",
    assign_schedule_id_field="roleAssignmentScheduleId", type_prefix="unifiedRole",
)

# Stored apart from the directory collections, so a directory read (and the directory counts of the admin
# state dump) is exactly what it was before groups existed.
GROUPS = Surface(
    name=GROUPS_NAME,
    elig_req="groupEligibilityScheduleRequests", assign_req="groupAssignmentScheduleRequests",
    elig="groupEligibilitySchedules", assign="groupAssignmentSchedules", classic=None,
    expired="_expiredGroupSchedules", approvals="groupAssignmentApprovals",
    role_field="accessId", scope_fields=("groupId",),
    # msgraph-sdk v1.0: privileged_access_group_member_type (direct, group) and
    # privileged_access_group_assignment_type (assigned, activated).
    direct="direct", via_group="group", assigned="assigned", activated="activated",
    ctx="identityGovernance/privilegedAccess/group", elig_schedule_id_field="eligibilityScheduleId",
    assign_schedule_id_field="assignmentScheduleId", type_prefix="privilegedAccessGroup",
    new_schedule_on_update=True,
)

# Azure resource roles (ARM Microsoft.Authorization 2020-10-01): stored apart too, so no Graph read or count sees
# them. Enum spellings are ARM's (azure-mgmt-authorization v2020_10_01 MemberType: Inherited, Direct, Group;
# AssignmentType: Activated, Assigned); "Inherited" (a schedule made at a parent scope) is not a stored value:
# the ARM route layer derives it per listing scope. Assignments made outside PIM are the classic RBAC
# ``Microsoft.Authorization/roleAssignments`` kept in ``armRoleAssignments``.
AZURE = Surface(
    name=AZURE_NAME,
    elig_req="armRoleEligibilityScheduleRequests", assign_req="armRoleAssignmentScheduleRequests",
    elig="armRoleEligibilitySchedules", assign="armRoleAssignmentSchedules", classic="armRoleAssignments",
    expired="_expiredArmSchedules", approvals="armRoleAssignmentApprovals",
    role_field="roleDefinitionId", scope_fields=("scope",),
    direct="Direct", via_group="Group", assigned="Assigned", activated="Activated",
    ctx="Microsoft.Authorization", elig_schedule_id_field="roleEligibilityScheduleId",
    assign_schedule_id_field="roleAssignmentScheduleId", type_prefix="Microsoft.Authorization/",
)

SURFACES = (DIRECTORY, GROUPS, AZURE)
ACCESS_IDS = ("member", "owner")
# Group policies live apart from the directory roles' (same reason as above).
GROUP_POLICIES, GROUP_POLICY_ASSIGNMENTS = "groupRoleManagementPolicies", "groupRoleManagementPolicyAssignments"


def of_collection(coll: str) -> Surface:
    """The surface a stored collection belongs to."""
    for sf in SURFACES:
        if coll in (sf.elig_req, sf.assign_req, sf.elig, sf.assign, sf.classic, sf.expired, sf.approvals):
            return sf
    raise KeyError(coll)
