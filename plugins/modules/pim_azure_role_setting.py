#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_azure_role_setting
short_description: Set the PIM settings of Azure resource roles at a management group, subscription or resource group
version_added: 0.1.0
description:
  - Sets how Azure roles (Owner, Contributor, User Access Administrator, custom roles ...) may be activated and
    assigned in Privileged Identity Management for Azure resources, at a management group, a subscription, a
    resource group or a resource, for one role, several, or every role at the scope.
  - Covers every rule of an Azure role's PIM policy, the same 17 rules as a directory role's, with the very
    settings of M(entra.pim.pim_role_setting), activation (maximum duration, MFA, justification, ticket,
    Conditional Access authentication context, approval and approvers), eligible and active assignments
    (permanent or not, maximum duration, MFA, justification) and the nine notification rules.
  - Only the settings given are changed; everything left out stays as it is. Durations are compared
    normalised (V(PT60M) equals V(PT1H)) and lists as sets, so a second run reports no change and writes nothing.
  - Every input is checked before the first request; every scope is resolved (so checked to exist) and every
    role matched at its scope before the first write, and every combination with the current policy too.
  - Each scope's policies are read in bulk (its policy assignments and its policies, one paged list each), never
    one read per role; writes are one PATCH per changed policy, carrying only the changed rules.
  - M(entra.pim.pim_azure_role_setting_info) returns the settings in exactly the shape this module accepts.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
  - entra.pim.azure
  - entra.pim.policy_settings.azure
attributes:
  check_mode:
    support: full
    description: Reads the scopes and policies and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the settings of each changed policy before and after.
options:
  # The settings options (activation, eligible_assignment, active_assignment, notifications) and
  # role_settings come from the entra.pim.policy_settings.azure fragment; scope from entra.pim.azure.
  roles:
    description:
      - The Azure roles to configure at O(scope), by name (V(Owner); exact case first, a case-only match when
        unique), role definition GUID or full role definition id. Custom roles are found at the scopes they are
        assignable at.
      - V(all) configures every role that has a PIM policy at the scope.
      - An unknown name fails before anything is written, with the closest role names.
      - Required unless O(role_settings) is given; mutually exclusive with it.
    type: list
    elements: str
