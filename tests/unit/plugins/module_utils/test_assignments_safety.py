# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safety of the assignment modules: converting a named principal never grants standing access, the last
active Global / Privileged Role Administrator stays, a readable diff, lost $batch answers decided by a
re-read, and tenant names kept inert in what reaches a terminal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _assignment_module
from ansible_collections.entra.pim.plugins.module_utils._assignment_module import AssignmentRun
from ansible_collections.entra.pim.plugins.module_utils._assignment_rules import (
    Requirement, guard_last_admins, policy_problems,
)
from ansible_collections.entra.pim.plugins.module_utils._assignments import (
    GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR, Actual, AssignmentError, diff_view, plan, validate_items,
)
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
from ansible_collections.entra.pim.plugins.module_utils._inert import printable

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
APP_ADMIN = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
GA, PRA = GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
JUDY, ALICE, BG1, BG2, SP = (f"{c * 8}-0000-0000-0000-00000000000{i}" for i, c in enumerate("abcde", 1))
OPEN = {r: {"eligible": Requirement(), "active": Requirement()} for r in (APP_ADMIN, GA, PRA)}
# Application Administrator as a hardened tenant has it: no permanent assignments of either kind.
STRICT = {APP_ADMIN: {"eligible": Requirement(True, "P180D"), "active": Requirement(True, "P30D")}}


def desired(items):
    defaults = {"principal": None, "role": None, "scope": "/", "start": None, "end": None, "duration": None,
                "permanent": None, "justification": None, "ticket_number": None, "ticket_system": None,
                "state": "present", "assignments": items, "exclusive": False}
    out = validate_items(defaults, NOW)
    for d in out:
        d.principal_id, d.role_id, d.scope = d.principal_ref, d.role_ref, d.scope_ref
    return out


def active(principal, role, end=None, start=NOW - timedelta(days=30), assignment_type="Assigned"):
    return Actual(principal_id=principal, role_id=role, scope="/", start=start, end=end, permanent=end is None,
                  assignment_type=assignment_type)


def eligible(principal, role, end=None, start=NOW - timedelta(days=30)):
    return Actual(principal_id=principal, role_id=role, scope="/", start=start, end=end, permanent=end is None)


def steps(result):
    return [(a.kind, a.action, a.principal_id) for a in result.actions]


def convert(items, state, eligibles=(), requirements=OPEN, **kw):
    return plan("active", desired(items), state, NOW, requirements, replace_permanent=True,
                eligible_actual=list(eligibles), replace_roles={APP_ADMIN}, **kw)


# -- 1. "convert this person" -------------------------------------------------------------------------
def test_named_principal_is_converted_eligibility_first():
    result = convert([{"principal": JUDY, "role": APP_ADMIN}], [active(JUDY, APP_ADMIN)])
    assert steps(result) == [("eligible", "adminAssign", JUDY), ("active", "adminRemove", JUDY)]
    assert result.actions[1].reason == "converted to an eligible assignment"


def test_named_principal_already_eligible_loses_only_the_permanent_active_assignment():
    # The default seed's trap: Judy eligible and permanently active. She used to keep both.
    result = convert([{"principal": JUDY, "role": APP_ADMIN}], [active(JUDY, APP_ADMIN)],
                     [eligible(JUDY, APP_ADMIN, end=NOW + timedelta(days=100))])
    assert steps(result) == [("active", "adminRemove", JUDY)]


@pytest.mark.parametrize("requirements", [OPEN, STRICT], ids=["permanent allowed", "expiration required"])
def test_converting_a_principal_with_no_active_assignment_never_creates_one(requirements):
    # Second run after a conversion: eligible only. The old plan created a new active assignment here.
    result = convert([{"principal": JUDY, "role": APP_ADMIN}], [], [eligible(JUDY, APP_ADMIN)], requirements)
    assert result.actions == []
    assert [(d.principal_id, why.split(",")[0]) for d, _h, why in result.unchanged] == [
        (JUDY, "no active assignment")]


def test_converting_leaves_a_time_bound_active_assignment_alone():
    bounded = active(JUDY, APP_ADMIN, end=NOW + timedelta(days=5))
    result = convert([{"principal": JUDY, "role": APP_ADMIN}], [bounded])
    assert result.actions == [] and "nothing permanent" in result.unchanged[0][2]


