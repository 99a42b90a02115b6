# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings options of the PIM settings modules, written once: the source of the generated doc fragment
``plugins/doc_fragments/policy_settings.py``. Edit the YAML here, then run ``make doc-fragments``
(``tests/unit/plugins/modules/test_pim_group_setting.py`` fails while the fragment differs from this source).

Why generated: ``ansible-test sanity`` (yamllint, validate-modules) reads a doc fragment's attributes as string
literals from the source file, without running it, so the fragment cannot build its text at import time.

pim_role_setting (directory roles) and pim_group_setting (PIM for Groups) take the same four settings
sections (``_policy.settings_argument_spec``), at the top level and again in each item of their list option
(``role_settings``, ``group_settings``). Their text is written once below, in YAML (anchors and aliases for
what repeats inside it); this script builds each module's fragment from it:

- ``entra.pim.policy_settings.roles``: the sections and ``role_settings``, for pim_role_setting;
- ``entra.pim.policy_settings.groups``: the sections and ``group_settings``, for pim_group_setting, with the
  few descriptions that speak of "the role" worded for a group's membership and ownership.

In the copy under the list option, a reference to a sibling option (``O(activation.require_mfa)``) becomes
one to the list item's (``O(role_settings[].activation.require_mfa)``).
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

SECTIONS = ("activation", "eligible_assignment", "active_assignment", "notifications")

# The four settings sections as pim_role_setting documents them.
_SECTIONS = r"""
options:
  activation:
    description:
      - How eligible principals activate the role (rules C(Expiration_EndUser_Assignment),
        C(Enablement_EndUser_Assignment), C(Approval_EndUser_Assignment) and
        C(AuthenticationContext_EndUser_Assignment)).
    type: dict
    suboptions:
      max_duration:
        description:
          - The longest an activation may last, from 30 minutes to 24 hours.
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
          - The users and groups that approve activations (the first approval stage), compared as a set.
          - A user principal name, a group display name, an object id, or any of them prefixed with
            V(user:) or V(group:) when a name is ambiguous. Service principals cannot approve.
          - An empty list removes every approver (not allowed while approval is required).
          - Further stages, escalation, approver justification and stage timeouts are set with
            O(activation.approval_stages); setting only this option leaves them as they are.
        type: list
        elements: str
      approval_for_extension:
        description:
          - Require approval to extend an activation as well.
        type: bool
      approval_stages:
        description:
          - Every approval stage, in order (Graph's C(approvalStages) of the approval rule), compared as a whole.
            A request passes the stages one after another.
          - One or two stages, as Graph's approval settings define them. Two stages are written with
            C(approvalMode=Serial), one with C(SingleStage). A policy that holds C(Parallel) stages keeps
            that mode while it keeps two stages.
          - The first stage's approvers are O(activation.approvers); when both are given they must name the
            same principals. A first stage without O(activation.approval_stages[].approvers) takes
            O(activation.approvers).
          - A setting left out of a stage keeps the value of the stage at the same place in the policy (for a
            new stage, Graph's defaults of approver justification, one day and no escalation). Stages beyond
            the list are removed, so a one-item list returns a two-stage policy to a single stage.
          - Exports (the C(_info) modules) carry this option only when the stages say more than
            O(activation.approvers) does (a second stage, escalation, no approver justification or another
            timeout), so single-stage exports keep their shape. Because it is then absent, applying such an
            export leaves a second stage or escalation of the target in place; give a one-item list to
            remove them.
          - The portal shows one stage without escalation; Microsoft's PIM documentation says approvers have
            24 hours to approve and that this window is not configurable there. Graph stores the stage
            settings as given; whether every setting takes effect in a tenant is Microsoft's to decide.
        type: list
        elements: dict
        suboptions:
          approvers:
            description:
              - The primary approvers of the stage (C(primaryApprovers)), named as in O(activation.approvers),
                compared as a set.
              - Needed in every stage while approval is required.
            type: list
            elements: str
          require_justification:
            description:
              - Whether the approvers of this stage must justify their decision (C(isApproverJustificationRequired)).
            type: bool
          timeout_days:
            description:
              - The days a request may wait for this stage before it is denied (C(approvalStageTimeOutInDays)),
                from 1.
            type: int
          escalation:
            description:
              - Escalation of requests the primary approvers leave unanswered.
            type: dict
            suboptions:
              enabled:
                description:
                  - Whether requests escalate (C(isEscalationEnabled)). Needs escalation approvers.
                type: bool
              approvers:
                description:
                  - The escalation approvers (C(escalationApprovers)), named as in O(activation.approvers),
                    compared as a set.
                type: list
                elements: str
              after_minutes:
                description:
                  - The minutes a request waits for the primary approvers before it escalates
                    (C(escalationTimeInMinutes)), from 0.
                type: int
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
            # The same three settings for each of the nine rules.
            suboptions: &notification_rule
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
            suboptions: *notification_rule
          approver:
            description:
              - The request to approvers (of an activation, renewal or extension).
              - Rule C(Notification_Approver_Admin_Eligibility).
            type: dict
            suboptions: *notification_rule
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
            suboptions: *notification_rule
          requestor:
            description:
              - The notice to the assigned or activating principal.
              - Rule C(Notification_Requestor_Admin_Assignment).
            type: dict
            suboptions: *notification_rule
          approver:
            description:
              - The request to approvers (of an activation, renewal or extension).
              - Rule C(Notification_Approver_Admin_Assignment).
            type: dict
            suboptions: *notification_rule
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
            suboptions: *notification_rule
          requestor:
            description:
              - The notice to the assigned or activating principal.
              - Rule C(Notification_Requestor_EndUser_Assignment).
            type: dict
            suboptions: *notification_rule
          approver:
            description:
              - The request to approvers (of an activation, renewal or extension).
              - Rule C(Notification_Approver_EndUser_Assignment).
            type: dict
            suboptions: *notification_rule
"""

