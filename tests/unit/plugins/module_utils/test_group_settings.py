# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PIM for Groups settings on the shared settings backend: options, validation, pairing, export, the run."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
from ansible_collections.entra.pim.plugins.module_utils._policy import (
    documented_default_rules,
    plan,
    settings_argument_spec,
)
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver
from ansible_collections.entra.pim.plugins.module_utils._role_settings import (
    GROUP_SETTINGS,
    combine_groups,
    group_policies_of,
    group_ref,
    group_settings_argument_spec,
    group_settings_of,
    group_target,
    pair_groups_with_policies,
    read_group_policies,
    read_group_targets,
    requested_groups,
    settle_unknown,
    unmanaged_message,
    validate_groups,
    write_rules,
)
from ansible_collections.entra.pim.plugins.module_utils._settings_module import apply_settings

EXCHANGE = {"id": "6F0E1A52-0000-4000-8000-00000000E001", "type": "group", "displayName": "PIM-Exchange-Admins"}
TIER0 = {"id": "6f0e1a52-0000-4000-8000-00000000e002", "type": "group", "displayName": "PIM-Tier0"}
FRESH = {"id": "6f0e1a52-0000-4000-8000-00000000e003", "type": "group", "displayName": "Helpdesk-Operators"}
APPROVERS = {"id": "6f0e1a52-0000-4000-8000-00000000a001", "type": "group", "displayName": "PIM-Approvers-Tier0"}


def group_rules():
    """A group's rules with the documented group defaults: expiration required, no MFA on activation."""
    rules = documented_default_rules()
    for rule in rules:
        if rule["id"] in ("Expiration_Admin_Eligibility", "Expiration_Admin_Assignment"):
            rule["isExpirationRequired"] = True
        if rule["id"] == "Enablement_EndUser_Assignment":
            rule["enabledRules"] = ["Justification"]
    return rules


def assignment(group, access):
    pid = f"Group_{group['id'].lower()}_{access}"
    return {"id": pid + "_a", "scopeId": group["id"].lower(), "scopeType": "Group", "roleDefinitionId": access,
            "policyId": pid, "policy": {"id": pid, "rules": group_rules()}}


# ---- options and validation (pure) ------------------------------------------------------------------

def test_group_settings_spec_reuses_the_settings_spec():
    options = group_settings_argument_spec()["group_settings"]["options"]
    assert options.pop("groups") == {"type": "list", "elements": "str", "required": True}
    assert options.pop("access") == {"type": "list", "elements": "str", "choices": ["member", "owner"]}
    assert options.pop("name") == {"type": "str"}
    assert options == settings_argument_spec()


def test_validate_names_the_entry_and_refuses_all_and_empty_access_before_any_read():
    errors = validate_groups([
        {"name": "tier0", "groups": ["PIM-Tier0"], "activation": {"max_duration": "25h"}},
        {"groups": [" "], "access": ["owner"]},
        {"groups": ["all"], "access": []},
    ], GROUP_SETTINGS)
    assert errors[0].startswith("group_settings[0] (tier0): activation.max_duration")
    assert errors[1] == "group_settings[1]: groups: name at least one group (display name or object id)"
    assert errors[2].startswith("group_settings[2]: groups: 'all' is not available for groups")
    assert errors[3] == "group_settings[2]: access: give member, owner or both"
    assert len(errors) == 4
    assert validate_groups([], GROUP_SETTINGS) == ["group_settings: give at least one group of groups and settings"]
    # A group really called "all" is named with its kind prefix.
    assert validate_groups([{"groups": ["group:all"], "access": None}], GROUP_SETTINGS) == []


def test_top_level_options_make_one_entry_with_access():
    params = {"groups": ["PIM-Tier0"], "access": ["owner"], "group_settings": None, "activation": {"x": 1},
              "eligible_assignment": None, "active_assignment": None, "notifications": None}
    groups, grouped = requested_groups(params, GROUP_SETTINGS)
    assert grouped is False
    assert groups == [{"groups": ["PIM-Tier0"], "access": ["owner"], "activation": {"x": 1},
                       "eligible_assignment": None, "active_assignment": None, "notifications": None}]


def test_group_refs_get_the_group_kind_unless_they_carry_one():
    assert group_ref("PIM-Tier0") == "group:PIM-Tier0"
    assert group_ref(" group:PIM-Tier0 ") == "group:PIM-Tier0"
    assert group_ref("Tier0: Admins") == "group:Tier0: Admins"  # a colon is no kind prefix
    assert group_ref("user:alice@contoso.com") == "user:alice@contoso.com"  # refused later as not a group


# ---- policies, pairing, the unmanaged groups (pure) ------------------------------------------------

