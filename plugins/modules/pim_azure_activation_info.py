#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_azure_activation_info
short_description: Read eligible, active, activated and pending Azure resource roles (PIM)
version_added: 0.2.0
description:
  - Returns the eligible and the active assignments of Azure roles (Owner, Contributor, custom roles ...) at
    management group, subscription, resource group and resource scopes, read from Privileged Identity
    Management's schedule instances through Azure Resource Manager (C(Microsoft.Authorization) 2020-10-01).
  - Active assignments are told apart as standing assignments (C(assignment_type=assigned)) and just-in-time
    activations (C(assignment_type=activated)), each with its start and end, whether it is permanent, whether it
    was made outside PIM (a classic role assignment), and whether it applies through inheritance from a scope
    above (C(inherited), C(inherited_from)).
  - Optionally returns the activation requests waiting for approval.
  - The same row shape as M(entra.pim.pim_activation_info), with C(scope) an ARM id and C(role_id) the role
    definition's GUID.
  - Reads in bulk, per scope one list of eligibility instances, one of assignment instances and one of requests,
    whatever the number of roles and principals (ARM answers a list at a scope with what is at, above and below
    it, and names roles and principals in its C(expandedProperties)).
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
  - entra.pim.azure
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
options:
  scope:
    description:
      - One scope to read, as an ARM id (V(/subscriptions/<id>), V(/subscriptions/<id>/resourceGroups/<name>),
        V(/providers/Microsoft.Management/managementGroups/<id>), a resource id) or a friendly form
        (V(Production), V(Production/rg-app), V(Production/rg-app/kv-app), V(mg:Landing Zones)).
      - A scope returns what is held at it and below it, and what applies to it by inheritance from a scope above
        (marked C(inherited)).
      - Left out (and without O(scopes) or O(all_subscriptions)), the subscription of O(subscription_id) (or
        E(AZURE_SUBSCRIPTION_ID)).
      - An unknown scope fails before any other read, naming it and the closest names.
      - Mutually exclusive with O(scopes) and O(all_subscriptions).
    type: str
  scopes:
    description:
      - Several scopes to read in one run, in the forms of O(scope).
    type: list
    elements: str
  all_subscriptions:
    description:
      - Read every subscription the identity can see (as M(entra.pim.pim_azure_scope_info) lists them).
    type: bool
    default: false
  roles:
    description:
      - Only these roles, by display name, role definition GUID or full id (resolved at the first scope read).
      - Leave out for every role.
    type: list
    elements: str
  principals:
    description:
      - Only these principals, by object id, or by user principal name, group or service principal display name
        (names are resolved through Microsoft Graph, so the identity then needs Graph read permissions as for
        M(entra.pim.pim_activation_info); object ids need none).
    type: list
    elements: str
  mine:
    description:
      - Read the signed-in user's own rows (C($filter=asTarget())); needs a delegated (user) sign-in.
      - Cannot be combined with O(principals).
    type: bool
    default: false
  pending_requests:
    description:
      - Also return the activation requests waiting for approval (status C(PendingApproval)).
      - When ARM refuses to list requests, the module warns and returns RV(pending_requests) as V(null).
    type: bool
    default: true
