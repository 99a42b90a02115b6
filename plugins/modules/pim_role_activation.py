#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_role_activation
short_description: Activate or deactivate an eligible Microsoft Entra role for the signed-in user (PIM)
version_added: 0.1.0
description:
  - Activates a Microsoft Entra directory role the signed-in user is eligible for through Privileged Identity
    Management (PIM), with a justification, a duration and ticket information, or deactivates it again, so a
    playbook can hold a privileged role only while it works.
  - Acts for the signed-in user, so it needs a delegated (user) sign-in, with O(auth_method=azure_cli) after
    C(az login) (or C(az login --use-device-code)), or a user's token in O(access_token). An application cannot
    activate a role.
  - For a role that requires MFA on activation (the default for most roles), sign in interactively with MFA
    (C(az login)) and use O(auth_method=azure_cli) or pass that token in O(access_token).
    O(auth_method=username_password) cannot carry MFA, and Entra refuses the password grant to users who need
    MFA (C(AADSTS50076)); it only suits users and roles without MFA.
  - Idempotent. A role already active with at least O(min_remaining) left is reported unchanged; with less time
    left, O(extend=true) asks PIM to extend it. An activation already waiting for approval is not asked twice.
  - Before sending anything, checks the role's activation settings (MFA, authentication context, justification,
    ticket, maximum duration) and the user's eligibility, and fails with every reason PIM would refuse.
  - When the role needs approval, the request ends in RV(status=PendingApproval), and the module can wait for
    the approval with O(wait_for_approval).
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
    description: Nothing to diff; RV(activation) shows the role's state after the run.
options:
  role:
    description:
      - The directory role, by display name, template id or id.
      - A display name matches exactly first (custom roles may differ from built-in ones only by case); a
        match that differs only by case is taken when it is the only one, and refused as ambiguous otherwise.
    type: str
    required: true
  scope:
    description:
      - The directory scope of the eligibility, V(/) for the whole tenant, an administrative unit by name or id,
        or V(/administrativeUnits/{id}).
      - An empty string, V(tenant) and V(directory) are refused as ambiguous; write V(/) for the whole tenant.
    type: str
    default: /
  state:
    description:
      - V(active) activates the role (or leaves an activation with enough time left alone).
      - V(inactive) deactivates the user's activation of the role, and cancels an activation request still
        waiting for approval. A standing (assigned) role is left alone with a warning.
    type: str
    choices: [active, inactive]
    default: active
  justification:
    description:
      - Why the role is needed; required when the role's settings demand a justification.
    type: str
  duration:
    description:
      - How long the activation lasts, ISO 8601 (V(PT1H)) or friendly (V(90m), V(2h)), from 5 minutes to 24 hours
        (PIM refuses to end an activation younger than 5 minutes, and no role allows more than 24 hours).
      - Years and months (V(P1M)) are not accepted; their length varies.
      - Defaults to the role's maximum activation duration.
    type: str
  ticket_number:
    description: The ticket number, required when the role's settings demand ticket information.
    type: str
  ticket_system:
    description: The ticket system, for example V(ServiceNow).
    type: str
  min_remaining:
    description:
      - An active role with at least this much time left counts as active; set it to how long your work takes.
      - At most 24 hours, the longest any activation lasts.
    type: str
    default: PT15M
  extend:
    description:
      - When the role is active with less than O(min_remaining) left, ask PIM to extend it (C(selfExtend)),
        which an administrator decides. Without it the module warns and changes nothing.
    type: bool
    default: false
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
  - The delegated sign-in needs the scopes C(RoleAssignmentSchedule.ReadWrite.Directory),
    C(RoleEligibilitySchedule.Read.Directory) and, for the pre-checks, C(RoleManagementPolicy.Read.Directory).
    Reading a role's settings also needs the user to hold an active reader role (Global Reader, Security
    Reader, Security Operator, Security Administrator or Privileged Role Administrator). Without either the
    module warns and leaves the checks to PIM; the user's own eligibilities are always readable.
  - Whether the token satisfies MFA is read from its C(amr) claim, as PIM does; a password sign-in never
    carries C(mfa).
  - Use a C(block) with an C(always) section that deactivates the role, so it is dropped even when the work
    fails; see C(playbooks/activate.yml) in the collection.
seealso:
  - module: entra.pim.pim_activation_info
  - module: entra.pim.pim_role_setting_info
"""

EXAMPLES = r"""
# After `az login --tenant <tenant>` with MFA: the Azure CLI's token carries MFA, as most roles require.
- name: Become Exchange Administrator for an hour
  entra.pim.pim_role_activation:
    auth_method: azure_cli
    tenant_id: "{{ tenant_id }}"
    role: Exchange Administrator
    duration: PT1H
    justification: "Change CHG0042: mailbox retention"
    ticket_number: CHG0042
    ticket_system: ServiceNow

- name: Activate Global Administrator and wait for an approver
  entra.pim.pim_role_activation:
    role: Global Administrator
    duration: PT1H
    justification: Incident 4711
    wait_for_approval: true
    wait_timeout: 1800

- name: Drop the role again
  entra.pim.pim_role_activation:
    role: Exchange Administrator
    state: inactive

- name: Activate with a user token obtained elsewhere (an MFA sign-in), e.g. from a vault
  entra.pim.pim_role_activation:
    auth_method: access_token
    access_token: "{{ user_graph_token }}"
    role: Exchange Administrator
    duration: PT30M
    justification: Quarterly access review
"""

RETURN = r"""
status:
  description:
    - V(Active) (the role is active), V(PendingApproval) (waiting for an approver), V(PendingAdminDecision)
      (an extension waiting for an administrator) or V(Inactive).
  returned: success
  type: str
  sample: Active
role:
  description: The role's display name.
  returned: success
  type: str
  sample: Exchange Administrator
role_id:
  description: The role definition id.
  returned: success
  type: str
scope:
  description: The directory scope id.
  returned: success
  type: str
  sample: /
principal_id:
  description: The signed-in user's object id.
  returned: success
  type: str
activation:
  description: The user's active instance of the role after the run; V(null) when not active.
  returned: success
  type: dict
  contains:
    assignment_type:
      description: "V(activated) or V(assigned) (a standing assignment)."
      type: str
    member_type:
      description: "V(direct) or V(group) (eligible through a group)."
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
      description: V(selfActivate), V(selfDeactivate) or V(selfExtend); V(cancel) for a cancelled request.
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
  description: The role's activation settings the pre-checks used (as M(entra.pim.pim_role_setting_info) shows them).
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

from ansible_collections.entra.pim.plugins.module_utils._activation_backend import (  # noqa: E402
    ACTIVATION_OPTIONS,
    ActivationRun,
    SelfActivation,
    run_activation,
)
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402


def main():
    module = PimModule(dict(
        role=dict(type="str", required=True),
        scope=dict(type="str", default="/"),
        extend=dict(type="bool", default=False),
        **ACTIVATION_OPTIONS,
    ), supports_check_mode=True)
    run_activation(module, ActivationRun, SelfActivation, f"role {module.params['role']!r}")


if __name__ == "__main__":
    main()