_ROLE_SETTINGS = r"""
description:
  - Several groups of roles and settings applied in one run, for example the tiers of a baseline.
  - One read of the role definitions and of every policy, one resolution of all approvers, every
    group checked before anything is written, then one PATCH per changed policy, batched 20 per
    C($batch) request across all groups.
  - A role may be named in several groups; their settings are merged. A setting given by two groups
    for the same role must have the same value in both (compared normalised, as for a second run),
    otherwise the module fails naming the role, the setting and both groups, and writes nothing.
  - Mutually exclusive with O(roles), O(activation), O(eligible_assignment), O(active_assignment) and
    O(notifications).
  - The result's RV(roles) has one entry per role, and RV(groups) one per group.
type: list
elements: dict
suboptions:
  name:
    description:
      - A label for the group, used in messages and in RV(groups) (for example V(tier0)).
    type: str
  roles:
    description:
      - The directory roles of this group,
        by display name (exact case first; a case-only match when unique), template id or id, or V(all).
    type: list
    elements: str
    required: true
"""

_GROUP_SETTINGS = r"""
description:
  - Several entries of groups, access and settings applied in one run, for example tiers of groups.
  - One lookup of every group and approver, one read of the policies of every group (20 groups per
    C($batch) request), every entry checked before anything is written, then one PATCH per changed policy,
    batched 20 per C($batch) request across all entries.
  - A group's policy may be named by several entries; their settings are merged. A setting given by two
    entries for the same policy must have the same value in both (compared normalised, as for a second run),
    otherwise the module fails naming the policy, the setting and both entries, and writes nothing.
  - The shape of RV(entra.pim.pim_group_setting_info#module:group_settings), so an export is applied back in
    one call.
  - Mutually exclusive with O(groups), O(access), O(activation), O(eligible_assignment), O(active_assignment)
    and O(notifications).
  - The result's RV(policies) has one entry per group policy, and RV(entries) one per entry.
type: list
elements: dict
suboptions:
  name:
    description:
      - A label for the entry, used in messages and in RV(entries) (for example V(tier0)).
    type: str
  groups:
    description:
      - The groups of this entry, by display name or object id (prefix a name with V(group:) when it looks
        like something else).
    type: list
    elements: str
    required: true
  access:
    description:
      - Which of each group's policies to set, V(member) (just-in-time membership), V(owner) (ownership), or
        both.
      - Defaults to V([member]).
    type: list
    elements: str
    choices: [member, owner]
"""

