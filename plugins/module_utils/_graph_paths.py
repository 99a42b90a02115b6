# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Microsoft Graph v1.0 path the directory-role surface calls, spelled once, in PIM's words.

Private to the collection (leading underscore): may change in any release.

The modules' backends (``_role_settings``, ``_assignment_module``, ``_activation_backend``, ``_resolve``)
name what they read (``read_policy_assignments``, ``principals_by_ids``) instead of spelling URLs and
filters; a path Graph renames changes here only. Requests still go through ``_client.GraphSession``
(msgraph-sdk's request adapter); nothing here talks HTTP by itself.
"""

from __future__ import annotations

# Unified role management, directory provider: role definitions and PIM's schedules, instances and requests.
# https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagementv3-overview
ROLE_MANAGEMENT = "/roleManagement/directory"
ROLE_DEFINITIONS = ROLE_MANAGEMENT + "/roleDefinitions"
SCHEDULES = {
    "eligible": {"requests": ROLE_MANAGEMENT + "/roleEligibilityScheduleRequests",
                 "instances": ROLE_MANAGEMENT + "/roleEligibilityScheduleInstances",
                 "schedules": ROLE_MANAGEMENT + "/roleEligibilitySchedules"},
    "active": {"requests": ROLE_MANAGEMENT + "/roleAssignmentScheduleRequests",
               "instances": ROLE_MANAGEMENT + "/roleAssignmentScheduleInstances",
               "schedules": ROLE_MANAGEMENT + "/roleAssignmentSchedules"},
}
# Azure resource roles: the same three collections per kind below an ARM scope, named as
# ``azure-mgmt-authorization``'s operation groups (``_arm_client.ArmSession.list_scheduled``, ``create_request``).
ARM_SCHEDULES = {
    "eligible": {"requests": "role_eligibility_schedule_requests",
                 "instances": "role_eligibility_schedule_instances",
                 "schedules": "role_eligibility_schedules"},
    "active": {"requests": "role_assignment_schedule_requests",
               "instances": "role_assignment_schedule_instances",
               "schedules": "role_assignment_schedules"},
}
# The caller's own items of a schedule, instance or request list ("filterByCurrentUser" function).
MINE = "/filterByCurrentUser(on='principal')"

# PIM for Groups: just-in-time membership ("member") and ownership ("owner") of a group. Graph's lists here
# require "$filter=groupId eq '...'" or "principalId eq '...'" (privilegedaccessgroup-list-* pages), so a
# many-group read is one read per group, sent together through $batch (GraphSession.read_many).
# https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagement-for-groups-api-overview
GROUP_PIM = "/identityGovernance/privilegedAccess/group"
GROUP_SCHEDULES = {
    "eligible": {"requests": GROUP_PIM + "/eligibilityScheduleRequests",
                 "instances": GROUP_PIM + "/eligibilityScheduleInstances",
                 "schedules": GROUP_PIM + "/eligibilitySchedules"},
    "active": {"requests": GROUP_PIM + "/assignmentScheduleRequests",
               "instances": GROUP_PIM + "/assignmentScheduleInstances",
               "schedules": GROUP_PIM + "/assignmentSchedules"},
}
GROUP_APPROVALS = GROUP_PIM + "/assignmentApprovals"
# Approvals of directory-role activations exist on Graph's BETA endpoint only (approval resource type, beta:
# roleManagement/directory/roleAssignmentApprovals and its steps); v1.0 has approvals for PIM for Groups only.
# The path is relative to the beta root (``beta_root``), not to the session's v1.0 root.
DIRECTORY_APPROVALS_BETA = ROLE_MANAGEMENT + "/roleAssignmentApprovals"
# The approvals whose stage in progress the signed-in user may review ("approval: filterByCurrentUser").
FOR_APPROVER = "/filterByCurrentUser(on='approver')"
GROUP_ACCESS_IDS = ("member", "owner")

# PIM's role settings: one policy per directory role, linked to it by a policy assignment.
# "List roleManagementPolicyAssignments" requires both scope terms in $filter for directory roles.
POLICY_ASSIGNMENTS = "/policies/roleManagementPolicyAssignments"
DIRECTORY_ROLE_POLICIES = "scopeId eq '/' and scopeType eq 'DirectoryRole'"
WITH_RULES = "policy($expand=rules)"

# "directoryObject: getByIds": at most 1000 ids per request; a POST that only reads.
BY_IDS = "/directoryObjects/getByIds"
BY_IDS_LIMIT = 1000
PRINCIPAL_TYPES = ("user", "group", "servicePrincipal")

USERS = "/users"
GROUPS = "/groups"
SERVICE_PRINCIPALS = "/servicePrincipals"
ADMINISTRATIVE_UNITS = "/directory/administrativeUnits"
DIRECTORY_AUDITS = "/auditLogs/directoryAudits"
ME = "/me"


def beta_root(graph_url):
    """Graph's beta root next to a v1.0 root (``https://graph.microsoft.com/v1.0`` -> ``.../beta``); None when
    the root does not end in ``/v1.0`` (then there is no telling where beta lives)."""
    root = str(graph_url).rstrip("/")
    return root[:-len("/v1.0")] + "/beta" if root.endswith("/v1.0") else None


def odata_quote(value):
    """A string literal for ``$filter``: quotes doubled, so a name is data and never OData syntax."""
    return "'" + str(value).replace("'", "''") + "'"


def policy_path(policy_id):
    """One role management policy (PATCH it with the changed rules)."""
    return "/policies/roleManagementPolicies/" + str(policy_id)


def policy_assignments_for(role_id=None):
    """``(path, params)`` of every directory role's policy assignment with its policy and rules, or of one
    role's when ``role_id`` is given."""
    flt = DIRECTORY_ROLE_POLICIES
    if role_id is not None:
        flt += " and roleDefinitionId eq " + odata_quote(role_id)
    return POLICY_ASSIGNMENTS, {"$filter": flt, "$expand": WITH_RULES}


def group_policy_assignments_for(group_id, access_id=None):
    """``(path, params)`` of a group's policy assignments (``member`` and ``owner``, or one of them) with their
    policies and rules. Graph requires both scope terms; a group never used with PIM has none yet."""
    flt = f"scopeId eq {odata_quote(group_id)} and scopeType eq 'Group'"
    if access_id is not None:
        flt += " and roleDefinitionId eq " + odata_quote(access_id)
    return POLICY_ASSIGNMENTS, {"$filter": flt, "$expand": WITH_RULES}


def group_schedule_reads(kind, group_ids, what=("instances", "schedules")):
    """The reads (for ``GraphSession.read_many``) of ``kind``'s lists for each group: Graph requires a
    ``groupId`` (or ``principalId``) filter on these lists, so one read per group and list, in order
    group by group."""
    return [{"url": GROUP_SCHEDULES[kind][w], "params": {"$filter": "groupId eq " + odata_quote(g)}}
            for g in group_ids for w in what]


def group_members_path(group_id):
    """A group's direct members (``GET /groups/{id}/members``): role-assignable groups cannot nest groups, so
    direct members are every member."""
    return f"{GROUPS}/{group_id}/members"


def read_policy_assignments(graph, role_id=None):
    """Every directory role's policy assignment (one role's with ``role_id``), policy and rules expanded."""
    path, params = policy_assignments_for(role_id)
    return graph.get_all(path, params=params)


def by_ids_bodies(ids, types=PRINCIPAL_TYPES):
    """The ``getByIds`` request bodies for ``ids``, 1000 per request, in order; ``types=None`` asks for any
    kind of directory object."""
    ids = list(ids)
    extra = {"types": list(types)} if types is not None else {}
    return [dict({"ids": ids[start:start + BY_IDS_LIMIT]}, **extra) for start in range(0, len(ids), BY_IDS_LIMIT)]


def principals_by_ids(graph, ids, types=PRINCIPAL_TYPES):
    """The directory objects among ``ids`` (of ``types``; any kind when None), one ``getByIds`` per 1000 ids,
    yielded as each answer arrives (a caller keeps what came before a failed request). Ids that name nothing
    (deleted, or of another type) are simply absent."""
    for body in by_ids_bodies(ids, types):
        yield from (graph.post(BY_IDS, body, read=True) or {}).get("value", [])


# Access reviews (Microsoft Entra ID Governance), v1.0: review definitions (a recurring series), their instances
# (one per occurrence) and each instance's decisions. Update is a PUT of the whole definition.
# https://learn.microsoft.com/graph/api/resources/accessreviewsv2-overview
ACCESS_REVIEW_DEFINITIONS = "/identityGovernance/accessReviews/definitions"


def access_review_path(definition_id):
    """One review definition (GET, PUT, DELETE)."""
    return f"{ACCESS_REVIEW_DEFINITIONS}/{definition_id}"


def access_review_instances_path(definition_id):
    """The instances of a review definition (GET)."""
    return f"{ACCESS_REVIEW_DEFINITIONS}/{definition_id}/instances"


def user_path(user_id):
    """One user (an access review's reviewer query ``/users/{id}``)."""
    return f"{USERS}/{user_id}"


def group_transitive_members_path(group_id):
    """A group's members, nested groups' members included (an access review's group scope and group reviewers)."""
    return f"{GROUPS}/{group_id}/transitiveMembers"


def access_review_decisions_path(definition_id, instance_id):
    """The decisions of one instance (GET)."""
    return f"{ACCESS_REVIEW_DEFINITIONS}/{definition_id}/instances/{instance_id}/decisions"
