#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_azure_eligible_assignment
short_description: Manage who is eligible for Azure resource roles through PIM
version_added: 0.2.0
description:
  - Makes principals eligible for Azure roles (Owner, Contributor, User Access Administrator, custom roles) at a
    management group, subscription, resource group or resource, with Privileged Identity Management, through
    Azure Resource Manager C(Microsoft.Authorization/roleEligibilityScheduleRequests) (api-version 2020-10-01)
    with C(azure-mgmt-authorization). Eligible principals activate the role when they need it
    (M(entra.pim.pim_azure_role_activation)).
  - The same options, planner, return values and safety as M(entra.pim.pim_eligible_assignment), with O(scope)
    an Azure scope. Declarative; a second run with the same input sends nothing.
  - Eligible principals are users and groups; service principals hold active assignments only
    (M(entra.pim.pim_azure_active_assignment)).
  - An eligibility made at a parent scope (a management group above the subscription) is reported with
    C(inherited=true) and the scope it comes from, and is never removed or re-created at the child.
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
  - module: entra.pim.pim_azure_active_assignment
  - module: entra.pim.pim_azure_role_setting
  - module: entra.pim.pim_eligible_assignment
  - name: Assign Azure resource roles in Privileged Identity Management
    description: Eligible and active assignments of Azure roles, and their time bounds.
    link: https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-resource-roles-assign-roles
"""

EXAMPLES = r"""
- name: Make a user eligible for Contributor on a resource group for 30 days
  entra.pim.pim_azure_eligible_assignment:
    principal: trent.dev@contoso.onmicrosoft.com
    role: Contributor
    scope: Development/rg-dev
    duration: P30D
    justification: Feature work on the dev environment

- name: The complete list of Owner eligibilities on the Production subscription
  entra.pim.pim_azure_eligible_assignment:
    scope: Production
    exclusive: true
    justification: Quarterly access review
    assignments:
      - principal: bob.secops@contoso.onmicrosoft.com
        role: Owner
        duration: P180D
  check_mode: true
  register: owners

- name: Show what the review would remove
  ansible.builtin.debug:
    msg: "{{ owners.assignments | selectattr('action', 'equalto', 'adminRemove') | map(attribute='principal') | list }}"
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
      sample: adminAssign
    kind:
      description: V(eligible).
      type: str
    principal:
      description: The principal as given, or its user principal name or display name.
      type: str
      sample: trent.dev@contoso.onmicrosoft.com
    principal_id:
      description: The principal's object id.
      type: str
    role:
      description: The role's display name.
      type: str
      sample: Contributor
    role_id:
      description: The role definition's GUID.
      type: str
      sample: b24988ac-6180-42a0-ab88-20f7382dd24c
    role_definition_id:
      description: The full role definition id the request names.
      type: str
    scope:
      description: The ARM scope id.
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev
    scope_name:
      description: The scope as a person reads it (subscription display name, resource group, management group).
      type: str
      sample: Development/rg-dev
    reason:
      description: Why the action was chosen.
      type: str
      sample: missing
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
not_managed:
  description:
    - Eligibilities of the roles concerned that the module does not manage, those inherited from a parent scope
      (C(inherited=true), C(inherited_from) its scope, C(member_type) C(Inherited)) and those held through a group
      (C(member_type) C(Group)).
  returned: always
  type: list
  elements: dict
  sample: [{"principal": "bob.secops@contoso.onmicrosoft.com", "role": "Owner", "scope_name": "Production/rg-app",
            "inherited": true, "inherited_from": "/subscriptions/00000000-0000-0000-0000-000000000000",
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
    before: {}
    after:
      "Contributor / trent.dev@contoso.onmicrosoft.com / eligible / scope Development/rg-dev":
        role: Contributor
        principal: trent.dev@contoso.onmicrosoft.com
        kind: eligible
        scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev
        schedule: from 2026-05-01T09:00:00Z until 2026-05-31T09:00:00Z
"""

from ansible_collections.entra.pim.plugins.module_utils._assignment_module import run
from ansible_collections.entra.pim.plugins.module_utils._surfaces import AZURE


def main():
    run("eligible", AZURE)


if __name__ == "__main__":
    main()
