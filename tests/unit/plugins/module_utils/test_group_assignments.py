# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PIM for Groups through the one assignment planner: group and access in place of role and scope, keyed per
(group, access) so a group's members and owners never mix, Graph's group field names and enum case, the reads
one per group, a group without a policy yet, and results in the group vocabulary."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ansible_collections.entra.pim.plugins.module_utils._assignment_backends import GroupBackend
from ansible_collections.entra.pim.plugins.module_utils._assignment_rules import (
    GROUP_DEFAULT_REQUIREMENTS, Requirement, guard_break_glass, policy_problems, policy_requirements,
)
from ansible_collections.entra.pim.plugins.module_utils._assignments import (
    AssignmentError, actual_state, diff_view, holds, plan, validate_items,
)
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver
from ansible_collections.entra.pim.plugins.module_utils._surfaces import DIRECTORY, GROUPS

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
G1, G2 = "11111111-0000-0000-0000-000000000001", "22222222-0000-0000-0000-000000000002"
DAVE, OLIVIA, ALICE, BG = (f"{c * 8}-0000-0000-0000-00000000000{i}" for i, c in enumerate("dabe", 1))
G1_MEMBER, G1_OWNER, G2_MEMBER = (GROUPS.role_key("member", G1), GROUPS.role_key("owner", G1),
                                  GROUPS.role_key("member", G2))
# The documented group defaults: expiration required, eligible at most 365 days, active at most 180.
DEFAULTS = {key: dict(GROUP_DEFAULT_REQUIREMENTS) for key in (G1_MEMBER, G1_OWNER, G2_MEMBER)}
OPEN = {key: {"eligible": Requirement(), "active": Requirement()} for key in (G1_MEMBER, G1_OWNER, G2_MEMBER)}


def params(**kw):
    base = {"principal": None, "group": None, "access": "member", "start": None, "end": None, "duration": None,
            "permanent": None, "justification": None, "ticket_number": None, "ticket_system": None,
            "state": "present", "assignments": None, "exclusive": False}
    base.update(kw)
    return base


def desired(items, **kw):
    """Validated group items with ids filled in as the group backend binds them (refs are group ids here)."""
    out = validate_items(params(assignments=items, **kw), NOW, GROUPS)
    for d in out:
        d.principal_id, d.scope, d.role_id = d.principal_ref, d.scope_ref, GROUPS.role_key(d.role_ref, d.scope_ref)
    return out


def graph_item(principal, group=G1, access="member", member_type="direct", assignment_type=None, start=None,
               end=None, **extra):
    item = {"id": f"{group}_{access}_{principal}", "principalId": principal, "groupId": group, "accessId": access,
            "memberType": member_type, "startDateTime": start, "endDateTime": end, **extra}
    if assignment_type:
        item["assignmentType"] = assignment_type
    return item


def schedule(principal, group=G1, access="member", duration=None):
    expiration = {"type": "afterDuration", "duration": duration} if duration else {"type": "noExpiration"}
    return {"id": f"{group}_{access}_{principal}", "principalId": principal, "groupId": group, "accessId": access,
            "memberType": "direct", "status": "Provisioned",
            "scheduleInfo": {"startDateTime": "2026-01-01T00:00:00Z", "expiration": expiration}}


# -- validation: group and access in place of role and scope ------------------------------------------------
def test_access_defaults_to_member_and_the_group_is_the_required_name():
    [item] = validate_items(params(principal="dave", group="PIM-Exchange-Admins"), NOW, GROUPS)
    assert (item.principal_ref, item.scope_ref, item.role_ref) == ("dave", "PIM-Exchange-Admins", "member")
    with pytest.raises(AssignmentError, match="give principal and group, or assignments"):
        validate_items(params(), NOW, GROUPS)
    with pytest.raises(AssignmentError, match="group is empty"):
        validate_items(params(assignments=[{"principal": "dave", "group": "  "}]), NOW, GROUPS)


def test_list_items_inherit_the_module_access_and_may_set_their_own():
    items = validate_items(params(access="owner", assignments=[{"principal": "a", "group": "G"},
                                                               {"principal": "b", "group": "G", "access": "member"}]),
                           NOW, GROUPS)
    assert [d.role_ref for d in items] == ["owner", "member"]


