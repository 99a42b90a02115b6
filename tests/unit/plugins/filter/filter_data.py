# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tenant data in the shapes pim_role_setting_info and pim_activation_info return (shared by the tests)."""

from __future__ import annotations

import copy

from ansible_collections.entra.pim.plugins.filter.pim_baseline import HIGHLY_PRIVILEGED

DEFAULT_SETTINGS = {
    "activation": {"max_duration": "PT8H", "require_mfa": True, "require_justification": True,
                   "require_ticket": False, "authentication_context": {"enabled": False, "claim_value": None},
                   "require_approval": False, "approvers": [], "approval_for_extension": False},
    "eligible_assignment": {"allow_permanent": True, "max_duration": "P365D", "require_mfa": False,
                            "require_justification": False},
    "active_assignment": {"allow_permanent": True, "max_duration": "P180D", "require_mfa": False,
                          "require_justification": True},
    "notifications": {moment: {who: {"recipients": [], "default_recipients": True, "critical_only": False}
                               for who in ("admin", "requestor", "approver")}
                      for moment in ("eligible_assignment", "active_assignment", "activation")},
}
OTHER_ROLES = {"729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
               "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader"}
GA = "62e90394-69f5-4237-9190-012177145e10"
PRA = "e8611ab8-c189-46e8-94e1-60213ab1f814"


def role(rid, name, settings=None):
    return {"role": name, "id": rid, "template_id": rid, "policy_id": f"DirectoryRole_t_{rid}",
            "settings": copy.deepcopy(settings or DEFAULT_SETTINGS)}


def settings_data():
    return [role(rid, name) for rid, name in {**HIGHLY_PRIVILEGED, **OTHER_ROLES}.items()]


def assignment(principal, role_id, kind="active", permanent=False, **extra):
    item = {"principal": principal, "principal_id": f"id-{principal}", "role_id": role_id,
            "role": HIGHLY_PRIVILEGED.get(role_id, OTHER_ROLES.get(role_id)), "kind": kind,
            "permanent": permanent, "principal_type": "user", "synced": False}
    item.update(extra)
    return item


def tidy_data():
    return [assignment("breakglass1", GA, permanent=True), assignment("breakglass2", GA, permanent=True),
            assignment("alice", GA, "eligible", end="2027-01-01T00:00:00Z"),
            assignment("grace", PRA, "eligible", end="2027-01-01T00:00:00Z"),
            assignment("bob", "194ae4cb-b126-40b2-bd5b-6091b380977d", "eligible", end="2027-01-01T00:00:00Z"),
            assignment("walter", "fe930be7-5e62-47db-91af-98c3a49a38b1", "eligible", end="2027-01-01T00:00:00Z")]


BASELINE = {"tier0_approvers": ["group:PIM-Approvers-Tier0"], "alert_mailbox": ["soc@example.com"],
            "activation_alert_mailbox": ["pim-activations@example.com"]}


# Names whoever administers a customer tenant may give a group, a user or an app (issue 14, item 2).
HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    "Ops | Tier0 | `x` [link](javascript:alert(1))",
    "]]></failure><injected/>",
    "Red \x1b[31mALERT\x1b[0m \x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
    "{{ lookup('pipe','id') }}",
    "{% raw %}x{% endraw %} {# c #}",
    "line1\nline2\r\n# heading\r- item",
    "nul\x00 bell\x07 bs\x08 vt\x0b del\x7f csi\x9b lone\ud800 nonchar\ufffe\uffff bidi\u202eevil\u202c",
    "**bold** _em_ ~~strike~~ $x$ &lt; &#106;s https://evil.example www.evil.example <https://x> \\`",
    "![img](https://x/y.png) <script>alert(1)</script> \"quoted\" 'single'",
    "x" * 5000 + "<b>long</b>",
]


def hostile_report_inputs(name, index=0):
    """Settings and assignments where ``name`` is a role's name, a permanent Global Administrator group,
    the group a member holds Global Administrator through, and a user."""
    settings = settings_data()
    ga_role = next(r for r in settings if r["id"] == GA)
    ga_role["role"] = name
    data = tidy_data() + [
        assignment(name, GA, permanent=True, principal_type="group",
                   principal_id=f"00000000-0000-4000-8000-{index:012d}"),
        assignment("member@x", GA, "eligible", end="2027-01-01T00:00:00Z", member_type="Group", via_group=name),
        assignment(name, PRA, permanent=True, principal_id=f"00000000-0000-4000-9000-{index:012d}"),
    ]
    return settings, data