def test_group_policies_are_keyed_by_group_and_access_and_a_fresh_group_has_none():
    policies = group_policies_of([EXCHANGE["id"], FRESH["id"]],
                                 [[assignment(EXCHANGE, "member"), assignment(EXCHANGE, "owner")], []])
    assert sorted(policies) == [(EXCHANGE["id"].lower(), "member"), (EXCHANGE["id"].lower(), "owner")]
    assert policies[(EXCHANGE["id"].lower(), "owner")]["policy_id"] == f"Group_{EXCHANGE['id'].lower()}_owner"


def test_pairing_reports_the_targets_without_a_policy_and_counts_each_once():
    policies = group_policies_of([EXCHANGE["id"]], [[assignment(EXCHANGE, "member"), assignment(EXCHANGE, "owner")]])
    pairs, missing = pair_groups_with_policies([EXCHANGE, FRESH, EXCHANGE], ["member", "owner", "member"], policies)
    assert [t["displayName"] for t, _p in pairs] == ["PIM-Exchange-Admins (member)", "PIM-Exchange-Admins (owner)"]
    assert [(t["group"]["displayName"], t["access"]) for t in missing] == [("Helpdesk-Operators", "member"),
                                                                           ("Helpdesk-Operators", "owner")]
    message = unmanaged_message(missing)
    assert "'Helpdesk-Operators'" in message and "member and owner policy" in message
    assert "entra.pim.pim_group_eligible_assignment" in message and "Discover groups" in message


def test_export_groups_alike_policies_and_joins_member_and_owner_when_both_match():
    default = {"activation": {"max_duration": "PT8H"}, "eligible_assignment": {"allow_permanent": False},
               "active_assignment": {}, "notifications": {}}
    strict = dict(default, activation={"max_duration": "PT1H"})
    entries = [{"group_id": "a", "access": "member", "settings": default},
               {"group_id": "a", "access": "owner", "settings": default},
               {"group_id": "b", "access": "member", "settings": strict},
               {"group_id": "b", "access": "owner", "settings": default},
               {"group_id": "c", "access": "member", "settings": default},
               {"group_id": "c", "access": "owner", "settings": default}]
    # b's owner policy is like a's and c's: one owner entry holds the three groups, so the member entry of
    # a and c names other groups and stays apart. Three entries for six policies.
    assert group_settings_of(entries) == [
        dict(default, groups=["a", "c"], access=["member"]),
        dict(default, groups=["a", "b", "c"], access=["owner"]),
        dict(strict, groups=["b"], access=["member"]),
    ]
    # A group alone whose two policies are alike: one entry with both.
    assert group_settings_of(entries[:2]) == [dict(default, groups=["a"], access=["member", "owner"])]
    assert group_settings_of([]) == []


def test_an_export_entry_means_exactly_the_policies_it_came_from():
    """Applying group_settings sets every group x access of an entry: the export must not widen that."""
    settings = [{"activation": {"max_duration": f"PT{n}H"}} for n in (1, 2, 3)]
    entries = [{"group_id": g, "access": a, "settings": settings[(i * 7 + j) % 3]}
               for i, g in enumerate("abcde") for j, a in enumerate(("member", "owner"))]
    covered = {}
    for entry in group_settings_of(entries):
        for group in entry["groups"]:
            for access in entry["access"]:
                assert (group, access) not in covered
                covered[(group, access)] = entry["activation"]
    assert covered == {(e["group_id"], e["access"]): e["settings"]["activation"] for e in entries}


def test_entries_naming_one_policy_merge_and_conflicts_name_the_policy_and_both_entries():
    policy = {"policy_id": "p", "rules": group_rules()}
    target = group_target(TIER0, "member")
    groups = [{"name": "tier0", "groups": ["PIM-Tier0"], "activation": {"max_duration": "PT1H"}},
              {"groups": [TIER0["id"]], "activation": {"max_duration": "PT2H", "require_mfa": True}}]
    _targets, conflicts = combine_groups(groups, [[(target, policy)], [(target, policy)]], {}, GROUP_SETTINGS)
    assert conflicts == ["PIM-Tier0 (member): activation.max_duration: group_settings[0] (tier0) sets 'PT1H' but "
                         "group_settings[1] sets 'PT2H'"]


# ---- reads against a fake Graph ---------------------------------------------------------------------

