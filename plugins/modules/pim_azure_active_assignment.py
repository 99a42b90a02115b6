#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_azure_active_assignment
short_description: Manage active Azure resource role assignments through PIM
version_added: 0.2.0
description:
  - Gives principals an Azure role actively (no activation needed), permanently or for a time, at a management
    group, subscription, resource group or resource, with Privileged Identity Management, through Azure Resource
    Manager C(Microsoft.Authorization/roleAssignmentScheduleRequests) (api-version 2020-10-01) with
    C(azure-mgmt-authorization).
  - Users, groups and service principals can hold active assignments.
  - Reports the permanent active assignments of the roles concerned, including plain Azure role assignments made
    outside PIM, and can replace them with eligible assignments (O(replace_permanent_with_eligible)) so nobody
    holds Owner or User Access Administrator standing.
  - The same options, planner, return values and safety as M(entra.pim.pim_active_assignment), with O(scope) an
    Azure scope. Activations (a principal using an eligibility) are reported, never managed or removed here.
  - An assignment made at a parent scope is reported with C(inherited=true) and the scope it comes from, and is
    never removed, replaced or re-created at the child.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - entra.pim.auth
  # entra.pim.azure_assignment before entra.pim.azure: its text for scope (the items' default, the scope of
  # exclusive_roles) is the one kept when fragments are merged.
  - entra.pim.azure_assignment
  - entra.pim.azure
options:
  replace_permanent_with_eligible:
    description:
      - Replace every permanent active assignment of the roles concerned (O(exclusive_roles) at O(scope), or the
        (role, scope) pairs of the input) with an eligible assignment at the same scope, except those listed as
        desired and those of O(protected_principals). Service principals cannot be eligible, so theirs are kept
        and reported. Plain Azure role assignments made outside PIM are replaced too; inherited ones are not
        (they belong to the parent scope, where the task can run).
      - Works on its own, without O(exclusive); then only permanent direct assignments are touched, and
        time-bound ones not in the input stay. With O(exclusive), those are removed as exclusive mode does.
      - The eligible assignment is created first and the active one removed only after ARM accepted it,
        so a failure in between leaves the principal with access (both assignments), never with none; a
        second run finishes the job.
      - The eligibility is permanent if the role's policy at the scope allows it, otherwise it lasts the
        policy's maximum.
      - A principal listed in O(principal) or O(assignments) B(without) O(permanent), O(end) or O(duration) is
        one to convert; its permanent active assignment is replaced the same way, and no active assignment is
        ever created for it. Listing a protected principal or a service principal this way fails the task
        before any write.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Reads everything and plans; no schedule request is sent.
  diff_mode:
    support: full
  platform:
    platforms: all
  action:
    support: none
  async:
    support: none
  bypass_host_loop:
    support: none
  action_group:
    support: full
    membership: [entra.pim.all]
seealso:
  - module: entra.pim.pim_azure_eligible_assignment
  - module: entra.pim.pim_azure_role_setting
  - module: entra.pim.pim_active_assignment
  - name: Assign Azure resource roles in Privileged Identity Management
    description: Eligible and active assignments of Azure roles, and their time bounds.
    link: https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-resource-roles-assign-roles
"""

EXAMPLES = r"""
- name: Plan converting one person's standing User Access Administrator into an eligible assignment
  entra.pim.pim_azure_active_assignment:
    principal: frank.synced@contoso.onmicrosoft.com
    role: User Access Administrator
    scope: Development
    replace_permanent_with_eligible: true
    justification: Zero standing access
  check_mode: true
  register: standing

- name: Show who holds a privileged Azure role permanently
  ansible.builtin.debug:
    msg: "{{ standing.permanent_assignments | map(attribute='principal') | list }}"

- name: Turn every standing Owner of the Production subscription into an eligible one (break-glass kept)
  entra.pim.pim_azure_active_assignment:
    assignments: []
    scope: Production
    exclusive_roles: [Owner]
    replace_permanent_with_eligible: true
    protected_principals: [breakglass1@contoso.onmicrosoft.com]
    justification: Zero standing access

- name: Give a user Reader on a resource group for 8 hours
  entra.pim.pim_azure_active_assignment:
    principal: victor.ops@contoso.onmicrosoft.com
    role: Reader
    scope: Production/rg-app
    duration: PT8H
    justification: Incident review
