# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pim_approval's pure parts: option checks, which pending requests a run decides or skips, and why."""

from __future__ import annotations

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _approvals as ap
from ansible_collections.entra.pim.plugins.module_utils._activation import shape_request
from ansible_collections.entra.pim.plugins.module_utils._graph_paths import beta_root
from ansible_collections.entra.pim.plugins.module_utils._surfaces import GROUPS

GR, UA = "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "fe930be7-5e62-47db-91af-98c3a49a38b1"
ROLES = {GR: {"id": GR, "displayName": "Global Reader"}, UA: {"id": UA, "displayName": "User Administrator"}}
ME, WALTER, WENDY = "u-grace", "u-walter", "u-wendy"
PRINCIPALS = {p: {"@odata.type": "#microsoft.graph.user", "id": p, "userPrincipalName": p + "@contoso.example"}
              for p in (ME, WALTER, WENDY)}


def request(rid, principal=WALTER, role=GR, ticket=None, status="PendingApproval", created="2026-03-01T09:00:00Z"):
    return {"id": rid, "principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/",
            "status": status, "action": "selfActivate", "approvalId": "a-" + rid, "createdDateTime": created,
            "justification": "work", "ticketInfo": {"ticketNumber": ticket, "ticketSystem": "ITSM" if ticket else None}}


def approval(rid, mine=True, status="InProgress", key="steps"):
    return {"id": "a-" + rid, key: [{"id": "s-" + rid, "status": status, "assignedToMe": mine,
                                     "reviewResult": "NotReviewed", "reviewedBy": None}]}


def rows(*reqs):
    return [shape_request(r, ROLES, PRINCIPALS) for r in reqs]


def approvals(*apprs):
    return {a["id"].lower(): a for a in apprs}


def options(**kw):
    params = {"decision": "approve", "justification": "checked", "role": None, "group": None, "access": None,
              "requester": None, "ticket_number_pattern": None, "request_ids": None}
    params.update(kw)
    return ap.check_options(params)


# -- option checks (before anything is read) -----------------------------------------------------------
@pytest.mark.parametrize("kw, words", [
    ({"justification": "  "}, "justification is required"),
    ({"justification": None}, "justification is required"),
    ({"ticket_number_pattern": "INC[0-9"}, "not a valid regular expression"),
    ({"ticket_number_pattern": ""}, "ticket_number_pattern is empty"),
    ({"group": ["G"], "role": ["Global Reader"]}, "role and group cannot be combined"),
    ({"role": ["Global Reader"], "access": "owner"}, "access applies to PIM for Groups only"),
    ({"role": [" "]}, "role has an empty entry"),
    ({"request_ids": [""]}, "request_ids has an empty entry"),
    ({}, "at least one of role, group, requester, ticket_number_pattern or request_ids"),
    ({"role": ["Global Reader"], "decision": "maybe"}, "decision must be one of approve, deny"),
])
def test_bad_options_are_named(kw, words):
    with pytest.raises(ap.ApprovalInputError, match=words):
        options(**kw)


def test_every_problem_is_named_at_once():
    with pytest.raises(ap.ApprovalInputError) as err:
        options(justification="", ticket_number_pattern="(", role=["x"], group=["y"])
    text = str(err.value)
    assert "justification" in text and "regular expression" in text and "cannot be combined" in text


def test_surface_follows_role_or_group():
    assert options(role=["Global Reader"])["surface"] == "directory"
    assert options(request_ids=["r1"])["surface"] == "directory"
    assert options(group=["PIM-Exchange-Admins"], access="owner")["surface"] == "groups"


# -- planning ---------------------------------------------------------------------------------------------
def test_a_pending_request_the_caller_approves_is_decided_with_its_stage():
    decisions, skipped, refusals = ap.plan(rows(request("r1", ticket="INC0000001")), approvals(approval("r1")), ME,
                                           options(role=["Global Reader"]), role_ids=[GR])
    assert skipped == [] and refusals == []
    assert decisions == [{
        "request_id": "r1", "role": "Global Reader", "role_id": GR, "scope": "/",
        "requester": "u-walter@contoso.example", "requester_id": WALTER, "ticket_number": "INC0000001",
        "ticket_system": "ITSM", "request_justification": "work", "approval_id": "a-r1", "stage_id": "s-r1",
        "decision": "approve", "done": False}]


def test_own_request_is_never_decided_and_refused_when_named():
    reqs = rows(request("mine", principal=ME), request("r2"))
    appr = approvals(approval("mine"), approval("r2"))
    decisions, skipped, refusals = ap.plan(reqs, appr, ME, options(role=["Global Reader"]), role_ids=[GR])
    assert [d["request_id"] for d in decisions] == ["r2"]
    assert [(s["request_id"], s["reason"]) for s in skipped] == [("mine", ap.OWN)]
    assert refusals == []  # selected by a filter: skipped, not a failure
    _d, _s, refusals = ap.plan(reqs, appr, ME, options(request_ids=["MINE"]))
    assert refusals == ["mine"]  # asked for by id: the run must fail rather than report success


