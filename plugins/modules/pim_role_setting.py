#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_role_setting
short_description: Set the PIM role settings of Microsoft Entra directory roles
version_added: 0.1.0
description:
  - Sets how Microsoft Entra directory roles may be activated and assigned in Privileged Identity Management
    (PIM), for one role, a list of roles, or every role.
  - Covers all 17 rules of a role's PIM policy, activation (maximum duration, MFA, justification, ticket,
    Conditional Access authentication context, approval and approvers), eligible and active assignments
    (permanent or not, maximum duration, MFA, justification) and the nine notification rules.
  - Only the settings given are changed; everything left out stays as it is. Durations are compared
    normalised (V(PT60M) equals V(PT1H)) and lists as sets, so a second run reports no change.
  - Every input is checked before the first Graph call, and every combination with the current policy
    before the first write. Reads all targeted policies in one request and writes one PATCH per changed
    policy, carrying only the changed rules, batched 20 per C($batch) request when several roles change.
  - M(entra.pim.pim_role_setting_info) returns the settings in exactly the shape this module accepts.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
  - entra.pim.policy_settings.roles
attributes:
  check_mode:
    support: full
    description: Reads the policies and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the settings of each changed role before and after.
options:
  # The settings options (activation, eligible_assignment, active_assignment, notifications) and
  # role_settings come from the entra.pim.policy_settings.roles fragment, shared with pim_group_setting.
  roles:
    description:
      - The directory roles to configure,
        by display name (exact case first; a case-only match when unique), template id or id.
      - V(all) configures every directory role of the tenant that has a PIM policy.
      - An unknown name fails before anything is written, with the closest role names.
      - Required unless O(role_settings) is given; mutually exclusive with it.
    type: list
    elements: str
  baseline:
    description:
      - The hardening baseline of the C(entra.pim.baseline) role, planned for this tenant in this run. Every role
        with a PIM policy is sorted into tier 0 (Global Administrator apart, its activation alert going to
        O(baseline.alert_mailbox)), tier 1 (the highly privileged roles), and the other roles, each tier one
        group of O(role_settings) with the settings of the P(entra.pim.pim_baseline_plan#filter) filter,
        then each role of O(baseline.role_settings) in a group of its own
        (P(entra.pim.pim_baseline_role_settings#filter)).
      - Same read, checks and batched writes as O(role_settings), with the tenant's roles read once for
        both the planning and the writes. The planned tiers are returned in RV(baseline_groups), the groups
        in RV(groups) (named V(tier0), V(tier1), V(other) and V(baseline_role_settings) followed by the role).
      - Every sub-option left out or V(null) takes the baseline's default. Whether the approvers and alert
        mailboxes are given is checked by the role (the P(entra.pim.pim_baseline_problems#filter) filter), not here.
      - Mutually exclusive with O(roles), O(role_settings) and the settings options.
    type: dict
    suboptions:
      scope:
        description:
          - V(highly_privileged) hardens the CISA SCuBA and CIS highly privileged roles (10) as tier 1;
            V(privileged) also every role Microsoft flags as privileged.
          - Defaults to V(highly_privileged).
        type: str
        choices: [highly_privileged, privileged]
      highly_privileged_roles:
        description: Names or template ids replacing the 10 highly privileged roles.
        type: list
        elements: str
      privileged_roles:
        description: Template ids of the privileged roles for O(baseline.scope=privileged); defaults to Microsoft's.
        type: list
        elements: str
      tier0_roles:
        description: Names or template ids of tier 0; defaults to Global and Privileged Role Administrator.
        type: list
        elements: str
      tier0_approvers:
        description: Who approves tier 0 activations, users (UPN) or groups (V(group:Name)).
        type: list
        elements: str
      tier0_max_activation:
        description: Longest tier 0 activation; defaults to V(PT1H).
        type: str
      tier1_max_activation:
        description: Longest tier 1 activation; defaults to V(PT4H).
        type: str
      other_roles:
        description: Whether every other role gets the lighter tier (MFA and justification); defaults to V(true).
        type: bool
      other_max_activation:
        description: Longest activation of the other roles; defaults to V(PT8H).
        type: str
      eligible_max_duration:
        description: Longest eligible assignment of tiers 0 and 1; defaults to V(P365D).
        type: str
      active_max_duration:
        description: Longest active assignment of tiers 0 and 1; defaults to V(P180D).
        type: str
      authentication_context:
        description: A Conditional Access authentication context id required instead of plain MFA.
        type: str
      alert_mailbox:
        description: Recipients of assignment alerts and of Global Administrator activation alerts.
        type: list
        elements: str
      activation_alert_mailbox:
        description: Recipients of the activation alerts of the other tier 0 and tier 1 roles.
        type: list
        elements: str
      role_settings:
        description:
          - Explicit per-role settings on top of the tiers, V([{id or role, settings}]) as C(playbooks/export.yml)
            writes them. The role leaves its tier for a group of its own, its tier's settings with each entry's
            O(role_settings) shaped C(settings) merged on top in the order given.
          - An entry is found as the tiers find their roles (id or template id, then exact name, then a
            case-only match when unique); its settings are checked as O(role_settings) would be, before any write.
        type: list
        elements: dict

notes:
  - Needs the application permission C(RoleManagementPolicy.ReadWrite.Directory) (or
    C(RoleManagement.ReadWrite.Directory)) to write, C(RoleManagement.Read.Directory) to read role
    definitions, and C(User.Read.All) and C(Group.Read.All) (or C(Directory.Read.All)) to resolve approvers.
  - A failed write names each role that failed with Graph's code and request-id, and the roles that were applied.
seealso:
  - module: entra.pim.pim_role_setting_info
  - name: Role settings in PIM
    description: Microsoft's description of every PIM role setting.
    link: https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-change-default-settings
"""

EXAMPLES = r"""
- name: Exchange Administrator - MFA, justification, 2-hour activations, approval by a named group
  entra.pim.pim_role_setting:
    tenant_id: "{{ tenant_id }}"
    client_id: "{{ client_id }}"
    client_secret: "{{ client_secret }}"
    roles:
      - Exchange Administrator
    activation:
      max_duration: 2h
      require_mfa: true
      require_justification: true
      require_approval: true
      approvers:
        - group:PIM-Approvers-Tier0

- name: No permanent assignments and alerts to the security mailbox for the most privileged roles
  entra.pim.pim_role_setting:
    roles:
      - Global Administrator
      - Privileged Role Administrator
    eligible_assignment:
      allow_permanent: false
      max_duration: 365d
    active_assignment:
      allow_permanent: false
      max_duration: 180d
    notifications:
      eligible_assignment:
        admin:
          recipients: [security@contoso.com]
      active_assignment:
        admin:
          recipients: [security@contoso.com]
      activation:
        admin:
          recipients: [security@contoso.com]

- name: One-hour activations with ticket for every role (one batched write per 20 changed roles)
  entra.pim.pim_role_setting:
    roles: [all]
    activation:
      max_duration: PT1H
      require_ticket: true

- name: Tiers in one run - one read, one batched write for every changed role of every group
  entra.pim.pim_role_setting:
    role_settings:
      - name: tier0
        roles: [Global Administrator, Privileged Role Administrator]
        activation:
          max_duration: 1h
          require_approval: true
          approvers: [group:PIM-Approvers-Tier0]
        active_assignment:
          allow_permanent: false
      - name: tier1
        roles: [Exchange Administrator, SharePoint Administrator, User Administrator]
        activation:
          max_duration: 4h
        active_assignment:
          allow_permanent: false
      # Overlaps the tiers: fine, as long as no setting is given two different values for one role.
      - name: everyone
        roles: [all]
        activation:
          require_mfa: true
          require_justification: true
  register: tiers

- name: Two approval stages - on-call operators first (escalating to tier 0 after an hour), then tier 0 approvers
  entra.pim.pim_role_setting:
    roles: [Privileged Role Administrator]
    activation:
      require_approval: true
      approval_stages:
        - approvers: [group:Helpdesk-Operators]
          escalation:
            enabled: true
            approvers: [group:PIM-Approvers-Tier0]
            after_minutes: 60
        - approvers: [group:PIM-Approvers-Tier0]
          require_justification: true
          timeout_days: 2

- name: Conditional Access authentication context instead of plain MFA (require_mfa must be false with it)
  entra.pim.pim_role_setting:
    roles: [Security Administrator]
    activation:
      require_mfa: false
      authentication_context:
        enabled: true
        claim_value: c1

- name: The entra.pim.baseline role's tiers, planned and applied in one process
  entra.pim.pim_role_setting:
    baseline:
      tier0_approvers: [group:PIM-Approvers-Tier0]
      alert_mailbox: [soc@contoso.com]
      activation_alert_mailbox: [pim-activations@contoso.com]
      role_settings:
        - role: Exchange Administrator
          settings:
            activation:
              max_duration: PT2H
  register: baseline

- name: Read every role's settings of one tenant
  entra.pim.pim_role_setting_info:
    tenant_id: "{{ source_tenant_id }}"
  register: exported

- name: Copy them to another tenant in one run
  entra.pim.pim_role_setting:
    tenant_id: "{{ target_tenant_id }}"
    role_settings: "{{ exported.role_settings }}"
"""

RETURN = r"""
roles:
  description: One entry per targeted role.
  returned: success, and on a failed write
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
    changed:
      description: Whether the role's policy was (or in check mode would be) changed.
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
      description: Present and V(true) when writing this role's policy failed.
      type: bool
      returned: on a failed write
    confirmed_by_reread:
      description:
        - Present and V(true) when the answer to this role's write was lost (connection dropped, or a 5xx after
          every retry) and a re-read of the policies showed the write had landed.
        - When the re-read shows it did not land, the role is reported with RV(roles[].failed) instead.
      type: bool
      returned: when a lost answer was settled by a re-read
    groups:
      description: The groups of O(role_settings) that name the role (their settings were merged).
      type: list
      elements: str
      returned: with O(role_settings) or O(baseline)
      sample: ["role_settings[0] (tier0)", "role_settings[2] (everyone)"]
    before:
      description: All settings of the role before, in the shape of this module's options.
      type: dict
      returned: diff mode, for changed roles
    after:
      description: All settings of the role after.
      type: dict
      returned: diff mode, for changed roles
groups:
  description: One entry per group of O(role_settings) (or planned by O(baseline)), in the order given.
  returned: with O(role_settings) or O(baseline), on success and on a failed write
  type: list
  elements: dict
  contains:
    name:
      description: The group's O(role_settings[].name), V(null) when it has none.
      type: str
      sample: tier0
    label:
      description: How messages and RV(roles[].groups) name the group.
      type: str
      sample: role_settings[0] (tier0)
    roles:
      description: The display names of the group's roles.
      type: list
      elements: str
    changed:
      description: Whether any role of the group was (or in check mode would be) changed.
      type: bool
    failed:
      description: Whether writing the policy of any role of the group failed.
      type: bool
baseline_groups:
  description:
    - With O(baseline), its tiers as planned for this tenant, what the P(entra.pim.pim_baseline_plan#filter) filter
      returns (before O(baseline.role_settings) takes roles out of them).
  returned: with O(baseline), on success and on a failed write
  type: list
  elements: dict
  sample: [{tier: tier1, roles: [{id: 29232cdf-9323-42fd-ade2-1d097af3e4de, role: Exchange Administrator}],
            settings: {activation: {max_duration: PT4H}}}]
errors:
  description: Graph's answer for each role whose write failed.
  returned: on a failed write
  type: list
  elements: dict
  sample: [{role: Exchange Administrator, status: 403, code: PermissionScopeNotGranted,
            message: "...", request_id: "...", hint: "..."}]
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

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # noqa: E402

from ansible_collections.entra.pim.plugins.module_utils._baseline import (  # noqa: E402
    BaselineError,
    approver_refs,
    baseline_argument_spec,
    baseline_config,
    plan_from_roles,
    tenant_roles,
)
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._policy import settings_argument_spec  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._role_settings import (  # noqa: E402
    SECTIONS,
    RoleSettingsError,
    group_label,
    groups_approver_refs,
    pair_roles_with_policies,
    read_roles_and_policies,
    requested_groups,
    role_settings_argument_spec,
    select_roles,
    validate_groups,
    wants_all,
)
from ansible_collections.entra.pim.plugins.module_utils._settings_module import apply_settings  # noqa: E402


def baseline_groups(module, roles):
    """The ``baseline`` option planned for the tenant's ``roles`` -> (tier groups, checked ``role_settings``).

    The planned groups go through the very checks ``role_settings`` gets as an option (its argument spec,
    converting values as Ansible does, then ``validate_groups``), so a bad tier value or explicit per-role
    setting fails here as it would have as ``role_settings``, after the read and before any write.
    """
    tiers, groups = plan_from_roles(roles, module.params["baseline"])
    if not groups:
        return tiers, []
    checked = ArgumentSpecValidator(role_settings_argument_spec()).validate({"role_settings": groups})
    errors = list(checked.error_messages) or validate_groups(checked.validated_parameters["role_settings"])
    if errors:
        module.fail("invalid baseline settings, nothing was written: " + "; ".join(errors))
    return tiers, checked.validated_parameters["role_settings"]


def main():
    spec = dict(roles=dict(type="list", elements="str"))
    spec.update(settings_argument_spec())
    spec.update(role_settings_argument_spec())
    spec.update(baseline_argument_spec())
    module = PimModule(spec, supports_check_mode=True,
                       required_one_of=[("roles", "role_settings", "baseline")],
                       mutually_exclusive=[(option, key) for option in ("role_settings", "baseline")
                                           for key in ("roles",) + SECTIONS] + [("role_settings", "baseline")])
    baseline = module.params.get("baseline")
    if baseline is not None:
        # The groups depend on the tenant's roles: planned after the read. The options are checked now.
        groups, grouped = [], True
        try:
            baseline_config({k: v for k, v in baseline.items() if k != "role_settings"})
        except BaselineError as exc:
            module.fail(f"baseline: {exc}; nothing was read or written")
        errors = [f"baseline.role_settings[{i}]: give an id or a role name"
                  for i, entry in enumerate(baseline.get("role_settings") or [])
                  if entry.get("id") is None and entry.get("role") is None]
    else:
        groups, grouped = requested_groups(module.params)
        errors = validate_groups(groups)
        if not grouped:
            # One group from the top-level options: messages name the options as they were given.
            errors = [e.removeprefix(group_label(0, groups[0]) + ": ") for e in errors]
    if errors:
        module.fail("invalid role settings, nothing was read or written: " + "; ".join(errors))
    module.check_auth()

    graph = module.graph()
    resolver = Resolver(graph)
    tiers = None
    try:
        # One read of the role definitions (the resolver keeps them) and one of every policy, for all groups,
        # sent together in the same $batch round trips with the lookup of the approvers named by UPN or name.
        policies = read_roles_and_policies(graph, resolver, approver_refs(baseline) if baseline is not None
                                           else groups_approver_refs(groups))
        if baseline is not None:
            # Every role with a policy, as pim_role_setting_info lists them: what the baseline's tiers sort.
            every_role = pair_roles_with_policies(select_roles(resolver, []), policies, skip_missing=True)
            tiers, groups = baseline_groups(module, tenant_roles(every_role))
        group_roles = [select_roles(resolver, g["roles"]) for g in groups]
        group_pairs = [pair_roles_with_policies(roles, policies, skip_missing=wants_all(g["roles"]))
                       for g, roles in zip(groups, group_roles, strict=True)]
        refs = groups_approver_refs(groups)
        approvers = resolver.principals(refs, kinds=("user", "group")) if refs else {}
    except (ResolveError, RoleSettingsError, BaselineError) as exc:
        module.fail(f"nothing was written: {exc}")
    except Exception as exc:
        module.fail_graph(exc, "Reading the PIM role settings")
    extra = {} if tiers is None else {"baseline_groups": tiers}
    apply_settings(module, groups, group_pairs, approvers, grouped, extra)


if __name__ == "__main__":
    main()
