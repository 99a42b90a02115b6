#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_group_setting
short_description: Set the PIM settings of groups' membership and ownership (PIM for Groups)
version_added: 0.1.0
description:
  - Sets how the membership (V(member)) and the ownership (V(owner)) of Microsoft Entra groups may be activated
    and assigned in Privileged Identity Management for Groups, for one group or many, by name or object id.
  - Each group managed by PIM has two policies, one per access, each with the same 17 rules as a directory
    role's policy; the settings are those of M(entra.pim.pim_role_setting), with the same names and checks
    (activation, eligible and active assignment, approval, notifications).
  - Only the settings given are changed; everything left out stays as it is. Durations are compared
    normalised (V(PT60M) equals V(PT1H)) and lists as sets, so a second run reports no change.
  - Every input is checked before the first Graph call, and every combination with the current policy
    before the first write. Graph reads a group's policies by the group's id only, so the policies of many
    groups are read together, 20 groups per C($batch) request; writes are one PATCH per changed policy,
    carrying only the changed rules, batched 20 per C($batch) request.
  - A group has no PIM policy until PIM first manages it. Naming such a group fails before anything is
    written, with the groups named and how they get their policies (their first eligible or active
    assignment through PIM, for example with M(entra.pim.pim_group_eligible_assignment)).
  - M(entra.pim.pim_group_setting_info) returns the settings in exactly the shape this module accepts.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
  - entra.pim.policy_settings.groups
attributes:
  check_mode:
    support: full
    description: Reads the policies and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the settings of each changed group policy before and after.
options:
  # The settings options (activation, eligible_assignment, active_assignment, notifications) and
  # group_settings come from the entra.pim.policy_settings.groups fragment, shared with pim_role_setting.
  groups:
    description:
      - The groups to configure, by display name or object id. Prefix a name with V(group:) when it
        looks like something else.
      - An unknown name fails before anything is written, with the closest group names; a name several
        groups share fails too (give the object id).
      - Required unless O(group_settings) is given; mutually exclusive with it.
    type: list
    elements: str
  access:
    description:
      - Which of each group's policies to set, V(member) (just-in-time membership), V(owner) (ownership),
        or both.
      - Defaults to V([member]), the access the group assignment modules default to.
    type: list
    elements: str
    choices: [member, owner]
notes:
  - Needs the application permission C(RoleManagementPolicy.ReadWrite.AzureADGroup) to write (or
    C(RoleManagementPolicy.Read.AzureADGroup) in check mode), and C(Group.Read.All) and C(User.Read.All) (or
    C(Directory.Read.All)) to resolve the groups and the approvers.
  - A failed write names each group policy that failed with Graph's code and request-id, and those that
    were applied.
  - In the settings' descriptions, the policy is the group's member or owner policy chosen by O(access).
seealso:
  - module: entra.pim.pim_group_setting_info
  - module: entra.pim.pim_role_setting
  - name: Configure PIM for Groups settings
    description: Microsoft's description of the settings of a group's membership and ownership.
    link: https://learn.microsoft.com/entra/id-governance/privileged-identity-management/groups-role-settings
"""

EXAMPLES = r"""
- name: Membership of a tier 0 group - one-hour activations with MFA, justification and approval
  entra.pim.pim_group_setting:
    tenant_id: "{{ tenant_id }}"
    client_id: "{{ client_id }}"
    client_secret: "{{ client_secret }}"
    groups:
      - PIM-Exchange-Admins
    activation:
      max_duration: 1h
      require_mfa: true
      require_justification: true
      require_approval: true
      approvers:
        - group:PIM-Approvers-Tier0
    active_assignment:
      allow_permanent: false
      max_duration: 30d

- name: Ownership of the same group - eligibility for at most 180 days, activation alerts to the security mailbox
  entra.pim.pim_group_setting:
    groups: [PIM-Exchange-Admins]
    access: [owner]
    eligible_assignment:
      allow_permanent: false
      max_duration: 180d
    notifications:
      activation:
        admin:
          recipients: [security@contoso.com]

- name: Entries in one run - one lookup, one read of every group's policies, one batched write
  entra.pim.pim_group_setting:
    group_settings:
      - name: tier0
        groups: [PIM-Exchange-Admins]
        access: [member, owner]
        activation:
          max_duration: 1h
          require_approval: true
          approvers: [group:PIM-Approvers-Tier0]
      # Overlaps tier0: fine, as long as no setting gets two different values for one policy.
      - name: everyone
        groups: [PIM-Exchange-Admins]
        access: [member, owner]
        activation:
          require_mfa: true
          require_justification: true
  register: tiers

- name: Read the settings of the group's membership and ownership
  entra.pim.pim_group_setting_info:
    groups: [PIM-Exchange-Admins]
  register: exported

