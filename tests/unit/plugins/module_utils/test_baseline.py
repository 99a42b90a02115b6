# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pim_role_setting's baseline option: planned in the module from the roles it read, as the filters plan it.

The role used to read every role's settings with pim_role_setting_info, plan with the pim_baseline_plan and
pim_baseline_role_settings filters, and pass the groups to pim_role_setting. Now the module plans: these tests
hold it to the filters' answer and to the checks role_settings gets as an option.
"""

from __future__ import annotations

import pytest

from ansible_collections.entra.pim.plugins.filter import pim_baseline as filters
from ansible_collections.entra.pim.plugins.module_utils._baseline import (
    BaselineError,
    approver_refs,
    plan_from_roles,
    tenant_roles,
)
from ansible_collections.entra.pim.plugins.modules import pim_role_setting

GA = "62e90394-69f5-4237-9190-012177145e10"
EXCHANGE = "29232cdf-9323-42fd-ade2-1d097af3e4de"
READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
OPTIONS = {"tier0_approvers": ["group:PIM-Approvers-Tier0"], "alert_mailbox": ["soc@example.com"],
           "activation_alert_mailbox": ["pim@example.com"], "scope": None, "highly_privileged_roles": None}


def _pairs():
    """(role definition, policy) as pair_roles_with_policies returns them; a custom role shares a name in
    another case with a built-in, as in the emulator's seed."""
    definitions = [{"id": GA, "templateId": GA, "displayName": "Global Administrator"},
                   {"id": EXCHANGE, "templateId": EXCHANGE, "displayName": "Exchange Administrator"},
                   {"id": "c0ffee00-0000-4000-8000-000000000001", "templateId": None,
                    "displayName": "exchange administrator"},
                   {"id": READER, "templateId": READER, "displayName": "Global Reader"}]
    return [(d, {"policy_id": f"DirectoryRole_t_{d['id']}", "rules": []}) for d in definitions]


def test_tenant_roles_are_what_pim_role_setting_info_lists():
    roles = tenant_roles(_pairs())
    assert roles[1] == {"role": "Exchange Administrator", "id": EXCHANGE, "template_id": EXCHANGE}
    assert [r["role"] for r in roles] == [d["displayName"] for d, _p in _pairs()]


def test_plan_from_roles_matches_the_filters():
    roles = tenant_roles(_pairs())
    explicit = [{"role": "Exchange Administrator", "settings": {"activation": {"max_duration": "PT2H"}}}]
    tiers, groups = plan_from_roles(roles, dict(OPTIONS, role_settings=explicit))
    assert tiers == filters.baseline_plan(roles, OPTIONS)
    assert groups == filters.baseline_role_settings(tiers, explicit, roles)
    # The exact name wins over the custom role named like it in another case; its tier's settings stay under.
    own = groups[-1]
    assert own["roles"] == [EXCHANGE] and own["name"] == "baseline_role_settings: Exchange Administrator"
    assert own["activation"]["max_duration"] == "PT2H" and own["activation"]["require_mfa"] is True
    assert [g["name"] for g in groups[:-1]] == ["tier0", "other"]


def test_plan_from_roles_raises_the_baseline_error():
    with pytest.raises(BaselineError, match="scope must be highly_privileged or privileged"):
        plan_from_roles([], {"scope": "everything"})
    with pytest.raises(BaselineError, match="neither an id nor a role name"):
        plan_from_roles(tenant_roles(_pairs()), {"role_settings": [{"settings": {}}]})


class _Failed(Exception):
    pass


class _Module:
    """What baseline_groups uses of PimModule: its params, and fail (which exits)."""

    def __init__(self, baseline):
        self.params = {"baseline": baseline}

    def fail(self, msg, **_kwargs):
        raise _Failed(msg)


def test_baseline_groups_are_checked_as_role_settings_are():
    roles = tenant_roles(_pairs())
    tiers, groups = pim_role_setting.baseline_groups(_Module(dict(OPTIONS, tier1_max_activation="2h")), roles)
    assert [t["tier"] for t in tiers] == ["tier0", "tier1", "other"]
    # Converted by the role_settings argument spec: every section present, left-out options as None.
    assert groups[1]["activation"]["max_duration"] == "2h" and groups[1]["activation"]["require_ticket"] is None
    with pytest.raises(_Failed, match=r"invalid baseline settings, nothing was written: .*tier1.*max_duration"):
        pim_role_setting.baseline_groups(_Module(dict(OPTIONS, tier1_max_activation="forever")), roles)
    bad = [{"role": "Global Reader", "settings": {"activation": {"require_mfa": "maybe"}}}]
    with pytest.raises(_Failed, match="invalid baseline settings, nothing was written: .*require_mfa"):
        pim_role_setting.baseline_groups(_Module(dict(OPTIONS, role_settings=bad)), roles)


def test_no_group_is_no_write():
    module = _Module(dict(OPTIONS, other_roles=False, tier0_roles=[], highly_privileged_roles=["Nobody"]))
    assert pim_role_setting.baseline_groups(module, tenant_roles(_pairs())) == ([], [])


def test_approver_refs_are_tier0s_and_the_explicit_entries_once_each():
    approvers = ["bob@contoso.com", "group:PIM-Approvers-Tier0"]
    explicit = [{"role": "Exchange Administrator", "settings": {"activation": {"approvers": approvers}}},
                {"id": READER, "settings": None}, {"role": "Global Reader"}]
    assert approver_refs(dict(OPTIONS, role_settings=explicit)) == ["group:PIM-Approvers-Tier0", "bob@contoso.com"]
    assert approver_refs(None) == []
