#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_active_assignment
short_description: Manage active Microsoft Entra directory role assignments through PIM
version_added: 0.1.0
description:
  - Gives principals a directory role actively (no activation needed), permanently or for a time, with
    Privileged Identity Management, through Microsoft Graph v1.0 C(roleAssignmentScheduleRequests).
  - Users, role-assignable groups and service principals can hold active assignments.
  - Reports the permanent active assignments of the roles concerned, and can replace them with eligible
    assignments (O(replace_permanent_with_eligible)) so nobody holds a privileged role permanently.
  - Activations (a principal using an eligibility) are reported, never managed or removed here.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - entra.pim.auth
  - entra.pim.assignment
options:
  replace_permanent_with_eligible:
    description:
      - Replace every permanent active assignment of the roles concerned (O(exclusive_roles), or the roles
        in the input) with an eligible assignment, except those listed as desired and those of
        O(protected_principals). Service principals cannot be eligible, so theirs are kept and reported.
      - Works on its own, without O(exclusive); then only permanent direct assignments are touched, and
        time-bound ones not in the input stay. With O(exclusive), those are removed as exclusive mode does.
      - With an empty O(assignments) list, O(exclusive_roles) names the roles to clean up.
      - The eligible assignment is created first and the active one removed only after Graph accepted it,
        so a failure in between leaves the principal with access (both assignments), never with none; a
        second run finishes the job.
      - The eligibility is permanent if the role's policy allows it, otherwise it lasts the policy's maximum.
      - A principal listed in O(principal) or O(assignments) B(without) O(permanent), O(end) or O(duration) is
        one to convert; its permanent active assignment is replaced the same way (eligibility first), and no
        active assignment is ever created for it, so running the task again changes nothing. Listing a
        protected principal or a service principal this way fails the task before any write.
      - To keep a listed principal permanently active (a break-glass account), give it O(permanent=true);
        with O(end) or O(duration) its active assignment becomes time-bound instead.
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
  - module: entra.pim.pim_eligible_assignment
  - module: entra.pim.pim_role_setting
"""

EXAMPLES = r"""
- name: Give an automation service principal Privileged Role Administrator for 30 days
  entra.pim.pim_active_assignment:
    principal: sp:ops-automation
    role: Privileged Role Administrator
    duration: P30D
    justification: Quarterly role review automation

- name: Keep exactly the two break-glass accounts as permanent Global Administrators
  entra.pim.pim_active_assignment:
    exclusive: true
    protected_principals:
      - breakglass1@contoso.onmicrosoft.com
      - breakglass2@contoso.onmicrosoft.com
    justification: Tier-0 hygiene
    assignments:
      - principal: breakglass1@contoso.onmicrosoft.com
        role: Global Administrator
        permanent: true
      - principal: breakglass2@contoso.onmicrosoft.com
        role: Global Administrator
        permanent: true

- name: Convert one person's standing Application Administrator into an eligible assignment
  entra.pim.pim_active_assignment:
    principal: judy.apps@contoso.onmicrosoft.com
    role: Application Administrator
    replace_permanent_with_eligible: true
    justification: Zero standing access

- name: Plan turning standing Global Administrators into eligible ones (break-glass accounts excepted)
  entra.pim.pim_active_assignment:
    assignments: []
    exclusive_roles: [Global Administrator]
    replace_permanent_with_eligible: true
    protected_principals: [breakglass1@contoso.onmicrosoft.com, breakglass2@contoso.onmicrosoft.com]
    justification: Zero standing access
  check_mode: true
  register: standing

- name: Show who holds a privileged role permanently
  ansible.builtin.debug:
    msg: "{{ standing.permanent_assignments | map(attribute='principal') | list }}"
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
          V(adminRemove)), or V(none) when the assignment was already as desired or was kept on purpose.
      type: str
      sample: adminRemove
    kind:
      description: V(active), or V(eligible) for the eligibility that replaces a permanent active assignment.
      type: str
      sample: active
    principal:
      description: The principal as given, or its user principal name or display name.
      type: str
      sample: victor.ops@contoso.onmicrosoft.com
    principal_id:
      description: The principal's object id.
      type: str
    role:
      description: The role's display name.
      type: str
      sample: Global Administrator
    role_id:
      description: The role definition id.
      type: str
    scope:
      description: The directory scope id.
      type: str
      sample: /
    reason:
      description: Why the action was chosen.
      type: str
      sample: replaced with an eligible assignment
    before:
      description: The assignment before the run (V(null) when it did not exist).
      type: dict
    after:
      description: The assignment as requested (V(null) once removed).
      type: dict
    done:
      description: Whether Graph applied the request (only after writes; absent in check mode).
      type: bool
    confirmed_by_reread:
      description:
        - V(true) when the request's outcome was unknown and a re-read showed the assignment as requested;
          Graph answered C(RoleAssignmentExists) or C(RoleAssignmentDoesNotExist) (a retried request whose
          first attempt had been applied, or another run that made the same change first), a server error
          remained after every retry, or the answer to the C($batch) request was lost.
        - Absent otherwise.
      type: bool
    outcome_unknown:
      description:
        - V(true) when the request's outcome was unknown and the re-read failed too; the request may have
          been applied (the task then reports changed). Run again to converge. Absent otherwise.
      type: bool
    error:
      description: Graph's error for a request that failed (status, code, message, request_id, hint).
      type: dict
permanent_assignments:
  description: The direct permanent active assignments of the roles concerned, as read before any change.
  returned: always
  type: list
  elements: dict
  sample: [{"principal": "victor.ops@contoso.onmicrosoft.com", "role": "Global Administrator", "scope": "/",
            "permanent": true}]
not_managed:
  description:
    - Active assignments of the roles concerned that the module does not manage, activations
      (C(assignmentType) V(Activated)) and assignments held through a group (C(memberType) V(Group)).
  returned: always
  type: list
  elements: dict
policy_violations:
  description: Why the roles' PIM policies would refuse the requests (the task fails before any write).
  returned: failure
  type: list
  elements: str
graph_requests:
  description: How many Graph requests the run made, how many of them wrote, and how many were retries.
  returned: always
  type: dict
  sample: {"requests": 7, "writes": 2, "retries": 0}
diff:
  description:
    - The assignments the run changes, before and after, in diff mode. One entry per assignment, keyed
      C(role / principal / kind / scope scope), with the role and principal names, the kind (V(eligible)
      or V(active)), the scope and the schedule (C(permanent, from START) or C(from START until END));
      an assignment being removed is only in C(before), a new one only in C(after).
  returned: when diff mode is on
  type: dict
  sample:
    before:
      "Application Administrator / judy.apps@contoso.onmicrosoft.com / active / scope /":
        role: Application Administrator
        principal: judy.apps@contoso.onmicrosoft.com
        kind: active
        scope: /
        schedule: permanent, from 2025-11-02T09:00:00Z
    after: {}
"""

from ansible_collections.entra.pim.plugins.module_utils._assignment_module import run


def main():
    run("active")


if __name__ == "__main__":
    main()
