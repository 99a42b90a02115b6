"""Least-privileged permission sets per kind of call (fact sheet section 4).

A token passes when it holds any permission of the set. The 403 names the first (least) entries,
as Graph's PermissionScopeNotGranted message does. Delegated scopes and application roles share
names, so one table serves both.
"""

from __future__ import annotations

from ..contract import Caller, pim_permission_error

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
