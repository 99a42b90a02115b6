# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The baseline's tiers and settings, and the comparison the compliance scan uses."""

from __future__ import annotations

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.entra.pim.plugins.filter.pim_baseline import (
    baseline_plan, baseline_problems, baseline_role_settings, compare_settings,
)

from filter_data import BASELINE, GA, PRA, role


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


# baseline_role_settings: the tiers as pim_role_setting's role_settings, with explicit per-role settings on top.
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"


def groups_by_name(groups):
    return {g["name"]: g for g in groups}


def test_without_explicit_settings_the_tiers_become_role_settings_groups(settings):
    plan = baseline_plan(settings, BASELINE)
    out = baseline_role_settings(plan, [], settings)
    assert [g["name"] for g in out] == ["tier0", "tier0", "tier1", "other"]
    assert out[0] == dict(plan[0]["settings"], name="tier0", roles=[GA])
    assert out[2]["roles"] == [r["id"] for r in plan[2]["roles"]]


def test_an_explicit_role_leaves_its_tier_and_gets_its_tier_settings_with_its_own_on_top(settings):
    plan = baseline_plan(settings, BASELINE)
    tier0 = copy.deepcopy(plan[1]["settings"])
    entry = {"id": PRA, "role": "Privileged Role Administrator",
             "settings": {"activation": {"max_duration": "PT30M"}, "eligible_assignment": {"max_duration": "P90D"}}}
    out = groups_by_name(baseline_role_settings(plan, [entry], settings))
    # PRA was alone in its tier group, which is dropped rather than sent with no roles.
    assert [g["roles"] for g in baseline_role_settings(plan, [entry], settings) if g["name"] == "tier0"] == [[GA]]
    own = out["baseline_role_settings: Privileged Role Administrator"]
    assert own["roles"] == [PRA]
    # Merged key by key: the entry's duration wins, the tier's approval, MFA and alerts stay.
    assert own["activation"] == dict(tier0["activation"], max_duration="PT30M")
    assert own["eligible_assignment"] == {"allow_permanent": False, "max_duration": "P90D"}
    assert own["notifications"] == tier0["notifications"]
    assert plan[1]["settings"] == tier0  # the plan's settings are not changed in place


def test_entries_match_by_name_or_template_id_in_any_case_and_merge_in_order(settings):
    plan = baseline_plan(settings, BASELINE)
    entries = [{"role": "helpdesk ADMINISTRATOR", "settings": {"activation": {"max_duration": "PT2H",
                                                                              "require_ticket": True}}},
               {"id": HELPDESK.upper(), "settings": {"activation": {"max_duration": "PT3H"}}}]
    out = baseline_role_settings(plan, entries, settings)
    helpdesk = [g for g in out if g["roles"] == [HELPDESK]]
    assert len(helpdesk) == 1  # two entries for one role: one group
    assert helpdesk[0]["name"] == "baseline_role_settings: helpdesk ADMINISTRATOR"
    assert helpdesk[0]["activation"]["max_duration"] == "PT3H"  # the later entry wins
    assert helpdesk[0]["activation"]["require_ticket"] is True
    assert helpdesk[0]["activation"]["require_mfa"] is True  # from the "other" tier
    assert HELPDESK not in groups_by_name(out)["other"]["roles"]


def test_an_entry_for_a_role_outside_the_tiers_or_the_tenant(settings):
    plan = baseline_plan(settings, dict(BASELINE, other_roles=False))
    out = baseline_role_settings(plan, [{"id": HELPDESK, "settings": {"activation": {"require_ticket": True}}},
                                        {"id": "No Such Role"}], settings)
    # Not in a tier: only its own settings. Unknown: kept as given, so pim_role_setting names it before writing.
    assert out[-2] == {"activation": {"require_ticket": True}, "name": f"baseline_role_settings: {HELPDESK}",
                       "roles": [HELPDESK]}
    assert out[-1] == {"name": "baseline_role_settings: No Such Role", "roles": ["No Such Role"]}


def test_an_entry_for_a_built_in_is_not_applied_to_its_custom_twin_named_in_another_case(settings):
    # pim_role_setting_info sorts by name ignoring case, so the custom twin comes right after the built-in.
    exchange = next(r for r in settings if r["role"] == "Exchange Administrator")
    twin = role("7b0c9d2e-1f3a-4b5c-8d6e-9f0a1b2c3d4e", "exchange administrator")
    roles = settings + [twin]
    plan = baseline_plan(roles, BASELINE)
    for ref in ({"role": "Exchange Administrator"}, {"id": exchange["template_id"].upper()}):
        out = baseline_role_settings(plan, [dict(ref, settings={"activation": {"require_ticket": True}})], roles)
        assert out[-1]["roles"] == [exchange["id"]]
        assert out[-1]["activation"]["max_duration"] == "PT4H"  # tier 1's, which the twin is not in
    out = baseline_role_settings(plan, [{"role": "exchange administrator"}], roles)
    assert out[-1]["roles"] == [twin["id"]]
    with pytest.raises(AnsibleFilterError, match="'EXCHANGE ADMINISTRATOR' matches 'Exchange Administrator' and "
                                                 "'exchange administrator' in another case"):
        baseline_role_settings(plan, [{"role": "EXCHANGE ADMINISTRATOR"}], roles)


def test_an_entry_naming_no_role_fails():
    with pytest.raises(AnsibleFilterError, match="neither an id nor a role name"):
        baseline_role_settings([], [{"settings": {}}], [])
