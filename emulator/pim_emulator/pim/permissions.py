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
}


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
