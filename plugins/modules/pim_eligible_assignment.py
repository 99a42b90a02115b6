#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_eligible_assignment
short_description: Manage who is eligible for Microsoft Entra directory roles through PIM
version_added: 0.1.0
description:
  - Makes principals eligible for directory roles (they may activate the role when they need it) with
    Privileged Identity Management, through Microsoft Graph v1.0 C(roleEligibilityScheduleRequests).
  - Declarative and calm; a second run with the same input changes nothing, even after Graph rewrote a
    past start time or purged the original request.
  - One assignment (O(principal), O(role)) or a list (O(assignments)); O(exclusive) makes the list the
    complete set of eligible principals for its roles.
  - Eligible principals are users and role-assignable groups; service principals can only hold active
    assignments (M(entra.pim.pim_active_assignment)).
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - entra.pim.auth
  - entra.pim.assignment
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
  - module: entra.pim.pim_active_assignment
  - module: entra.pim.pim_role_setting
"""

EXAMPLES = r"""
- name: Make a user eligible for Exchange Administrator until the end of next year
  entra.pim.pim_eligible_assignment:
    principal: dave.exchange@contoso.onmicrosoft.com
    role: Exchange Administrator
    end: "{{ now(utc=true).year + 1 }}-12-31T23:59:59Z"
    justification: Messaging team on-call rotation
    ticket_number: CHG0042
    ticket_system: ServiceNow

- name: Make a role-assignable group eligible for Exchange Administrator for 180 days
  entra.pim.pim_eligible_assignment:
    principal: group:PIM-Exchange-Admins
    role: Exchange Administrator
    duration: P180D
    justification: Exchange administrators

- name: The complete list of Global Administrator and Security Administrator eligibilities
  entra.pim.pim_eligible_assignment:
    exclusive: true
    protected_principals:
      - breakglass1@contoso.onmicrosoft.com
      - breakglass2@contoso.onmicrosoft.com
    justification: Quarterly access review Q2
    assignments:
      - principal: alice.admin@contoso.onmicrosoft.com
        role: Global Administrator
        duration: P180D
      - principal: bob.secops@contoso.onmicrosoft.com
        role: Security Administrator
        end: "{{ now(utc=true).year + 1 }}-09-30"
      - principal: group:PIM-Approvers-Tier0
        role: Security Administrator
        duration: P90D

- name: Remove an eligibility
  entra.pim.pim_eligible_assignment:
    principal: mallory.contractor_example.com#EXT#@contoso.onmicrosoft.com
    role: Cloud Application Administrator
    state: absent
    justification: Contract ended
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
      sample: adminAssign
    kind:
      description: V(eligible), or V(active) for the active side of a replacement.
      type: str
      sample: eligible
    principal:
      description: The principal as given, or its user principal name or display name.
      type: str
      sample: dave.exchange@contoso.onmicrosoft.com
    principal_id:
      description: The principal's object id.
      type: str
    role:
      description: The role's display name.
      type: str
      sample: Exchange Administrator
    role_id:
      description: The role definition id.
      type: str
      sample: 29232cdf-9323-42fd-ade2-1d097af3e4de
    scope:
      description: The directory scope id.
      type: str
      sample: /
    reason:
      description: Why the action was chosen.
      sample: "schedule differs: end"
      type: str
    before:
      description: The assignment before the run (V(null) when it did not exist).
      type: dict
      sample: {"start": "2026-01-01T08:00:00Z", "end": "2026-06-30T08:00:00Z", "permanent": false}
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
not_managed:
  description:
    - Eligibilities for the roles concerned that the module does not manage, such as those a user holds
      through a group (C(memberType) V(Group) or V(Inherited)).
  returned: always
  type: list
  elements: dict
policy_violations:
  description: Why the roles' PIM policies would refuse the requests (the task fails before any write).
  returned: failure
  type: list
  elements: str
  sample:
    - "Exchange Administrator does not allow permanent eligible assignments
      (Expiration_Admin_Eligibility.isExpirationRequired); set eligible_assignment.allow_permanent: true
      with entra.pim.pim_role_setting or give dave an end date or a duration"
graph_requests:
  description: How many Graph requests the run made, how many of them wrote, and how many were retries.
  returned: always
  type: dict
  sample: {"requests": 6, "writes": 1, "retries": 0}
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
    run("eligible")


if __name__ == "__main__":
    main()