def test_an_expired_eligibility_is_renewed_before_the_conversion():
    lapsed = eligible(JUDY, APP_ADMIN, end=NOW - timedelta(days=2))
    result = convert([{"principal": JUDY, "role": APP_ADMIN}], [active(JUDY, APP_ADMIN)], [lapsed])
    assert steps(result) == [("eligible", "adminRenew", JUDY), ("active", "adminRemove", JUDY)]
    assert "expired on 2026-02-27T12:00:00Z" in result.actions[0].reason


def test_explicit_permanent_keeps_and_explicit_end_makes_time_bound():
    kept = convert([{"principal": BG1, "role": APP_ADMIN, "permanent": True}], [active(BG1, APP_ADMIN)])
    assert kept.actions == []
    bounded = convert([{"principal": JUDY, "role": APP_ADMIN, "duration": "P7D"}], [active(JUDY, APP_ADMIN)])
    assert steps(bounded) == [("active", "adminUpdate", JUDY)] and not bounded.actions[0].permanent


@pytest.mark.parametrize("kw, message", [
    ({"protected": {JUDY}}, "protected_principals"),
    ({"service_principals": {JUDY}}, "service principal cannot be eligible"),
])
def test_a_named_principal_that_cannot_be_converted_fails_the_plan(kw, message):
    with pytest.raises(AssignmentError, match=message):
        convert([{"principal": JUDY, "role": APP_ADMIN}], [active(JUDY, APP_ADMIN)], **kw)


def test_no_conversion_ever_plans_a_new_or_longer_active_assignment():
    """Every input shape without a schedule, every starting state: the plan only removes active assignments."""
    states = [[], [active(JUDY, APP_ADMIN)], [active(JUDY, APP_ADMIN, end=NOW + timedelta(days=3))]]
    for state in states:
        for eligibles in ([], [eligible(JUDY, APP_ADMIN)], [eligible(JUDY, APP_ADMIN, end=NOW - timedelta(1))]):
            for requirements in (OPEN, STRICT):
                result = convert([{"principal": JUDY, "role": APP_ADMIN}], state, eligibles, requirements)
                assert all(a.action == "adminRemove" for a in result.actions if a.kind == "active"), steps(result)


# -- 2. the last active Global / Privileged Role Administrator ------------------------------------------
def northwind():
    """Two permanent break-glass Global Administrators and one 180-day eligibility (the issue's tenant)."""
    return ([active(BG1, GA), active(BG2, GA)],
            [eligible(ALICE, GA, end=datetime(2026, 8, 28, tzinfo=timezone.utc))])


def test_removing_both_break_glass_global_admins_is_refused_and_names_who_would_remain():
    actives, eligibles = northwind()
    result = plan("active", desired([{"principal": BG1, "role": GA, "state": "absent"},
                                     {"principal": BG2, "role": GA, "state": "absent"}]), actives, NOW, OPEN)
    names = {BG1: "breakglass1@northwind", BG2: "breakglass2@northwind", ALICE: "alice@northwind"}
    with pytest.raises(AssignmentError) as exc:
        guard_last_admins(result.actions, eligibles, actives, names, NOW)
    text = str(exc.value)
    assert "no active Global Administrator would be left" in text
    assert "breakglass1@northwind, breakglass2@northwind" in text
    assert "alice@northwind (eligible until 2026-08-28T00:00:00Z)" in text
    assert "allow_no_active_admin" in text and "nothing was changed" in text
    # One of the two may go.
    one = plan("active", desired([{"principal": BG1, "role": GA, "state": "absent"}]), actives, NOW, OPEN)
    assert guard_last_admins(one.actions, eligibles, actives, names, NOW) == []


def test_the_last_active_privileged_role_administrator_is_refused_too():
    actives, eligibles = [active(SP, PRA)], [eligible(ALICE, PRA, end=NOW + timedelta(days=90))]
    result = plan("active", [], actives, NOW, OPEN, exclusive_roles={PRA})
    with pytest.raises(AssignmentError, match="no active Privileged Role Administrator would be left"):
        guard_last_admins(result.actions, eligibles, actives, {}, NOW)
    warnings = guard_last_admins(result.actions, eligibles, actives, {ALICE: "alice"}, NOW, allow_no_active=True)
    assert len(warnings) == 1 and "Privileged Role Administrator" in warnings[0] and "alice" in warnings[0]


def test_the_eligible_module_is_held_to_the_same_rule():
    # No active Global Administrator at all: removing an eligible one leaves none active either.
    eligibles = [eligible(ALICE, GA), eligible(BG1, GA)]
    result = plan("eligible", desired([{"principal": ALICE, "role": GA, "state": "absent"}]), eligibles, NOW, OPEN)
    with pytest.raises(AssignmentError, match="last active Global Administrator"):
        guard_last_admins(result.actions, eligibles, [], {}, NOW)
    assert guard_last_admins(result.actions, eligibles, [], {}, NOW, allow_no_active=True)


