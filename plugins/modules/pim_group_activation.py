#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_group_activation
short_description: Activate or deactivate the signed-in user's eligible group membership or ownership (PIM for Groups)
version_added: 0.1.0
description:
  - Activates the membership or ownership of a group that the signed-in user is eligible for through Privileged
    Identity Management for Groups, with a justification, a duration and ticket information, or deactivates it
    again, so a playbook is a member (or owner) of a privileged group only while it works. While active, the
    user is in the group's C(members) (or C(owners)), and holds whatever the group holds (for example a
    directory role assigned to a role-assignable group).
  - The same checks and vocabulary as M(entra.pim.pim_role_activation), with O(group) and O(access) in place of
    C(role) and C(scope).
  - Acts for the signed-in user, so it needs a delegated (user) sign-in, with O(auth_method=azure_cli) after
    C(az login), or a user's token in O(access_token). An application cannot activate.
  - Idempotent. An activation with at least O(min_remaining) left is reported unchanged; with less time left the
    module warns (Graph v1.0 documents no C(selfExtend) for PIM for Groups; deactivate and activate again). An
    activation already waiting for approval is not asked twice.
  - Before sending anything, checks the group's activation settings for that access (MFA, authentication context,
    justification, ticket, maximum duration) and the user's eligibility, and fails with every reason PIM would
    refuse. When the settings cannot be read (Graph answers 403), the module warns and lets PIM decide.
  - When the activation needs approval, the request ends in RV(status=PendingApproval), and the module can wait
    for the approval with O(wait_for_approval).
  - Deactivating within five minutes of activating is refused by PIM with C(ActiveDurationTooShort); the module
    fails with Graph's own message and says from when deactivation is possible.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
attributes:
  check_mode:
    support: full
    description: Reads and checks everything, reports what it would request, and sends no write.
  diff_mode:
    support: none
    description: Nothing to diff; RV(activation) shows the access after the run.
options:
  group:
    description:
      - The group, by display name or object id (prefix V(group:) is accepted).
      - An unknown name fails before any request, with the closest group names.
    type: str
    required: true
  access:
    description:
      - V(member) activates membership of the group, V(owner) its ownership.
    type: str
    choices: [member, owner]
    default: member
  state:
    description:
      - V(active) activates the access (or leaves an activation with enough time left alone).
      - V(inactive) deactivates the user's activation, and cancels an activation request still waiting for
        approval. A standing (assigned) membership or ownership is left alone with a warning.
    type: str
    choices: [active, inactive]
    default: active
  justification:
    description:
      - Why the access is needed; required when the group's settings demand a justification (the default for
        PIM for Groups).
    type: str
  duration:
    description:
      - How long the activation lasts, ISO 8601 (V(PT1H)) or friendly (V(90m), V(2h)), from 5 minutes to 24 hours.
      - Years and months (V(P1M)) are not accepted; their length varies.
      - Defaults to the group's maximum activation duration for that access (V(PT8H) by PIM's default).
    type: str
  ticket_number:
    description: The ticket number, required when the group's settings demand ticket information.
    type: str
  ticket_system:
    description: The ticket system, for example V(ServiceNow).
    type: str
  min_remaining:
    description:
      - An activation with at least this much time left counts as active; set it to how long your work takes.
      - At most 24 hours, the longest any activation lasts.
    type: str
    default: PT15M
  wait_for_approval:
    description:
      - When the activation needs approval, wait until it is approved (then report the activation) or denied
        (then fail), for at most O(wait_timeout) seconds.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the approval with O(wait_for_approval).
    type: int
    default: 600
  poll_interval:
    description: Seconds between two looks at the request while waiting for the approval.
    type: int
    default: 15
notes:
  - The delegated sign-in needs C(PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup),
    C(PrivilegedEligibilitySchedule.Read.AzureADGroup) and, for the pre-checks,
    C(RoleManagementPolicy.Read.AzureADGroup). When the group's settings cannot be read the module warns and
    leaves the checks to PIM; the user's own eligibilities are always readable (C(filterByCurrentUser)).
  - Whether the token satisfies MFA is read from its C(amr) claim, as PIM does; a password sign-in never
    carries C(mfa).
  - Use a C(block) with an C(always) section that deactivates the access, so it is dropped even when the work
    fails.
seealso:
  - module: entra.pim.pim_group_activation_info
  - module: entra.pim.pim_role_activation
"""

EXAMPLES = r"""
# After `az login --tenant <tenant>`: PIM for Groups asks for a justification by default.
- name: Become a member of PIM-Exchange-Admins for an hour (and so hold what the group holds)
  entra.pim.pim_group_activation:
    auth_method: azure_cli
    tenant_id: "{{ tenant_id }}"
    group: PIM-Exchange-Admins
    duration: PT1H
    justification: "Change CHG0042: mailbox retention"
    ticket_number: CHG0042
    ticket_system: ServiceNow