def test_ticket_pattern_matches_the_whole_number_and_a_missing_ticket_never_matches():
    reqs = rows(request("ok", ticket="INC0000001", created="1"), request("none", created="2"),
                request("partial", ticket="xINC0000002x", created="3"), request("blank", ticket="  ", created="4"))
    appr = approvals(*(approval(r) for r in ("ok", "none", "partial", "blank")))
    decisions, skipped, _r = ap.plan(reqs, appr, ME, options(ticket_number_pattern="INC[0-9]{7}"))
    assert [d["request_id"] for d in decisions] == ["ok"]
    assert [(s["request_id"], s["reason"]) for s in skipped] == [
        ("none", ap.NO_TICKET), ("partial", ap.TICKET_MISMATCH), ("blank", ap.NO_TICKET)]


def test_not_an_approver_of_the_stage_in_progress_is_skipped():
    reqs = rows(request("other", created="1"), request("done", created="2"), request("gone", created="3"))
    appr = approvals(approval("other", mine=False), approval("done", status="Completed"))
    decisions, skipped, _r = ap.plan(reqs, appr, ME, options(role=["Global Reader"]), role_ids=[GR])
    assert decisions == []
    assert [(s["request_id"], s["reason"]) for s in skipped] == [
        ("other", ap.NOT_APPROVER), ("done", ap.NOT_APPROVER), ("gone", ap.NOT_APPROVER)]


def test_filters_leave_other_requests_out_entirely():
    reqs = rows(request("gr-walter"), request("ua-walter", role=UA), request("gr-wendy", principal=WENDY),
                request("old", status="Provisioned"))
    appr = approvals(*(approval(r) for r in ("gr-walter", "ua-walter", "gr-wendy", "old")))
    decisions, skipped, _r = ap.plan(reqs, appr, ME, options(role=["Global Reader"], requester=["walter"]),
                                     role_ids=[GR], requester_ids=[WALTER.upper()])
    assert [d["request_id"] for d in decisions] == ["gr-walter"] and skipped == []


def test_request_ids_no_longer_pending_are_reported_not_decided():
    """The rerun of a decision: the request is not pending any more, so nothing is decided (changed false)."""
    decisions, skipped, _r = ap.plan(rows(request("r1", status="Provisioned")), approvals(), ME,
                                     options(request_ids=["r1"], decision="deny"))
    assert decisions == []
    assert skipped == [{"request_id": "r1", "reason": ap.NOT_PENDING}]


def test_an_empty_request_ids_list_selects_nothing_not_everything():
    """A pipeline that found nothing to decide passes request_ids: [] - that must decide nothing."""
    opts = options(request_ids=[])
    decisions, skipped, refusals = ap.plan(rows(request("r1")), approvals(approval("r1")), ME, opts)
    assert (decisions, skipped, refusals) == ([], [], [])
    assert options(request_ids=None, role=["Global Reader"])["request_ids"] is None


def test_decisions_come_oldest_first_and_carry_the_decision():
    reqs = rows(request("late", created="2026-03-01T10:00:00Z"), request("early", created="2026-03-01T08:00:00Z"))
    decisions, _s, _r = ap.plan(reqs, approvals(approval("late"), approval("early")), ME,
                                options(role=["Global Reader"], decision="deny"), role_ids=[GR])
    assert [(d["request_id"], d["decision"]) for d in decisions] == [("early", "deny"), ("late", "deny")]


def test_group_requests_are_planned_with_stages_and_access():
    group = {"g-1": {"@odata.type": "#microsoft.graph.group", "id": "g-1", "displayName": "PIM-Exchange-Admins"}}
    req = {"id": "q1", "principalId": WALTER, "groupId": "g-1", "accessId": "owner", "status": "PendingApproval",
           "action": "selfActivate", "approvalId": "a-q1", "createdDateTime": "1", "ticketInfo": {}}
    member = dict(req, id="q2", accessId="member", approvalId="a-q2")
    rows_ = [shape_request(r, group, PRINCIPALS, GROUPS) for r in (req, member)]
    appr = approvals(approval("q1", key="stages"), approval("q2", key="stages"))
    decisions, skipped, _r = ap.plan(rows_, appr, ME, options(group=["PIM-Exchange-Admins"], access="owner"),
                                     group_ids=["G-1"], access="owner")
    assert skipped == []
    assert [(d["request_id"], d["group"], d["access"], d["stage_id"]) for d in decisions] == [
        ("q1", "PIM-Exchange-Admins", "owner", "s-q1")]
    assert "role" not in decisions[0]


