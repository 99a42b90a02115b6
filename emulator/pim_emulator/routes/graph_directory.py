"""The Graph directory API's routes: PIM for directory roles and the directory objects the collection reads.

One row per (method, path): the permission a caller needs (checked before the handler runs) and the handler
in ``responses.graph_directory``. docs/emulator.md lists the same rows ("Graph routes"), and
tests/test_route_table.py keeps the two equal and proves that every row is served.

Permissions come in the service's own words: the PIM service answers a missing one with 403 ``UnknownError``
and a ``PermissionScopeNotGranted`` JSON string naming the least permissions (``pim(kind)``, kinds in
``pim.permissions.PERMS``); the directory service with 403 ``Authorization_RequestDenied`` (``directory_read``).
A 405 is worded per service as well.
"""

from __future__ import annotations

from ..contract import pim_permission_error
from ..directory import (
    APPS_READ, AU_READ, DIR_RW, GROUPS_READ, ORG_READ, ROLEDEF_READ, USERS_READ, denied,
)
from ..directory import method_not_allowed as directory_405
from ..pim.errors import method_not_allowed as pim_405
from ..pim.permissions import PERMS
from ..responses.graph_directory import approvals, directory_objects, policies, requests, role_assignments, schedules
from ..routing import Permission, Route


def pim(kind: str) -> Permission:
    accepted, named = PERMS[kind]
    return Permission(frozenset(accepted), lambda: pim_permission_error(named), named[0])


def directory_read(accepted: set[str], least: str) -> Permission:
    return Permission(frozenset(accepted), denied, least)


# roleDefinitions is served by the same RBAC service as PIM, so a missing permission is answered in PIM's
# style naming RoleManagement.Read.Directory; Microsoft does not document this case, it is our reading of
# that service split.
ROLE_DEFINITIONS = Permission(frozenset(ROLEDEF_READ), lambda: pim_permission_error(["RoleManagement.Read.Directory"]),
                              "RoleManagement.Read.Directory")


USERS = directory_read(USERS_READ, "User.Read.All")
GROUPS = directory_read(GROUPS_READ, "Group.Read.All")
APPS = directory_read(APPS_READ, "Application.Read.All")
AUS = directory_read(AU_READ, "AdministrativeUnit.Read.All")
ORG = directory_read(ORG_READ, "Organization.Read.All")
DIRECTORY = directory_read(DIR_RW, "Directory.Read.All")


def _pim(method, template, permission, handler, version="v1.0") -> Route:
    return Route(method, template, permission, handler, pim_405, version)


def _dir(method, template, permission, handler) -> Route:
    return Route(method, template, permission, handler, directory_405)


RM = "/roleManagement/directory"
ME = "filterByCurrentUser(on={on})"


def _schedule_routes(name: str, kind: str, handlers) -> list[Route]:
    list_all, mine, get = handlers
    return [_pim("GET", f"{RM}/{name}", pim(kind), list_all),
            _pim("GET", f"{RM}/{name}/{ME}", pim(kind), mine),
            _pim("GET", f"{RM}/{name}/{{item_id}}", pim(kind), get)]


s, r, p, ra, a, d = schedules, requests, policies, role_assignments, approvals, directory_objects
POLICY = "/policies/roleManagementPolicies/{policy_id}"

