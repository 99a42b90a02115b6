# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several groups of roles and settings in one pim_role_setting run: validation, merge, conflicts."""

from __future__ import annotations

from ansible_collections.entra.pim.plugins.module_utils._policy import (
    documented_default_rules,
    merge_settings,
    plan,
    settings_argument_spec,
)
from ansible_collections.entra.pim.plugins.module_utils._role_settings import (
    combine_groups,
    group_by_settings,
    group_label,
    groups_approver_refs,
    role_settings_argument_spec,
    validate_groups,
)

GROUP_ID = "6f0e1a52-0000-4000-8000-00000000a001"
APPROVERS = {
    "group:PIM-Approvers": {"id": GROUP_ID, "type": "group", "displayName": "PIM-Approvers"},
    GROUP_ID: {"id": GROUP_ID, "type": "group", "displayName": "PIM-Approvers"},
}
GA = {"id": "62e90394-69f5-4237-9190-012177145e10", "displayName": "Global Administrator"}
EXCHANGE = {"id": "29232cdf-9323-42fd-ade2-1d097af3e4de", "displayName": "Exchange Administrator"}
READER = {"id": "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "displayName": "Global Reader"}


def policy(name):
    return {"policy_id": f"policy-{name}", "rules": documented_default_rules()}


def test_argument_spec_reuses_the_settings_spec():
    options = role_settings_argument_spec()["role_settings"]["options"]
    assert options.pop("roles") == {"type": "list", "elements": "str", "required": True}
    assert options.pop("name") == {"type": "str"}
    assert options == settings_argument_spec()


def test_group_label_names_the_group():
    assert group_label(0, {"roles": ["x"]}) == "role_settings[0]"
    assert group_label(2, {"name": "tier1"}) == "role_settings[2] (tier1)"


def test_validate_groups_checks_every_group_before_any_read():
    errors = validate_groups([
        {"name": "tier0", "roles": ["Global Administrator"], "activation": {"max_duration": "25h"}},
        {"roles": [" "], "activation": {"require_mfa": True}},
        {"roles": ["all"], "notifications": {"activation": {"admin": {"recipients": ["not-a-mail"]}}}},
    ])
    assert len(errors) == 3
    assert errors[0].startswith("role_settings[0] (tier0): activation.max_duration")
    assert errors[1].startswith("role_settings[1]: roles: name at least one role")
    assert errors[2].startswith("role_settings[2]: notifications.activation.admin.recipients")
    assert validate_groups([]) == ["role_settings: give at least one group of roles and settings"]
    assert validate_groups([{"roles": ["all"], "activation": {"require_mfa": True}, "notifications": None}]) == []


def test_approver_refs_of_all_groups_once():
    groups = [{"roles": ["a"], "activation": {"approvers": ["group:PIM-Approvers", "alice@contoso.com"]}},
              {"roles": ["b"], "activation": {"approvers": ["alice@contoso.com"]}},
              {"roles": ["c"]}]
    assert groups_approver_refs(groups) == ["group:PIM-Approvers", "alice@contoso.com"]


def test_merge_equal_values_in_other_spellings():
    merged, conflicts = merge_settings([
        ("a", {"activation": {"max_duration": "PT60M", "approvers": ["group:PIM-Approvers"]}}),
        ("b", {"activation": {"max_duration": "1h", "approvers": [GROUP_ID], "require_mfa": True},
               "notifications": {"activation": {"admin": {"recipients": ["SOC@example.com"]}}}}),
        ("c", {"notifications": {"activation": {"admin": {"recipients": ["soc@example.com", "soc@example.com"]}}}}),
    ], APPROVERS)
    assert conflicts == []
    assert merged == {"activation": {"max_duration": "PT60M", "approvers": ["group:PIM-Approvers"],
                                     "require_mfa": True},
                      "notifications": {"activation": {"admin": {"recipients": ["SOC@example.com"]}}}}


def test_merge_conflict_names_the_setting_and_both_groups():
    _merged, conflicts = merge_settings([
        ("role_settings[0] (tier0)", {"activation": {"max_duration": "1h", "require_mfa": True}}),
        ("role_settings[1] (other)", {"activation": {"max_duration": "8h", "require_mfa": True}}),
    ])
    assert conflicts == ["activation.max_duration: role_settings[0] (tier0) sets '1h' but "
                         "role_settings[1] (other) sets '8h'"]


def test_combine_groups_merges_overlapping_roles_in_first_seen_order():
    groups = [{"name": "tier0", "roles": ["Global Administrator"], "activation": {"max_duration": "1h"}},
              {"name": "all", "roles": ["all"], "activation": {"require_mfa": True}}]
    pairs = [[(GA, policy("ga"))], [(EXCHANGE, policy("ex")), (GA, policy("ga")), (READER, policy("gr"))]]
    targets, conflicts = combine_groups(groups, pairs, {})
    assert conflicts == []
    assert [t["role"]["displayName"] for t in targets] == [
        "Global Administrator", "Exchange Administrator", "Global Reader"]
    assert targets[0]["desired"] == {"activation": {"max_duration": "1h", "require_mfa": True}}
    assert targets[0]["groups"] == ["role_settings[0] (tier0)", "role_settings[1] (all)"]
    assert targets[1]["desired"] == {"activation": {"require_mfa": True}}
    bodies = plan(targets[0]["policy"]["rules"], targets[0]["desired"], {})
    assert sorted(bodies) == ["Expiration_EndUser_Assignment"]  # MFA is already the default


def test_combine_groups_reports_every_conflicting_role():
    groups = [{"name": "tier0", "roles": ["Global Administrator"], "activation": {"max_duration": "1h"}},
              {"name": "other", "roles": ["all"], "activation": {"max_duration": "8h"}}]
    pairs = [[(GA, policy("ga"))], [(GA, policy("ga")), (READER, policy("gr"))]]
    _targets, conflicts = combine_groups(groups, pairs, {})
    assert conflicts == ["Global Administrator: activation.max_duration: role_settings[0] (tier0) sets '1h' "
                         "but role_settings[1] (other) sets '8h'"]


def test_a_role_named_twice_in_one_group_counts_once():
    groups = [{"roles": ["Global Administrator", "62e90394-69f5-4237-9190-012177145e10"],
               "activation": {"max_duration": "1h"}}]
    targets, conflicts = combine_groups(groups, [[(GA, policy("ga")), (GA, policy("ga"))]])
    assert conflicts == [] and len(targets) == 1 and targets[0]["groups"] == ["role_settings[0]"]


def test_group_by_settings_makes_one_group_per_distinct_settings():
    strict = {"activation": {"max_duration": "PT1H"}, "eligible_assignment": {"allow_permanent": False},
              "active_assignment": {}, "notifications": {}}
    loose = dict(strict, activation={"max_duration": "PT8H"})
    entries = [{"id": "ga", "role": "Global Administrator", "settings": strict},
               {"id": "gr", "role": "Global Reader", "settings": loose},
               {"id": "pra", "role": "Privileged Role Administrator", "settings": dict(strict)}]
    assert group_by_settings(entries) == [dict(strict, roles=["ga", "pra"]), dict(loose, roles=["gr"])]
    assert group_by_settings([]) == []
