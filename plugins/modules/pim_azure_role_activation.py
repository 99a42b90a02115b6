#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_azure_role_activation
short_description: Activate or deactivate an eligible Azure resource role for the signed-in user (PIM)
version_added: 0.2.0
description:
  - Activates an Azure role (Owner, Contributor, a custom role ...) that the signed-in user is eligible for
    through Privileged Identity Management on a management group, subscription, resource group or resource,
    with a justification, a duration and ticket information, or deactivates it again, so a playbook holds a
    privileged Azure role only while it works.
  - The same checks, options and results as M(entra.pim.pim_role_activation), for Azure resource roles, through
    Azure Resource Manager (C(Microsoft.Authorization) API version 2020-10-01, C(roleAssignmentScheduleRequests)
    with C(requestType) C(SelfActivate), C(SelfDeactivate) or C(SelfExtend)).
  - Acts for the signed-in user, so it needs a delegated (user) sign-in, with O(auth_method=azure_cli) after
    C(az login), or a user's Azure Resource Manager token in O(access_token). An application cannot activate.
  - Idempotent. A role already active at the scope with at least O(min_remaining) left is reported unchanged;
    with less time left, O(extend=true) asks PIM to extend it. An activation already waiting for approval is not
    asked twice.
  - An eligibility on a scope covers the scopes below it; the module activates at O(scope) and links the
    request to the eligibility at that scope or, when there is none, to the nearest one above it.
  - Before sending anything, checks that the scope exists, the role's activation settings at that scope (MFA,
    authentication context, justification, ticket, maximum duration) and the user's eligibility, and fails with
    every reason PIM would refuse. When the settings cannot be read (ARM answers 403), the module warns and lets
    PIM decide.
  - When the role needs approval, the request ends in RV(status=PendingApproval), and the module can wait for
    the approval with O(wait_for_approval).
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
  - entra.pim.azure
attributes:
  check_mode:
    support: full
    description: Reads and checks everything, reports the request it would send, and sends no write.
  diff_mode:
    support: none
    description: Nothing to diff; RV(activation) shows the role's state after the run.
options:
  role:
    description:
      - The Azure role, by display name (V(Contributor)), role definition GUID, or full role definition id,
        resolved against the role definitions at O(scope) (custom roles included).
      - An unknown name fails before any request, with the closest role names.
    type: str
    required: true
  scope:
    description:
      - Where to activate the role, as an ARM id (V(/subscriptions/{id}), V(/subscriptions/{id}/resourceGroups/{name}),
        a resource id, V(/providers/Microsoft.Management/managementGroups/{id})) or a friendly form
        (V(Production) for a subscription by display name or id, V(Production/rg-app) for a resource group in it,
        V(mg:Landing Zones) for a management group by display name or id).
      - Left out, the subscription of O(subscription_id) (or E(AZURE_SUBSCRIPTION_ID)).
      - The scope must exist; an unknown one fails before any request, with the closest names.
    type: str
  state:
    description:
      - V(active) activates the role (or leaves an activation with enough time left alone).
      - V(inactive) deactivates the user's activation of the role at the scope, and cancels an activation request
        still waiting for approval. A standing (assigned) role is left alone with a warning.
    type: str
    choices: [active, inactive]
    default: active
  justification:
    description:
      - Why the role is needed; required when the role's settings at the scope demand a justification (Azure's
        default for every role).
    type: str
  duration:
    description:
      - How long the activation lasts, ISO 8601 (V(PT1H)) or friendly (V(90m), V(2h)), from 5 minutes to 24 hours.
      - Years and months (V(P1M)) are not accepted; their length varies.
      - Defaults to the role's maximum activation duration at the scope (V(PT8H) by Azure's default).
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
      - When the role is active with less than O(min_remaining) left, ask PIM to extend it (C(SelfExtend)), which
        an administrator decides. Without it the module warns and changes nothing.
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
  - An eligible user may activate and deactivate their own role without any Azure RBAC right of their own; the
    pre-checks read the role's policy at the scope (C(Microsoft.Authorization/roleManagementPolicies/read), which
    Reader has). Without it the module warns and leaves the checks to PIM.
  - Whether the token satisfies MFA is read from its C(amr) claim, as PIM does; a password sign-in never carries
    C(mfa).
  - Use a C(block) with an C(always) section that deactivates the role, so it is dropped even when the work fails.
