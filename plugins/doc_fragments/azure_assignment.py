# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options pim_azure_eligible_assignment and pim_azure_active_assignment share
    # (module_utils/_assignment_module.py with the Azure backend, module_utils/_arm_assignment_backend.py).
    DOCUMENTATION = r"""
options:
  principal:
    description:
      - Who holds the assignment, for one assignment. Use O(assignments) for several.
      - An object id, a user principal name, a group's display name, or a service principal's display name
        or app id, resolved through Microsoft Graph. When the app may not read the directory (Graph answers 401 or
        403), object ids are used as given and Resource Manager checks them.
      - Prefix with C(user:), C(group:) or C(sp:) when a name is shared by several kinds of object.
    type: str
  role:
    description:
      - The Azure role, by display name (V(Owner), V(User Access Administrator), a custom role's name), role
        definition GUID, or full role definition id. Resolved against the role definitions of the scope, so a
        custom role must be assignable there.
      - Required with O(principal).
    type: str
  scope:
    description:
      - Where the role applies, as an ARM id (V(/subscriptions/{id}), V(/subscriptions/{id}/resourceGroups/{name}),
        a resource id, V(/providers/Microsoft.Management/managementGroups/{id})) or a friendly form
        (a subscription display name or id such as V(Production), V(Production/rg-app) for a resource group in it,
        V(Production/rg-app/kv-app) for a resource in that group, V(mg:Landing Zones) or V(mg:mg-landingzones) for
        a management group). Ids and names are compared case-insensitively.
      - Every scope is checked to exist, among those the identity can see, before any write; an unknown one fails
        the task naming it and the closest names.
      - The default for the items of O(assignments) that do not set their own, and the scope of O(exclusive_roles).
      - Left out, the subscription of O(subscription_id) (or E(AZURE_SUBSCRIPTION_ID)); without one, every item must
        name its scope.
    type: str
  start:
    description:
      - When the assignment starts, an ISO 8601 datetime with a UTC offset (V(2026-05-01T08:00:00Z)) or a
        date (midnight UTC). A start in the past means now.
    type: str
  end:
    description:
      - When the assignment ends, an ISO 8601 datetime with a UTC offset, or a date (midnight UTC).
      - Mutually exclusive with O(duration) and O(permanent=true).
    type: str
  duration:
    description:
      - How long the assignment lasts from its start, ISO 8601 (V(P90D), V(PT8H)) or a short form
        (V(90d), V(8h), V(2w)).
      - Mutually exclusive with O(end) and O(permanent=true).
    type: str
  permanent:
    description:
      - V(true) for an assignment that never expires (the role's policy at the scope must allow it; Azure's
        defaults do not).
      - When none of O(end), O(duration) and O(permanent) is given, an existing assignment's schedule is
        left as it is, and a new one is permanent if the role's policy allows it, otherwise it lasts the
        policy's maximum duration.
    type: bool
  justification:
    description:
      - The reason recorded with each request (PIM's audit history shows it). Required by the role's policy
        when its admin enablement rule lists C(Justification).
      - The default for the items of O(assignments).
    type: str
  ticket_number:
    description:
      - Ticket number recorded with each request. The default for the items of O(assignments).
    type: str
  ticket_system:
    description:
      - Ticket system recorded with each request. The default for the items of O(assignments).
    type: str
  state:
    description:
      - V(present) makes sure the assignment exists with the given schedule; V(absent) removes it.
      - The default for the items of O(assignments).
    type: str
    default: present
    choices: [present, absent]
  assignments:
    description:
      - Several assignments at once, instead of O(principal) and O(role). Names are resolved in bulk and
        every item is validated before anything is written.
      - Items that leave O(scope), O(justification), O(ticket_number), O(ticket_system) or O(state) unset
        take the module-level value.
    type: list
    elements: dict
    suboptions:
      principal:
        description: Who holds the assignment, as in O(principal).
        type: str
        required: true
      role:
        description: The Azure role, as in O(role).
        type: str
        required: true
      scope:
        description: Where the role applies, as in O(scope).
        type: str
      start:
        description: Start of the assignment, as in O(start).
        type: str
      end:
        description: End of the assignment, as in O(end).
        type: str
      duration:
        description: Length of the assignment, as in O(duration).
        type: str
      permanent:
        description: A never-expiring assignment, as in O(permanent).
        type: bool
      justification:
        description: The reason recorded with the request.
        type: str
      ticket_number:
        description: Ticket number recorded with the request.
        type: str
      ticket_system:
        description: Ticket system recorded with the request.
        type: str
      state:
        description: V(present) or V(absent), as in O(state).
        type: str
        choices: [present, absent]
  exclusive:
    description:
      - V(true) when O(assignments) is the complete list for the roles concerned, any direct assignment of
        those roles B(made at the scope concerned) that is not listed is removed. The roles concerned are
        O(exclusive_roles) at O(scope), or else each (role, scope) pair of O(assignments).
      - Assignments made at a child scope (a resource group below the subscription) are that scope's and are
        not touched; assignments inherited from a parent scope (C(memberType) C(Inherited)) are reported with
        C(inherited=true) and never removed or re-created at the child. Principals in O(protected_principals)
        are never removed, nor are members of a group that holds the role (only the group's own assignment is
        managed).
    type: bool
    default: false
  exclusive_roles:
    description:
      - The roles, at O(scope), that O(exclusive) applies to, and for M(entra.pim.pim_azure_active_assignment)
        the roles whose permanent active assignments C(replace_permanent_with_eligible) replaces. Defaults to the
        (role, scope) pairs of O(assignments).
      - Needed to empty a role at a scope, or to replace its permanent assignments, with an empty O(assignments)
        list; requires O(scope).
    type: list
    elements: str
  protected_principals:
    description:
      - Principals never removed by O(exclusive), typically the break-glass (emergency access) accounts.
      - The last permanent active assignment held by one of them is never removed or made time-bound.
    type: list
    elements: str
    default: []
notes:
  - State is read from PIM's schedules and schedule instances at each scope concerned (C($filter=atScope())), never
    from schedule requests. Each scope's lists and policies are read once, whatever the number of roles.
  - Assignments made outside PIM (plain Azure role assignments) show as permanent active assignments without a
    schedule; they are reported and can be removed or replaced with eligibility like the others.
  - A changed schedule is applied in place with C(adminExtend), C(adminRenew) or C(adminUpdate) (ARM's
    C(AdminExtend), C(AdminRenew), C(AdminUpdate) request types), never by removing and re-adding.
  - Before writing, every request is checked against the role's PIM policy at its scope; a violation (a duration
    longer than the policy allows, a permanent assignment it forbids, a missing justification) fails the task
    before any write, naming the policy rule and the M(entra.pim.pim_azure_role_setting) option to change.
  - Every schedule request is a C(PUT) under a new GUID name; a write whose answer was lost or that ARM answered
    C(RoleAssignmentExists) or C(RoleAssignmentDoesNotExist) is re-read (at most three times) and counts as done
    when the re-read shows it.
  - Names chosen in the tenant (principals, custom roles, scopes) have their control characters escaped in
    messages, warnings and the diff.
"""
