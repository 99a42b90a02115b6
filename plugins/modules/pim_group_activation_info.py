#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_group_activation_info
short_description: Read eligible, active and pending group membership and ownership (PIM for Groups)
version_added: 0.1.0
description:
  - Returns who is eligible for, and who holds, the membership and ownership of groups governed by Privileged
    Identity Management for Groups, read from PIM's schedule instances, for some groups, some principals, or the
    signed-in user (O(mine)).
  - Active rows are told apart as standing assignments (C(assignment_type=assigned)) and just-in-time activations
    (C(assignment_type=activated)), each with its start and end, whether it is permanent and whether it was made
    outside PIM (a member added to the group directly).
  - Optionally returns the activation requests waiting for approval.
  - The same row shape as M(entra.pim.pim_activation_info), with C(group), C(group_id) and C(access) in place of
    C(role), C(role_id) and C(scope).
  - Graph lists PIM for Groups only per group or per principal, so the module reads each named group (else each
    named principal) on its own, and sends those reads together in JSON batches (C($batch), 20 reads per
    request), with one C(getByIds) per 1000 principals and groups for their names. Twenty groups cost a few
    requests, not sixty.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
options:
  groups:
    description:
      - Only these groups, by display name or object id; unknown names fail with the closest group names.
      - At least one of O(groups), O(principals) or O(mine) is required.
    type: list
    elements: str
  principals:
    description:
      - Only these principals (users or groups), by object id, user principal name or group display name (prefix
        with V(user:) or V(group:) to disambiguate).
      - With O(groups), the rows of these principals in those groups; alone, their rows in every group.
    type: list
    elements: str
  mine:
    description:
      - Read the signed-in user's own rows (C(filterByCurrentUser)); needs a delegated (user) sign-in.
      - With O(groups), only the user's rows in those groups. Cannot be combined with O(principals).
    type: bool
    default: false
  access:
    description: Only this access, V(member) or V(owner); leave out for both.
    type: str
    choices: [member, owner]
  pending_requests:
    description:
      - Also return the activation requests waiting for approval (status C(PendingApproval)).
      - When Graph refuses to list requests to a read-only identity, the module warns and returns
        RV(pending_requests) as V(null) instead of failing.
    type: bool
    default: true
notes:
  - Needs C(PrivilegedEligibilitySchedule.Read.AzureADGroup) and C(PrivilegedAssignmentSchedule.Read.AzureADGroup)
    (or C(PrivilegedAccess.Read.AzureADGroup)), and C(Directory.Read.All) for names. Read-only permissions are
    enough.
  - State is read from schedule instances, never from schedule requests, which Graph purges after about 45 days.
  - A group never used with PIM simply has no rows.
seealso:
  - module: entra.pim.pim_group_activation
  - module: entra.pim.pim_activation_info
"""

EXAMPLES = r"""
- name: Who may become, and who is, member or owner of two privileged groups
  entra.pim.pim_group_activation_info:
    groups: [PIM-Exchange-Admins, Helpdesk-Operators]
  register: groups_pim

- name: Show who is activated right now, and until when
  ansible.builtin.debug:
    msg: "{{ item.principal }} is {{ item.access }} of {{ item.group }} until {{ item.end }}"
  loop: "{{ groups_pim.active | selectattr('assignment_type', 'equalto', 'activated') }}"
  loop_control:
    label: "{{ item.principal }}"

- name: One user's eligible and active group memberships and ownerships
  entra.pim.pim_group_activation_info:
    principals: [olivia.teams@contoso.onmicrosoft.com]
    pending_requests: false

- name: What the signed-in user may activate
  entra.pim.pim_group_activation_info:
    auth_method: azure_cli
    mine: true
  register: mine
"""

RETURN = r"""
eligible:
  description: Eligible membership and ownership (who may activate which access to which group), sorted by group.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The instance id.
      type: str
    kind:
      description: Always V(eligible).
      type: str
      sample: eligible
    assignment_type:
      description: "V(null) for eligible rows."
      type: str
    group:
      description: The group's display name (V(null) when the group is gone).
      type: str
      sample: PIM-Exchange-Admins
    group_id:
      description: The group's object id.
      type: str
    access:
      description: V(member) or V(owner).
      type: str
      sample: member
    principal:
      description: The user principal name of a user, else the display name.
      type: str
    principal_id:
      description: The principal's object id.
      type: str
    principal_type:
      description: V(user), V(group) or V(servicePrincipal) (V(null) when the object is gone).
      type: str
    principal_display_name:
      description: The principal's display name.
      type: str
    member_type:
      description: V(direct), or V(group) when held through another group.
      type: str
      sample: direct
    via_group:
      description: For V(group) rows, the group (or comma-separated groups) holding the same access directly.
      type: str
    start:
      description: Start, ISO 8601.
      type: str
    end:
      description: End, ISO 8601; V(null) when permanent.
      type: str
    permanent:
      description: Whether it never ends.
      type: bool
    outside_pim:
      description: Always V(false) for eligible rows.
      type: bool
    schedule_id:
      description: The schedule the instance belongs to.
      type: str