notes:
  - Needs C(Microsoft.Authorization/roleEligibilityScheduleInstances/read),
    C(Microsoft.Authorization/roleAssignmentScheduleInstances/read) and
    C(Microsoft.Authorization/roleAssignmentScheduleRequests/read) at each scope (Reader's
    C(Microsoft.Authorization/*/read) has them); with O(mine), a signed-in user reads their own rows without any
    right of their own.
  - State is read from schedule instances, never from schedule requests.
seealso:
  - module: entra.pim.pim_azure_role_activation
  - module: entra.pim.pim_activation_info
"""

EXAMPLES = r"""
- name: Who may become, and who is, Owner or Contributor in the Production subscription
  entra.pim.pim_azure_activation_info:
    scope: Production
    roles: [Owner, Contributor]
  register: production

- name: Show who is activated right now, and until when
  ansible.builtin.debug:
    msg: "{{ item.principal }} is {{ item.role }} on {{ item.scope }} until {{ item.end }}"
  loop: "{{ production.active | selectattr('assignment_type', 'equalto', 'activated') }}"
  loop_control:
    label: "{{ item.principal }}"

- name: Standing access in every subscription the app can see
  entra.pim.pim_azure_activation_info:
    all_subscriptions: true
    pending_requests: false
  register: everywhere

- name: What the signed-in user may activate
  entra.pim.pim_azure_activation_info:
    auth_method: azure_cli
    mine: true
    scope: Production/rg-app
"""

RETURN = r"""
scopes:
  description: The scopes read, in order, each with C(id) (ARM id), C(kind) and C(display_name).
  returned: success
  type: list
  elements: dict
  sample: [{id: /subscriptions/00000000-0000-0000-0000-000000000000, kind: subscription, display_name: Production}]
eligible:
  description: Eligible assignments (who may activate which role where), sorted by scope, role and principal.
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
    role:
      description: The role's display name.
      type: str
      sample: Contributor
    role_id:
      description: The role definition's GUID.
      type: str
      sample: b24988ac-6180-42a0-ab88-20f7382dd24c
    role_definition_id:
      description: The full role definition id, as ARM gave it.
      type: str
    scope:
      description: Where the row applies (ARM id); for an inherited row, the scope it was read at.
      type: str
    inherited:
      description: Whether the row is held at a scope above RV(eligible[].scope) and applies there by inheritance.
      type: bool
    inherited_from:
      description: The scope the row is held at, for an inherited row; V(null) otherwise.
      type: str
    principal:
      description: The user principal name of a user, else the display name.
      type: str
    principal_id:
      description: The principal's object id.
      type: str
    principal_type:
      description: V(user), V(group) or V(servicePrincipal).
      type: str
    principal_display_name:
      description: The principal's display name.
      type: str
    member_type:
      description: V(direct), V(group) (held through a group) or V(inherited).
      type: str
    via_group:
      description: For V(group) rows, the group (or comma-separated groups) holding the same role directly.
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
    - Active assignments, with the same keys as RV(eligible).
    - C(assignment_type) is V(assigned) for a standing assignment and V(activated) for a just-in-time activation;
      C(outside_pim) is V(true) for a role assignment made outside PIM.
  returned: success
  type: list
  elements: dict
  sample:
    - kind: active
      assignment_type: activated
      role: Contributor
      scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app
      principal: victor.ops@contoso.onmicrosoft.com
      member_type: direct
      inherited: false
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
      description: The request's ARM id.
      type: str
    status:
      description: "V(PendingApproval)."
      type: str
    action:
      description: The request type, in Graph's words (V(selfActivate)).
      type: str
    role:
      description: The role's display name.
      type: str
    role_id:
      description: The role definition's GUID.
      type: str
    role_definition_id:
      description: The full role definition id.
      type: str
    scope:
      description: The scope of the request.
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
      description: The approval to review.
      type: str
summary:
  description: Counts of the rows returned; C(inherited) counts eligible and active rows applying by inheritance.
  returned: success
  type: dict
  sample: {eligible: 3, assigned: 2, activated: 1, permanent_active: 2, outside_pim: 1, pending_requests: 0,
           inherited: 1}
arm_requests:
  description: Azure Resource Manager requests made by this run.
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
from ansible_collections.entra.pim.plugins.module_utils._arm_activation_backend import (  # noqa: E402
    AzureActivityReader,
)
from ansible_collections.entra.pim.plugins.module_utils._arm_scopes import (  # noqa: E402
    ScopeError,
    ScopeResolver,
    is_guid,
    role_guid,
)
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver  # noqa: E402


def main():
    module = PimModule(dict(
        scope=dict(type="str"),
        scopes=dict(type="list", elements="str"),
        all_subscriptions=dict(type="bool", default=False),
        roles=dict(type="list", elements="str"),
        principals=dict(type="list", elements="str"),
        mine=dict(type="bool", default=False),
        pending_requests=dict(type="bool", default=True),
    ), arm=True, supports_check_mode=True, mutually_exclusive=[("scope", "scopes", "all_subscriptions")])
    params = module.params
    role_refs = [r for r in params["roles"] or [] if str(r).strip()]
    principal_refs = [p for p in params["principals"] or [] if str(p).strip()]
    if params["scopes"] is not None and not [s for s in params["scopes"] if str(s).strip()]:
        module.fail("scopes: give at least one scope, nothing was read")
    if params["mine"] and principal_refs:
        module.fail("mine and principals cannot be combined: mine reads the signed-in user's own rows")
    if not (params["scope"] or params["scopes"] or params["all_subscriptions"] or module.default_subscription):
        module.fail("no scope given and no default subscription: set scope, scopes or all_subscriptions, or "
                    "subscription_id (or AZURE_SUBSCRIPTION_ID); nothing was read")
    module.check_auth()
    arm = module.arm()
    resolver = ScopeResolver(arm, module.default_subscription)
    reader = AzureActivityReader(arm, resolver)
    try:
        if params["all_subscriptions"]:
            refs = [f"/subscriptions/{s['subscriptionId']}" for s in resolver.subscriptions()]
        else:
            refs = [s for s in params["scopes"] or [params["scope"]] if params["scope"] or str(s).strip()]
        # Every scope is resolved (so checked to exist) and every role matched before the first list is read.
        found = resolver.scopes(list(dict.fromkeys(refs)))
        scopes = list({s["id"].lower(): s for s in (found["" if r is None else str(r)] for r in refs)}.values())
        role_ids = None
        if role_refs and scopes:
            role_ids = [role_guid(d.get("name") or d["id"]) for d in resolver.roles(scopes[0], role_refs).values()]
        principal_ids = None
        if principal_refs:
            # Object ids need no directory read; names are resolved through Graph, in one bulk read.
            names = [p for p in principal_refs if not is_guid(p)]
            named = Resolver(module.graph()).principals(names) if names else {}
            principal_ids = [str(p).strip().lower() if is_guid(p) else named[p]["id"] for p in principal_refs]
        result, warnings = reader.read([s["id"] for s in scopes], role_ids, principal_ids, params["mine"],
                                       params["pending_requests"])
    except (ScopeError, ResolveError) as exc:
        module.fail(str(exc))
    except Exception as exc:
        module.fail_graph(exc, "Reading Azure resource role assignments and activations")
    for warning in warnings:
        module.warn(warning)
    result["summary"] = summarize(result["eligible"], result["active"], result["pending_requests"])
    result["summary"]["inherited"] = sum(1 for row in result["eligible"] + result["active"] if row["inherited"])
    read = [{"id": s["id"], "kind": s["kind"], "display_name": s.get("display_name")} for s in scopes]
    module.exit(changed=False, scopes=read, **result)


if __name__ == "__main__":
    main()
