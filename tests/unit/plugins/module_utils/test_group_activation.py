# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PIM for Groups on the activation core: the same shaping, checks and run as directory roles, on the
group surface (accessId/groupId, lower-case enums, group policy), and the per-group read plan."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _activation as act
from ansible_collections.entra.pim.plugins.module_utils._activation_backend import (
    GroupActivationRun, GroupActivityReader, RunFailed,
)
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
from ansible_collections.entra.pim.plugins.module_utils._graph_paths import GROUP_PIM
from ansible_collections.entra.pim.plugins.module_utils._surfaces import GROUPS

GID, OTHER = "6f2d0c4e-0000-4000-8000-00000000000a", "6f2d0c4e-0000-4000-8000-00000000000b"
USER, ALICE = "u-olivia", "u-alice"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
GROUP_NAMES = {GID: {"@odata.type": "#microsoft.graph.group", "id": GID, "displayName": "PIM-Exchange-Admins"},
               OTHER: {"@odata.type": "#microsoft.graph.group", "id": OTHER, "displayName": "PIM-Tier0"}}
PRINCIPALS = {USER: {"@odata.type": "#microsoft.graph.user", "id": USER, "userPrincipalName": "olivia@contoso.com",
                     "displayName": "Olivia"},
              ALICE: {"@odata.type": "#microsoft.graph.user", "id": ALICE, "userPrincipalName": "alice@contoso.com",
                      "displayName": "Alice"}}
GROUP_RULES = {"max_duration": "PT8H", "require_mfa": False, "require_justification": True, "require_ticket": False,
               "authentication_context": {"enabled": False, "claim_value": None}, "require_approval": False}


def ginst(kind="activated", access="member", group=GID, principal=USER, start="2026-03-01T08:00:00Z",
          end="2026-03-01T10:00:00Z", iid="gi-1", schedule="gs-1", eligible=False):
    """A privilegedAccessGroup*ScheduleInstance as Graph v1.0 answers it (lower-case enums)."""
    inst = {"id": iid, "principalId": principal, "accessId": access, "groupId": group, "startDateTime": start,
            "endDateTime": end, "memberType": "direct"}
    if eligible:
        inst["eligibilityScheduleId"] = schedule
    else:
        inst.update(assignmentType=kind, assignmentScheduleId=schedule)
    return inst


# ---- pure shaping and checks on the group surface -------------------------------------------------

def test_group_instance_is_shaped_with_group_and_access_not_role_and_scope():
    item = act.shape_instance(ginst(), act.ACTIVE, GROUP_NAMES, PRINCIPALS, GROUPS)
    assert item["group"] == "PIM-Exchange-Admins" and item["group_id"] == GID and item["access"] == "member"
    assert "role" not in item and "scope" not in item and "role_id" not in item
    assert item["assignment_type"] == "activated" and item["member_type"] == "direct"
    assert item["principal"] == "olivia@contoso.com" and item["schedule_id"] == "gs-1"
    assert item["outside_pim"] is False and item["permanent"] is False
    eligible = act.shape_instance(ginst(eligible=True, schedule="ge-1"), act.ELIGIBLE, GROUP_NAMES, PRINCIPALS,
                                  GROUPS)
    assert eligible["schedule_id"] == "ge-1" and eligible["assignment_type"] is None


def test_a_member_added_outside_pim_is_flagged_with_lower_case_enums():
    # Graph reports a plain member as an assigned instance with no start, its schedule id its own id.
    plain = ginst(kind="assigned", start=None, end=None, iid="m-1", schedule="m-1")
    assert act.is_outside_pim(plain, GROUPS) is True
    assert act.is_outside_pim(ginst(kind="assigned", end=None), GROUPS) is False
    assert act.is_outside_pim(ginst(kind="activated", start=None, iid="x", schedule="x"), GROUPS) is False


def test_pick_active_matches_group_and_access_and_prefers_the_activation():
    standing = ginst(kind="assigned", end=None, iid="a")
    activated = ginst(kind="activated", iid="b")
    owner = ginst(kind="activated", access="owner", iid="c")
    elsewhere = ginst(kind="activated", group=OTHER, iid="d")
    assert act.pick_active([standing, owner, elsewhere, activated], "member", GID, GROUPS)["id"] == "b"
    assert act.pick_active([standing, owner], "member", GID, GROUPS)["id"] == "a"
    assert act.pick_active([owner, elsewhere], "member", GID, GROUPS) is None
    assert act.is_activation(activated) and act.is_activation({"assignmentType": "Activated"})