active:
  description:
    - Active membership and ownership, with the same keys as RV(eligible).
    - C(assignment_type) is V(assigned) for a standing assignment and V(activated) for a just-in-time
      activation; C(outside_pim) is V(true) for a member or owner added outside PIM.
  returned: success
  type: list
  elements: dict
  sample:
    - kind: active
      assignment_type: activated
      group: PIM-Exchange-Admins
      access: member
      principal: olivia.teams@contoso.onmicrosoft.com
      member_type: direct
      start: "2026-03-01T09:00:00Z"
      end: "2026-03-01T10:00:00Z"
      permanent: false
      outside_pim: false
pending_requests:
  description: Activation requests waiting for approval; V(null) when not read (see O(pending_requests)).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The request id.
      type: str
    status:
      description: "V(PendingApproval)."
      type: str
    action:
      description: The request action, usually V(selfActivate).
      type: str
    group:
      description: The group's display name.
      type: str
    group_id:
      description: The group's object id.
      type: str
    access:
      description: V(member) or V(owner).
      type: str
    principal:
      description: Who asked.
      type: str
    principal_id:
      description: Who asked (object id).
      type: str
    justification:
      description: The requester's justification.
      type: str
    ticket_number:
      description: The ticket number given.
      type: str
    ticket_system:
      description: The ticket system given.
      type: str
    created:
      description: When it was asked.
      type: str
    start:
      description: The requested start.
      type: str
    duration:
      description: The requested duration (ISO 8601).
      type: str
    end:
      description: The requested end, when given as a date.
      type: str
    approval_id:
      description: The approval to review (C(privilegedAccess/group/assignmentApprovals)).
      type: str
summary:
  description: Counts of the rows returned.
  returned: success
  type: dict
  sample: {eligible: 2, assigned: 2, activated: 1, permanent_active: 1, outside_pim: 1, pending_requests: 0}
graph_requests:
  description: Graph requests made by this run.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent.
      type: int
    writes:
      description: Write operations; always 0.
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
"""

from ansible_collections.entra.pim.plugins.module_utils._activation import summarize  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._activation_backend import GroupActivityReader  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._graph_paths import GROUP_ACCESS_IDS  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError  # noqa: E402


def main():
    module = PimModule(dict(
        groups=dict(type="list", elements="str"),
        principals=dict(type="list", elements="str"),
        mine=dict(type="bool", default=False),
        access=dict(type="str", choices=list(GROUP_ACCESS_IDS)),
        pending_requests=dict(type="bool", default=True),
    ), supports_check_mode=True)
    params = module.params
    group_refs = [g for g in params["groups"] or [] if str(g).strip()]
    principal_refs = [p for p in params["principals"] or [] if str(p).strip()]
    if params["mine"] and principal_refs:
        module.fail("mine and principals cannot be combined: mine reads the signed-in user's own rows")
    if not (group_refs or principal_refs or params["mine"]):
        module.fail("give groups, principals or mine: true; Graph lists PIM for Groups' membership and ownership "
                    "only per group or per principal")
    module.check_auth()
    reader = GroupActivityReader(module.graph())
    try:
        group_ids = [g["id"] for g in reader.groups(group_refs)] if group_refs else None
        principal_ids = [p["id"] for p in reader.resolver.principals(principal_refs).values()] \
            if principal_refs else None
        result, warnings = reader.read(group_ids, principal_ids, [params["access"]] if params["access"] else None,
                                       params["mine"], params["pending_requests"])
    except ResolveError as exc:
        module.fail(str(exc))
    except Exception as exc:
        module.fail_graph(exc, "Reading PIM for Groups membership and ownership")
    for warning in warnings:
        module.warn(warning)
    result["summary"] = summarize(result["eligible"], result["active"], result["pending_requests"])
    module.exit(changed=False, **result)


if __name__ == "__main__":
    main()