@pytest.mark.parametrize("item, message", [
    ({"principal": "a", "group": "G", "access": "admin"}, "access must be member or owner, not 'admin'"),
    ({"principal": "a", "group": "G", "role": "Global Administrator"}, "unknown option(s) role; allowed: principal, "
                                                                       "access, group"),
    ({"principal": "a", "group": "G", "scope": "/"}, "unknown option(s) scope"),
    ({"principal": "a", "group": "G", "permanent": True, "duration": "P30D"}, "permanent: true cannot"),
])
def test_bad_group_items_are_refused_naming_the_option(item, message):
    with pytest.raises(AssignmentError) as err:
        validate_items(params(assignments=[item]), NOW, GROUPS)
    assert message in str(err.value) and "nothing was changed" in str(err.value)


def test_the_same_membership_twice_is_refused_but_member_and_owner_are_two():
    with pytest.raises(AssignmentError, match=r"duplicates assignments\[0\] \(same principal, access and group\)"):
        validate_items(params(assignments=[{"principal": "a", "group": "G"}, {"principal": "A", "group": "g"}]),
                       NOW, GROUPS)
    assert len(validate_items(params(assignments=[{"principal": "a", "group": "G"},
                                                  {"principal": "a", "group": "G", "access": "owner"}]),
                              NOW, GROUPS)) == 2


def test_directory_validation_is_unchanged_by_the_surface_parameter():
    directory = {"principal": "a", "role": "x", "scope": "/", "start": None, "end": None, "duration": None,
                 "permanent": None, "justification": None, "ticket_number": None, "ticket_system": None,
                 "state": "present", "assignments": None, "exclusive": False}
    assert validate_items(directory, NOW)[0].scope_ref == validate_items(directory, NOW, DIRECTORY)[0].scope_ref == "/"
    with pytest.raises(AssignmentError, match="give principal and role"):
        validate_items(dict(directory, principal=None, role=None), NOW)


# -- reading Graph's group lists ------------------------------------------------------------------------------
def test_group_state_reads_group_fields_and_lower_case_enums():
    instances = [
        graph_item(DAVE),  # a plain member added outside PIM: no schedule, no end
        graph_item(OLIVIA, start="2026-01-01T00:00:03Z", end="2026-04-01T00:00:00Z", assignment_type="assigned",
                   assignmentScheduleId=f"{G1}_member_olivia"),
        graph_item(ALICE, assignment_type="activated", start="2026-03-01T10:00:00Z", end="2026-03-01T18:00:00Z"),
        graph_item(BG, member_type="group"),
        graph_item(DAVE, access="owner"),
    ]
    # Assignment schedules carry assignmentType as their instances do (privilegedAccessGroupAssignmentSchedule).
    state = actual_state(instances, [dict(schedule(OLIVIA, duration="P90D"), assignmentType="assigned")], NOW, GROUPS)
    by = {(a.principal_id, a.role_id): a for a in state}
    dave = by[(DAVE, G1_MEMBER)]
    assert dave.managed and dave.permanent and dave.scope == G1
    olivia = by[(OLIVIA, G1_MEMBER)]
    assert olivia.managed and not olivia.permanent and olivia.duration == "P90D"
    assert olivia.end == datetime(2026, 4, 1, tzinfo=timezone.utc)
    assert not by[(ALICE, G1_MEMBER)].managed  # an activation ends by itself
    assert not by[(BG, G1_MEMBER)].managed  # held through another group
    assert by[(DAVE, G1_OWNER)].managed and (DAVE, G1_OWNER) != (DAVE, G1_MEMBER)


def test_request_bodies_name_access_and_group_and_nothing_of_directory_roles():
    [act] = plan("eligible", desired([{"principal": OLIVIA, "group": G1, "duration": "P180D"}]), [], NOW,
                 OPEN).actions
    body = act.request_body(GROUPS)
    assert {k: body[k] for k in ("action", "principalId", "accessId", "groupId")} == {
        "action": "adminAssign", "principalId": OLIVIA, "accessId": "member", "groupId": G1}
    assert "roleDefinitionId" not in body and "directoryScopeId" not in body
    assert body["scheduleInfo"]["expiration"] == {"type": "afterDuration", "duration": "P180D"}