"""

RETURN = r"""
assignments:
  description: Each assignment the run looked at, with what was done to it.
  returned: always
  type: list
  elements: dict
  contains:
    action:
      description:
        - The schedule request sent (V(adminAssign), V(adminUpdate), V(adminExtend), V(adminRenew),
          V(adminRemove); ARM's C(requestType) C(AdminAssign) ...), or V(none) when the assignment was already as
          desired or was kept on purpose.
      type: str
      sample: adminRemove
    kind:
      description: V(active), or V(eligible) for the eligibility that replaces a permanent active assignment.
      type: str
    principal:
      description: The principal as given, or its user principal name or display name.
      type: str
      sample: frank.synced@contoso.onmicrosoft.com
    principal_id:
      description: The principal's object id.
      type: str
    role:
      description: The role's display name.
      type: str
      sample: User Access Administrator
    role_id:
      description: The role definition's GUID.
      type: str
      sample: 18d7d88d-d35e-4fb5-a5c3-7773c20a72d9
    role_definition_id:
      description: The full role definition id the request names.
      type: str
    scope:
      description: The ARM scope id.
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000
    scope_name:
      description: The scope as a person reads it (subscription display name, resource group, management group).
      type: str
      sample: Development
    reason:
      description: Why the action was chosen.
      type: str
      sample: converted to an eligible assignment
    before:
      description:
        - The assignment before the run (V(null) when it did not exist), with C(principal_id), C(role_id),
          C(scope), C(start), C(end), C(permanent), C(member_type), C(inherited) and C(inherited_from).
      type: dict
    after:
      description: The assignment as requested (V(null) once removed), in the shape of RV(assignments[].before).
      type: dict
    done:
      description: Whether ARM accepted the request (only after writes; absent in check mode).
      type: bool
    confirmed_by_reread:
      description: V(true) when the request's outcome was unknown and a re-read showed it applied.
      type: bool
    outcome_unknown:
      description: V(true) when the request's outcome was unknown and the re-read failed too. Run again.
      type: bool
    error:
      description: ARM's error for a request that failed (status, code, message, request_id, hint).
      type: dict
permanent_assignments:
  description:
    - The direct permanent active assignments of the roles concerned at their scopes, as read before any change,
      including plain Azure role assignments made outside PIM.
  returned: always
  type: list
  elements: dict
  sample: [{"principal": "frank.synced@contoso.onmicrosoft.com", "role": "User Access Administrator",
            "scope_name": "Development", "permanent": true, "inherited": false}]
not_managed:
  description:
    - Active assignments of the roles concerned that the module does not manage, those inherited from a parent scope
      (C(inherited=true), C(inherited_from) its scope, C(member_type) C(Inherited)) and those held through a group
      (C(member_type) C(Group)), and activations (C(assignment_type) C(Activated)).
  returned: always
  type: list
  elements: dict
  sample: [{"principal": "breakglass1@contoso.onmicrosoft.com", "role": "Owner", "scope_name": "Production",
            "inherited": true, "inherited_from": "/providers/Microsoft.Management/managementGroups/contoso-root",
            "member_type": "Inherited"}]
policy_violations:
  description: Why the roles' PIM policies would refuse the requests (the task fails before any write).
  returned: failure
  type: list
  elements: str
graph_requests:
  description: How many Graph requests the run made (names of principals), how many wrote, how many were retries.
  returned: always
  type: dict
  sample: {"requests": 1, "writes": 0, "retries": 0}
arm_requests:
  description: How many ARM requests the run made, how many of them wrote, and how many were retries.
  returned: always
  type: dict
  sample: {"requests": 5, "writes": 1, "retries": 0}
diff:
  description:
    - The assignments the run changes, before and after, in diff mode. One entry per assignment, keyed
      C(role / principal / kind / scope scope name), with the role and principal names, the kind, the scope id
      and the schedule; an assignment being removed is only in C(before), a new one only in C(after).
  returned: when diff mode is on
  type: dict
  sample:
    before:
      "User Access Administrator / frank.synced@contoso.onmicrosoft.com / active / scope Development":
        role: User Access Administrator
        principal: frank.synced@contoso.onmicrosoft.com
        kind: active
        scope: /subscriptions/00000000-0000-0000-0000-000000000000
        schedule: permanent, from 2025-11-02T09:00:00Z
    after:
      "User Access Administrator / frank.synced@contoso.onmicrosoft.com / eligible / scope Development":
        role: User Access Administrator
        principal: frank.synced@contoso.onmicrosoft.com
        kind: eligible
        scope: /subscriptions/00000000-0000-0000-0000-000000000000
        schedule: from 2026-05-01T09:00:00Z until 2027-05-01T09:00:00Z
"""

from ansible_collections.entra.pim.plugins.module_utils._assignment_module import run
from ansible_collections.entra.pim.plugins.module_utils._surfaces import AZURE


def main():
    run("active", AZURE)


if __name__ == "__main__":
    main()