def test_group_activation_body_names_access_and_group():
    body = act.activation_body("selfActivate", USER, "member", GID, "why", timedelta(hours=2), "T-1", "Jira", NOW,
                               surface=GROUPS)
    assert body == {"action": "selfActivate", "principalId": USER, "accessId": "member", "groupId": GID,
                    "justification": "why",
                    "scheduleInfo": {"startDateTime": "2026-03-01T09:00:00Z",
                                     "expiration": {"type": "afterDuration", "duration": "PT2H"}},
                    "ticketInfo": {"ticketNumber": "T-1", "ticketSystem": "Jira"}}


def test_precheck_speaks_of_the_group_and_names_the_options():
    who = act.signed_in({"oid": USER, "scp": "x", "amr": ["pwd"]})
    problems = act.precheck(GROUP_RULES, who, None, None, timedelta(hours=9), surface=GROUPS)
    text = " ".join(problems)
    assert "the group's policy requires a justification; set justification" in text
    assert "duration PT9H is longer than the group's maximum activation duration PT8H" in text
    assert "role" not in text and len(problems) == 2  # no MFA by the group default, so none asked
    # The directory wording is unchanged.
    assert act.precheck(GROUP_RULES, who, None, None, None)[0].startswith("the role's policy requires")


def test_group_activity_reads_one_read_per_group_and_list():
    reads = act.group_activity_reads([GID, OTHER, GID], pending=True)
    assert [k for k, _r in reads] == ["eligible", "active", "pending"] * 2
    assert reads[0][1] == {"url": GROUP_PIM + "/eligibilityScheduleInstances",
                           "params": {"$filter": f"groupId eq '{GID}'"}}
    assert reads[2][1] == {"url": GROUP_PIM + "/assignmentScheduleRequests",
                           "params": {"$filter": f"groupId eq '{GID}' and status eq 'PendingApproval'"}}
    by_principal = act.group_activity_reads(principal_ids=["o'brien"], pending=False)
    assert [r["params"]["$filter"] for _k, r in by_principal] == ["principalId eq 'o''brien'"] * 2
    mine = act.group_activity_reads(mine=True)
    assert mine[0][1]["url"].endswith("/eligibilityScheduleInstances/filterByCurrentUser(on='principal')")
    assert mine[2][1]["params"] == {"$filter": "status eq 'PendingApproval'"}
    with pytest.raises(ValueError, match="per group"):
        act.group_activity_reads()


def test_select_and_sort_on_group_rows():
    rows = [act.shape_instance(i, act.ACTIVE, GROUP_NAMES, PRINCIPALS, GROUPS) for i in
            (ginst(group=OTHER, iid="1"), ginst(access="owner", iid="2"), ginst(principal=ALICE, iid="3"))]
    assert [r["id"] for r in act.select(rows, ["OWNER"], surface=GROUPS)] == ["2"]
    assert [r["id"] for r in act.select(rows, None, [ALICE], GID, surface=GROUPS)] == ["3"]
    assert [r["id"] for r in sorted(rows, key=act.sort_key)] == ["3", "2", "1"]


# ---- GroupActivationRun with a fake Graph side -----------------------------------------------------

class FakeGroupPim:
    """What GroupSelfActivation answers, in memory; records every write."""

    def __init__(self, active=(), eligible=(), requests=(), rules="default", history=()):
        self.active, self.eligible, self.requests = list(active), list(eligible), list(requests)
        self.rules = dict(GROUP_RULES) if rules == "default" else rules
        self.history, self.sent, self.cancelled = list(history), [], []
        self.graph = type("G", (), {"retries": 0})()

    def who(self):
        return act.signed_in({"oid": USER, "scp": "x", "amr": ["pwd"]})

    def group(self, ref):
        if ref not in ("PIM-Exchange-Admins", GID):
            raise AssertionError("the run resolves the group it was given")
        return GROUP_NAMES[GID]

    def mine(self, kind):
        return self.active if kind == act.ACTIVE else self.eligible

    def my_requests(self, role_id, scope):
        return [r for r in self.requests if r["accessId"] == role_id and r["groupId"] == scope]

    def my_eligibility_requests(self, role_id):
        return self.history

    def group_activation_rules(self, access, group_id):
        assert (access, group_id) == ("member", GID)
        if isinstance(self.rules, Exception):
            raise self.rules
        return dict(self.rules) if self.rules is not None else None

    def submit(self, body):
        self.sent.append(body)
        if body["action"] == "selfActivate":
            self.active.append(ginst(iid="new"))
        return {"id": "r-1", "status": "Provisioned"}

    def cancel(self, rid):
        self.cancelled.append(rid)


