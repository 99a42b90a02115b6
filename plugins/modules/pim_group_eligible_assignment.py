#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_group_eligible_assignment
short_description: Manage who is eligible for membership or ownership of a group through PIM for Groups
version_added: 0.1.0
description:
  - Makes users and groups eligible for membership (O(access=member)) or ownership (O(access=owner)) of a
    group with Privileged Identity Management for Groups; they activate it when they need it. Through
    Microsoft Graph v1.0 C(identityGovernance/privilegedAccess/group/eligibilityScheduleRequests).
  - The same options, planner and safety as M(entra.pim.pim_eligible_assignment), with O(group) and O(access)
    in place of C(role) and C(scope). Declarative; a second run with the same input changes nothing.
  - One assignment (O(principal), O(group)) or a list (O(assignments)); O(exclusive) makes the list the
    complete set of eligible principals for its (group, access) pairs.
  - A group never used with PIM for Groups gets its policies (Microsoft's defaults) from its first request;
    the module warns and leaves the policy pre-check of that request to Graph.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - entra.pim.auth
  - entra.pim.group_assignment
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
  - module: entra.pim.pim_group_active_assignment
  - module: entra.pim.pim_eligible_assignment
  - name: PIM for Groups APIs in Microsoft Graph
    description: Membership and ownership of groups governed by PIM.
    link: https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagement-for-groups-api-overview
"""

EXAMPLES = r"""
- name: Make a user an eligible member of a privileged group for 180 days
  entra.pim.pim_group_eligible_assignment:
    principal: olivia.teams@contoso.onmicrosoft.com
    group: PIM-Exchange-Admins
    duration: P180D
    justification: Messaging on-call rotation
    ticket_number: CHG0042
    ticket_system: ServiceNow

- name: Make a user an eligible owner of a group until the end of the year
  entra.pim.pim_group_eligible_assignment:
    principal: alice.admin@contoso.onmicrosoft.com
    group: PIM-Exchange-Admins
    access: owner
    end: "{{ now(utc=true).year }}-12-31T23:59:59Z"
    justification: Group owner rotation

- name: The complete list of eligible members of the approvers group (break-glass accounts kept)
  entra.pim.pim_group_eligible_assignment:
    exclusive: true
    protected_principals: [breakglass1@contoso.onmicrosoft.com]
    justification: Quarterly access review
    assignments:
      - principal: alice.admin@contoso.onmicrosoft.com
        group: PIM-Approvers-Tier0
        duration: P90D
      - principal: grace.approver@contoso.onmicrosoft.com
        group: PIM-Approvers-Tier0
        duration: P90D

- name: Remove an eligible membership
  entra.pim.pim_group_eligible_assignment:
    principal: mallory.contractor_example.com#EXT#@contoso.onmicrosoft.com
    group: PIM-Exchange-Admins
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
      description: V(eligible).
      type: str
      sample: eligible
    principal:
      description: The principal as given, or its user principal name or display name.
      type: str
      sample: olivia.teams@contoso.onmicrosoft.com
    principal_id:
      description: The principal's object id.
      type: str
    group:
      description: The group's display name.
      type: str
      sample: PIM-Exchange-Admins
    group_id:
      description: The group's object id.
      type: str
    access:
      description: V(member) or V(owner).
      type: str
      sample: member
    reason:
      description: Why the action was chosen.
      type: str
      sample: missing
    before:
      description:
        - The assignment before the run (V(null) when it did not exist), with C(principal_id), C(group_id),
          C(access), C(start), C(end), C(permanent) and C(member_type).
      type: dict
    after:
      description: The assignment as requested (V(null) once removed), in the shape of RV(assignments[].before).
      type: dict
    done:
      description: Whether Graph applied the request (only after writes; absent in check mode).
      type: bool
    confirmed_by_reread:
      description: V(true) when the request's outcome was unknown and a re-read showed it applied.
      type: bool
    outcome_unknown:
      description: V(true) when the request's outcome was unknown and the re-read failed too. Run again.
      type: bool
    error:
      description: Graph's error for a request that failed (status, code, message, request_id, hint).
      type: dict
not_managed:
  description:
    - Eligibilities for the groups concerned that the module does not manage, those held through another
      group (C(member_type) V(group)).
  returned: always
  type: list
  elements: dict
policy_violations:
  description: Why the groups' PIM policies would refuse the requests (the task fails before any write).
  returned: failure
  type: list
  elements: str
  sample:
    - "PIM-Exchange-Admins (member) allows eligible assignments of at most P365D
      (Expiration_Admin_Eligibility.maximumDuration) but olivia.teams@contoso.onmicrosoft.com would get P400D;
      set eligible_assignment.max_duration: P400D with entra.pim.pim_group_setting or give an earlier end or a
      shorter duration"
graph_requests:
  description: How many Graph requests the run made, how many of them wrote, and how many were retries.
  returned: always
  type: dict
  sample: {"requests": 5, "writes": 1, "retries": 0}
diff:
  description:
    - The assignments the run changes, before and after, in diff mode. One entry per assignment, keyed
      C(group / access / principal / kind), with the group, access, principal, kind and schedule
      (C(permanent, from START) or C(from START until END)); an assignment being removed is only in
      C(before), a new one only in C(after).
  returned: when diff mode is on
  type: dict
  sample:
    before: {}
    after:
      "PIM-Exchange-Admins / member / olivia.teams@contoso.onmicrosoft.com / eligible":
        group: PIM-Exchange-Admins
        access: member
        principal: olivia.teams@contoso.onmicrosoft.com
        kind: eligible
        schedule: from 2026-05-01T08:00:00Z until 2026-10-28T08:00:00Z
"""

from ansible_collections.entra.pim.plugins.module_utils._assignment_module import run
from ansible_collections.entra.pim.plugins.module_utils._surfaces import GROUPS


def main():
    run("eligible", GROUPS)


if __name__ == "__main__":
    main()
