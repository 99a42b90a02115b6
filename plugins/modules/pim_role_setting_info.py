#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_role_setting_info
short_description: Read the PIM role settings of Microsoft Entra directory roles
version_added: 0.1.0
description:
  - Returns the Privileged Identity Management (PIM) settings of one, several or all Microsoft Entra
    directory roles, covering all 17 rules of each role's policy.
  - The settings come back in exactly the shape M(entra.pim.pim_role_setting) accepts, with approvers
    as names it resolves again (a user principal name, V(group:Display Name), or a prefixed id for a
    principal that no longer exists), so a tenant's configuration can be exported and applied elsewhere.
  - Reads everything in at most three requests (role definitions, every policy with its rules, the
    approvers' names), whatever the number of roles.
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
  roles:
    description:
      - The directory roles to read,
        by display name (exact case first; a case-only match when unique), template id or id.
      - Leave out, or give V(all), for every directory role with a PIM policy.
    type: list
    elements: str
notes:
  - Needs the application permission C(RoleManagementPolicy.Read.Directory) (or C(RoleManagement.Read.Directory))
    and C(Directory.Read.All) (or C(User.Read.All) and C(Group.Read.All)) for the approvers' names.
seealso:
  - module: entra.pim.pim_role_setting
"""

EXAMPLES = r"""
- name: Read the settings of the Exchange Administrator role
  entra.pim.pim_role_setting_info:
    roles: [Exchange Administrator]
  register: exchange

- name: Show its activation settings
  ansible.builtin.debug:
    var: exchange.roles[0].settings.activation

- name: Export every role's settings
  entra.pim.pim_role_setting_info:
    tenant_id: "{{ source_tenant_id }}"
  register: exported

- name: Save the export as YAML
  ansible.builtin.copy:
    content: "{{ exported.roles | to_nice_yaml }}"
    dest: pim-role-settings.yml
    mode: "0644"

- name: Apply it to another tenant in one run (one read, one batched write)
  entra.pim.pim_role_setting:
    tenant_id: "{{ target_tenant_id }}"
    role_settings: "{{ exported.role_settings }}"
"""

RETURN = r"""
roles:
  description: One entry per role, sorted by display name when all roles are read, else in the order asked.
  returned: success
  type: list
  elements: dict
  contains:
    role:
      description: The role's display name.
      type: str
      sample: Exchange Administrator
    id:
      description: The role definition id.
      type: str
      sample: 29232cdf-9323-42fd-ade2-1d097af3e4de
    template_id:
      description: The role's template id (equal to the id for built-in roles).
      type: str
    policy_id:
      description: The id of the role's PIM policy.
      type: str
      sample: DirectoryRole_84a3c4d4-61cb-4a3a-9c1d-6f4f1a3f4b1c_0b5c0f5a-1c2d-4e5f-8a9b-0c1d2e3f4a5b
    settings:
      description:
        - Every setting of the role, in the shape of the options of M(entra.pim.pim_role_setting)
          (O(entra.pim.pim_role_setting#module:activation), O(entra.pim.pim_role_setting#module:eligible_assignment),
          O(entra.pim.pim_role_setting#module:active_assignment), O(entra.pim.pim_role_setting#module:notifications)).
        - Durations are canonical ISO 8601, lists are sorted.
        - C(activation.approval_stages) (every approval stage with its escalation, approver justification and
          timeout) is present only when the stages say more than C(activation.approvers) does; see
          O(entra.pim.pim_role_setting#module:activation.approval_stages).
      type: dict
      sample:
        activation:
          max_duration: PT2H
          require_mfa: true
          require_justification: true
          require_ticket: false
          authentication_context: {enabled: false, claim_value: null}
          require_approval: true
          approvers: ["group:PIM-Approvers"]
          approval_for_extension: false
        eligible_assignment: {allow_permanent: true, max_duration: P365D, require_mfa: false,
                              require_justification: false}
        active_assignment: {allow_permanent: true, max_duration: P180D, require_mfa: false,
                            require_justification: true}
        notifications:
          activation:
            admin: {recipients: [], default_recipients: true, critical_only: false}
role_settings:
  description:
    - The same settings grouped by identical settings, in the shape of
      O(entra.pim.pim_role_setting#module:role_settings), so an export is applied back in one call.
    - One group per distinct set of settings, in the order first seen; roles are given by id.
  returned: success
  type: list
  elements: dict
  sample:
    - roles: [62e90394-69f5-4237-9190-012177145e10, e8611ab8-c189-46e8-94e1-60213ab1f814]
      activation: {max_duration: PT1H, require_approval: true, approvers: ["group:PIM-Approvers"]}
      eligible_assignment: {allow_permanent: false, max_duration: P365D}
      active_assignment: {allow_permanent: false, max_duration: P180D}
      notifications: {}
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

from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._policy import rules_to_settings  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._role_settings import (  # noqa: E402
    RoleSettingsError,
    approver_names,
    group_by_settings,
    pair_roles_with_policies,
    read_roles_and_policies,
    select_roles,
    wants_all,
)


def main():
    module = PimModule(dict(roles=dict(type="list", elements="str")), supports_check_mode=True)
    refs = [r for r in module.params["roles"] or [] if str(r).strip()]
    module.check_auth()
    graph = module.graph()
    try:
        resolver = Resolver(graph)
        policies = read_roles_and_policies(graph, resolver)  # both reads in the same $batch round trips
        pairs = pair_roles_with_policies(select_roles(resolver, refs), policies,
                                         skip_missing=not refs or wants_all(refs))
        names = approver_names(graph, pairs)
    except (ResolveError, RoleSettingsError) as exc:
        module.fail(str(exc))
    except Exception as exc:
        module.fail_graph(exc, "Reading the PIM role settings")
    entries = [{"role": role.get("displayName"), "id": role.get("id"), "template_id": role.get("templateId"),
                "policy_id": policy["policy_id"], "settings": rules_to_settings(policy["rules"], names)}
               for role, policy in pairs]
    module.exit(changed=False, roles=entries, role_settings=group_by_settings(entries))


if __name__ == "__main__":
    main()