class Graph:
    """Groups, approvers and group policies in memory; records each call."""

    def __init__(self, managed=(EXCHANGE, TIER0), groups=(EXCHANGE, TIER0, FRESH, APPROVERS)):
        self.groups = list(groups)
        self.policies = {g["id"].lower(): [assignment(g, "member"), assignment(g, "owner")] for g in managed}
        self.calls, self.patched = [], []

    def _answer(self, read):
        flt = (read.get("params") or {}).get("$filter", "")
        if read["url"] == "/groups":
            return [g for g in self.groups if f"'{g['displayName']}'" in flt]
        if read["url"] == "/policies/roleManagementPolicyAssignments":
            assert "scopeType eq 'Group'" in flt
            gid = flt.split("'")[1]
            return copy.deepcopy(self.policies.get(gid, []))
        return []

    def read_many(self, reads):
        self.calls.append(("read_many", [r["url"] for r in reads]))
        return [{"items": self._answer(r), "error": None} for r in reads]

    def get_all(self, path, params=None):
        self.calls.append(("get_all", path))
        return self._answer({"url": path, "params": params})

    def get(self, path, params=None):
        self.calls.append(("get", path))
        return {"value": []}

    def post(self, path, body, read=False):
        self.calls.append(("post", path))
        wanted = {i.lower() for i in body["ids"]}
        return {"value": [dict(g, **{"@odata.type": "#microsoft.graph.group"}) for g in self.groups
                          if g["id"].lower() in wanted]}

    def _apply(self, url, body):
        pid = url.rsplit("/", 1)[1]
        self.patched.append(pid)
        for assignments in self.policies.values():
            for a in assignments:
                if a["policy"]["id"] == pid:
                    by_id = {r["id"]: r for r in body["rules"]}
                    a["policy"]["rules"] = [by_id.get(r["id"], r) for r in a["policy"]["rules"]]

    def patch(self, url, body):
        self._apply(url, body)

    def batch(self, requests):
        for request in requests:
            self._apply(request["url"], request["body"])
        return [{"status": 204, "body": None} for _r in requests]


def test_names_and_approvers_are_looked_up_together_then_every_groups_policies_in_one_round_trip():
    graph = Graph()
    resolver = Resolver(graph, sleep=lambda _s: None)
    entries = [{"groups": ["PIM-Exchange-Admins", "PIM-Tier0"], "access": ["member", "owner"]},
               {"groups": ["Helpdesk-Operators", TIER0["id"]], "access": None}]
    group_pairs, missing, group_ids = read_group_targets(graph, resolver, entries, ["group:PIM-Approvers-Tier0"])
    assert graph.calls[0] == ("read_many", ["/groups"])  # three names and the approver: one filtered read
    assert graph.calls[1] == ("post", "/directoryObjects/getByIds")  # the group given by id
    assert graph.calls[2] == ("read_many", ["/policies/roleManagementPolicyAssignments"] * 3)
    assert len(graph.calls) == 3
    assert [t["displayName"] for t, _p in group_pairs[0]] == [
        "PIM-Exchange-Admins (member)", "PIM-Exchange-Admins (owner)", "PIM-Tier0 (member)", "PIM-Tier0 (owner)"]
    assert [t["displayName"] for t, _p in group_pairs[1]] == ["PIM-Tier0 (member)"]  # access defaults to member
    assert [t["displayName"] for t in missing] == ["Helpdesk-Operators (member)"]
    assert group_ids == [EXCHANGE["id"].lower(), TIER0["id"], FRESH["id"]]
    # The approver was found in the same lookup: no read of its own.
    assert resolver.principals(["group:PIM-Approvers-Tier0"], kinds=("user", "group"))
    assert len(graph.calls) == 3


def test_an_unknown_group_fails_with_the_closest_names_before_any_policy_read():
    graph = Graph()
    graph.get = lambda path, params=None: {"value": [{"id": "x", "displayName": "PIM-Exchange-Admins"}]}
    with pytest.raises(ResolveError, match="PIM-Exchange-Admns.*did you mean 'PIM-Exchange-Admins'"):
        read_group_targets(graph, Resolver(graph, sleep=lambda _s: None),
                           [{"groups": ["PIM-Exchange-Admns"], "access": None}])
    assert not any("roleManagementPolicyAssignments" in str(call) for call in graph.calls)


def test_a_lost_answer_is_settled_by_re_reading_the_groups_policies_only():
    class Lost(Graph):
        def batch(self, requests):
            super().batch(requests)
            raise GraphCallError(0, "WriteOutcomeUnknown", "connection dropped", method="POST", path="/$batch")

    graph = Lost()
    policies = read_group_policies(graph, [EXCHANGE["id"], TIER0["id"]])
    desired = {"activation": {"max_duration": "PT2H"}}
    changes = []
    for group in (EXCHANGE, TIER0):
        policy = policies[(group["id"].lower(), "member")]
        changes.append({"role": group_target(group, "member"), "policy": policy, "policy_id": policy["policy_id"],
                        "desired": desired, "bodies": plan(policy["rules"], desired)})
    graph.calls.clear()
    settled, reread_error = settle_unknown(graph, write_rules(graph, changes), None,
                                           lambda session: read_group_policies(session, [EXCHANGE["id"], TIER0["id"]]))
    assert reread_error is None and [e for _c, e in settled] == [None, None]
    assert all(c["confirmed_by_reread"] for c, _e in settled)
    assert graph.calls == [("read_many", ["/policies/roleManagementPolicyAssignments"] * 2)]


