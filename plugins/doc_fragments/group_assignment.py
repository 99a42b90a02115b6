# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options pim_group_eligible_assignment and pim_group_active_assignment share
    # (module_utils/_assignment_module.py, group_argument_spec): pim_eligible_assignment's, with group and
    # access in place of role and scope.
    DOCUMENTATION = r"""
options:
  principal:
    description:
      - Who gets the membership or ownership, for one assignment. Use O(assignments) for several.
      - A user (object id or user principal name) or a group (display name or object id). Prefix with C(user:)
        or C(group:) when a name is shared by several kinds of object.
      - Service principals are refused before any request; PIM for Groups governs users and groups (add a service
        principal to a group as a plain member, outside PIM).
      - A group can be an eligible member of another group, and an active member only of a group that is not
        role-assignable; groups cannot be owners. Such input fails before any write.
    type: str
  group:
    description:
      - The group whose membership or ownership is governed, by display name or object id. Required with
        O(principal).
      - An unknown name fails before any write, with the closest group names.
      - A group never used with PIM for Groups has no policy yet; its first request through this module makes
        Graph create the group's member and owner policies with Microsoft's defaults (a warning says so, and
        the policy pre-check is left to Graph for that request).
    type: str
  access:
    description:
      - V(member) for membership of the group, V(owner) for its ownership.
      - The default for the items of O(assignments) that do not set their own, and the access that
        O(exclusive_groups) concerns.
    type: str
    default: member
    choices: [member, owner]
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
      - V(true) for an assignment that never expires (the group's policy must allow it; Microsoft's default
        group policy does not).
      - When none of O(end), O(duration) and O(permanent) is given, an existing assignment's schedule is
        left as it is, and a new one is permanent if the policy allows it, otherwise it lasts the policy's
        maximum duration (for a group without a policy yet, Microsoft's default maximum, 365 days eligible and
        180 days active).
    type: bool
  justification:
    description:
      - The reason recorded with each request (PIM's audit log shows it). Required by the group's policy
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
      - Several assignments at once, instead of O(principal) and O(group). Names are resolved in bulk and
        every item is validated before anything is written.
      - Items that leave O(access), O(justification), O(ticket_number), O(ticket_system) or O(state) unset
        take the module-level value.
    type: list
    elements: dict
    suboptions:
      principal:
        description: Who gets the membership or ownership, as in O(principal).
        type: str
        required: true
      group:
        description: The group, as in O(group).
        type: str
        required: true
      access:
        description: V(member) or V(owner), as in O(access).
        type: str
        choices: [member, owner]
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
      - V(true) when O(assignments) is the complete list for its (group, access) pairs, or for the groups in
        O(exclusive_groups) with O(access); any direct assignment of those that is not listed is removed.
      - Exclusive mode works per group B(and) access, so a list of members never removes owners. Principals in
        O(protected_principals) are never removed.
    type: bool
    default: false
  exclusive_groups:
    description:
      - The groups O(exclusive) applies to (with the module-level O(access)), and for
        M(entra.pim.pim_group_active_assignment) the groups whose permanent active assignments
        C(replace_permanent_with_eligible) replaces. Defaults to the (group, access) pairs of the input.
      - Needed to empty a group's membership or ownership, or to replace its permanent members, with an empty
        O(assignments) list.
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
  - State is read from PIM for Groups' schedules and schedule instances (one read per group, as Graph requires a
    C(groupId) filter on these lists, sent together in C($batch) requests), never from schedule requests.
  - Members and owners added outside PIM (plain group members) show as permanent active assignments; they can be
    removed or, with M(entra.pim.pim_group_active_assignment)'s C(replace_permanent_with_eligible), replaced.
  - A changed schedule is applied in place with C(adminExtend), C(adminRenew) or C(adminUpdate), never by removing
    and re-adding.
  - Before writing, every request is checked against the policy of the group's member or owner access; a violation
    fails the task before any write, naming the policy rule and the M(entra.pim.pim_group_setting) option to change.
  - The last-Global-Administrator guard of the directory-role modules does not apply to groups; the break-glass
    guard (O(protected_principals)) does.
  - A write whose outcome is unknown (a retried request answered as already done, a server error after every
    retry, a lost C($batch) answer) is decided by re-reading the groups concerned.
  - Names chosen in the tenant (groups, principals) have their control characters escaped in messages, warnings
    and the diff.
"""