notes:
  - Needs, at the scope or above, C(Microsoft.Authorization/roleManagementPolicies/write) and
    C(Microsoft.Authorization/*/read) (for example User Access Administrator, Role Based Access Control
    Administrator, Owner, or a custom role with these actions; only the read actions in check mode), and read
    access to the subscriptions and resource groups named. Approvers given by name are looked up in Microsoft
    Graph (C(User.Read.All) and C(Group.Read.All), or C(Directory.Read.All)).
  - A failed write names each policy that failed with Resource Manager's code and request-id, and those that
    were applied.
seealso:
  - module: entra.pim.pim_azure_role_setting_info
  - module: entra.pim.pim_azure_scope_info
  - module: entra.pim.pim_role_setting
  - name: Configure Azure resource role settings in Privileged Identity Management
    description: Microsoft's description of the settings.
    link: https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-resource-roles-configure-role-settings
  - name: Role Management Policies - Update
    description: The Resource Manager operation this module uses to write.
    link: https://learn.microsoft.com/rest/api/authorization/role-management-policies/update
"""

EXAMPLES = r"""
- name: Owner on the Production subscription - MFA, justification and approval, one-hour activations
  entra.pim.pim_azure_role_setting:
    scope: Production
    roles: [Owner]
    activation:
      max_duration: 1h
      require_mfa: true
      require_justification: true
      require_approval: true
      approvers: [group:PIM-Approvers-Tier0]
    active_assignment:
      allow_permanent: false
      max_duration: 30d

- name: Contributor on a resource group - eligibility for at most 90 days
  entra.pim.pim_azure_role_setting:
    scope: Production/rg-app
    roles: [Contributor]
    eligible_assignment:
      allow_permanent: false
      max_duration: 90d

- name: Tiers at several scopes in one run
  entra.pim.pim_azure_role_setting:
    role_settings:
      - name: tier0
        scope: mg:Landing Zones
        roles: [Owner, User Access Administrator]
        activation:
          max_duration: 1h
          require_approval: true
          approvers: [group:PIM-Approvers-Tier0]
      - name: development
        scope: Development
        roles: [Contributor]
        activation:
          max_duration: 4h
          require_justification: true
  register: tiers

- name: Read the settings of every role at Production
  entra.pim.pim_azure_role_setting_info:
    scope: Production
  register: exported

- name: Apply them back in one run
  entra.pim.pim_azure_role_setting:
    role_settings: "{{ exported.role_settings }}"
"""

RETURN = r"""
policies:
  description: One entry per targeted policy (a role at a scope).
  returned: success, and on a failed write
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
      sample: "/subscriptions/4f2a1c3e-1111-4aaa-8bbb-000000000001/providers/Microsoft.Authorization/roleDefinitions/\
        8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    scope:
      description: The scope's ARM id, as Resource Manager spells it.
      type: str
      sample: /subscriptions/4f2a1c3e-1111-4aaa-8bbb-000000000001
    scope_name:
      description: The scope's display name (the subscription's, the management group's, the resource group's name).
      type: str
      sample: Production
    changed:
      description: Whether the policy was (or in check mode would be) changed.
      type: bool
    changed_rules:
      description: The ids of the policy rules written (or to be written).
      type: list
      elements: str
      sample: [Approval_EndUser_Assignment, Expiration_EndUser_Assignment]
    changed_settings:
      description: The settings that change, as dotted option names.
      type: list
      elements: str
      sample: [activation.approvers, activation.max_duration, activation.require_approval]
    failed:
      description: Present and V(true) when writing this policy failed.
      type: bool
      returned: on a failed write
    confirmed_by_reread:
      description:
        - Present and V(true) when the answer to this policy's write was lost and a re-read of the policies
          showed the write had landed.
      type: bool
      returned: when a lost answer was settled by a re-read
    groups:
      description: The groups of O(role_settings) that name the policy (their settings were merged).
      type: list
      elements: str
      returned: with O(role_settings)
      sample: ["role_settings[0] (tier0)"]
    before:
      description: All settings of the policy before, in the shape of this module's options.
      type: dict
      returned: diff mode, for changed policies
    after:
      description: All settings of the policy after.
      type: dict
      returned: diff mode, for changed policies
groups:
  description: One entry per group of O(role_settings), in the order given.
  returned: with O(role_settings), on success and on a failed write
  type: list
  elements: dict
  contains:
    name:
      description: The group's O(role_settings[].name), V(null) when it has none.
      type: str
      sample: tier0
    label:
      description: How messages and RV(policies[].groups) name the group.
      type: str
      sample: role_settings[0] (tier0)
    policies:
      description: The group's policies, as V(role at scope name).
      type: list
      elements: str
      sample: ["Owner at Landing Zones"]
    changed:
      description: Whether any policy of the group was (or in check mode would be) changed.
      type: bool
    failed:
      description: Whether writing any policy of the group failed.
      type: bool
diff:
  description: The settings of each changed policy before and after, keyed V(role at scope name).
  returned: diff mode
  type: dict
errors:
  description: Resource Manager's answer for each policy whose write failed.
  returned: on a failed write
  type: list
  elements: dict
  sample: [{role: Owner, scope: /subscriptions/4f2a1c3e-1111-4aaa-8bbb-000000000001, status: 403,
            code: AuthorizationFailed, message: "...", request_id: "...", hint: "..."}]
arm_requests:
  description: Resource Manager requests made by this run.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent, retries included.
      type: int
    writes:
      description: Write requests (PATCH) sent.
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
graph_requests:
  description: Microsoft Graph requests made by this run (approvers by name; their names in diff mode).
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

from ansible_collections.entra.pim.plugins.module_utils._arm_role_settings import (  # noqa: E402
    AZURE_SETTINGS,
    read_targets,
    reread_policies,
    role_settings_argument_spec,
    write_policies,
)
from ansible_collections.entra.pim.plugins.module_utils._arm_scopes import ScopeError, ScopeResolver  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._policy import settings_argument_spec  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._role_settings import (  # noqa: E402
    SECTIONS,
    group_label,
    groups_approver_refs,
    requested_groups,
    validate_groups,
)
from ansible_collections.entra.pim.plugins.module_utils._settings_module import apply_settings  # noqa: E402


def main():
    spec = dict(roles=dict(type="list", elements="str"), scope=dict(type="str"))
    spec.update(settings_argument_spec())
    spec.update(role_settings_argument_spec())
    module = PimModule(spec, arm=True, supports_check_mode=True, required_one_of=[("roles", "role_settings")],
                       mutually_exclusive=[("role_settings", key) for key in ("roles", "scope") + SECTIONS])
    groups, grouped = requested_groups(module.params, AZURE_SETTINGS)
    errors = validate_groups(groups, AZURE_SETTINGS)
    if not grouped:
        # One group from the top-level options: messages name the options as they were given.
        errors = [e.removeprefix(group_label(0, groups[0], AZURE_SETTINGS) + ": ") for e in errors]
    if not module.default_subscription:
        errors += [f"{group_label(i, g, AZURE_SETTINGS) + ': ' if grouped else ''}scope: none given and no default "
                   "subscription; set scope, or subscription_id (or AZURE_SUBSCRIPTION_ID)"
                   for i, g in enumerate(groups) if not str(g.get("scope") or "").strip()]
    if errors:
        module.fail("invalid Azure role settings, nothing was read or written: " + "; ".join(errors))
    module.check_auth()

    arm = module.arm()
    graph = module.graph()
    scopes = []
    try:
        # Scopes resolved (and so checked to exist) and roles matched first: a typo fails before any policy read.
        group_pairs, scopes = read_targets(arm, ScopeResolver(arm, module.default_subscription), groups)
        refs = groups_approver_refs(groups)
        approvers = Resolver(graph).principals(refs, kinds=("user", "group")) if refs else {}
    except (ScopeError, ResolveError) as exc:
        module.fail(f"nothing was written: {exc}")
    except Exception as exc:
        module.fail_graph(exc, "Reading the PIM settings of the Azure roles")
    apply_settings(module, groups, group_pairs, approvers, grouped, shape=AZURE_SETTINGS,
                   reread=lambda _graph: reread_policies(arm, [s["id"] for s in scopes]),
                   write=lambda changes: write_policies(arm, changes))


if __name__ == "__main__":
    main()
