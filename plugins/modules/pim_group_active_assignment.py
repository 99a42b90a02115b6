#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_group_active_assignment
short_description: Manage active membership or ownership of a group through PIM for Groups
version_added: 0.1.0
description:
  - Makes users and groups active members (O(access=member)) or owners (O(access=owner)) of a group,
    permanently or for a time, with Privileged Identity Management for Groups, through Microsoft Graph v1.0
    C(identityGovernance/privilegedAccess/group/assignmentScheduleRequests). An active member is in the
    group's C(members) for the assignment's window.
  - Members and owners added outside PIM (plain group members) show as permanent active assignments; they are
    reported in RV(permanent_assignments) and can be removed, or replaced with eligibility
    (O(replace_permanent_with_eligible)) so nobody is a standing member of a privileged group.
  - The same options, planner and safety as M(entra.pim.pim_active_assignment), with O(group) and O(access) in
    place of C(role) and C(scope). Activations (a principal using an eligibility) are reported, never managed.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
  - entra.pim.auth
  - entra.pim.group_assignment
options:
  replace_permanent_with_eligible:
    description:
      - Replace every permanent active membership (or ownership, with O(access=owner)) of the groups concerned
        (O(exclusive_groups), or the (group, access) pairs of the input) with an eligible one, except those
        listed as desired and those of O(protected_principals). Plain members added outside PIM are replaced
        too.
      - Works on its own, without O(exclusive); then only permanent direct assignments are touched, and
        time-bound ones not in the input stay. With O(exclusive), those are removed as exclusive mode does.
      - The eligible assignment is created first and the active one removed only after Graph accepted it,
        so a failure in between leaves the principal with access (both assignments), never with none; a
        second run finishes the job.
      - The eligibility is permanent if the group's policy allows it, otherwise it lasts the policy's maximum.
      - A principal listed in O(principal) or O(assignments) B(without) O(permanent), O(end) or O(duration) is
        one to convert; its permanent active assignment is replaced the same way and no active assignment is
        ever created for it. Listing a protected principal this way fails the task before any write.
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
  - module: entra.pim.pim_group_eligible_assignment
  - module: entra.pim.pim_active_assignment
  - name: PIM for Groups APIs in Microsoft Graph
    description: Membership and ownership of groups governed by PIM.
    link: https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagement-for-groups-api-overview
"""

EXAMPLES = r"""
- name: Make a user an active member of a group for 30 days
  entra.pim.pim_group_active_assignment:
    principal: niaj.sharepoint@contoso.onmicrosoft.com
    group: PIM-Exchange-Admins
    duration: P30D
    justification: Migration project

- name: Plan converting one person's standing membership into an eligible one
  entra.pim.pim_group_active_assignment:
    principal: dave.exchange@contoso.onmicrosoft.com
    group: PIM-Exchange-Admins
    replace_permanent_with_eligible: true
    justification: Zero standing access
  check_mode: true
  register: standing

- name: Show who is a standing member
  ansible.builtin.debug:
    msg: "{{ standing.permanent_assignments | map(attribute='principal') | list }}"

- name: Turn every standing member of a privileged group into an eligible member (break-glass accounts kept)
  entra.pim.pim_group_active_assignment:
    assignments: []
    exclusive_groups: [PIM-Exchange-Admins]
    replace_permanent_with_eligible: true
    protected_principals: [breakglass1@contoso.onmicrosoft.com]
    justification: Zero standing access
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
      sample: dave.exchange@contoso.onmicrosoft.com
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
      sample: converted to an eligible assignment
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
permanent_assignments:
  description:
    - The direct permanent active memberships or ownerships of the groups concerned, as read before any change,
      including members added outside PIM.
  returned: always
  type: list
  elements: dict
  sample: [{"principal": "dave.exchange@contoso.onmicrosoft.com", "group": "PIM-Exchange-Admins",
            "access": "member", "permanent": true}]
not_managed:
  description:
    - Active assignments of the groups concerned that the module does not manage, activations
      (C(assignment_type) V(activated)) and memberships held through another group (C(member_type) V(group)).
  returned: always
  type: list
  elements: dict
policy_violations:
  description: Why the groups' PIM policies would refuse the requests (the task fails before any write).
  returned: failure
  type: list
  elements: str
graph_requests:
  description: How many Graph requests the run made, how many of them wrote, and how many were retries.
  returned: always
  type: dict
  sample: {"requests": 6, "writes": 2, "retries": 0}
diff:
  description:
    - The assignments the run changes, before and after, in diff mode. One entry per assignment, keyed
      C(group / access / principal / kind), with the group, access, principal, kind (V(eligible) or V(active))
      and schedule; an assignment being removed is only in C(before), a new one only in C(after).
  returned: when diff mode is on
  type: dict
  sample:
    before:
      "PIM-Exchange-Admins / member / dave.exchange@contoso.onmicrosoft.com / active":
        group: PIM-Exchange-Admins
        access: member
        principal: dave.exchange@contoso.onmicrosoft.com
        kind: active
        schedule: permanent, from 2025-11-02T09:00:00Z
    after: {}
"""

from ansible_collections.entra.pim.plugins.module_utils._assignment_module import run
from ansible_collections.entra.pim.plugins.module_utils._surfaces import GROUPS


def main():
    run("active", GROUPS)


if __name__ == "__main__":
    main()