def test_review_body_and_a_landed_retry():
    assert ap.review_body("deny", "no ticket") == {"reviewResult": "Deny", "justification": "no ticket"}
    reviewed = {"id": "a", "steps": [{"id": "s", "reviewResult": "Approve", "reviewedBy": {"id": ME}}]}
    assert ap.already_reviewed(reviewed, "s", ME, "approve")
    assert not ap.already_reviewed(reviewed, "s", ME, "deny")
    assert not ap.already_reviewed(reviewed, "s", WALTER, "approve")  # another approver's decision
    assert not ap.already_reviewed(reviewed, "other", ME, "approve")


def test_beta_root_sits_next_to_v1():
    assert beta_root("https://graph.microsoft.com/v1.0") == "https://graph.microsoft.com/beta"
    assert beta_root("https://127.0.0.1:8443/v1.0/") == "https://127.0.0.1:8443/beta"
    assert beta_root("https://proxy.example/graph") is None


# -- the review writes, with a stand-in for the Graph session (no network) --------------------------------
class _Graph:
    """Answers PATCH with ``patch_error`` (when set) and GET of an approval with ``approval``."""

    graph_url = "https://graph.example/v1.0"

    def __init__(self, patch_error=None, approval=None, claims=None):
        self.patch_error, self.approval, self.claims = patch_error, approval, claims or {}
        self.patched, self.got = [], []

    def token_claims(self):
        return self.claims

    def patch(self, path, body):
        self.patched.append((path, body))
        if self.patch_error is not None:
            raise self.patch_error

    def get(self, path, params=None):
        self.got.append(path)
        return self.approval


def _run_for(graph, surface="directory"):
    from ansible_collections.entra.pim.plugins.module_utils._approval_backend import ApprovalRun
    opts = options(role=["Global Reader"]) if surface == "directory" else options(group=["G"])
    run = ApprovalRun(graph, {}, opts, check_mode=False)
    run.who = {"user_id": ME}
    return run


def _decision():
    return {"request_id": "r1", "approval_id": "a-r1", "stage_id": "s-r1", "decision": "approve", "done": False}


def test_a_review_goes_to_the_beta_step_for_directory_roles_and_the_v1_stage_for_groups():
    graph = _Graph()
    decision = _decision()
    _run_for(graph)._decide([decision], [])
    assert graph.patched == [("https://graph.example/beta/roleManagement/directory/roleAssignmentApprovals/a-r1/"
                              "steps/s-r1", {"reviewResult": "Approve", "justification": "checked"})]
    assert decision["done"]
    graph = _Graph()
    _run_for(graph, "groups")._decide([_decision()], [])
    assert graph.patched[0][0] == "/identityGovernance/privilegedAccess/group/assignmentApprovals/a-r1/stages/s-r1"


def test_a_retried_review_that_had_landed_counts_as_done_and_another_approvers_does_not():
    from ansible_collections.entra.pim.plugins.module_utils._approval_backend import ApprovalFailed
    from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
    conflict = GraphCallError(409, "Conflict", "The approval step has already been reviewed.", method="PATCH",
                              path="/x")
    mine = {"id": "a-r1", "steps": [{"id": "s-r1", "reviewResult": "Approve", "reviewedBy": {"id": ME}}]}
    decision = _decision()
    _run_for(_Graph(conflict, mine))._decide([decision], [])
    assert decision["done"]
    theirs = {"id": "a-r1", "steps": [{"id": "s-r1", "reviewResult": "Deny", "reviewedBy": {"id": WALTER}}]}
    with pytest.raises(ApprovalFailed, match="reviewing request r1 failed") as err:
        _run_for(_Graph(conflict, theirs))._decide([_decision()], [])
    assert err.value.result["decisions"][0]["done"] is False and err.value.result["changed"] is False


def test_a_refused_review_says_who_may_review():
    from ansible_collections.entra.pim.plugins.module_utils._approval_backend import ApprovalFailed
    from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
    denied = GraphCallError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.",
                            method="PATCH", path="/x")
    with pytest.raises(ApprovalFailed, match="not an approver of the stage in progress, or it is their own request"):
        _run_for(_Graph(denied))._decide([_decision()], [])


def test_an_app_only_token_is_refused_before_anything_is_read():
    from ansible_collections.entra.pim.plugins.module_utils._approval_backend import ApprovalFailed
    graph = _Graph(claims={"oid": "app-sp", "roles": ["RoleManagement.ReadWrite.Directory"]})
    with pytest.raises(ApprovalFailed, match="app-only"):
        _run_for(graph).run()
    assert graph.patched == [] and graph.got == []