def grun(pim, check_mode=False, duration=timedelta(hours=1), **params):
    base = {"group": "PIM-Exchange-Admins", "access": "member", "justification": "why", "ticket_number": None,
            "ticket_system": None, "wait_for_approval": False, "wait_timeout": 60, "poll_interval": 1}
    base.update(params)
    return GroupActivationRun(pim, base, duration, timedelta(minutes=15), check_mode, sleep=lambda s: None,
                              clock=lambda: NOW)


def test_group_run_activates_with_the_group_body_and_reports_the_group():
    pim = FakeGroupPim(eligible=[ginst(eligible=True)])
    result = grun(pim).ensure_active()
    assert result["changed"] and result["status"] == "Active"
    assert (result["group"], result["group_id"], result["access"]) == ("PIM-Exchange-Admins", GID, "member")
    assert "role" not in result and "scope" not in result
    assert pim.sent[0]["accessId"] == "member" and pim.sent[0]["groupId"] == GID
    assert "roleDefinitionId" not in pim.sent[0]
    assert result["activation"]["assignment_type"] == "activated" and result["activation"]["schedule_id"] == "gs-1"


def test_group_run_is_quiet_when_active_and_sends_nothing_in_check_mode():
    pim = FakeGroupPim(active=[ginst()], eligible=[ginst(eligible=True)])
    assert grun(pim).ensure_active()["changed"] is False and pim.sent == []
    fresh = FakeGroupPim(eligible=[ginst(eligible=True)])
    checked = grun(fresh, check_mode=True, duration=None).ensure_active()
    assert checked["changed"] and fresh.sent == []
    assert checked["request"]["body"]["scheduleInfo"]["expiration"]["duration"] == "PT8H"  # the group's maximum


@pytest.mark.parametrize("params, duration, fragments", [
    ({"justification": None}, timedelta(hours=1), ["requires a justification; set justification"]),
    ({}, timedelta(hours=9), ["PT9H is longer than the group's maximum activation duration PT8H"]),
])
def test_group_run_refuses_before_any_write(params, duration, fragments):
    pim = FakeGroupPim(eligible=[ginst(eligible=True)])
    with pytest.raises(RunFailed) as err:
        grun(pim, duration=duration, **params).ensure_active()
    assert all(f in str(err.value) for f in fragments) and "membership of group 'PIM-Exchange-Admins'" in str(err.value)
    assert pim.sent == []


def test_group_run_tries_when_the_policy_is_refused_and_says_so():
    pim = FakeGroupPim(eligible=[ginst(eligible=True)], rules=GraphCallError(403, "Forbidden", "no"))
    run = grun(pim, justification=None)
    result = run.ensure_active()
    assert result["changed"] and len(pim.sent) == 1 and "policy" not in result
    assert any("could not be read" in w and "RoleManagementPolicy.Read.AzureADGroup" in w for w in run.warnings)


def test_group_run_says_what_the_user_is_eligible_for_in_that_group():
    pim = FakeGroupPim(eligible=[ginst(eligible=True, access="owner"), ginst(eligible=True, group=OTHER)])
    with pytest.raises(RunFailed) as err:
        grun(pim).ensure_active()
    text = str(err.value)
    assert "not eligible for membership of group 'PIM-Exchange-Admins'" in text
    assert text.endswith("eligible in that group for: owner") and pim.sent == []


def test_group_run_warns_when_short_and_offers_no_extend():
    pim = FakeGroupPim(active=[ginst(end="2026-03-01T09:05:00Z")], eligible=[ginst(eligible=True)])
    run = grun(pim, extend=True)  # not an option of the group module; ignored all the same
    assert run.ensure_active()["changed"] is False and pim.sent == []
    assert "deactivate and activate again" in run.warnings[0] and "set extend" not in run.warnings[0]