- name: Apply them back in one run (group ids of the same tenant)
  entra.pim.pim_group_setting:
    group_settings: "{{ exported.group_settings }}"
"""

RETURN = r"""
policies:
  description: One entry per targeted group policy (a group's member or owner policy).
  returned: success, and on a failed write
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
        - Present and V(true) when the answer to this policy's write was lost (connection dropped, or a 5xx
          after every retry) and a re-read of the policies showed the write had landed.
        - When the re-read shows it did not land, the policy is reported with RV(policies[].failed) instead.
      type: bool
      returned: when a lost answer was settled by a re-read
    entries:
      description: The entries of O(group_settings) that name the policy (their settings were merged).
      type: list
      elements: str
      returned: with O(group_settings)
      sample: ["group_settings[0] (tier0)", "group_settings[1] (everyone)"]
    before:
      description: All settings of the policy before, in the shape of this module's options.
      type: dict
      returned: diff mode, for changed policies
    after:
      description: All settings of the policy after.
      type: dict
      returned: diff mode, for changed policies
entries:
  description: One entry per entry of O(group_settings), in the order given.
  returned: with O(group_settings), on success and on a failed write
  type: list
  elements: dict
  contains:
    name:
      description: The entry's O(group_settings[].name), V(null) when it has none.
      type: str
      sample: tier0
    label:
      description: How messages and RV(policies[].entries) name the entry.
      type: str
      sample: group_settings[0] (tier0)
    policies:
      description: The entry's policies, as V(group name (access)).
      type: list
      elements: str
      sample: ["PIM-Tier0-Admins (member)", "PIM-Tier0-Admins (owner)"]
    changed:
      description: Whether any policy of the entry was (or in check mode would be) changed.
      type: bool
    failed:
      description: Whether writing any policy of the entry failed.
      type: bool
diff:
  description: The settings of each changed policy before and after, keyed V(group name (access)).
  returned: diff mode
  type: dict
errors:
  description: Graph's answer for each policy whose write failed.
  returned: on a failed write
  type: list
  elements: dict
  sample: [{group: PIM-Exchange-Admins, group_id: 5f1c6a4e-0d39-4f0a-9a55-3b1a3c1f2e7d, access: member,
            status: 403, code: PermissionScopeNotGranted, message: "...", request_id: "...", hint: "..."}]
graph_requests:
  description: Graph requests made by this run.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent (a C($batch) counts once).
      type: int
    writes:
      description: Write operations (each PATCH inside a C($batch) counts).
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
"""

from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._policy import settings_argument_spec  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._role_settings import (  # noqa: E402
    GROUP_SETTINGS,
    SECTIONS,
    RoleSettingsError,
    access_argument_spec,
    group_label,
    group_settings_argument_spec,
    groups_approver_refs,
    read_group_policies,
    read_group_targets,
    requested_groups,
    unmanaged_message,
    validate_groups,
)
from ansible_collections.entra.pim.plugins.module_utils._settings_module import apply_settings  # noqa: E402


def main():
    spec = dict(groups=dict(type="list", elements="str"), access=access_argument_spec())
    spec.update(settings_argument_spec())
    spec.update(group_settings_argument_spec())
    module = PimModule(spec, supports_check_mode=True, required_one_of=[("groups", "group_settings")],
                       mutually_exclusive=[("group_settings", key) for key in ("groups", "access") + SECTIONS])
    groups, grouped = requested_groups(module.params, GROUP_SETTINGS)
    errors = validate_groups(groups, GROUP_SETTINGS)
    if not grouped:
        # One entry from the top-level options: messages name the options as they were given.
        errors = [e.removeprefix(group_label(0, groups[0], GROUP_SETTINGS) + ": ") for e in errors]
    if errors:
        module.fail("invalid group settings, nothing was read or written: " + "; ".join(errors))
    module.check_auth()

    graph = module.graph()
    resolver = Resolver(graph)
    try:
        refs = groups_approver_refs(groups)
        # The groups and approvers named by display name or UPN are looked up together, then every group's
        # policies are read together: two round trips before the writes, whatever the number of groups.
        group_pairs, missing, group_ids = read_group_targets(graph, resolver, groups, refs)
        if missing:
            raise RoleSettingsError(unmanaged_message(missing))
        approvers = resolver.principals(refs, kinds=("user", "group")) if refs else {}
    except (ResolveError, RoleSettingsError) as exc:
        module.fail(f"nothing was written: {exc}")
    except Exception as exc:
        module.fail_graph(exc, "Reading the PIM settings of the groups")
    apply_settings(module, groups, group_pairs, approvers, grouped,
                   reread=lambda session: read_group_policies(session, group_ids), shape=GROUP_SETTINGS)


if __name__ == "__main__":
    main()
