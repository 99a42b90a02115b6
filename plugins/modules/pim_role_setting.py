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
attributes:
  check_mode:
    support: full
    description: Reads the policies and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the settings of each changed role before and after.
options:
  roles:
    description:
      - The directory roles to configure, by display name (case-insensitive), template id or id.
      - V(all) configures every directory role of the tenant that has a PIM policy.
      - An unknown name fails before anything is written, with the closest role names.
    type: list
    elements: str
    required: true
  activation:
    description:
      - How eligible principals activate the role (rules C(Expiration_EndUser_Assignment),
        C(Enablement_EndUser_Assignment), C(Approval_EndUser_Assignment) and
        C(AuthenticationContext_EndUser_Assignment)).
    type: dict
    suboptions:
      max_duration:
        description:
          - The longest an activation may last, at most 24 hours.
          - ISO 8601 (V(PT2H), V(PT1H30M)) or a friendly form (V(2h), V(90m)).
        type: str
      require_mfa:
        description:
          - Require multifactor authentication on activation.
          - Cannot be true together with O(activation.authentication_context.enabled); PIM asks for one or the other.
        type: bool
      require_justification:
        description:
          - Require a justification on activation.
        type: bool
      require_ticket:
        description:
          - Require ticket information (ticket number and system) on activation.
        type: bool
      authentication_context:
        description:
          - Require a Conditional Access authentication context on activation instead of plain MFA.
        type: dict
        suboptions:
          enabled:
            description:
              - Whether the authentication context is required.
              - When V(true), O(activation.require_mfa) must be false (set it in the same task if the role
                currently requires MFA) and a claim value must be set.
            type: bool
          claim_value:
            description:
              - The authentication context id, for example V(c1).
            type: str
      require_approval:
        description:
          - Require approval to activate.
          - Needs at least one approver, given in O(activation.approvers) or already on the role.
        type: bool
      approvers:
        description:
          - The users and groups that approve activations (first approval stage), compared as a set.
          - A user principal name, a group display name, an object id, or any of them prefixed with
            V(user:) or V(group:) when a name is ambiguous. Service principals cannot approve.
          - An empty list removes every approver (not allowed while approval is required).
        type: list
        elements: str
      approval_for_extension:
        description:
          - Require approval to extend an activation as well.
        type: bool
  eligible_assignment:
    description:
      - How administrators assign the role as eligible (rules C(Expiration_Admin_Eligibility) and
        C(Enablement_Admin_Eligibility)).
    type: dict
    suboptions:
      allow_permanent:
        description:
          - Allow eligible assignments without an end date. V(false) makes O(eligible_assignment.max_duration)
            the longest an eligibility may last.
        type: bool
      max_duration:
        description:
          - The longest an eligible assignment may last when it must expire (V(P365D), V(365d), V(90d)).
        type: str
      require_mfa:
        description:
          - Require multifactor authentication from the administrator who assigns (not shown in the portal).
        type: bool
      require_justification:
        description:
          - Require a justification from the administrator who assigns (not shown in the portal).
        type: bool
  active_assignment:
    description:
      - How administrators assign the role as active (rules C(Expiration_Admin_Assignment) and
        C(Enablement_Admin_Assignment)).
    type: dict
    suboptions:
      allow_permanent:
        description:
          - Allow active assignments without an end date. CISA MS.AAD.7.4 asks for V(false) on highly
            privileged roles.
        type: bool
      max_duration:
        description:
          - The longest an active assignment may last when it must expire (V(P180D), V(180d)).
        type: str
      require_mfa:
        description:
          - Require multifactor authentication from the administrator who assigns.
        type: bool
      require_justification:
        description:
          - Require a justification from the administrator who assigns.
        type: bool
  notifications:
    description:
      - The nine e-mail notification rules, three moments times three recipients.
      - PIM also knows the notification level C(None), which the portal does not offer; it reads as
        C(critical_only=false) and is only replaced when C(critical_only) is set to V(true).
    type: dict
    suboptions:
      eligible_assignment:
        description:
          - Sent when a principal is assigned as eligible for the role (rules C(Notification_*_Admin_Eligibility)).
        type: dict
        suboptions:
          admin:
            description:
              - The alert to administrators (the portal's role assignment or activation alert).
              - Rule C(Notification_Admin_Admin_Eligibility).
            type: dict
            suboptions:
              recipients:
                description:
                  - Additional e-mail addresses, compared as a set (order, duplicates and case do not matter).
                  - An empty list removes every additional recipient.
                type: list
                elements: str
              default_recipients:
                description:
                  - Whether PIM also mails its default recipients for this event.
                type: bool
              critical_only:
                description:
                  - Send only critical e-mails (C(notificationLevel=Critical)) instead of all (C(All)).
                type: bool
          requestor:
            description:
              - The notice to the assigned or activating principal.
              - Rule C(Notification_Requestor_Admin_Eligibility).
            type: dict
            suboptions:
              recipients:
                description:
                  - Additional e-mail addresses, compared as a set (order, duplicates and case do not matter).
                  - An empty list removes every additional recipient.
                type: list
                elements: str
              default_recipients:
                description:
                  - Whether PIM also mails its default recipients for this event.
                type: bool
              critical_only:
                description:
                  - Send only critical e-mails (C(notificationLevel=Critical)) instead of all (C(All)).
                type: bool
          approver:
            description:
              - The request to approvers (of an activation, renewal or extension).
              - Rule C(Notification_Approver_Admin_Eligibility).
            type: dict
            suboptions:
              recipients:
                description:
                  - Additional e-mail addresses, compared as a set (order, duplicates and case do not matter).
                  - An empty list removes every additional recipient.
                type: list
                elements: str
              default_recipients:
                description:
                  - Whether PIM also mails its default recipients for this event.
                type: bool
              critical_only:
                description:
                  - Send only critical e-mails (C(notificationLevel=Critical)) instead of all (C(All)).
                type: bool
      active_assignment:
        description:
          - Sent when a principal is assigned the role as active (rules C(Notification_*_Admin_Assignment)).
        type: dict
        suboptions:
          admin:
            description:
              - The alert to administrators (the portal's role assignment or activation alert).
              - Rule C(Notification_Admin_Admin_Assignment).
            type: dict
            suboptions:
              recipients:
                description:
                  - Additional e-mail addresses, compared as a set (order, duplicates and case do not matter).
                  - An empty list removes every additional recipient.
                type: list
                elements: str
              default_recipients:
                description:
                  - Whether PIM also mails its default recipients for this event.
                type: bool
              critical_only:
                description:
                  - Send only critical e-mails (C(notificationLevel=Critical)) instead of all (C(All)).
                type: bool
          requestor:
            description:
              - The notice to the assigned or activating principal.
              - Rule C(Notification_Requestor_Admin_Assignment).
            type: dict
            suboptions:
              recipients:
                description:
                  - Additional e-mail addresses, compared as a set (order, duplicates and case do not matter).
                  - An empty list removes every additional recipient.
                type: list
                elements: str
              default_recipients:
                description:
                  - Whether PIM also mails its default recipients for this event.
                type: bool
              critical_only:
                description:
                  - Send only critical e-mails (C(notificationLevel=Critical)) instead of all (C(All)).
                type: bool
          approver:
            description:
              - The request to approvers (of an activation, renewal or extension).
              - Rule C(Notification_Approver_Admin_Assignment).
            type: dict
            suboptions:
              recipients:
                description:
                  - Additional e-mail addresses, compared as a set (order, duplicates and case do not matter).
                  - An empty list removes every additional recipient.
                type: list
                elements: str
              default_recipients:
                description:
                  - Whether PIM also mails its default recipients for this event.
                type: bool
              critical_only:
                description:
                  - Send only critical e-mails (C(notificationLevel=Critical)) instead of all (C(All)).
                type: bool
      activation:
        description:
          - Sent when an eligible principal activates the role (rules C(Notification_*_EndUser_Assignment)).
        type: dict
        suboptions:
          admin:
            description:
              - The alert to administrators (the portal's role assignment or activation alert).
              - Rule C(Notification_Admin_EndUser_Assignment).
            type: dict
            suboptions:
              recipients:
                description:
                  - Additional e-mail addresses, compared as a set (order, duplicates and case do not matter).
                  - An empty list removes every additional recipient.
                type: list
                elements: str
              default_recipients:
                description:
                  - Whether PIM also mails its default recipients for this event.
                type: bool
              critical_only:
                description:
                  - Send only critical e-mails (C(notificationLevel=Critical)) instead of all (C(All)).
                type: bool
          requestor:
            description:
              - The notice to the assigned or activating principal.
              - Rule C(Notification_Requestor_EndUser_Assignment).
            type: dict
            suboptions:
              recipients:
                description:
                  - Additional e-mail addresses, compared as a set (order, duplicates and case do not matter).
                  - An empty list removes every additional recipient.
                type: list
                elements: str
              default_recipients:
                description:
                  - Whether PIM also mails its default recipients for this event.
                type: bool
              critical_only:
                description:
                  - Send only critical e-mails (C(notificationLevel=Critical)) instead of all (C(All)).
                type: bool
          approver:
            description:
              - The request to approvers (of an activation, renewal or extension).
              - Rule C(Notification_Approver_EndUser_Assignment).
            type: dict
            suboptions:
              recipients:
                description:
                  - Additional e-mail addresses, compared as a set (order, duplicates and case do not matter).
                  - An empty list removes every additional recipient.
                type: list
                elements: str
              default_recipients:
                description:
                  - Whether PIM also mails its default recipients for this event.
                type: bool
              critical_only:
                description:
                  - Send only critical e-mails (C(notificationLevel=Critical)) instead of all (C(All)).
                type: bool

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
        - group:PIM-Approvers

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

- name: Conditional Access authentication context instead of plain MFA
  entra.pim.pim_role_setting:
    roles: [Security Administrator]
    activation:
      require_mfa: false
      authentication_context:
        enabled: true
        claim_value: c1

- name: One-hour activations with ticket for every role (one batched write per 20 changed roles)
  entra.pim.pim_role_setting:
    roles: [all]
    activation:
      max_duration: PT1H
      require_ticket: true

- name: Copy a tenant's settings to another (the export comes from pim_role_setting_info)
  entra.pim.pim_role_setting:
    tenant_id: "{{ target_tenant_id }}"
    roles: ["{{ item.role }}"]
    activation: "{{ item.settings.activation }}"
    eligible_assignment: "{{ item.settings.eligible_assignment }}"
    active_assignment: "{{ item.settings.active_assignment }}"
    notifications: "{{ item.settings.notifications }}"
  loop: "{{ exported.roles }}"
  loop_control:
    label: "{{ item.role }}"
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
    before:
      description: All settings of the role before, in the shape of this module's options.
      type: dict
      returned: diff mode, for changed roles
    after:
      description: All settings of the role after.
      type: dict
      returned: diff mode, for changed roles
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

from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._policy import (  # noqa: E402
    PolicyError,
    apply_plan,
    changed_paths,
    desired_approver_refs,
    plan,
    principal_name,
    rules_to_settings,
    settings_argument_spec,
    validate,
)
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._role_settings import (  # noqa: E402
    RoleSettingsError,
    approver_names,
    pair_roles_with_policies,
    read_policies,
    select_roles,
    wants_all,
    write_rules,
)

SECTIONS = ("activation", "eligible_assignment", "active_assignment", "notifications")


def plan_roles(module, pairs, desired, approvers):
    """One entry per role, with the rule bodies to write; fails before any write on a bad combination."""
    planned, problems = [], []
    for role, policy in pairs:
        try:
            bodies = plan(policy["rules"], desired, approvers)
        except PolicyError as exc:
            problems.append(f"{role['displayName']}: {exc}")
            continue
        planned.append({"role": role, "policy": policy, "policy_id": policy["policy_id"], "bodies": bodies})
    if problems:
        module.fail("nothing was written; " + "; ".join(problems))
    return planned


def describe(item, names=None, diff=False):
    before = rules_to_settings(item["policy"]["rules"], names)
    after = rules_to_settings(apply_plan(item["policy"]["rules"], item["bodies"]), names)
    entry = {"role": item["role"]["displayName"], "id": item["role"]["id"], "changed": bool(item["bodies"]),
             "changed_rules": sorted(item["bodies"]), "changed_settings": changed_paths(before, after)}
    if diff:
        entry.update(before=before, after=after)
    return entry


def main():
    spec = dict(roles=dict(type="list", elements="str", required=True))
    spec.update(settings_argument_spec())
    module = PimModule(spec, supports_check_mode=True)
    desired = {key: module.params[key] for key in SECTIONS if module.params[key] is not None}
    errors = validate(desired)
    if not [r for r in module.params["roles"] if str(r).strip()]:
        errors.append("roles: name at least one role (display name, template id or id), or 'all'")
    if errors:
        module.fail("invalid role settings, nothing was read or written: " + "; ".join(errors))
    module.check_auth()

    graph = module.graph()
    resolver = Resolver(graph)
    try:
        roles = select_roles(resolver, module.params["roles"])
        pairs = pair_roles_with_policies(roles, read_policies(graph), skip_missing=wants_all(module.params["roles"]))
        refs = desired_approver_refs(desired)
        approvers = resolver.principals(refs, kinds=("user", "group")) if refs else {}
    except (ResolveError, RoleSettingsError) as exc:
        module.fail(f"nothing was written: {exc}")
    except Exception as exc:
        module.fail_graph(exc, "Reading the PIM role settings")

    planned = plan_roles(module, pairs, desired, approvers)
    changes = [item for item in planned if item["bodies"]]
    names = None
    if module.diff_mode and changes:
        # Names only for what is shown: before/after of the roles that change.
        try:
            names = approver_names(graph, [(c["role"], c["policy"]) for c in changes])
        except Exception as exc:
            module.fail_graph(exc, "Reading the approvers' names")
        names.update({p["id"].lower(): principal_name(p) for p in approvers.values()})
    results = [describe(item, names, module.diff_mode and bool(item["bodies"])) for item in planned]
    result = {"changed": bool(changes), "roles": results}
    if module.diff_mode:
        result["diff"] = {"before": {r["role"]: r["before"] for r in results if "before" in r},
                          "after": {r["role"]: r["after"] for r in results if "after" in r}}
    if module.check_mode or not changes:
        module.exit(**result)

    outcome = write_rules(graph, changes)
    failed = [(c, err) for c, err in outcome if err is not None]
    if failed:
        applied = [c["role"]["displayName"] for c, err in outcome if err is None]
        failed_names = {change["role"]["displayName"] for change, error in failed}
        for entry in results:
            if entry["role"] in failed_names:
                entry["changed"] = False
                entry["failed"] = True
        module.fail(
            f"writing PIM settings failed for {len(failed)} of {len(changes)} changed role(s): " +
            "; ".join(f"{c['role']['displayName']}: {err.describe()}" for c, err in failed) +
            (f". Applied: {', '.join(applied)}" if applied else ". Nothing was applied"),
            changed=bool(applied), roles=results,
            errors=[dict(err.as_dict(), role=c["role"]["displayName"]) for c, err in failed])
    module.exit(**result)


if __name__ == "__main__":
    main()