def test_what_counts_as_an_active_holder():
    actives, eligibles = northwind()
    remove_both = plan("active", [], actives, NOW, OPEN, exclusive_roles={GA}).actions
    expired = active(ALICE, GA, end=NOW - timedelta(hours=1))
    activation = active(ALICE, GA, end=NOW + timedelta(hours=4), assignment_type="Activated")
    not_yet = active(ALICE, GA, start=NOW + timedelta(days=2), end=NOW + timedelta(days=30))
    for other in (expired, activation, not_yet):
        with pytest.raises(AssignmentError):
            guard_last_admins(remove_both, eligibles, actives + [other], {}, NOW)
    time_bound = active(ALICE, GA, end=NOW + timedelta(days=20))
    assert guard_last_admins(remove_both, eligibles, actives + [time_bound], {}, NOW) == []
    # A plan that removes nothing of a guarded role is never judged.
    assert guard_last_admins([], [], [], {}, NOW) == []


# -- 3. the diff ------------------------------------------------------------------------------------
def test_diff_names_role_principal_kind_and_schedule_one_block_per_assignment():
    result = convert([{"principal": JUDY, "role": APP_ADMIN}], [active(JUDY, APP_ADMIN)], requirements=STRICT)
    roles, names = {APP_ADMIN: "Application Administrator"}, {JUDY: "judy.apps@contoso"}
    diff = diff_view(result.actions, roles, names)
    active_label = "Application Administrator / judy.apps@contoso / active / scope /"
    eligible_label = "Application Administrator / judy.apps@contoso / eligible / scope /"
    assert diff["before"] == {active_label: {"role": "Application Administrator", "principal": "judy.apps@contoso",
                                             "kind": "active", "scope": "/",
                                             "schedule": "permanent, from 2026-01-30T12:00:00Z"}}
    assert diff["after"] == {eligible_label: {"role": "Application Administrator", "principal": "judy.apps@contoso",
                                              "kind": "eligible", "scope": "/",
                                              "schedule": "from 2026-03-01T12:00:00Z until 2026-08-28T12:00:00Z"}}


def test_diff_leaves_unrelated_assignments_out_and_falls_back_to_ids():
    state = [active(JUDY, APP_ADMIN), active(ALICE, APP_ADMIN, end=NOW + timedelta(days=3))]
    result = plan("active", desired([{"principal": JUDY, "role": APP_ADMIN, "state": "absent"}]), state, NOW, OPEN)
    diff = diff_view(result.actions, {}, {})
    assert list(diff["before"]) == [f"{APP_ADMIN} / {JUDY} / active / scope /"] and diff["after"] == {}


# -- 5. a $batch whose answer is lost ---------------------------------------------------------------------
class LostBatchGraph:
    """Graph as the write step sees it: the $batch call raises, the re-read lists ``landed``."""

    def __init__(self, error, landed=(), reread_error=None):
        self.error, self.landed, self.reread_error, self.batches, self.reads = error, list(landed), reread_error, 0, 0

    def batch(self, requests):
        self.batches += 1
        raise self.error

    def get_all(self, path, params=None):
        self.reads += 1
        if self.reread_error is not None:
            raise self.reread_error
        return [] if "Instances" in path else self.landed


class Recorder:
    def __init__(self):
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


def lost_answer_run(graph):
    run = AssignmentRun.__new__(AssignmentRun)
    run.module, run.kind, run.params = Recorder(), "eligible", {}
    run.principal_names, run.role_names = {JUDY: "judy"}, {APP_ADMIN: "Application Administrator"}
    the_plan = plan("eligible", desired([{"principal": JUDY, "role": APP_ADMIN, "duration": "P30D"}]), [], NOW, OPEN)
    results = [{} for _action in the_plan.actions]
    return run, the_plan, results, run.write(graph, the_plan, results)


def landed_schedule():
    start = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"principalId": JUDY, "roleDefinitionId": APP_ADMIN, "directoryScopeId": "/", "memberType": "Direct",
            "status": "Provisioned", "scheduleInfo": {"startDateTime": start,
                                                      "expiration": {"type": "afterDuration", "duration": "P30D"}}}


@pytest.fixture(autouse=True)
def _no_pauses(monkeypatch):
    monkeypatch.setattr(_assignment_module, "REREAD_PAUSES", (0.0, 0.0))