ROUTES: list[Route] = [
    # ---- PIM for directory roles: schedule requests -------------------------------------------------------
    _pim("GET", f"{RM}/roleEligibilityScheduleRequests", pim("eligibility.read"), r.list_eligibility_requests),
    _pim("POST", f"{RM}/roleEligibilityScheduleRequests", pim("eligibility.write"), r.create_eligibility_request),
    _pim("GET", f"{RM}/roleEligibilityScheduleRequests/{ME}", pim("eligibility.read"), r.my_eligibility_requests),
    _pim("GET", f"{RM}/roleEligibilityScheduleRequests/{{request_id}}", pim("eligibility.read"),
         r.get_eligibility_request),
    _pim("POST", f"{RM}/roleEligibilityScheduleRequests/{{request_id}}/cancel", pim("eligibility.write"),
         r.cancel_eligibility_request),
    _pim("GET", f"{RM}/roleAssignmentScheduleRequests", pim("assignment.read"), r.list_assignment_requests),
    _pim("POST", f"{RM}/roleAssignmentScheduleRequests", pim("assignment.write"), r.create_assignment_request),
    _pim("GET", f"{RM}/roleAssignmentScheduleRequests/{ME}", pim("assignment.read"), r.my_assignment_requests),
    _pim("GET", f"{RM}/roleAssignmentScheduleRequests/{{request_id}}", pim("assignment.read"),
         r.get_assignment_request),
    _pim("POST", f"{RM}/roleAssignmentScheduleRequests/{{request_id}}/cancel", pim("assignment.write"),
         r.cancel_assignment_request),
    # ---- schedules and instances ----------------------------------------------------------------------------
    *_schedule_routes("roleEligibilitySchedules", "eligibility.read",
                      (s.list_eligibility_schedules, s.my_eligibility_schedules, s.get_eligibility_schedule)),
    *_schedule_routes("roleAssignmentSchedules", "assignment.read",
                      (s.list_assignment_schedules, s.my_assignment_schedules, s.get_assignment_schedule)),
    *_schedule_routes("roleEligibilityScheduleInstances", "eligibility.read",
                      (s.list_eligibility_instances, s.my_eligibility_instances, s.get_eligibility_instance)),
    *_schedule_routes("roleAssignmentScheduleInstances", "assignment.read",
                      (s.list_assignment_instances, s.my_assignment_instances, s.get_assignment_instance)),
    # ---- classic role assignments (every active Direct assignment, PIM-made or not) ------------------------
    _pim("GET", f"{RM}/roleAssignments", pim("classic.read"), ra.list_role_assignments),
    _pim("POST", f"{RM}/roleAssignments", pim("classic.write"), ra.create_role_assignment),
    _pim("GET", f"{RM}/roleAssignments/{{assignment_id}}", pim("classic.read"), ra.get_role_assignment),
    _pim("DELETE", f"{RM}/roleAssignments/{{assignment_id}}", pim("classic.write"), ra.delete_role_assignment),
    # ---- policies ---------------------------------------------------------------------------------------------
    _pim("GET", "/policies/roleManagementPolicies", pim("any.policy.read"), p.list_policies),
    _pim("GET", POLICY, pim("any.policy.read"), p.get_policy),
    _pim("PATCH", POLICY, pim("any.policy.write"), p.patch_policy),
    _pim("GET", f"{POLICY}/rules", pim("any.policy.read"), p.list_rules),
    _pim("GET", f"{POLICY}/rules/{{rule_id}}", pim("any.policy.read"), p.get_rule),
    _pim("PATCH", f"{POLICY}/rules/{{rule_id}}", pim("any.policy.write"), p.patch_rule),
    _pim("GET", f"{POLICY}/effectiveRules", pim("any.policy.read"), p.list_effective_rules),
    _pim("GET", f"{POLICY}/effectiveRules/{{rule_id}}", pim("any.policy.read"), p.get_effective_rule),
    _pim("GET", "/policies/roleManagementPolicyAssignments", pim("any.policy.read"), p.list_policy_assignments),
    _pim("GET", "/policies/roleManagementPolicyAssignments/{assignment_id}", pim("any.policy.read"),
         p.get_policy_assignment),
    # ---- PIM's audit log --------------------------------------------------------------------------------------
    _pim("GET", "/auditLogs/directoryAudits", pim("audit.read"), ra.list_directory_audits),
    _pim("GET", "/auditLogs/directoryAudits/{audit_id}", pim("audit.read"), ra.get_directory_audit),
    # ---- beta: approvals of directory-role activations (Graph docs: approval resource type, beta only) -------
    _pim("GET", f"{RM}/roleAssignmentApprovals", pim("approval.read"), a.list_approvals, "beta"),
    _pim("GET", f"{RM}/roleAssignmentApprovals/{ME}", pim("approval.read"), a.my_approvals, "beta"),
    _pim("GET", f"{RM}/roleAssignmentApprovals/{{approval_id}}", pim("approval.read"), a.get_approval, "beta"),
    _pim("PATCH", f"{RM}/roleAssignmentApprovals/{{approval_id}}", pim("approval.write"), a.review_approval, "beta"),
    _pim("GET", f"{RM}/roleAssignmentApprovals/{{approval_id}}/steps", pim("approval.read"), a.list_steps, "beta"),
    _pim("GET", f"{RM}/roleAssignmentApprovals/{{approval_id}}/steps/{{step_id}}", pim("approval.read"), a.get_step,
         "beta"),
    _pim("PATCH", f"{RM}/roleAssignmentApprovals/{{approval_id}}/steps/{{step_id}}", pim("approval.write"),
         a.review_step, "beta"),
    # ---- directory objects (read only) ------------------------------------------------------------------------
    _dir("GET", "/me", None, d.get_me),  # delegated tokens only: the handler answers an app token 400
    _dir("GET", "/users", USERS, d.list_users),
    _dir("GET", "/users/{user_id}", USERS, d.get_user),
    _dir("GET", "/groups", GROUPS, d.list_groups),
    _dir("GET", "/groups/{group_id}", GROUPS, d.get_group),
    _dir("GET", "/groups/{group_id}/members", GROUPS, d.list_group_members),
    _dir("GET", "/groups/{group_id}/transitiveMembers", GROUPS, d.list_group_transitive_members),
    _dir("GET", "/groups/{group_id}/owners", GROUPS, d.list_group_owners),
    _dir("GET", "/servicePrincipals", APPS, d.list_service_principals),
    _dir("GET", "/servicePrincipals/{sp_id}", APPS, d.get_service_principal),
    _dir("GET", "/servicePrincipals(appId={app_id})", APPS, d.get_service_principal_by_app_id),
    _dir("GET", "/applications", APPS, d.list_applications),
    _dir("GET", "/applications/{app_object_id}", APPS, d.get_application),
    _dir("GET", "/applications(appId={app_id})", APPS, d.get_application_by_app_id),
    _dir("GET", "/directory/administrativeUnits", AUS, d.list_administrative_units),
    _dir("GET", "/directory/administrativeUnits/{au_id}", AUS, d.get_administrative_unit),
    _dir("GET", "/directory/administrativeUnits/{au_id}/members", AUS, d.list_administrative_unit_members),
    _dir("GET", "/organization", ORG, d.list_organization),
    _dir("GET", "/directoryObjects/{object_id}", DIRECTORY, d.get_directory_object),
    # Directory.Read.All, or the read permission of every type asked for: the handler checks.
    _dir("POST", "/directoryObjects/getByIds", None, d.get_by_ids),
    _dir("GET", f"{RM}/roleDefinitions", ROLE_DEFINITIONS, d.list_role_definitions),
    _dir("GET", f"{RM}/roleDefinitions/{{role_id}}", ROLE_DEFINITIONS, d.get_role_definition),
]
