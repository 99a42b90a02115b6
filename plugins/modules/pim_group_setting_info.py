#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_group_setting_info
short_description: Read the PIM settings of groups' membership and ownership (PIM for Groups)
version_added: 0.1.0
description:
  - Returns the Privileged Identity Management settings of the membership (V(member)) and ownership
    (V(owner)) of one or several Microsoft Entra groups, covering all 17 rules of each policy.
  - The settings come back in exactly the shape M(entra.pim.pim_group_setting) accepts, with approvers
    as names it resolves again (a user principal name, V(group:Display Name), or a prefixed id for a
    principal that no longer exists), and RV(group_settings) applies them back in one call.
  - A group has no PIM policy until PIM first manages it (its first eligible or active assignment through
    PIM); such groups are listed in RV(unmanaged_groups) instead of failing the read.
  - The groups must be named. Graph reads group policies by the group's id only (there is no list of the
    groups PIM manages), so reading "every group" would be one request per group of the tenant.
  - Reads in bulk, the requests growing with the number of groups only by the 20 reads a C($batch) carries.
    The lookup of the names (sent together), one C(getByIds) for the object ids, the groups' policies (one
    read per group, 20 per C($batch) request), one C(getByIds) for the approvers' names.
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
  groups:
    description:
      - The groups to read, by display name or object id. Prefix a name with V(group:) when it looks like
        something else.
      - An unknown name fails with the closest group names.
    type: list
    elements: str
    required: true
  access:
    description:
      - Which of each group's policies to read, V(member), V(owner) or both.
      - Defaults to both.
    type: list
    elements: str
    choices: [member, owner]
notes:
  - Needs the application permission C(RoleManagementPolicy.Read.AzureADGroup), and C(Group.Read.All) and
    C(User.Read.All) (or C(Directory.Read.All)) for the groups and the approvers' names.
seealso:
  - module: entra.pim.pim_group_setting
  - module: entra.pim.pim_role_setting_info
"""

EXAMPLES = r"""
- name: Read the membership and ownership settings of a group
  entra.pim.pim_group_setting_info:
    groups: [PIM-Exchange-Admins]
  register: exchange_admins

- name: Show how its membership is activated
  ansible.builtin.debug:
    var: exchange_admins.policies | selectattr('access', 'equalto', 'member') | map(attribute='settings.activation')

- name: Groups that PIM does not manage yet
  ansible.builtin.debug:
    msg: "{{ exchange_admins.unmanaged_groups | map(attribute='group') }}"

- name: Apply the same settings back after a change made by hand (one read, one batched write)
  entra.pim.pim_group_setting:
    group_settings: "{{ exchange_admins.group_settings }}"