seealso:
  - module: entra.pim.pim_azure_activation_info
  - module: entra.pim.pim_role_activation
"""

EXAMPLES = r"""
# After `az login --tenant <tenant>` with MFA: the Azure CLI's token carries MFA.
- name: Become Contributor on a resource group for an hour
  entra.pim.pim_azure_role_activation:
    auth_method: azure_cli
    tenant_id: "{{ tenant_id }}"
    role: Contributor
    scope: Production/rg-app
    duration: PT1H
    justification: "Change CHG0042: scale the app service plan"
    ticket_number: CHG0042
    ticket_system: ServiceNow

- name: Activate Owner on a subscription and wait for an approver
  entra.pim.pim_azure_role_activation:
    auth_method: azure_cli
    role: Owner
    scope: /subscriptions/00000000-0000-0000-0000-000000000000
    duration: PT1H
    justification: Incident 4711
    wait_for_approval: true
    wait_timeout: 1800

- name: Drop the role again
  entra.pim.pim_azure_role_activation:
    auth_method: azure_cli
    role: Contributor
    scope: Production/rg-app
    state: inactive
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
  sample: Contributor
role_id:
  description: The role definition's GUID (the same at every scope for a built-in role).
  returned: success
  type: str
  sample: b24988ac-6180-42a0-ab88-20f7382dd24c
role_definition_id:
  description: The full role definition id at the scope.
  returned: success
  type: str
scope:
  description: The ARM id of the scope.
  returned: success
  type: str
  sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app
principal_id:
  description: The signed-in user's object id.
  returned: success
  type: str
activation:
  description: The user's active instance of the role at the scope after the run; V(null) when not active.
  returned: success
  type: dict
  contains:
    assignment_type:
      description: "V(activated) or V(assigned) (a standing assignment)."
      type: str
    member_type:
      description: "V(direct), V(group) (eligible through a group) or V(inherited)."
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
      description: The role assignment schedule id.
      type: str
    id:
      description: The instance id.
      type: str
  sample: {assignment_type: activated, member_type: direct, start: "2026-03-01T09:00:00Z",
           end: "2026-03-01T10:00:00Z", permanent: false, remaining: PT59M58S}
request:
  description:
    - The schedule request this run sent (or, in check mode, would send), with ARM's answer.
    - V(null) when nothing was needed.
  returned: success
  type: dict
  contains:
    id:
      description: The request's ARM id (absent in check mode).
      type: str
    action:
      description: V(selfActivate), V(selfDeactivate) or V(selfExtend); V(cancel) for a cancelled request.
      type: str
    status:
      description: ARM's status of the request, for example V(Provisioned) or V(PendingApproval).
      type: str
    approval_id:
      description: The approval to review when approval is required.
      type: str
    body:
      description:
        - The request's ARM properties in check mode (C(requestType), C(roleDefinitionId), C(principalId),
          C(linkedRoleEligibilityScheduleId), C(scheduleInfo), C(justification), C(ticketInfo)).
      type: dict
policy:
  description:
    - The role's activation settings at the scope that the pre-checks used (as M(entra.pim.pim_role_setting_info)
      shows C(settings.activation)).
  returned: when readable
  type: dict
arm_requests:
  description: Azure Resource Manager requests made by this run.
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
    run_activation,
)
from ansible_collections.entra.pim.plugins.module_utils._arm_activation_backend import (  # noqa: E402
    AzureActivationRun,
    AzureSelfActivation,
)
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402


def main():
    module = PimModule(dict(
        role=dict(type="str", required=True),
        scope=dict(type="str"),
        extend=dict(type="bool", default=False),
        **ACTIVATION_OPTIONS,
    ), arm=True, supports_check_mode=True)
    if not str(module.params["role"]).strip():
        module.fail("role is empty; give the role to activate, by name (Contributor), GUID or role definition id")
    run_activation(module, AzureActivationRun, AzureSelfActivation,
                   f"role {module.params['role']!r} at scope {module.params['scope']!r}")


if __name__ == "__main__":
    main()