# -- planning per (group, access) -----------------------------------------------------------------------------
def test_exclusive_membership_never_touches_owners_or_other_groups():
    state = list(actual_state(
        [graph_item(DAVE), graph_item(ALICE), graph_item(ALICE, access="owner"), graph_item(DAVE, group=G2)],
        [], NOW, GROUPS))
    result = plan("active", desired([{"principal": DAVE, "group": G1, "permanent": True}]), state, NOW, OPEN,
                  exclusive_roles={G1_MEMBER})
    assert [(a.action, a.principal_id, a.role_id) for a in result.actions] == [("adminRemove", ALICE, G1_MEMBER)]


def test_a_new_membership_without_schedule_gets_the_group_policy_maximum():
    [act] = plan("eligible", desired([{"principal": OLIVIA, "group": G1}]), [], NOW, DEFAULTS).actions
    assert act.request_body(GROUPS)["scheduleInfo"]["expiration"] == {"type": "afterDuration", "duration": "P365D"}
    [act] = plan("active", desired([{"principal": OLIVIA, "group": G1}]), [], NOW, DEFAULTS).actions
    assert act.request_body(GROUPS)["scheduleInfo"]["expiration"] == {"type": "afterDuration", "duration": "P180D"}


def test_a_plain_member_is_replaced_by_an_eligible_membership_first():
    state = actual_state([graph_item(DAVE), graph_item(BG)], [], NOW, GROUPS)
    result = plan("active", [], state, NOW, DEFAULTS, protected={BG}, replace_permanent=True, eligible_actual=[],
                  replace_roles={G1_MEMBER})
    steps = [(a.kind, a.action, a.principal_id) for a in result.actions]
    assert steps == [("eligible", "adminAssign", DAVE), ("active", "adminRemove", DAVE)]
    bodies = [a.request_body(GROUPS) for a in result.actions]
    assert bodies[0]["scheduleInfo"]["expiration"] == {"type": "afterDuration", "duration": "P365D"}
    assert {(b["accessId"], b["groupId"]) for b in bodies} == {("member", G1)}
    assert [why for _a, why in result.kept] == ["protected principal: its permanent active assignment is kept"]


def test_the_break_glass_guard_holds_for_groups():
    state = actual_state([graph_item(BG)], [], NOW, GROUPS)
    result = plan("active", desired([{"principal": BG, "group": G1, "state": "absent"}]), state, NOW, OPEN)
    with pytest.raises(AssignmentError, match="last permanent break-glass assignment"):
        guard_break_glass(result.actions, state, {BG}, {BG: "breakglass1"})


def test_a_reread_decides_a_group_write_by_its_key():
    [act] = plan("eligible", desired([{"principal": OLIVIA, "group": G1, "duration": "P90D"}]), [], NOW,
                 OPEN).actions
    landed = actual_state([], [dict(schedule(OLIVIA, duration="P90D"),
                                    scheduleInfo={"startDateTime": "2026-03-01T12:00:00Z",
                                                  "expiration": {"type": "afterDuration", "duration": "P90D"}})],
                          NOW, GROUPS)
    assert holds(act, landed, NOW)
    owner_only = actual_state([], [dict(schedule(OLIVIA, access="owner", duration="P90D"))], NOW, GROUPS)
    assert not holds(act, owner_only, NOW)


# -- policies: per (group, access); a group without one ------------------------------------------------------
def group_policy(group, access, max_eligible="P365D"):
    return {"id": f"Group_{group}_{access}", "scopeId": group, "scopeType": "Group", "roleDefinitionId": access,
            "policy": {"rules": [{"id": "Expiration_Admin_Eligibility", "isExpirationRequired": True,
                                  "maximumDuration": max_eligible},
                                 {"id": "Enablement_Admin_Eligibility", "enabledRules": ["Justification"]}]}}


