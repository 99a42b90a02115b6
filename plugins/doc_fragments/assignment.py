# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options pim_eligible_assignment and pim_active_assignment share (module_utils/_assignment_module.py).
    DOCUMENTATION = r"""
options:
  principal:
    description:
      - Who holds the assignment, for one assignment. Use O(assignments) for several.
      - An object id, a user principal name, a role-assignable group's display name, or a service
        principal's display name or app id.
      - Prefix with C(user:), C(group:) or C(sp:) when a name is shared by several kinds of object.
    type: str
  role:
    description:
      - The directory role, by display name (V(Exchange Administrator)), template id or id.
      - Required with O(principal).
    type: str
  scope:
    description:
      - Where the role applies. V(/) is the whole directory; an administrative unit is given by display
        name, id or V(/administrativeUnits/{id}); an application scope as V(/{applicationObjectId}).
      - The default for the items of O(assignments) that do not set their own.
      - An empty scope and the words V(tenant) and V(directory) are refused before any request, here and
        in the items of O(assignments), since an administrative unit may carry such a name; write V(/)
        for the whole directory. Leaving the scope unset means V(/).
    type: str
    default: /
  start:
    description:
      - When the assignment starts, an ISO 8601 datetime with a UTC offset (V(2026-05-01T08:00:00Z)) or a
        date (midnight UTC). A start in the past means now, and an existing assignment whose start Graph
        rewrote to its provisioning time is not changed for it.
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
      - V(true) for an assignment that never expires (the role's policy must allow it).
      - When none of O(end), O(duration) and O(permanent) is given, an existing assignment's schedule is
        left as it is, and a new one is permanent if the role's policy allows it, otherwise it lasts the
        policy's maximum duration.
    type: bool
  justification:
    description:
      - The reason recorded with each request (PIM's audit log shows it). Required by the role's policy
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
        description: The directory role, as in O(role).
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
      - V(true) when O(assignments) is the complete list for the roles in O(exclusive_roles), any direct
        assignment of those roles (at any scope) that is not listed is removed.
      - Roles outside O(exclusive_roles) are never touched, nor are principals in O(protected_principals),
        nor members of a group that holds the role (only the group's own assignment is managed).
    type: bool
    default: false
  exclusive_roles:
    description:
      - The roles O(exclusive) applies to, and for M(entra.pim.pim_active_assignment) the roles whose permanent
        active assignments C(replace_permanent_with_eligible) replaces (with or without O(exclusive)).
        Defaults to the roles named in O(assignments).
      - Needed to empty a role, or to replace its permanent assignments, with an empty O(assignments) list.
    type: list
    elements: str
  protected_principals:
    description:
      - Principals never removed by O(exclusive), typically the break-glass (emergency access) accounts.
      - The last permanent active assignment held by one of them is never removed or made time-bound.
    type: list
    elements: str
    default: []
  allow_no_active_admin:
    description:
      - A run that removes a Global Administrator or Privileged Role Administrator assignment at directory scope
        is refused, before any write and in check mode too, when afterwards nobody would hold that role
        B(actively) (a direct active assignment, permanent or time-bound; activations do not count), because eligible
        holders must activate first, possibly with an approval nobody is left to give. The message names the
        eligible holders that would remain.
      - V(true) accepts that eligible holders are enough and warns instead. A run after which nobody at all
        (eligible or active) holds Global Administrator is refused even then.
    type: bool
    default: false
notes:
  - State is read from PIM schedules and schedule instances, never from schedule requests, which Graph
    purges after about 45 days.
  - A changed schedule is applied in place with C(adminExtend) (a later end for a still-valid assignment),
    C(adminRenew) (an expired one) or C(adminUpdate) (anything else), never by removing and re-adding.
  - Before writing, every request is checked against the role's PIM policy; a violation fails the task
    before any write, naming the policy rule and the M(entra.pim.pim_role_setting) option to change.
  - The last Global Administrator (eligible or active, directory scope) is never removed, whatever the input,
    and the last active Global Administrator or Privileged Role Administrator only with
    O(allow_no_active_admin=true).
  - A write whose outcome is unknown is re-read (one bulk read, repeated at most twice after a pause when the
    write does not show yet) and counts as done when the re-read confirms it; otherwise the task fails. Unknown
    means Graph answered C(RoleAssignmentExists) or C(RoleAssignmentDoesNotExist) (a retried request that had
    already been applied, or an overlapping run that made the same change), a server error (5xx) remained after
    every retry, or the answer to the C($batch) request itself was lost (connection dropped, timeout, 5xx).
  - Names chosen in the tenant (principals, custom roles) have their control characters escaped (C(\x1b))
    in messages, warnings and the diff, so they cannot drive the operator's terminal.
"""