def test_group_run_deactivates_an_activation_only():
    pim = FakeGroupPim(active=[ginst()])
    result = grun(pim).ensure_inactive()
    assert result["changed"] and result["status"] == "Inactive"
    assert pim.sent[0] == {"action": "selfDeactivate", "principalId": USER, "accessId": "member", "groupId": GID,
                           "justification": "why"}
    standing = FakeGroupPim(active=[ginst(kind="assigned", end=None)])
    run = grun(standing)
    assert run.ensure_inactive()["changed"] is False and standing.sent == []
    assert "entra.pim.pim_group_active_assignment" in run.warnings[0]
    pending = FakeGroupPim(requests=[{"id": "q-1", "status": "PendingApproval", "action": "selfActivate",
                                      "accessId": "member", "groupId": GID}])
    assert grun(pending, check_mode=True).ensure_inactive()["changed"] and pending.cancelled == []
    assert grun(pending).ensure_inactive()["request"]["action"] == "cancel" and pending.cancelled == ["q-1"]


def test_group_run_refuses_an_app_only_token_naming_the_group_module():
    pim = FakeGroupPim()
    pim.who = lambda: act.signed_in({"oid": "app", "roles": ["x"]})
    with pytest.raises(RunFailed, match="pim_group_activation acts for the signed-in user.*group membership"):
        grun(pim).ensure_active()


# ---- GroupActivityReader over read_many ----------------------------------------------------------

class FakeReadMany:
    """``GraphSession.read_many`` over fixed answers keyed by (url suffix, $filter)."""

    def __init__(self, answers, refused=()):
        self.answers, self.refused, self.reads = answers, refused, []

    def read_many(self, reads, more=None):
        out, todo = [], list(reads)
        while todo:
            batch, todo = todo, []
            pages = []
            for read in batch:
                self.reads.append(read)
                if read.get("method") == "POST":
                    items = [o for i in read["body"]["ids"] for o in [{**GROUP_NAMES, **PRINCIPALS}.get(i)] if o]
                    out.append({"items": items, "error": None})
                    continue
                key = (read["url"].split("/group/", 1)[-1], (read.get("params") or {}).get("$filter"))
                if key[0].split("/")[0] in self.refused:
                    out.append({"items": [], "error": GraphCallError(403, "Forbidden", "no")})
                    continue
                items = self.answers.get(key, [])
                out.append({"items": items, "error": None})
                pages.append((len(out) - 1, items))
            if more is not None and pages:
                todo = more(pages) or []
        return out


def by_group(gid, eligible=(), active=(), pending=()):
    flt = f"groupId eq '{gid}'"
    return {("eligibilityScheduleInstances", flt): list(eligible), ("assignmentScheduleInstances", flt): list(active),
            ("assignmentScheduleRequests", flt + " and status eq 'PendingApproval'"): list(pending)}


def test_reader_reads_each_group_together_and_names_everyone():
    answers = {**by_group(GID, eligible=[ginst(eligible=True, iid="e1")],
                          active=[ginst(iid="a1"), ginst(kind="assigned", principal=ALICE, access="owner", end=None,
                                                         iid="a2")]),
               **by_group(OTHER, pending=[{"id": "q", "status": "PendingApproval", "action": "selfActivate",
                                           "accessId": "member", "groupId": OTHER, "principalId": ALICE}])}
    graph = FakeReadMany(answers)
    result, warnings = GroupActivityReader(graph).read([GID, OTHER])
    assert warnings == []
    assert [r["id"] for r in result["eligible"]] == ["e1"] and result["eligible"][0]["group"] == "PIM-Exchange-Admins"
    assert {(r["principal"], r["access"], r["assignment_type"]) for r in result["active"]} == {
        ("olivia@contoso.com", "member", "activated"), ("alice@contoso.com", "owner", "assigned")}
    assert result["pending_requests"][0]["group"] == "PIM-Tier0" and result["pending_requests"][0]["principal"] == \
        "alice@contoso.com"
    by_ids = [r for r in graph.reads if r.get("method") == "POST"]
    assert len(by_ids) == 1 and set(by_ids[0]["body"]["ids"]) == {GID, OTHER, USER.lower(), ALICE.lower()}
    summary = act.summarize(result["eligible"], result["active"], result["pending_requests"])
    assert summary == {"eligible": 1, "assigned": 1, "activated": 1, "permanent_active": 1, "outside_pim": 0,
                       "pending_requests": 1}


