"""Least-privileged permission sets per kind of call (the Permissions table of each Graph API reference page).

A token passes when it holds any permission of the set. The 403 names the first (least) entries,
as Graph's PermissionScopeNotGranted message does. Delegated scopes and application roles share
names, so one table serves both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..contract import Caller, pim_permission_error
from .errors import denied
from .ids import (
    GLOBAL_ADMIN, GLOBAL_READER, PRIVILEGED_ROLE_ADMIN, SECURITY_ADMIN, SECURITY_OPERATOR, SECURITY_READER,
)
from .schedules import holds_role

if TYPE_CHECKING:
    from .engine import PimEngine

RM_RW = "RoleManagement.ReadWrite.Directory"
_RM_READ = ["RoleManagement.Read.Directory", "RoleManagement.Read.All", RM_RW]

PERMS: dict[str, tuple[list[str], list[str]]] = {
    # kind: (accepted, named in the 403)
    "eligibility.read": (
        ["RoleEligibilitySchedule.Read.Directory", "RoleEligibilitySchedule.ReadWrite.Directory", *_RM_READ],
        ["RoleEligibilitySchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All"],
    ),
    "eligibility.write": (
        ["RoleEligibilitySchedule.ReadWrite.Directory", RM_RW],
        ["RoleEligibilitySchedule.ReadWrite.Directory", RM_RW],
    ),
    "assignment.read": (
        ["RoleAssignmentSchedule.Read.Directory", "RoleAssignmentSchedule.ReadWrite.Directory", *_RM_READ],
        ["RoleAssignmentSchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All"],
    ),
    "assignment.write": (
        ["RoleAssignmentSchedule.ReadWrite.Directory", RM_RW],
        ["RoleAssignmentSchedule.ReadWrite.Directory", RM_RW],
    ),
    "policy.read": (
        ["RoleManagementPolicy.Read.Directory", "RoleManagementPolicy.ReadWrite.Directory", *_RM_READ],
        ["RoleManagementPolicy.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All"],
    ),
    "policy.write": (
        ["RoleManagementPolicy.ReadWrite.Directory", RM_RW],
        ["RoleManagementPolicy.ReadWrite.Directory", RM_RW],
    ),
    "classic.read": (
        [*_RM_READ, "Directory.Read.All", "Directory.ReadWrite.All"],
        ["RoleManagement.Read.Directory", "Directory.Read.All"],
    ),
    "classic.write": ([RM_RW], [RM_RW]),
    # Beta directory-role approvals: the assignment scopes, or PIM's older PrivilegedAccess scopes.
    "approval.read": (
        ["RoleAssignmentSchedule.Read.Directory", "RoleAssignmentSchedule.ReadWrite.Directory",
         "PrivilegedAccess.Read.AzureAD", "PrivilegedAccess.ReadWrite.AzureAD", *_RM_READ],
        ["RoleAssignmentSchedule.Read.Directory", "PrivilegedAccess.Read.AzureAD"],
    ),
    "approval.write": (
        ["RoleAssignmentSchedule.ReadWrite.Directory", "PrivilegedAccess.ReadWrite.AzureAD", RM_RW],
        ["RoleAssignmentSchedule.ReadWrite.Directory", "PrivilegedAccess.ReadWrite.AzureAD"],
    ),
    "audit.read": (["AuditLog.Read.All"], ["AuditLog.Read.All"]),
    # ---- PIM for Groups: the Permissions table of each privilegedAccessGroup* page (v1.0) names the
    # PrivilegedEligibilitySchedule / PrivilegedAssignmentSchedule scopes; PrivilegedAccess.*.AzureADGroup, the
    # older PIM scope for groups, is accepted as the higher privilege. A write's 403 names what PIM named in
    # hashicorp/terraform-provider-azuread issue 1386 ("... missing permission scope
    # PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup,PrivilegedAccess.ReadWrite.AzureADGroup,
    # PrivilegedEligibilitySchedule.Remove.AzureADGroup."); the assignment twin is assumed to read alike.
    "group.eligibility.read": (
        ["PrivilegedEligibilitySchedule.Read.AzureADGroup", "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
         "PrivilegedAccess.Read.AzureADGroup", "PrivilegedAccess.ReadWrite.AzureADGroup"],
        ["PrivilegedEligibilitySchedule.Read.AzureADGroup", "PrivilegedAccess.Read.AzureADGroup"],
    ),
    "group.eligibility.write": (
        ["PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup", "PrivilegedAccess.ReadWrite.AzureADGroup"],
        ["PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup", "PrivilegedAccess.ReadWrite.AzureADGroup",
         "PrivilegedEligibilitySchedule.Remove.AzureADGroup"],
    ),
    "group.assignment.read": (
        ["PrivilegedAssignmentSchedule.Read.AzureADGroup", "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
         "PrivilegedAccess.Read.AzureADGroup", "PrivilegedAccess.ReadWrite.AzureADGroup"],
        ["PrivilegedAssignmentSchedule.Read.AzureADGroup", "PrivilegedAccess.Read.AzureADGroup"],
    ),
    "group.assignment.write": (
        ["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup", "PrivilegedAccess.ReadWrite.AzureADGroup"],
        ["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup", "PrivilegedAccess.ReadWrite.AzureADGroup",
         "PrivilegedAssignmentSchedule.Remove.AzureADGroup"],
    ),
    # Group policies: "For PIM for groups" table of List roleManagementPolicies / -Assignments, Get and Update
    # unifiedRoleManagementPolicy(Rule).
    "group.policy.read": (
        ["RoleManagementPolicy.Read.AzureADGroup", "RoleManagementPolicy.ReadWrite.AzureADGroup"],
        ["RoleManagementPolicy.Read.AzureADGroup"],
    ),
    "group.policy.write": (
        ["RoleManagementPolicy.ReadWrite.AzureADGroup"], ["RoleManagementPolicy.ReadWrite.AzureADGroup"],
    ),
    # Approvals of group activations (Get approval, List/Get/Update approvalStage, "For PIM for Groups" tables):
    # the assignment scopes; Update is delegated only (the approver signs in).
    "group.approval.read": (
        ["PrivilegedAssignmentSchedule.Read.AzureADGroup", "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
         "PrivilegedAccess.Read.AzureADGroup", "PrivilegedAccess.ReadWrite.AzureADGroup"],
        ["PrivilegedAssignmentSchedule.Read.AzureADGroup"],
    ),
    "group.approval.write": (
        ["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup", "PrivilegedAccess.ReadWrite.AzureADGroup"],
        ["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"],
    ),
}
# The policy routes serve both surfaces: the route lets either surface's scopes through and the handler asks
# for the scopes of the policy's own surface (directory role or group).
PERMS["any.policy.read"] = ([*PERMS["policy.read"][0], *PERMS["group.policy.read"][0]], PERMS["policy.read"][1])
PERMS["any.policy.write"] = ([*PERMS["policy.write"][0], *PERMS["group.policy.write"][0]], PERMS["policy.write"][1])


def require(caller: Caller, kind: str) -> None:
    accepted, named = PERMS[kind]
    if not caller.permissions.intersection(accepted):
        raise pim_permission_error(named)


# "For delegated scenarios, the signed-in user must also be assigned at least one of the following
# Microsoft Entra roles: For read operations: Global Reader, Security Operator, Security Reader, Security
# Administrator, or Privileged Role Administrator" (the "rbac-pim-entra-roles-apis" note on every PIM for
# Entra roles page: List roleManagementPolicies/-Assignments, List roleEligibilitySchedule(Instance)s,
# List roleAssignmentSchedule(Instance)s, List role*ScheduleRequests and their Get pages).
# Global Administrator holds every permission of those roles.
READ_ROLES = {GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN, GLOBAL_READER, SECURITY_ADMIN, SECURITY_READER, SECURITY_OPERATOR}


def require_read_role(eng: PimEngine, caller: Caller, owner: str | None = None) -> None:
    """A signed-in user reads tenant-wide PIM data only while active in one of ``READ_ROLES``.

    ``owner``: the principal of the one object read. filterByCurrentUser exists so that any user can read
    their own schedules, instances and requests ("Filter by current user" pages), so reading one's own
    object by id is allowed too; whether Graph allows the by-id read without a role is not documented.
    The 403 is the one PIM answers a delegated admin action without a role (Authorization_RequestDenied).
    """
    if caller.is_app_only or not eng.options.get("delegated_read_requires_role", True):
        return
    if owner is not None and owner == caller.user_id:
        return
    if not holds_role(eng, caller.user_id or "", READ_ROLES):
        raise denied()
