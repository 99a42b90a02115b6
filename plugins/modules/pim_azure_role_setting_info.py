#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_azure_role_setting_info
short_description: Read the PIM settings of Azure resource roles at one or more scopes
version_added: 0.1.0
description:
  - Returns the Privileged Identity Management settings of Azure roles at management groups, subscriptions,
    resource groups or resources, covering every rule of each role's policy.
  - The settings come back in exactly the shape M(entra.pim.pim_azure_role_setting) accepts, with approvers as
    names it resolves again (a user principal name, V(group:Display Name), or a prefixed id), and
    RV(role_settings) applies them back in one call.
  - Reads each scope in bulk, its policy assignments, its policies and its role definitions, one paged list each,
    whatever the number of roles (never one read per role), then one Microsoft Graph read for the approvers' names.
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
      - Left out (and without O(scopes) or O(all_subscriptions)), the subscription of O(subscription_id) (or
        E(AZURE_SUBSCRIPTION_ID)).
      - An unknown scope fails naming it and the closest names.
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
      - The roles to read at each scope, by name, GUID or full role definition id; V(all) or left out, every role
        with a PIM policy at the scope.
      - An unknown name fails with the closest role names.
    type: list
    elements: str
notes:
  - Needs C(Microsoft.Authorization/*/read) at the scopes (Reader, for example), and read access to the
    subscriptions and resource groups named. The approvers' names are read from Microsoft Graph
    (C(Directory.Read.All), or C(User.Read.All) and C(Group.Read.All)); without it they are given as
    V(user:<id>) / V(group:<id>), which M(entra.pim.pim_azure_role_setting) accepts too.
seealso:
  - module: entra.pim.pim_azure_role_setting
  - module: entra.pim.pim_azure_scope_info
  - module: entra.pim.pim_role_setting_info
"""

EXAMPLES = r"""
- name: Read the settings of every role at the Production subscription
  entra.pim.pim_azure_role_setting_info:
    scope: Production
  register: production

- name: Show how Owner is activated there
  ansible.builtin.debug:
    var: production.policies | selectattr('role', 'equalto', 'Owner') | map(attribute='settings.activation')

- name: Owner and User Access Administrator on every subscription the app can see
  entra.pim.pim_azure_role_setting_info:
    all_subscriptions: true
    roles: [Owner, User Access Administrator]
  register: privileged

- name: Apply the Production settings back after a change made by hand
  entra.pim.pim_azure_role_setting:
    role_settings: "{{ production.role_settings }}"
"""

RETURN = r"""
policies:
  description: One entry per role and scope read, scope by scope in the order given, roles by name.
  returned: success
  type: list
  elements: dict
  contains:
    role:
      description: The role's name.
      type: str
      sample: Owner
    role_id:
      description: The role definition's GUID.
      type: str
      sample: 8e3af657-a8ff-443c-a75c-2fe8c4bcb635
    role_definition_id:
      description: The full role definition id, as read at the scope.
      type: str
    scope:
      description: The scope's ARM id.
      type: str
      sample: /subscriptions/4f2a1c3e-1111-4aaa-8bbb-000000000001
    scope_name:
      description: The scope's display name.
      type: str
      sample: Production
    policy_id:
      description: The full id of the role management policy.
      type: str
    settings:
      description:
        - Every setting of the policy, in the shape of the options of M(entra.pim.pim_azure_role_setting)
          (O(entra.pim.pim_azure_role_setting#module:activation),
          O(entra.pim.pim_azure_role_setting#module:eligible_assignment),
          O(entra.pim.pim_azure_role_setting#module:active_assignment),
          O(entra.pim.pim_azure_role_setting#module:notifications)).
        - Durations are canonical ISO 8601, lists are sorted.
      type: dict
role_settings:
  description:
    - The same settings grouped by scope and identical settings, in the shape of
      O(entra.pim.pim_azure_role_setting#module:role_settings), so an export is applied back in one call.
    - Roles are given by GUID (a built-in role has the same GUID everywhere), scopes by ARM id.
  returned: success
  type: list
  elements: dict
  sample:
    - roles: [8e3af657-a8ff-443c-a75c-2fe8c4bcb635]
      scope: /subscriptions/4f2a1c3e-1111-4aaa-8bbb-000000000001
      activation: {max_duration: PT8H, require_justification: true}
      eligible_assignment: {allow_permanent: false, max_duration: P365D}
scopes:
  description: The scopes read, resolved.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The scope's ARM id.
      type: str
    kind:
      description: V(managementGroup), V(subscription), V(resourceGroup) or V(resource).
      type: str
    display_name:
      description: The scope's display name.
      type: str
arm_requests:
  description: Resource Manager requests made by this run.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent, retries included.
      type: int
    writes:
      description: Always 0.
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
graph_requests:
  description: Microsoft Graph requests made by this run (the approvers' names).
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent.
      type: int
    writes:
      description: Always 0.
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
"""

from ansible_collections.entra.pim.plugins.module_utils._arm_policy import settings_entries_of  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._arm_role_settings import (  # noqa: E402
    policy_entries,
    read_targets,
)
from ansible_collections.entra.pim.plugins.module_utils._arm_scopes import ScopeError, ScopeResolver  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._role_settings import SECTIONS  # noqa: E402


def main():
    module = PimModule(dict(scope=dict(type="str"), scopes=dict(type="list", elements="str"),
                            all_subscriptions=dict(type="bool", default=False),
                            roles=dict(type="list", elements="str")),
                       arm=True, supports_check_mode=True,
                       mutually_exclusive=[("scope", "scopes", "all_subscriptions")])
    params = module.params
    refs = [r for r in params["roles"] or [] if str(r).strip()] or ["all"]
    if params["scopes"] is not None and not [s for s in params["scopes"] if str(s).strip()]:
        module.fail("scopes: give at least one scope, nothing was read")
    if not (params["scope"] or params["scopes"] or params["all_subscriptions"] or module.default_subscription):
        module.fail("no scope given and no default subscription: set scope, scopes or all_subscriptions, or "
                    "subscription_id (or AZURE_SUBSCRIPTION_ID); nothing was read")
    module.check_auth()
    arm = module.arm()
    graph = module.graph()
    resolver = ScopeResolver(arm, module.default_subscription)
    try:
        if params["all_subscriptions"]:
            scope_refs = [f"/subscriptions/{s['subscriptionId']}" for s in resolver.subscriptions()]
        else:
            scope_refs = params["scopes"] or [params["scope"]]
        groups = [{"roles": refs, "scope": ref} for ref in dict.fromkeys(scope_refs)]
        group_pairs, scopes = read_targets(arm, resolver, groups)
    except ScopeError as exc:
        module.fail(str(exc))
    except Exception as exc:
        module.fail_graph(exc, "Reading the PIM settings of the Azure roles")
    pairs = [pair for pairs in group_pairs for pair in pairs]
    try:
        entries = policy_entries(graph, pairs, module.warn)
    except GraphCallError as err:
        module.fail_graph(err, "Reading the approvers' names")
    read = list({s["id"]: {"id": s["id"], "kind": s["kind"], "display_name": s.get("display_name")}
                 for s in scopes}.values())
    module.exit(changed=False, policies=entries, scopes=read, role_settings=settings_entries_of(entries, SECTIONS))


if __name__ == "__main__":
    main()