def test_policies_are_keyed_per_group_and_access_and_name_the_group_setting_module():
    requirements = policy_requirements([group_policy(G1, "member", "P30D"), group_policy(G1, "owner")], GROUPS)
    assert requirements[G1_MEMBER]["eligible"].max_duration == "P30D"
    assert requirements[G1_OWNER]["eligible"].max_duration == "P365D"
    actions = plan("eligible", desired([{"principal": OLIVIA, "group": G1, "duration": "P60D"},
                                        {"principal": OLIVIA, "group": G1, "access": "owner", "duration": "P60D"}]),
                   [], NOW, requirements).actions
    problems, _warnings = policy_problems(actions, requirements, {G1_MEMBER: "PIM-X (member)"}, {OLIVIA: "olivia"},
                                          NOW, GROUPS)
    assert problems == [
        "PIM-X (member) allows eligible assignments of at most P30D (Expiration_Admin_Eligibility.maximumDuration) "
        "but olivia would get P60D; set eligible_assignment.max_duration: P60D with entra.pim.pim_group_setting or "
        "give an earlier end or a shorter duration",
        "PIM-X (member) requires a justification for eligible assignments (Enablement_Admin_Eligibility: "
        "Justification); give justification for olivia or set eligible_assignment.require_justification: false with "
        "entra.pim.pim_group_setting",
        f"{G1_OWNER} requires a justification for eligible assignments (Enablement_Admin_Eligibility: "
        "Justification); give justification for olivia or set eligible_assignment.require_justification: false with "
        "entra.pim.pim_group_setting"]


class Run:
    """What the group backend reads from and writes names into."""

    kind = "eligible"

    def __init__(self):
        self.role_names, self.scope_names = {}, {G1: "PIM-Exchange-Admins", G2: "Helpdesk-Operators"}


def test_a_group_without_policy_is_planned_with_the_defaults_and_warned_about_once():
    backend, run = GroupBackend(), Run()
    requirements = policy_requirements([group_policy(G1, "member"), group_policy(G1, "owner")], GROUPS)
    planning = backend.planning_requirements(requirements, {G1_MEMBER, G2_MEMBER})
    assert planning[G2_MEMBER] == GROUP_DEFAULT_REQUIREMENTS and planning[G1_MEMBER] is requirements[G1_MEMBER]
    actions = plan("eligible", desired([{"principal": OLIVIA, "group": G2}, {"principal": DAVE, "group": G2},
                                        {"principal": DAVE, "group": G1, "duration": "P30D"}],
                                       justification="why"), [], NOW, planning).actions
    run.role_ids = {G1_MEMBER, G2_MEMBER}
    warnings = backend.policy_warnings(run, actions, requirements)
    assert len(warnings) == 1 and "group Helpdesk-Operators has no PIM policy yet" in warnings[0]
    # Nothing to write to it: the group is not PIM-managed, so its plain members are not in PIM's lists yet.
    [warning] = backend.policy_warnings(run, [a for a in actions if a.scope == G1], requirements)
    assert warning.startswith("group Helpdesk-Operators is not managed by PIM for Groups yet (no policy)")
    assert backend.policy_warnings(run, actions, dict(requirements, **{G2_MEMBER: requirements[G1_MEMBER]})) == []
    # The pre-check leaves that group to Graph: nothing to refuse with no policy read.
    assert policy_problems(actions, requirements, {}, {}, NOW, GROUPS) == ([], [])


class ReadManyGraph:
    def __init__(self, items):
        self.items, self.reads = items, []

    def read_many(self, reads):
        self.reads.append(reads)
        return [{"items": self.items(r), "error": None} for r in reads]


def test_the_state_is_one_read_per_group_and_list_plus_one_policy_read_per_group_in_one_round():
    def items(read):
        gid = read["params"]["$filter"].split("'")[1]
        if read["url"].endswith("eligibilityScheduleInstances"):
            return [graph_item(OLIVIA, group=gid), graph_item(OLIVIA, group=gid, access="owner")]
        if read["url"].endswith("roleManagementPolicyAssignments"):
            return [group_policy(gid, "member")] if gid == G1 else []  # G2 was never used with PIM
        return []
    graph = ReadManyGraph(items)
    state = GroupBackend().read_state(graph, ["eligible"], {G1_MEMBER, G2_MEMBER}, NOW)
    [reads] = graph.reads
    assert [(r["url"].rsplit("/", 1)[-1], r["params"]["$filter"]) for r in reads] == [
        ("eligibilityScheduleInstances", f"groupId eq '{G1}'"), ("eligibilitySchedules", f"groupId eq '{G1}'"),
        ("eligibilityScheduleInstances", f"groupId eq '{G2}'"), ("eligibilitySchedules", f"groupId eq '{G2}'"),
        ("roleManagementPolicyAssignments", f"scopeId eq '{G1}' and scopeType eq 'Group'"),
        ("roleManagementPolicyAssignments", f"scopeId eq '{G2}' and scopeType eq 'Group'")]
    # Owners were read (the lists hold both) but are not part of a run about members.
    assert sorted((a.principal_id, a.role_id) for a in state["eligible"]) == [(OLIVIA, G1_MEMBER), (OLIVIA, G2_MEMBER)]
    assert [p["scopeId"] for p in state["policies"]] == [G1]