_AZURE_ROLE_SETTINGS = r"""
description:
  - Several groups of roles, scopes and settings applied in one run, for example the tiers of a baseline
    for every subscription.
  - Each scope is resolved (and so checked to exist) and its policies read once, whatever the number of groups
    and roles naming it; every group is checked before anything is written, then one PATCH per changed policy.
  - A role at a scope may be named in several groups; their settings are merged. A setting given by two groups
    for the same role and scope must have the same value in both (compared normalised, as for a second run),
    otherwise the module fails naming the policy, the setting and both groups, and writes nothing.
  - The shape of RV(entra.pim.pim_azure_role_setting_info#module:role_settings), so an export is applied back in
    one call.
  - Mutually exclusive with O(roles), O(scope), O(activation), O(eligible_assignment), O(active_assignment) and
    O(notifications).
  - The result's RV(policies) has one entry per role and scope, and RV(groups) one per group.
type: list
elements: dict
suboptions:
  name:
    description:
      - A label for the group, used in messages and in RV(groups) (for example V(tier0)).
    type: str
  roles:
    description:
      - The Azure roles of this group, by name (V(Owner); exact case first, a case-only match when unique),
        role definition GUID or full role definition id, or V(all) (every role with a PIM policy at the scope).
    type: list
    elements: str
    required: true
  scope:
    description:
      - Where the roles' policies are set, in any form O(scope) takes (V(Production), V(Production/rg-app),
        V(mg:Landing Zones), an ARM id).
      - Left out, the subscription of O(subscription_id) (or E(AZURE_SUBSCRIPTION_ID)).
    type: str
"""

# The sections speak of "the role"; for a group it is the membership or ownership the policy governs.
# Whole phrases, so a change of the text above fails the unit test instead of producing odd wording.
_GROUP_WORDING = (
    ("activate the role", "activate their membership or ownership"),
    ("activates the role", "activates their membership or ownership"),
    ("if the role currently requires MFA", "if the policy currently requires MFA"),
    ("already on the role", "already in the policy"),
    ("assign the role as eligible", "assign membership or ownership as eligible"),
    ("assign the role as active", "assign membership or ownership as active"),
    ("on highly privileged roles", "on groups that hold highly privileged roles"),
    ("assigned as eligible for the role", "assigned as eligible member or owner"),
    ("assigned the role as active", "assigned as active member or owner"),
)


def _map_text(options, change):
    """``options`` (a doc's options) with ``change`` applied to every description line, recursively."""
    out = {}
    for name, option in options.items():
        option = dict(option)
        if "description" in option:
            lines = option["description"]
            option["description"] = ([change(line) for line in lines] if isinstance(lines, list)
                                     else change(lines))
        if "suboptions" in option:
            option["suboptions"] = _map_text(option["suboptions"], change)
        out[name] = option
    return out


def _under(options, list_option):
    """The sections as suboptions of ``list_option``: references to siblings point into the list item."""
    def change(line):
        for section in SECTIONS:
            line = line.replace(f"O({section}.", f"O({list_option}[].{section}.")
        return line
    return _map_text(options, change)


def _group_wording(line):
    for old, new in _GROUP_WORDING:
        line = line.replace(old, new)
    return line


class _Dumper(yaml.SafeDumper):
    """Every value written out in full: no ``&id001`` anchors for a value that appears twice."""

    def ignore_aliases(self, _data):
        return True


def _dump(options):
    return yaml.dump({"options": options}, Dumper=_Dumper, sort_keys=False, width=80)


def _fragment(sections, list_option, list_doc):
    doc = yaml.safe_load(list_doc)
    doc["suboptions"].update(_under(sections, list_option))
    options = copy.deepcopy(sections)
    options[list_option] = doc
    return _dump(options)


_SECTION_OPTIONS = yaml.safe_load(_SECTIONS)["options"]


FRAGMENT = Path(__file__).resolve().parents[1] / "plugins" / "doc_fragments" / "policy_settings.py"
HEADER = """# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# GENERATED by hacking/policy_settings_source.py (make doc-fragments): edit the YAML there, not here.

from __future__ import annotations


class ModuleDocFragment:
"""


def attributes():
    """name -> YAML text of each fragment attribute, in order."""
    return {
        # The four settings sections alone.
        "DOCUMENTATION": _dump(_SECTION_OPTIONS),
        # pim_role_setting: the sections and role_settings.
        "ROLES": _fragment(_SECTION_OPTIONS, "role_settings", _ROLE_SETTINGS),
        # pim_group_setting: the sections and group_settings, worded for groups.
        "GROUPS": _fragment(_map_text(_SECTION_OPTIONS, _group_wording), "group_settings", _GROUP_SETTINGS),
        # pim_azure_role_setting: the sections and role_settings with a scope per group.
        "AZURE": _fragment(_SECTION_OPTIONS, "role_settings", _AZURE_ROLE_SETTINGS),
    }


def render():
    """The fragment file's text."""
    parts = []
    for name, text in attributes().items():
        assert '"""' not in text, "the fragment text may not contain triple quotes"
        parts.append(f'    {name} = r"""\n{text}"""')
    return HEADER + "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    FRAGMENT.write_text(render(), encoding="utf-8")
