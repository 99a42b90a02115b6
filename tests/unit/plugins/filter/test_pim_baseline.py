# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The baseline's tiers and settings, and the comparison the compliance scan uses."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.entra.pim.plugins.filter.pim_baseline import (
    baseline_plan, baseline_problems, compare_settings,
)

from filter_data import BASELINE, GA, role


def by_tier(groups):
    out = {}
    for g in groups:
        out.setdefault(g["tier"], []).extend(r["role"] for r in g["roles"])
    return out


def test_default_tiers_cover_ten_highly_privileged_roles_and_the_rest(settings):
    groups = baseline_plan(settings, BASELINE)
    tiers = by_tier(groups)
    assert sorted(tiers["tier0"]) == ["Global Administrator", "Privileged Role Administrator"]
    assert len(tiers["tier1"]) == 8
    assert sorted(tiers["other"]) == ["Global Reader", "Helpdesk Administrator"]
    # GA and PRA differ only in their activation alert mailbox (7.8 vs 7.9): two groups, one call each.
    assert [g["tier"] for g in groups] == ["tier0", "tier0", "tier1", "other"]


def test_tier0_requires_approval_mfa_justification_one_hour(settings):
    ga = baseline_plan(settings, BASELINE)[0]
    assert ga["roles"] == [{"id": GA, "role": "Global Administrator"}]
    act = ga["settings"]["activation"]
    assert act == {"max_duration": "PT1H", "require_justification": True, "require_mfa": True,
                   "authentication_context": {"enabled": False}, "require_approval": True,
                   "approvers": ["group:PIM-Approvers-Tier0"]}
    assert ga["settings"]["eligible_assignment"] == {"allow_permanent": False, "max_duration": "P365D"}
    assert ga["settings"]["active_assignment"]["allow_permanent"] is False
    notes = ga["settings"]["notifications"]
    assert notes["activation"]["admin"]["recipients"] == ["soc@example.com"]
    pra = baseline_plan(settings, BASELINE)[1]
    assert pra["settings"]["notifications"]["activation"]["admin"]["recipients"] == ["pim-activations@example.com"]


def test_tier1_and_other_durations_overridable(settings):
    groups = baseline_plan(settings, dict(BASELINE, tier1_max_activation="PT2H", other_max_activation="PT10H"))
    assert groups[2]["settings"]["activation"]["max_duration"] == "PT2H"
    assert "require_approval" not in groups[2]["settings"]["activation"]
    assert groups[3]["settings"] == {"activation": {"max_duration": "PT10H", "require_justification": True,
                                                    "require_mfa": True, "authentication_context": {"enabled": False}}}


def test_authentication_context_replaces_mfa(settings):
    act = baseline_plan(settings, dict(BASELINE, authentication_context="c1"))[2]["settings"]["activation"]
    assert act["require_mfa"] is False
    assert act["authentication_context"] == {"enabled": True, "claim_value": "c1"}


def test_all_privileged_scope_and_no_other_tier(settings):
    extra = role("11111111-1111-1111-1111-111111111111", "Some Privileged Role")
    groups = baseline_plan(settings + [extra], dict(BASELINE, scope="privileged", other_roles=False,
                                                    privileged_roles=[extra["id"]]))
    tiers = by_tier(groups)
    assert "Some Privileged Role" in tiers["tier1"] and "other" not in tiers


def test_roles_by_name_and_missing_roles_skipped(settings):
    groups = baseline_plan(settings, dict(BASELINE, highly_privileged_roles=["exchange administrator", "Nope"],
                                          other_roles=False))
    assert by_tier(groups)["tier1"] == ["Exchange Administrator"]


def test_bad_scope_fails():
    with pytest.raises(AnsibleFilterError):
        baseline_plan([], {"scope": "everything"})


def test_problems_name_each_missing_input():
    problems = baseline_problems({})
    assert len(problems) == 3 and "MS.AAD.7.6" in problems[0]
    assert baseline_problems(BASELINE) == []


def test_compare_settings_durations_lists_and_booleans():
    expected = {"activation": {"max_duration": "PT4H", "require_mfa": True, "approvers": ["Group:X"]},
                "notifications": {"activation": {"admin": {"recipients": ["a@x"]}}}}
    actual = {"activation": {"max_duration": "PT2H", "require_mfa": True, "approvers": ["group:x", "u@y"]},
              "notifications": {"activation": {"admin": {"recipients": ["A@X"]}}}}
    assert compare_settings(expected, actual) == []
    actual["activation"]["max_duration"] = "PT8H"
    actual["activation"]["require_mfa"] = False
    actual["notifications"] = {}
    assert compare_settings(expected, actual) == [
        ("activation.max_duration", "PT4H", "PT8H"), ("activation.require_mfa", True, False),
        ("notifications.activation.admin.recipients", ["a@x"], None)]


def test_a_custom_role_named_like_a_built_in_in_another_case_is_not_hardened_in_its_place(settings):
    # pim_role_setting_info sorts by name ignoring case, so the custom twin comes right after the built-in.
    exchange = next(r for r in settings if r["role"] == "Exchange Administrator")
    twin = role("7b0c9d2e-1f3a-4b5c-8d6e-9f0a1b2c3d4e", "exchange administrator")
    roles = settings + [twin]
    by_name = baseline_plan(roles, {**BASELINE, "highly_privileged_roles": ["Exchange Administrator"]})
    tier1 = [r for g in by_name if g["tier"] == "tier1" for r in g["roles"]]
    assert tier1 == [{"id": exchange["id"], "role": "Exchange Administrator"}]
    twin_only = baseline_plan(roles, {**BASELINE, "highly_privileged_roles": ["exchange administrator"]})
    assert [r for g in twin_only if g["tier"] == "tier1" for r in g["roles"]] == [
        {"id": twin["id"], "role": "exchange administrator"}]
    with pytest.raises(AnsibleFilterError, match="'EXCHANGE ADMINISTRATOR' matches 'Exchange Administrator' and "
                                                 "'exchange administrator' in another case"):
        baseline_plan(roles, {**BASELINE, "highly_privileged_roles": ["EXCHANGE ADMINISTRATOR"]})