# ---- the shared run with the group shape ----------------------------------------------------------

class Done(Exception):
    pass


class Module:
    def __init__(self, graph, check_mode=False, diff_mode=False):
        self._graph, self.check_mode, self.diff_mode = graph, check_mode, diff_mode
        self.result = None

    def graph(self):
        return self._graph

    def exit(self, **result):
        self.result = dict(result, failed=False)
        raise Done

    def fail(self, msg, **result):
        self.result = dict(result, msg=msg, failed=True)
        raise Done

    def fail_graph(self, exc, action):
        self.fail(f"{action}: {exc}")


def _run(graph, groups, check_mode=False, diff_mode=False, grouped=True):
    module = Module(graph, check_mode, diff_mode)
    group_pairs, missing, ids = read_group_targets(graph, Resolver(graph, sleep=lambda _s: None), groups)
    assert not missing
    with pytest.raises(Done):
        apply_settings(module, groups, group_pairs, {}, grouped,
                       reread=lambda session: read_group_policies(session, ids), shape=GROUP_SETTINGS)
    return module.result


def test_the_run_names_group_policies_writes_in_one_batch_and_a_rerun_changes_nothing():
    graph = Graph()
    entries = [{"name": "tier0", "groups": ["PIM-Tier0", "PIM-Exchange-Admins"], "access": ["member", "owner"],
                "activation": {"max_duration": "1h", "require_mfa": True}}]
    checked = _run(graph, entries, check_mode=True, diff_mode=True)
    assert checked["changed"] and not graph.patched
    first = checked["policies"][0]
    assert {k: first[k] for k in ("group", "group_id", "access", "entries")} == {
        "group": "PIM-Tier0", "group_id": TIER0["id"], "access": "member", "entries": ["group_settings[0] (tier0)"]}
    assert first["changed_settings"] == ["activation.max_duration", "activation.require_mfa"]
    assert checked["diff"]["before"]["PIM-Tier0 (owner)"]["activation"]["max_duration"] == "PT8H"
    assert checked["diff"]["after"]["PIM-Tier0 (owner)"]["activation"]["max_duration"] == "PT1H"
    assert checked["entries"] == [{"name": "tier0", "label": "group_settings[0] (tier0)", "changed": True,
                                   "failed": False, "policies": ["PIM-Tier0 (member)", "PIM-Tier0 (owner)",
                                                                 "PIM-Exchange-Admins (member)",
                                                                 "PIM-Exchange-Admins (owner)"]}]
    applied = _run(graph, entries)
    assert applied["changed"] and len(graph.patched) == 4
    again = _run(graph, entries)
    assert not again["changed"] and len(graph.patched) == 4


def test_a_refused_write_names_the_group_and_access_and_what_was_applied():
    class Refusing(Graph):
        def batch(self, requests):
            answers = []
            for request in requests:
                if TIER0["id"] in request["url"]:
                    answers.append({"status": 403, "body": {"error": {"code": "PermissionScopeNotGranted",
                                                                      "message": "no"}}})
                else:
                    self._apply(request["url"], request["body"])
                    answers.append({"status": 204, "body": None})
            return answers

    graph = Refusing()
    result = _run(graph, [{"groups": ["PIM-Tier0", "PIM-Exchange-Admins"], "access": None,
                           "activation": {"require_ticket": True}}], grouped=False)
    assert result["failed"] and result["changed"]
    assert result["msg"].startswith("writing PIM settings failed for 1 of 2 changed group policy(s): "
                                    "PIM-Tier0 (member): ")
    assert "Applied: PIM-Exchange-Admins (member)" in result["msg"]
    assert result["errors"][0]["group_id"] == TIER0["id"] and result["errors"][0]["access"] == "member"
    assert [p["failed"] for p in result["policies"] if "failed" in p] == [True]


def test_an_unknown_group_is_named_as_given_with_advice_for_groups():
    graph = Graph()
    graph.get = lambda path, params=None: {"value": [{"id": "x", "displayName": "PIM-Exchange-Admins"}]}
    with pytest.raises(ResolveError) as err:
        read_group_targets(graph, Resolver(graph, sleep=lambda _s: None),
                           [{"groups": ["PIM-Exchange-Admns", "group:Nope-Group"], "access": None}])
    message = str(err.value)
    assert message.startswith("group(s) not found in the tenant: 'PIM-Exchange-Admns' (did you mean")
    assert "'group:Nope-Group'" in message  # given with its prefix: shown with it
    assert message.endswith("Give a group's display name or object id.")
    assert "user principal name" not in message and "app id" not in message
