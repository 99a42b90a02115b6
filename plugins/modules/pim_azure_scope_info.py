#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_azure_scope_info
short_description: List the Azure management groups, subscriptions and resource groups an identity can see
version_added: 0.1.0
description:
  - Discovery for the Azure resource modules, so a baseline or a scan can cover "every subscription of this
    tenant" without listing them, the subscriptions the identity can see, the management groups with their
    hierarchy (which group each subscription and group sits under), and optionally each subscription's resource
    groups.
  - Resource Manager shows an identity only the subscriptions and management groups it holds a role on (at them or
    above); a Reader role at the tenant root group sees them all.
  - Reads one list of subscriptions, one of management groups and the root group's hierarchy, and with
    O(resource_groups) one list per subscription.
  - Checks a scope too, O(scope) resolves one scope in any form the other Azure modules take and fails, naming it
    and the closest names, when it does not exist.
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
      - A scope to resolve and return in RV(scope), in any form of the Azure modules (ARM id, V(Production),
        V(Production/rg-app), V(Production/rg-app/kv-app), V(mg:Landing Zones)).
      - Left out, no scope is resolved (the default subscription is not implied here).
    type: str
  management_groups:
    description:
      - List the management groups and their hierarchy. When the identity may not read them, the subscriptions
        are listed all the same, with a warning.
    type: bool
    default: true
  resource_groups:
    description:
      - List each subscription's resource groups too (one request per subscription).
    type: bool
    default: false
notes:
  - Needs read access (C(*/read), for example Reader) on the subscriptions and management groups to list; the
    hierarchy needs it on the tenant root group.
seealso:
  - module: entra.pim.pim_azure_role_setting_info
  - module: entra.pim.pim_azure_role_setting
"""

EXAMPLES = r"""
- name: Every subscription and management group the app can see
  entra.pim.pim_azure_scope_info:
  register: azure

- name: Read the Owner settings on each of them
  entra.pim.pim_azure_role_setting_info:
    scopes: "{{ azure.subscriptions | map(attribute='id') }}"
    roles: [Owner]

- name: Subscriptions under the Landing Zones management group, with their resource groups
  entra.pim.pim_azure_scope_info:
    resource_groups: true
  register: landing

- name: Show them
  ansible.builtin.debug:
    msg: "{{ landing.subscriptions | selectattr('management_group_id', 'equalto', landing_zones)
             | map(attribute='display_name') }}"
  vars:
    landing_zones: /providers/Microsoft.Management/managementGroups/mg-landingzones

- name: Check that a resource group exists
  entra.pim.pim_azure_scope_info:
    scope: Production/rg-app
    management_groups: false
"""

RETURN = r"""
subscriptions:
  description: The subscriptions the identity can see, in Resource Manager's order.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The subscription's ARM id, V(/subscriptions/<id>).
      type: str
    subscription_id:
      description: The subscription's id (a GUID).
      type: str
    display_name:
      description: The subscription's display name.
      type: str
      sample: Production
    state:
      description: V(Enabled), V(Disabled), V(Warned), V(PastDue) or V(Deleted).
      type: str
    tenant_id:
      description: The tenant the subscription belongs to.
      type: str
    management_group_id:
      description: The ARM id of the management group directly above, V(null) when unknown (hierarchy not readable).
      type: str
    resource_groups:
      description: The subscription's resource groups (O(resource_groups)).
      type: list
      elements: dict
      returned: with O(resource_groups)
      sample: [{id: /subscriptions/4f2a1c3e-1111-4aaa-8bbb-000000000001/resourceGroups/rg-app, name: rg-app,
                location: westeurope}]
management_groups:
  description: The management groups the identity can see (O(management_groups)).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The management group's ARM id.
      type: str
      sample: /providers/Microsoft.Management/managementGroups/mg-landingzones
    name:
      description: The management group's id (its name in the ARM id).
      type: str
      sample: mg-landingzones
    display_name:
      description: The management group's display name.
      type: str
      sample: Landing Zones
    parent_id:
      description: The ARM id of the group directly above; V(null) for the tenant root group or when unknown.
      type: str
scope:
  description: O(scope) resolved.
  returned: when O(scope) is given
  type: dict
  contains:
    id:
      description: The scope's ARM id, as Resource Manager spells it.
      type: str
    kind:
      description: V(managementGroup), V(subscription), V(resourceGroup) or V(resource).
      type: str
    display_name:
      description: The scope's display name.
      type: str
    subscription_id:
      description: The subscription the scope is in (V(null) for a management group).
      type: str
    resource_group:
      description: The resource group the scope is in, or is (V(null) above a resource group).
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
  description: Microsoft Graph requests made by this run; always 0.
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
      description: Always 0.
      type: int
"""

from ansible_collections.entra.pim.plugins.module_utils._arm_scopes import ScopeError, ScopeResolver  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402


def main():
    module = PimModule(dict(scope=dict(type="str"), management_groups=dict(type="bool", default=True),
                            resource_groups=dict(type="bool", default=False)), arm=True, supports_check_mode=True)
    params = module.params
    module.check_auth()
    arm = module.arm()
    resolver = ScopeResolver(arm, module.default_subscription)
    result = {}
    try:
        if params["scope"] is not None and str(params["scope"]).strip():
            found = resolver.scope(params["scope"])
            result["scope"] = {key: found.get(key) for key in ("id", "kind", "display_name", "subscription_id",
                                                               "resource_group")}
        discovered = resolver.discover(resource_groups=params["resource_groups"],
                                       management_groups=params["management_groups"])
    except ScopeError as exc:
        module.fail(str(exc))
    except Exception as exc:
        module.fail_graph(exc, "Listing the Azure scopes")
    for warning in discovered.pop("warnings"):
        module.warn(warning)
    module.exit(changed=False, **discovered, **result)


if __name__ == "__main__":
    main()