@pytest.mark.parametrize("error", [
    ConnectionResetError("Connection reset by peer"),
    TimeoutError("timed out"),
    GraphCallError(503, "ServiceUnavailable", "after every retry", method="POST", path="/$batch"),
], ids=["reset", "timeout", "503 after retries"])
def test_a_lost_batch_answer_is_decided_by_a_reread_that_shows_the_write(error):
    graph = LostBatchGraph(error, landed=[landed_schedule()])
    _run, the_plan, results, failures = lost_answer_run(graph)
    assert failures == [] and the_plan.actions[0].done
    assert results == [{"done": True, "confirmed_by_reread": True}]
    assert graph.batches == 1 and graph.reads == 2  # sent once (never re-sent blind), one re-read


def test_a_lost_batch_answer_that_did_not_land_fails_and_says_so():
    graph = LostBatchGraph(ConnectionResetError("Connection reset by peer"))
    _run, the_plan, results, failures = lost_answer_run(graph)
    assert len(failures) == 1 and "ConnectionResetError" in failures[0]
    assert "a re-read does not show it applied" in failures[0]
    assert results[0]["done"] is False and results[0]["error"]["code"] == "ConnectionResetError"
    assert graph.reads == 6  # three bounded re-reads (instances + schedules each), then it gives up


def test_a_lost_batch_answer_with_a_failing_reread_is_reported_as_unknown():
    graph = LostBatchGraph(RuntimeError("boom"), reread_error=GraphCallError(503, "ServiceUnavailable", "down"))
    run, the_plan, results, failures = lost_answer_run(graph)
    assert results[0]["outcome_unknown"] is True and not the_plan.actions[0].done
    assert "outcome is unknown" in failures[0]
    assert run.module.warnings and "re-reading assignments" in run.module.warnings[0]


# -- 7. tenant names stay inert ---------------------------------------------------------------------------
@pytest.mark.parametrize("raw, shown", [
    ("Ops\x1b[31m red \x1b[0m", "Ops\\x1b[31m red \\x1b[0m"),
    ("bell\x07 nul\x00 del\x7f", "bell\\x07 nul\\x00 del\\x7f"),
    ("c1 csi \x9b2J and nel \x85", "c1 csi \\x9b2J and nel \\x85"),
    ("line\nbreak\ttab\rcr", "line\\x0abreak\\x09tab\\x0dcr"),
    ("osc8 \x1b]8;;https://evil\x1b\\link", "osc8 \\x1b]8;;https://evil\\x1b\\link"),
    ("Zoë 日本 Ω – ok", "Zoë 日本 Ω – ok"),
])
def test_printable_escapes_every_control_character_and_nothing_else(raw, shown):
    assert printable(raw) == shown
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in printable(raw))


def test_printable_keeps_none_and_stringifies():
    assert printable(None) is None and printable(42) == "42"


def test_hostile_names_never_reach_messages_or_the_diff_raw():
    hostile_role, hostile_user = "Evil\x1b[2J Role", "mallory\x1b]8;;http://x\x07@contoso"
    strict = {APP_ADMIN: {"eligible": Requirement(True, "P90D"), "active": Requirement()}}
    result = plan("eligible", desired([{"principal": JUDY, "role": APP_ADMIN, "permanent": True}]), [], NOW, strict)
    problems, _warnings = policy_problems(result.actions, strict, {APP_ADMIN: hostile_role}, {JUDY: hostile_user},
                                          NOW)
    diff = diff_view(result.actions, {APP_ADMIN: hostile_role}, {JUDY: hostile_user})
    actives, eligibles = northwind()
    with pytest.raises(AssignmentError) as exc:
        guard_last_admins(plan("active", [], actives, NOW, OPEN, exclusive_roles={GA}).actions, eligibles, actives,
                          {BG1: hostile_user, ALICE: hostile_user}, NOW)
    for text in problems + [str(diff), str(exc.value)]:
        assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text


class FailRecorder(Recorder):
    def fail(self, msg, **kwargs):
        raise AssertionError(msg)


def test_warnings_and_failures_of_the_module_reach_the_terminal_printable():
    run = AssignmentRun.__new__(AssignmentRun)
    run.module = FailRecorder()
    run.warn("Graph said: group \x1b[2JPwned\x9b")
    with pytest.raises(AssertionError) as exc:
        run.fail("refusing: \x1b]8;;http://x\x07link")
    assert run.module.warnings == ["Graph said: group \\x1b[2JPwned\\x9b"]
    assert str(exc.value) == "refusing: \\x1b]8;;http://x\\x07link"