"""

RETURN = r"""
policies:
  description: One entry per group policy read, group by group in the order given, V(member) before V(owner).
  returned: success
  type: list
  elements: dict
  contains:
    group:
      description: The group's display name.
      type: str
      sample: PIM-Exchange-Admins
    group_id:
      description: The group's object id.
      type: str
      sample: 5f1c6a4e-0d39-4f0a-9a55-3b1a3c1f2e7d
    access:
      description: Which of the group's policies, V(member) or V(owner).
      type: str
      sample: member
    policy_id:
      description: The id of the policy.
      type: str
      sample: Group_5f1c6a4e-0d39-4f0a-9a55-3b1a3c1f2e7d_0b5c0f5a-1c2d-4e5f-8a9b-0c1d2e3f4a5b
    settings:
      description:
        - Every setting of the policy, in the shape of the options of M(entra.pim.pim_group_setting)
          (O(entra.pim.pim_group_setting#module:activation), O(entra.pim.pim_group_setting#module:eligible_assignment),
          O(entra.pim.pim_group_setting#module:active_assignment), O(entra.pim.pim_group_setting#module:notifications)).
        - Durations are canonical ISO 8601, lists are sorted.
        - C(activation.approval_stages) (every approval stage with its escalation, approver justification and
          timeout) is present only when the stages say more than C(activation.approvers) does; see
          O(entra.pim.pim_group_setting#module:activation.approval_stages).
      type: dict
      sample:
        activation:
          max_duration: PT8H
          require_mfa: false
          require_justification: true
          require_ticket: false
          authentication_context: {enabled: false, claim_value: null}
          require_approval: false
          approvers: []
          approval_for_extension: false
        eligible_assignment: {allow_permanent: false, max_duration: P365D, require_mfa: false,
                              require_justification: false}
        active_assignment: {allow_permanent: false, max_duration: P180D, require_mfa: false,
                            require_justification: true}
        notifications:
          activation:
            admin: {recipients: [], default_recipients: true, critical_only: false}
unmanaged_groups:
  description:
    - The groups named that PIM does not manage yet, so without the policy asked for. PIM creates a group's
      member and owner policies with its first eligible or active assignment through PIM.
  returned: success
  type: list
  elements: dict
  sample: [{group: Helpdesk-Operators, group_id: 0c7a3d52-5b1e-4bb4-9f0e-6d2f0e3b8a41, access: [member, owner]}]
  contains:
    group:
      description: The group's display name.
      type: str
    group_id:
      description: The group's object id.
      type: str
    access:
      description: The access values asked for that have no policy.
      type: list
      elements: str
group_settings:
  description:
    - The same settings grouped by identical settings, in the shape of
      O(entra.pim.pim_group_setting#module:group_settings), so an export is applied back in one call.
    - One entry per distinct set of settings and access, in the order first seen; an entry whose groups
      have the same member and owner settings names both accesses. Groups are given by object id, which is
      the tenant's own; to copy settings to another tenant, name the groups there (RV(policies[].group)).
  returned: success
  type: list
  elements: dict
  sample:
    - groups: [5f1c6a4e-0d39-4f0a-9a55-3b1a3c1f2e7d]
      access: [member, owner]
      activation: {max_duration: PT8H, require_justification: true}
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

from ansible_collections.entra.pim.plugins.module_utils._graph_paths import GROUP_ACCESS_IDS  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._policy import rules_to_settings  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._role_settings import (  # noqa: E402
    GROUP_SETTINGS,
    RoleSettingsError,
    access_argument_spec,
    approver_names,
    group_settings_of,
    read_group_targets,
    validate_groups,
)


def unmanaged(missing):
    """The targets without a policy, one entry per group with the access values that have none."""
    out = {}
    for target in missing:
        group = target["group"]
        entry = out.setdefault(group["id"], {"group": group.get("displayName"), "group_id": group["id"],
                                             "access": []})
        entry["access"].append(target["access"])
    return list(out.values())


def main():
    module = PimModule(dict(groups=dict(type="list", elements="str", required=True), access=access_argument_spec()),
                       supports_check_mode=True)
    # Read-only: both policies unless told otherwise, so an export is complete; member first, as documented.
    access = module.params["access"]
    entry = {"groups": module.params["groups"],
             "access": [a for a in GROUP_ACCESS_IDS if access is None or a in access] if access != [] else []}
    errors = [e.removeprefix("group_settings[0]: ") for e in validate_groups([entry], GROUP_SETTINGS)]
    if errors:
        module.fail("invalid options, nothing was read: " + "; ".join(errors))
    module.check_auth()
    graph = module.graph()
    try:
        group_pairs, missing, _ids = read_group_targets(graph, Resolver(graph), [entry])
        names = approver_names(graph, group_pairs[0])
    except (ResolveError, RoleSettingsError) as exc:
        module.fail(str(exc))
    except Exception as exc:
        module.fail_graph(exc, "Reading the PIM settings of the groups")
    entries = [dict(GROUP_SETTINGS.identity(target), policy_id=policy["policy_id"],
                    settings=rules_to_settings(policy["rules"], names))
               for target, policy in group_pairs[0]]
    module.exit(changed=False, policies=entries, unmanaged_groups=unmanaged(missing),
                group_settings=group_settings_of(entries))


if __name__ == "__main__":
    main()