def test_reader_filters_access_and_principals_and_warns_on_refused_requests():
    answers = by_group(GID, active=[ginst(iid="a1"), ginst(kind="assigned", principal=ALICE, access="owner", iid="a2")])
    graph = FakeReadMany(answers, refused=("assignmentScheduleRequests",))
    result, warnings = GroupActivityReader(graph).read([GID], principal_ids=[ALICE], access=["owner"])
    assert [r["id"] for r in result["active"]] == ["a2"]
    assert result["pending_requests"] is None and "pending requests were not read" in warnings[0]


def test_reader_mine_keeps_the_named_groups_only():
    mine = "assignmentScheduleInstances/filterByCurrentUser(on='principal')"
    answers = {(mine, None): [ginst(iid="x1"), ginst(group=OTHER, iid="x2")]}
    result, _w = GroupActivityReader(FakeReadMany(answers)).read([OTHER], mine=True, pending=False)
    assert [r["id"] for r in result["active"]] == ["x2"] and result["pending_requests"] is None


def test_group_run_waits_for_the_approval_on_the_group_request():
    class Approval(FakeGroupPim):
        polls = ["PendingApproval", "Provisioned"]

        def submit(self, body):
            self.sent.append(body)
            return {"id": "r-1", "status": "PendingApproval", "approvalId": "ap-1"}

        def request(self, rid):
            status = self.polls.pop(0)
            if status == "Provisioned":
                self.active.append(ginst(iid="approved"))
            return {"id": rid, "status": status, "approvalId": "ap-1"}

    pending = Approval(eligible=[ginst(eligible=True)], rules=dict(GROUP_RULES, require_approval=True))
    assert grun(pending, check_mode=True).ensure_active()["status"] == "PendingApproval" and pending.sent == []
    no_wait = grun(pending).ensure_active()
    assert no_wait["status"] == "PendingApproval" and no_wait["request"]["approval_id"] == "ap-1"
    waited = Approval(eligible=[ginst(eligible=True)])
    result = grun(waited, wait_for_approval=True).ensure_active()
    assert result["status"] == "Active" and result["activation"]["id"] == "approved" and len(waited.sent) == 1


class RecordingGraph:
    """The few GraphSession calls GroupSelfActivation makes, recorded."""

    def __init__(self):
        self.calls, self.retries = [], 0

    def get_all(self, path, params=None):
        self.calls.append(("GET", path, params))
        if "roleManagementPolicyAssignments" in path:
            return [{"roleDefinitionId": "member", "policy": {"id": f"Group_{GID}_p", "rules": [
                {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
                 "id": "Expiration_EndUser_Assignment", "isExpirationRequired": True, "maximumDuration": "PT8H",
                 "target": {"caller": "EndUser", "level": "Assignment"}}]}}]
        return [{"id": "q", "accessId": "owner", "groupId": GID}, {"id": "m", "accessId": "member", "groupId": GID}]

    def post(self, path, body, read=False):
        self.calls.append(("POST", path, body))
        return {"id": "r", "status": "Provisioned"}


def test_group_backend_calls_the_documented_group_paths():
    from ansible_collections.entra.pim.plugins.module_utils._activation_backend import GroupSelfActivation
    graph = RecordingGraph()
    pim = GroupSelfActivation(graph)
    assert [r["id"] for r in pim.my_requests("member", GID)] == ["m"]
    assert graph.calls[-1] == ("GET", GROUP_PIM + "/assignmentScheduleRequests/filterByCurrentUser(on='principal')",
                               {"$filter": f"groupId eq '{GID}'"})
    pim.mine(act.ELIGIBLE)
    assert graph.calls[-1][1] == GROUP_PIM + "/eligibilityScheduleInstances/filterByCurrentUser(on='principal')"
    assert [r["id"] for r in pim.my_eligibility_requests("owner")] == ["q"]
    assert pim.group_activation_rules("member", GID)["max_duration"] == "PT8H"
    assert graph.calls[-1][2] == {"$filter": f"scopeId eq '{GID}' and scopeType eq 'Group' and roleDefinitionId eq "
                                             "'member'", "$expand": "policy($expand=rules)"}
    pim.submit({"action": "selfActivate"})
    pim.cancel("r-9")
    assert graph.calls[-2][1] == GROUP_PIM + "/assignmentScheduleRequests"
    assert graph.calls[-1][1] == GROUP_PIM + "/assignmentScheduleRequests/r-9/cancel"