- name: Activate ownership of a group and wait for an approver
  entra.pim.pim_group_activation:
    group: PIM-Exchange-Admins
    access: owner
    duration: PT30M
    justification: Incident 4711
    wait_for_approval: true
    wait_timeout: 1800

- name: Leave the group again
  entra.pim.pim_group_activation:
    group: PIM-Exchange-Admins
    state: inactive
"""

RETURN = r"""
status:
  description:
    - V(Active) (the access is active), V(PendingApproval) (waiting for an approver) or V(Inactive).
  returned: success
  type: str
  sample: Active
group:
  description: The group's display name.
  returned: success
  type: str
  sample: PIM-Exchange-Admins
group_id:
  description: The group's object id.
  returned: success
  type: str
access:
  description: V(member) or V(owner).
  returned: success
  type: str
  sample: member
principal_id:
  description: The signed-in user's object id.
  returned: success
  type: str
activation:
  description: The user's active instance of the access after the run; V(null) when not active.
  returned: success
  type: dict
  contains:
    assignment_type:
      description: "V(activated) or V(assigned) (a standing membership or ownership)."
      type: str
    member_type:
      description: "V(direct) or V(group) (eligible through another group)."
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
    remaining:
      description: Time left (ISO 8601 duration); V(null) when permanent.
      type: str
    schedule_id:
      description: The assignment schedule id.
      type: str
    id:
      description: The instance id.
      type: str
  sample: {assignment_type: activated, member_type: direct, start: "2026-03-01T09:00:00Z",
           end: "2026-03-01T10:00:00Z", permanent: false, remaining: PT59M58S}
request:
  description:
    - The schedule request this run sent (or, in check mode, would send), with Graph's answer.
    - V(null) when nothing was needed.
  returned: success
  type: dict
  contains:
    id:
      description: The request id (absent in check mode).
      type: str
    action:
      description: V(selfActivate) or V(selfDeactivate); V(cancel) for a cancelled request.
      type: str
    status:
      description: Graph's status of the request, for example V(Provisioned) or V(PendingApproval).
      type: str
    approval_id:
      description: The approval to review when approval is required.
      type: str
    body:
      description: The request body in check mode.
      type: dict
policy:
  description: The activation settings of the group's access the pre-checks used.
  returned: when readable
  type: dict
graph_requests:
  description: Graph requests made by this run.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent.
      type: int
    writes:
      description: Write operations (0 in check mode).
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
"""

from ansible_collections.entra.pim.plugins.module_utils._activation import activation_durations  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._activation_backend import (  # noqa: E402
    GroupActivationRun,
    GroupSelfActivation,
    RunFailed,
)
from ansible_collections.entra.pim.plugins.module_utils._auth import choose_method  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._graph_paths import GROUP_ACCESS_IDS  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._schedule import ScheduleError  # noqa: E402


def main():
    module = PimModule(dict(
        group=dict(type="str", required=True),
        access=dict(type="str", default="member", choices=list(GROUP_ACCESS_IDS)),
        state=dict(type="str", default="active", choices=["active", "inactive"]),
        justification=dict(type="str"),
        duration=dict(type="str"),
        ticket_number=dict(type="str"),
        ticket_system=dict(type="str"),
        min_remaining=dict(type="str", default="PT15M"),
        wait_for_approval=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        poll_interval=dict(type="int", default=15),
    ), supports_check_mode=True)
    params = module.params
    if not str(params["group"]).strip():
        module.fail("group is empty; give the group's display name or object id")
    try:
        duration, min_remaining = activation_durations(params["duration"], params["min_remaining"])
    except ScheduleError as exc:
        module.fail(str(exc))
    if params["wait_timeout"] < 0 or params["poll_interval"] < 1:
        module.fail("wait_timeout must be 0 or more and poll_interval at least 1 second")
    module.check_auth()
    run = GroupActivationRun(GroupSelfActivation(module.graph()), params, duration, min_remaining, module.check_mode,
                             sign_in=choose_method(module.auth))
    try:
        result = run.ensure_active() if params["state"] == "active" else run.ensure_inactive()
    except (ResolveError, ScheduleError) as exc:
        module.fail(str(exc))
    except RunFailed as exc:
        module.fail(str(exc), **exc.result)
    except Exception as exc:
        module.fail_graph(exc, f"Setting {params['access']} access to group {params['group']!r} {params['state']}")
    for warning in run.warnings:
        module.warn(warning)
    module.exit(**result)


if __name__ == "__main__":
    main()
