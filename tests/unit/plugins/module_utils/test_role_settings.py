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


# ---- writes whose answer is lost (issue 17.3) ------------------------------------------------------

class PolicyStore:
    """Policies in memory; PATCHes apply, then the answer can be lost in several ways."""

    def __init__(self, names, lose=None, batch_answer_status=None, reread_fails=False):
        self.policies = {f"policy-{n}": documented_default_rules() for n in names}
        self.lose, self.batch_answer_status, self.reread_fails = lose, batch_answer_status, reread_fails
        self.reads = 0

    def _apply(self, url, body):
        pid = url.rsplit("/", 1)[1]
        bodies = {r["id"]: r for r in body["rules"]}
        self.policies[pid] = [bodies.get(r["id"], r) for r in self.policies[pid]]

    def patch(self, url, body):
        self._apply(url, body)
        if self.lose:
            raise self.lose

    def batch(self, requests):
        for request in requests:
            if request["url"].endswith("policy-refused"):
                continue  # refused by Graph below: not applied
            self._apply(request["url"], request["body"])
        if self.lose:
            raise self.lose
        answers = []
        for request in requests:
            if request["url"].endswith("policy-refused"):
                answers.append({"status": 403, "body": {"error": {"code": "PermissionScopeNotGranted",
                                                                  "message": "no"}}})
            else:
                answers.append({"status": self.batch_answer_status or 204, "body": None})
        return answers

    def get_all(self, path, params=None):
        self.reads += 1
        if self.reread_fails:
            raise ConnectionResetError("reset by peer")
        return [{"roleDefinitionId": pid, "policy": {"id": pid, "rules": rules}}
                for pid, rules in self.policies.items()]


def changes_for(names, desired=None):
    desired = desired or {"activation": {"max_duration": "PT2H", "require_ticket": True}}
    out = []
    for name in names:
        pol = policy(name)
        out.append({"role": {"id": name, "displayName": name}, "policy": pol, "policy_id": pol["policy_id"],
                    "desired": desired, "bodies": plan(pol["rules"], desired)})
    return out


class WriteOutcomeUnknown(Exception):
    """Stands for _client's exception of that name: any exception type must be handled alike."""


def test_a_lost_batch_answer_is_settled_by_one_reread():
    from ansible_collections.entra.pim.plugins.module_utils._role_settings import settle_unknown, write_rules
    store = PolicyStore(["a", "b", "c"], lose=WriteOutcomeUnknown("connection dropped after the request was sent"))
    changes = changes_for(["a", "b", "c"])
    outcome = write_rules(store, changes)
    assert [e.code for _c, e in outcome] == ["WriteOutcomeUnknown"] * 3  # nothing raised
    settled, reread_error = settle_unknown(store, outcome)
    assert reread_error is None and store.reads == 1
    assert [e for _c, e in settled] == [None, None, None]
    assert all(c["confirmed_by_reread"] and c["landed"] for c, _e in settled)


def test_a_lost_answer_for_a_write_that_did_not_land_stays_an_error():
    from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
    from ansible_collections.entra.pim.plugins.module_utils._role_settings import settle_unknown, write_rules

    class Dropped(PolicyStore):
        def batch(self, requests):  # the connection drops before Graph saw anything
            raise GraphCallError(0, "ConnectError", "connection refused", method="POST", path="/$batch")

    store = Dropped(["a", "b"])
    settled, reread_error = settle_unknown(store, write_rules(store, changes_for(["a", "b"])))
    assert reread_error is None
    assert [e.code for _c, e in settled] == ["ConnectError", "ConnectError"]
    assert not any(c.get("landed") or c.get("confirmed_by_reread") for c, _e in settled)


def test_a_5xx_after_every_retry_is_settled_but_a_403_is_not_reread():
    from ansible_collections.entra.pim.plugins.module_utils._role_settings import settle_unknown, write_rules
    store = PolicyStore(["a", "refused"], batch_answer_status=503)
    outcome = write_rules(store, changes_for(["a", "refused"]))
    assert [e.status for _c, e in outcome] == [503, 403]
    settled = settle_unknown(store, outcome)[0]
    assert settled[0][1] is None and settled[0][0]["confirmed_by_reread"]
    assert settled[1][1].code == "PermissionScopeNotGranted" and "landed" not in settled[1][0]


def test_a_single_patch_with_a_lost_answer_is_settled_too():
    from ansible_collections.entra.pim.plugins.module_utils._role_settings import settle_unknown, write_rules
    store = PolicyStore(["a"], lose=TimeoutError("read timed out"))
    settled = settle_unknown(store, write_rules(store, changes_for(["a"])))[0]
    assert settled[0][1] is None and settled[0][0]["confirmed_by_reread"]


def test_no_reread_when_every_answer_arrived():
    from ansible_collections.entra.pim.plugins.module_utils._role_settings import settle_unknown, write_rules
    store = PolicyStore(["a", "b"])
    settled, reread_error = settle_unknown(store, write_rules(store, changes_for(["a", "b"])))
    assert store.reads == 0 and reread_error is None and [e for _c, e in settled] == [None, None]


def test_a_failed_reread_leaves_the_writes_undecided():
    from ansible_collections.entra.pim.plugins.module_utils._role_settings import settle_unknown, write_rules
    store = PolicyStore(["a", "b"], lose=WriteOutcomeUnknown("lost"), reread_fails=True)
    settled, reread_error = settle_unknown(store, write_rules(store, changes_for(["a", "b"])))
    assert reread_error is not None and reread_error.code == "ConnectionResetError"
    assert [e.code for _c, e in settled] == ["WriteOutcomeUnknown"] * 2