# -- input the group surface refuses before any write -------------------------------------------------------
@pytest.mark.parametrize("kind, principal, access, assignable, problem", [
    ("eligible", {"id": G1, "type": "group"}, "member", False, "cannot be a member or owner of itself"),
    ("eligible", {"id": G2, "type": "group"}, "owner", False, "a group cannot own a group"),
    ("active", {"id": G2, "type": "group"}, "member", True, "cannot be an active member of a role-assignable group"),
    ("eligible", {"id": G2, "type": "group"}, "member", True, None),  # eligible nesting is allowed
    ("active", {"id": G2, "type": "group"}, "member", False, None),
    ("active", {"id": DAVE, "type": "user"}, "owner", True, None),
])
def test_group_item_problems(kind, principal, access, assignable, problem):
    run = Run()
    run.kind = kind
    [item] = desired([{"principal": principal["id"], "group": "G", "access": access}])
    found = GroupBackend.item_problems(run, item, principal, {"G": {"id": G1, "isAssignableToRole": assignable}})
    assert (problem in found[0]) if problem else found == []


def test_results_diff_and_messages_speak_of_group_and_access():
    run = Run()
    backend = GroupBackend()
    backend.name_targets(run, None, {"x": {"id": G1, "displayName": "PIM-\x1b[31mExchange"}})
    state = actual_state([graph_item(DAVE)], [], NOW, GROUPS)
    assert backend.shape(state[0].view()) == {"principal_id": DAVE, "group_id": G1, "access": "member", "start": None,
                                              "end": None, "permanent": True, "member_type": "direct"}
    assert backend.fields(run, G1_MEMBER, G1) == {"group": "PIM-\\x1b[31mExchange", "group_id": G1,
                                                  "access": "member"}
    result = plan("active", desired([{"principal": DAVE, "group": G1, "state": "absent"}]), state, NOW, OPEN)
    diff = diff_view(result.actions, run.role_names, {DAVE: "dave"}, backend.subject(run))
    assert diff == {"before": {"PIM-\\x1b[31mExchange / member / dave / active": {
        "group": "PIM-\\x1b[31mExchange", "access": "member", "principal": "dave", "kind": "active",
        "schedule": "permanent, from now"}}, "after": {}}
    assert backend.label(run, result.actions[0]) == "group PIM-\\x1b[31mExchange / member"
    assert run.role_names[G1_OWNER] == "PIM-\\x1b[31mExchange (owner)"


# -- resolving a group by name ----------------------------------------------------------------------------------
class GroupGraph:
    GROUPS_HELD = [{"id": G1, "displayName": "PIM-Exchange-Admins", "isAssignableToRole": True}]

    def __init__(self):
        self.calls = []

    def get_all(self, path, params=None):
        self.calls.append((path, params["$filter"]))
        if path == "/groups":
            return [g for g in self.GROUPS_HELD if f"'{g['displayName']}'" in params["$filter"]]
        return []

    def get(self, path, params=None):  # the suggestion read (startswith)
        self.calls.append((path, params["$filter"]))
        return {"value": self.GROUPS_HELD if path == "/groups" else [{"displayName": "PIM-Exchange-Admins-SP"}]}

    def post(self, path, body, read=False):
        return {"value": []}


def test_groups_resolve_by_name_only_among_groups_and_unknown_names_get_the_closest_group_names():
    graph = GroupGraph()
    resolver = Resolver(graph, sleep=lambda s: None)
    assert resolver.groups(["PIM-Exchange-Admins"])["PIM-Exchange-Admins"]["id"] == G1
    assert all(path == "/groups" for path, _f in graph.calls)  # never a service principal lookup
    with pytest.raises(ResolveError) as err:
        resolver.groups(["PIM-Exchange-Admns"])
    assert str(err.value) == ("group(s) not found in the tenant: 'PIM-Exchange-Admns' (did you mean "
                              "'PIM-Exchange-Admins'?). Give a group's display name or object id.")


def test_planner_keys_of_both_surfaces():
    # A directory role keeps its id as key; a group access is keyed with its group and decoded back for Graph.
    assert DIRECTORY.role_key(G1, "/") == G1 and DIRECTORY.role_of(G1) == G1
    assert DIRECTORY.key_of({"roleDefinitionId": G1, "directoryScopeId": "/administrativeUnits/x"}) == G1
    assert GROUPS.key_of({"accessId": "owner", "groupId": G2}) == GROUPS.role_key("owner", G2) != G2
    assert GROUPS.request_ids(G1_OWNER, G1) == {"accessId": "owner", "groupId": G1}
    assert DIRECTORY.request_ids(G1, "/") == {"roleDefinitionId": G1, "directoryScopeId": "/"}


# -- the whole run over a Graph that answers as PIM for Groups documents it -------------------------------------
class Done(Exception):
    pass


class FakeModule:
    def __init__(self, params, graph, check_mode=False, diff_mode=False):
        base = {"principal": None, "group": None, "access": "member", "start": None, "end": None, "duration": None,
                "permanent": None, "justification": None, "ticket_number": None, "ticket_system": None,
                "state": "present", "assignments": None, "exclusive": False, "exclusive_groups": None,
                "protected_principals": [], "replace_permanent_with_eligible": False}
        self.params, self._graph, self.check_mode, self.diff_mode = dict(base, **params), graph, check_mode, diff_mode
        self.warnings, self.result = [], None

    def graph(self):
        return self._graph

    def warn(self, text):
        self.warnings.append(text)

    def fail(self, msg, **kwargs):
        self.result = dict(kwargs, failed=True, msg=msg)
        raise Done

    def exit(self, **result):
        self.result = result
        raise Done


class PimForGroupsGraph:
    """Directory reads for the resolver, the group lists filtered by groupId, policies by scopeId, and a $batch of
    schedule requests; everything recorded."""

    USERS = {DAVE: "dave@contoso", OLIVIA: "olivia@contoso", BG: "breakglass1@contoso"}

    def __init__(self, instances=(), schedules=(), policies=()):
        self.instances, self.schedules, self.policies = list(instances), list(schedules), list(policies)
        self.read_rounds, self.batches = [], []

    def get_all(self, path, params=None):
        flt = (params or {}).get("$filter", "")
        if path == "/groups":
            return [{"id": G1, "displayName": "PIM-Exchange-Admins", "isAssignableToRole": True}][
                :int("'PIM-Exchange-Admins'" in flt)]
        if path == "/users":
            return [{"id": i, "userPrincipalName": u, "displayName": u} for i, u in self.USERS.items()
                    if f"'{u}'" in flt]
        return []

    def get(self, path, params=None):
        return {"value": []}

    def post(self, path, body, read=False):
        assert read
        return {"value": [{"id": i, "@odata.type": "#microsoft.graph.user", "userPrincipalName": u}
                          for i, u in self.USERS.items() if i in body["ids"]]}

    def read_many(self, reads):
        self.read_rounds.append(reads)
        out = []
        for read in reads:
            gid = read["params"]["$filter"].split("'")[1]
            if "roleManagementPolicyAssignments" in read["url"]:
                items = [p for p in self.policies if p["scopeId"] == gid]
            elif read["url"].endswith("Instances"):
                items = [i for i in self.instances if i["groupId"] == gid and ("assignment" in read["url"]) ==
                         ("assignmentType" in i)]
            else:
                items = [s for s in self.schedules if s["groupId"] == gid]
            out.append({"items": items, "error": None})
        return out

    def batch(self, requests):
        self.batches.append(requests)
        return [{"status": 201, "body": {}} for _r in requests]


def run_groups(kind, params, graph, **module_kw):
    from ansible_collections.entra.pim.plugins.module_utils._assignment_module import AssignmentRun
    module = FakeModule(params, graph, **module_kw)
    with pytest.raises(Done):
        AssignmentRun(module, kind, GroupBackend()).run()
    return module


def test_check_mode_plans_and_writes_nothing_and_reports_the_standing_member_in_group_words():
    graph = PimForGroupsGraph(instances=[graph_item(DAVE, assignment_type="assigned")],
                              policies=[group_policy(G1, "member"), group_policy(G1, "owner")])
    module = run_groups("active", {"principal": "olivia@contoso", "group": "PIM-Exchange-Admins", "duration": "P30D",
                                   "justification": "project"}, graph, check_mode=True, diff_mode=True)
    result = module.result
    assert result["changed"] and graph.batches == []
    [entry] = result["assignments"]
    assert {k: entry[k] for k in ("action", "group", "group_id", "access", "principal_id")} == {
        "action": "adminAssign", "group": "PIM-Exchange-Admins", "group_id": G1, "access": "member",
        "principal_id": OLIVIA}
    assert result["permanent_assignments"] == [{
        "principal_id": DAVE, "group_id": G1, "access": "member", "start": None, "end": None, "permanent": True,
        "member_type": "direct", "group": "PIM-Exchange-Admins", "principal": "dave@contoso"}]
    assert list(result["diff"]["after"]) == ["PIM-Exchange-Admins / member / olivia@contoso / active"]
    # One round of reads: the group's two lists and its policy.
    assert len(graph.read_rounds) == 1 and len(graph.read_rounds[0]) == 3


def test_replacing_a_standing_member_posts_eligibility_then_removal_to_the_group_routes():
    graph = PimForGroupsGraph(instances=[graph_item(DAVE, assignment_type="assigned")])  # no policy: never PIM-used
    module = run_groups("active", {"assignments": [], "exclusive_groups": ["PIM-Exchange-Admins"],
                                   "replace_permanent_with_eligible": True, "justification": "zero standing"}, graph)
    assert module.result["changed"] and [a["done"] for a in module.result["assignments"]] == [True, True]
    (eligible,), (removal,) = graph.batches  # eligibility first, in its own $batch, then the removal
    assert eligible["url"] == "/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests"
    assert eligible["body"]["scheduleInfo"]["expiration"] == {"type": "afterDuration", "duration": "P365D"}
    assert removal["url"] == "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests"
    assert {k: removal["body"][k] for k in ("action", "principalId", "accessId", "groupId")} == {
        "action": "adminRemove", "principalId": DAVE, "accessId": "member", "groupId": G1}
    assert [w for w in module.warnings if "has no PIM policy yet" in w] and len(module.warnings) == 1


def test_a_permanent_eligibility_is_refused_by_the_group_policy_before_any_write():
    graph = PimForGroupsGraph(policies=[group_policy(G1, "member")])
    module = run_groups("eligible", {"principal": "olivia@contoso", "group": "PIM-Exchange-Admins",
                                     "permanent": True, "justification": "x"}, graph)
    assert module.result["failed"] and graph.batches == []
    assert module.result["msg"].startswith("the group policy would refuse this, nothing was changed: "
                                           "PIM-Exchange-Admins (member) does not allow permanent eligible")


class LostAnswerGraph(PimForGroupsGraph):
    """The $batch answer is lost (connection reset) although Graph applied the request."""

    def batch(self, requests):
        self.batches.append(requests)
        for request in requests:
            body = request["body"]
            self.schedules.append(dict(schedule(body["principalId"], body["groupId"], body["accessId"], "P30D"),
                                       scheduleInfo=dict(body["scheduleInfo"])))
        raise ConnectionResetError("Connection reset by peer")


def test_a_lost_answer_is_decided_by_re_reading_the_group(monkeypatch):
    from ansible_collections.entra.pim.plugins.module_utils import _assignment_module
    monkeypatch.setattr(_assignment_module, "REREAD_PAUSES", (0.0, 0.0))
    graph = LostAnswerGraph(policies=[group_policy(G1, "member")])
    module = run_groups("eligible", {"principal": "olivia@contoso", "group": "PIM-Exchange-Admins",
                                     "duration": "P30D", "justification": "x"}, graph)
    [entry] = module.result["assignments"]
    assert module.result["changed"] and entry["done"] and entry["confirmed_by_reread"]
    assert len(graph.batches) == 1  # never re-sent blind
    # The re-read asked Graph for the group's eligibility lists, filtered by groupId as Graph requires.
    reread = graph.read_rounds[-1]
    assert [r["params"]["$filter"] for r in reread] == [f"groupId eq '{G1}'"] * 2
    assert all("eligibilitySchedule" in r["url"] for r in reread)
