# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.entra.pim.plugins.module_utils._assignment_rules import (
    Requirement, guard_break_glass, guard_last_admins, policy_problems, policy_requirements,
)
from ansible_collections.entra.pim.plugins.module_utils._assignments import (
    GLOBAL_ADMINISTRATOR, Actual, AssignmentError, actual_state, holds, plan, validate_items,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
EXCHANGE = "29232cdf-9323-42fd-ade2-1d097af3e4de"
SECURITY = "194ae4cb-b126-40b2-bd5b-6091b380977d"
ALICE, BOB, GROUP, BREAKGLASS = ("a" * 8 + "-0000-0000-0000-000000000001", "b" * 8 + "-0000-0000-0000-000000000002",
                                 "c" * 8 + "-0000-0000-0000-000000000003", "d" * 8 + "-0000-0000-0000-000000000004")
OPEN = {EXCHANGE: {"eligible": Requirement(), "active": Requirement()},
        SECURITY: {"eligible": Requirement(), "active": Requirement()},
        GLOBAL_ADMINISTRATOR: {"eligible": Requirement(), "active": Requirement()}}


def params(**kw):
    base = {"principal": None, "role": None, "scope": "/", "start": None, "end": None, "duration": None,
            "permanent": None, "justification": None, "ticket_number": None, "ticket_system": None,
            "state": "present", "assignments": None, "exclusive": False}
    base.update(kw)
    return base


def desired(items, now=NOW):
    """Validated items with ids filled in as the resolver would (refs are the ids here)."""
    out = validate_items(params(assignments=items), now)
    for d in out:
        d.principal_id, d.role_id, d.scope = d.principal_ref, d.role_ref, d.scope_ref
    return out


def actual(principal, role, start=NOW - timedelta(days=10), end=None, scope="/", member_type="Direct",
           assignment_type=None, duration=None):
    return Actual(principal_id=principal, role_id=role, scope=scope, start=start, end=end, permanent=end is None,
                  duration=duration, member_type=member_type, assignment_type=assignment_type)


# -- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize("item, message", [
    ({"principal": "", "role": "x"}, "principal is empty"),
    ({"principal": "a", "role": " "}, "role is empty"),
    ({"principal": "a", "role": "x", "end": "2027-01-01", "duration": "P30D"}, "mutually exclusive"),
    ({"principal": "a", "role": "x", "permanent": True, "end": "2027-01-01"}, "permanent: true cannot"),
    ({"principal": "a", "role": "x", "permanent": False}, "needs an end or a duration"),
    ({"principal": "a", "role": "x", "end": "2027-01-01T10:00:00"}, "no UTC offset"),
    ({"principal": "a", "role": "x", "duration": "8 hours"}, "is not a duration"),
    ({"principal": "a", "role": "x", "start": "2027-02-01", "end": "2027-01-01"}, "is not after start"),
    ({"principal": "a", "role": "x", "end": "2020-01-01"}, "already in the past"),
    ({"principal": "a", "role": "x", "state": "gone"}, "state must be"),
    ({"principal": "a", "role": "x", "color": "red"}, "unknown option"),
])
def test_bad_items_fail_before_any_call(item, message):
    with pytest.raises(AssignmentError, match=message):
        validate_items(params(assignments=[item]), NOW)


def test_every_bad_item_is_reported_at_once():
    with pytest.raises(AssignmentError) as exc:
        validate_items(params(assignments=[{"principal": "", "role": "x"}, {"principal": "a", "role": "x"},
                                           {"principal": "a", "role": "x", "duration": "soon"}]), NOW)
    text = str(exc.value)
    assert "assignments[0]" in text and "assignments[2]" in text and "nothing was changed" in text


def test_duplicates_and_single_plus_list_are_refused():
    with pytest.raises(AssignmentError, match="duplicates assignments"):
        validate_items(params(assignments=[{"principal": "A", "role": "x"}, {"principal": "a", "role": "X"}]), NOW)
    with pytest.raises(AssignmentError, match="not both"):
        validate_items(params(principal="a", role="x", assignments=[]), NOW)


@pytest.mark.parametrize("scope", ["", "   ", "tenant", "Directory"])
def test_empty_or_ambiguous_scopes_are_refused_at_both_levels(scope):
    # Issue 17.4: `scope: ""` used to become '/' here, before the resolver's check could see it.
    expected = f"scope {scope!r} is "
    with pytest.raises(AssignmentError) as top:  # the module-level option (one assignment)
        validate_items(params(principal="a", role="x", scope=scope), NOW)
    assert expected in str(top.value) and "write '/' for the whole tenant" in str(top.value)
    with pytest.raises(AssignmentError) as listed:  # inherited by every item of a list
        validate_items(params(scope=scope, assignments=[{"principal": "a", "role": "x"}]), NOW)
    assert f"assignments[0]: {expected}" in str(listed.value)
    with pytest.raises(AssignmentError) as item:  # per item, next to a good one that is not written either
        validate_items(params(assignments=[{"principal": "a", "role": "x"},
                                           {"principal": "b", "role": "x", "scope": scope}]), NOW)
    assert f"assignments[1]: {expected}" in str(item.value) and "assignments[0]" not in str(item.value)


def test_an_unset_scope_still_means_the_whole_tenant():
    assert validate_items(params(principal="a", role="x"), NOW)[0].scope_ref == "/"
    assert validate_items(params(principal="a", role="x", scope=None), NOW)[0].scope_ref == "/"
    items = validate_items(params(assignments=[{"principal": "a", "role": "x"},
                                               {"principal": "b", "role": "x", "scope": None},
                                               {"principal": "c", "role": "x", "scope": "AU-Europe"}]), NOW)
    assert [d.scope_ref for d in items] == ["/", "/", "AU-Europe"]


def test_list_items_inherit_top_level_justification_and_durations_normalise():
    items = validate_items(params(justification="JIT-1", assignments=[{"principal": "a", "role": "x",
                                                                       "duration": "90d"}]), NOW)
    assert items[0].justification == "JIT-1" and items[0].schedule.duration == "P90D"
    assert items[0].schedule.permanent is False


# -- reading state ------------------------------------------------------------------------------
def test_state_merges_schedule_and_instance_and_keeps_group_members_unmanaged():
    schedules = [{"id": "s1", "principalId": ALICE, "roleDefinitionId": EXCHANGE, "directoryScopeId": "/",
                  "memberType": "Direct", "status": "Provisioned",
                  "scheduleInfo": {"startDateTime": "2026-01-01T00:00:00Z",
                                   "expiration": {"type": "afterDuration", "duration": "P180D"}}}]
    instances = [{"id": "i1", "principalId": ALICE, "roleDefinitionId": EXCHANGE, "directoryScopeId": "/",
                  "memberType": "Direct", "startDateTime": "2026-01-01T00:00:03.1234567Z",
                  "endDateTime": "2026-06-30T00:00:03Z"},
                 {"id": "i2", "principalId": BOB, "roleDefinitionId": EXCHANGE, "directoryScopeId": "/",
                  "memberType": "Group", "startDateTime": None, "endDateTime": None}]
    state = actual_state(instances, schedules, NOW)
    alice = next(a for a in state if a.principal_id == ALICE)
    assert alice.managed and not alice.permanent and alice.duration == "P180D"
    assert alice.end == datetime(2026, 6, 30, 0, 0, 3, tzinfo=timezone.utc)
    bob = next(a for a in state if a.principal_id == BOB)
    assert not bob.managed and bob.permanent


def test_activations_are_reported_not_managed():
    inst = [{"principalId": ALICE, "roleDefinitionId": EXCHANGE, "directoryScopeId": "/", "memberType": "Direct",
             "assignmentType": "Activated", "startDateTime": "2026-03-01T10:00:00Z",
             "endDateTime": "2026-03-01T18:00:00Z"}]
    assert not actual_state(inst, [], NOW)[0].managed


# -- comparing and choosing the action -------------------------------------------------------------
def test_rewritten_past_start_is_not_a_change():
    items = desired([{"principal": ALICE, "role": EXCHANGE, "start": "2026-01-01T00:00:00Z",
                      "end": "2026-12-31T00:00:00Z"}])
    have = actual(ALICE, EXCHANGE, start=datetime(2026, 1, 3, 8, 14, tzinfo=timezone.utc),
                  end=datetime(2026, 12, 31, tzinfo=timezone.utc))
    result = plan("eligible", items, [have], NOW, OPEN)
    assert result.actions == [] and len(result.unchanged) == 1


def test_unmanaged_schedule_leaves_existing_alone():
    items = desired([{"principal": ALICE, "role": EXCHANGE}])
    result = plan("eligible", items, [actual(ALICE, EXCHANGE, end=NOW + timedelta(days=3))], NOW, OPEN)
    assert result.actions == []


def test_duration_matches_the_schedule_expiration_or_the_span():
    items = desired([{"principal": ALICE, "role": EXCHANGE, "duration": "PT4320M"}])
    by_duration = actual(ALICE, EXCHANGE, end=NOW + timedelta(days=1), duration="P3D")
    by_span = actual(ALICE, EXCHANGE, start=NOW - timedelta(days=1), end=NOW + timedelta(days=2))
    assert plan("eligible", items, [by_duration], NOW, OPEN).actions == []
    assert plan("eligible", items, [by_span], NOW, OPEN).actions == []


@pytest.mark.parametrize("have_end, want, expected", [
    (NOW + timedelta(days=5), {"end": "2026-12-31T00:00:00Z"}, "adminExtend"),  # later end, still valid
    (NOW + timedelta(days=300), {"end": "2026-06-01T00:00:00Z"}, "adminUpdate"),  # shorter
    (NOW - timedelta(days=2), {"end": "2026-12-31T00:00:00Z"}, "adminRenew"),  # already expired
    (NOW + timedelta(days=5), {"permanent": True}, "adminUpdate"),  # time-bound -> permanent
    (None, {"end": "2026-12-31T00:00:00Z"}, "adminUpdate"),  # permanent -> time-bound
    (NOW + timedelta(days=5), {"duration": "P90D"}, "adminExtend"),
    (NOW + timedelta(days=5), {"end": "2026-12-31T00:00:00Z", "start": "2026-05-01T00:00:00Z"}, "adminUpdate"),
])
def test_changed_schedule_uses_the_right_action(have_end, want, expected):
    items = desired([{"principal": ALICE, "role": EXCHANGE, **want}])
    result = plan("eligible", items, [actual(ALICE, EXCHANGE, end=have_end)], NOW, OPEN)
    assert [a.action for a in result.actions] == [expected]


def test_new_assignment_gets_the_policy_maximum_when_no_schedule_is_given():
    strict = {EXCHANGE: {"eligible": Requirement(True, "P365D"), "active": Requirement()}}
    items = desired([{"principal": ALICE, "role": EXCHANGE}])
    act = plan("eligible", items, [], NOW, strict).actions[0]
    assert act.request_body()["scheduleInfo"]["expiration"] == {"type": "afterDuration", "duration": "P365D"}
    assert plan("eligible", items, [], NOW, OPEN).actions[0].request_body()["scheduleInfo"]["expiration"] == {
        "type": "noExpiration"}


def test_request_bodies_carry_offsets_iso_durations_and_tickets():
    items = desired([{"principal": ALICE, "role": EXCHANGE, "end": "2026-12-31T18:00:00+01:00",
                      "justification": "onboarding", "ticket_number": "CHG1", "ticket_system": "SNOW"}])
    body = plan("eligible", items, [], NOW, OPEN).actions[0].request_body()
    assert body == {"action": "adminAssign", "principalId": ALICE, "roleDefinitionId": EXCHANGE,
                    "directoryScopeId": "/", "justification": "onboarding",
                    "ticketInfo": {"ticketNumber": "CHG1", "ticketSystem": "SNOW"},
                    "scheduleInfo": {"startDateTime": "2026-03-01T12:00:00Z",
                                     "expiration": {"type": "afterDateTime", "endDateTime": "2026-12-31T17:00:00Z"}}}


def test_absent_removes_only_what_exists():
    items = desired([{"principal": ALICE, "role": EXCHANGE, "state": "absent"},
                     {"principal": BOB, "role": EXCHANGE, "state": "absent"}])
    result = plan("eligible", items, [actual(ALICE, EXCHANGE)], NOW, OPEN)
    assert [(a.action, a.principal_id) for a in result.actions] == [("adminRemove", ALICE)]
    assert "scheduleInfo" not in result.actions[0].request_body()


# -- exclusive mode -----------------------------------------------------------------------------
def test_exclusive_removes_unlisted_of_listed_roles_only_and_spares_protected_and_group_members():
    items = desired([{"principal": ALICE, "role": EXCHANGE}])
    state = [actual(ALICE, EXCHANGE), actual(BOB, EXCHANGE), actual(BREAKGLASS, EXCHANGE),
             actual(GROUP, EXCHANGE, member_type="Group"), actual(BOB, SECURITY)]
    result = plan("eligible", items, state, NOW, OPEN, exclusive_roles={EXCHANGE}, protected={BREAKGLASS})
    assert [(a.action, a.principal_id, a.role_id) for a in result.actions] == [("adminRemove", BOB, EXCHANGE)]
    assert [k.principal_id for k, _why in result.kept] == [BREAKGLASS]


def test_exclusive_with_an_empty_list_empties_the_role():
    result = plan("eligible", [], [actual(ALICE, EXCHANGE), actual(BOB, SECURITY)], NOW, OPEN,
                  exclusive_roles={EXCHANGE})
    assert [a.principal_id for a in result.actions] == [ALICE]
    assert result.actions[0].justification


# -- replacing permanent active with eligible ------------------------------------------------------
def test_replace_permanent_adds_eligibility_before_removing_the_active_assignment():
    items = desired([{"principal": BOB, "role": EXCHANGE, "end": "2026-12-31T00:00:00Z"}])
    state = [actual(ALICE, EXCHANGE, assignment_type="Assigned"), actual(BREAKGLASS, EXCHANGE,
                                                                         assignment_type="Assigned")]
    result = plan("active", items, state, NOW, OPEN, protected={BREAKGLASS}, replace_permanent=True)
    steps = [(a.kind, a.action, a.principal_id) for a in result.actions]
    assert steps.index(("eligible", "adminAssign", ALICE)) < steps.index(("active", "adminRemove", ALICE))
    assert ("active", "adminAssign", BOB) in steps
    assert all(p != BREAKGLASS for _k, _a, p in steps)


def test_replace_permanent_skips_the_eligibility_that_already_exists():
    state = [actual(ALICE, EXCHANGE, assignment_type="Assigned")]
    result = plan("active", [], state, NOW, OPEN, exclusive_roles={EXCHANGE}, replace_permanent=True,
                  eligible_actual=[actual(ALICE, EXCHANGE)])
    assert [(a.kind, a.action) for a in result.actions] == [("active", "adminRemove")]


def test_replace_permanent_without_exclusive_touches_only_permanent_ones_of_the_roles_given():
    sp = "e" * 8 + "-0000-0000-0000-000000000005"
    time_bound = actual(BOB, EXCHANGE, end=NOW + timedelta(days=30), assignment_type="Assigned")
    state = [actual(ALICE, EXCHANGE, assignment_type="Assigned"), time_bound,
             actual(BREAKGLASS, EXCHANGE, assignment_type="Assigned"), actual(sp, EXCHANGE, assignment_type="Assigned"),
             actual(GROUP, EXCHANGE, member_type="Group", assignment_type="Assigned"),
             actual(ALICE, SECURITY, assignment_type="Assigned"),
             actual(BOB, EXCHANGE, end=NOW + timedelta(hours=2), assignment_type="Activated")]
    result = plan("active", [], state, NOW, OPEN, protected={BREAKGLASS}, replace_permanent=True,
                  service_principals={sp}, replace_roles={EXCHANGE})
    assert [(a.kind, a.action, a.principal_id, a.role_id) for a in result.actions] == [
        ("eligible", "adminAssign", ALICE, EXCHANGE), ("active", "adminRemove", ALICE, EXCHANGE)]
    assert sorted((k.principal_id, why.split(":")[0]) for k, why in result.kept) == sorted([
        (BREAKGLASS, "protected principal"), (sp, "a service principal cannot be eligible")])


def test_replace_permanent_without_exclusive_defaults_to_the_input_roles_and_keeps_listed_ones():
    items = desired([{"principal": BOB, "role": EXCHANGE, "permanent": True}])
    state = [actual(ALICE, EXCHANGE, assignment_type="Assigned"), actual(BOB, EXCHANGE, assignment_type="Assigned"),
             actual(ALICE, SECURITY, assignment_type="Assigned")]
    result = plan("active", items, state, NOW, OPEN, replace_permanent=True)
    assert [(a.kind, a.action, a.principal_id, a.role_id) for a in result.actions] == [
        ("eligible", "adminAssign", ALICE, EXCHANGE), ("active", "adminRemove", ALICE, EXCHANGE)]
    assert [d.principal_id for d, _have, _why in result.unchanged] == [BOB]


def test_an_empty_list_is_valid_input_for_a_replacement():
    assert validate_items(params(assignments=[], replace_permanent_with_eligible=True), NOW) == []
    with pytest.raises(AssignmentError, match="replace_permanent_with_eligible"):
        validate_items(params(), NOW)


# -- policy pre-check --------------------------------------------------------------------------------
def test_policy_requirements_read_the_admin_rules():
    assignments = [{"roleDefinitionId": EXCHANGE, "policy": {"rules": [
        {"id": "Expiration_Admin_Eligibility", "isExpirationRequired": True, "maximumDuration": "P90D"},
        {"id": "Enablement_Admin_Assignment", "enabledRules": ["Justification", "MultiFactorAuthentication"]},
    ]}}]
    req = policy_requirements(assignments)[EXCHANGE]
    assert req["eligible"] == Requirement(True, "P90D", ())
    assert req["active"].enabled_rules == ("Justification", "MultiFactorAuthentication")


def test_policy_violations_name_the_rule_and_the_setting():
    strict = {EXCHANGE: {"eligible": Requirement(True, "P90D"),
                         "active": Requirement(False, None, ("Justification",))}}
    names = ({EXCHANGE: "Exchange Administrator"}, {ALICE: "alice@contoso.com"})
    perm = plan("eligible", desired([{"principal": ALICE, "role": EXCHANGE, "permanent": True}]), [], NOW, strict)
    problems = policy_problems(perm.actions, strict, *names, NOW)[0]
    assert problems == [
        "Exchange Administrator does not allow permanent eligible assignments "
        "(Expiration_Admin_Eligibility.isExpirationRequired); set eligible_assignment.allow_permanent: true "
        "with entra.pim.pim_role_setting or give alice@contoso.com an end date or a duration"]
    long = plan("eligible", desired([{"principal": ALICE, "role": EXCHANGE, "duration": "P120D"}]), [], NOW, strict)
    problems = policy_problems(long.actions, strict, *names, NOW)[0]
    assert "at most P90D (Expiration_Admin_Eligibility.maximumDuration)" in problems[0]
    assert "eligible_assignment.max_duration: P120D" in problems[0]
    active = plan("active", desired([{"principal": ALICE, "role": EXCHANGE}]), [], NOW, strict)
    problems = policy_problems(active.actions, strict, *names, NOW)[0]
    assert "Enablement_Admin_Assignment: Justification" in problems[0]
    assert "active_assignment.require_justification: false" in problems[0]


def test_removals_are_never_policy_checked():
    strict = {EXCHANGE: {"eligible": Requirement(True, "P1D", ("Justification",)), "active": Requirement()}}
    result = plan("eligible", desired([{"principal": ALICE, "role": EXCHANGE, "state": "absent"}]),
                  [actual(ALICE, EXCHANGE)], NOW, strict)
    assert policy_problems(result.actions, strict, {}, {}, NOW) == ([], [])


# -- safety guards -----------------------------------------------------------------------------------
def test_last_global_admin_cannot_be_removed_but_one_of_two_can():
    ga_alice = actual(ALICE, GLOBAL_ADMINISTRATOR)
    only = plan("eligible", desired([{"principal": ALICE, "role": GLOBAL_ADMINISTRATOR, "state": "absent"}]),
                [ga_alice], NOW, OPEN)
    for allow in (False, True):  # nobody at all left: no override lets that through
        with pytest.raises(AssignmentError, match="last Global Administrator"):
            guard_last_admins(only.actions, [ga_alice], [], {}, NOW, allow)
    assert guard_last_admins(only.actions, [ga_alice], [actual(BOB, GLOBAL_ADMINISTRATOR,
                                                               assignment_type="Assigned")], {}, NOW) == []


def test_replacing_the_only_active_global_admin_with_eligibility_needs_the_override():
    ga = actual(ALICE, GLOBAL_ADMINISTRATOR, assignment_type="Assigned")
    result = plan("active", [], [ga], NOW, OPEN, exclusive_roles={GLOBAL_ADMINISTRATOR}, replace_permanent=True)
    with pytest.raises(AssignmentError, match="no active Global Administrator would be left"):
        guard_last_admins(result.actions, [], [ga], {ALICE: "alice"}, NOW)
    # The new eligibility keeps a Global Administrator, so the override is enough, with a warning.
    warnings = guard_last_admins(result.actions, [], [ga], {ALICE: "alice"}, NOW, allow_no_active=True)
    assert warnings == ["no active Global Administrator is left after this run (allow_no_active_admin: true); "
                        "eligible: alice (eligible permanently)"]


def test_last_global_admin_ignores_group_inherited_and_scoped_holders():
    ga = actual(ALICE, GLOBAL_ADMINISTRATOR, assignment_type="Assigned")
    others = [actual(BOB, GLOBAL_ADMINISTRATOR, member_type="Group", assignment_type="Assigned")]
    result = plan("active", [], [ga] + others, NOW, OPEN, exclusive_roles={GLOBAL_ADMINISTRATOR})
    with pytest.raises(AssignmentError):
        guard_last_admins(result.actions, [], [ga] + others, {ALICE: "alice"}, NOW)


def test_last_permanent_break_glass_assignment_is_kept():
    bg = actual(BREAKGLASS, GLOBAL_ADMINISTRATOR, assignment_type="Assigned")
    time_bound = plan("active", desired([{"principal": BREAKGLASS, "role": GLOBAL_ADMINISTRATOR,
                                          "duration": "P30D"}]), [bg], NOW, OPEN)
    with pytest.raises(AssignmentError, match="break-glass"):
        guard_break_glass(time_bound.actions, [bg], {BREAKGLASS}, {})
    second = actual(BREAKGLASS, EXCHANGE, assignment_type="Assigned")
    guard_break_glass(time_bound.actions, [bg, second], {BREAKGLASS}, {})
    guard_break_glass(time_bound.actions, [bg], set(), {})  # nobody declared break-glass: nothing to guard


def test_replace_permanent_keeps_service_principals_active():
    state = [actual(ALICE, EXCHANGE, assignment_type="Assigned"), actual(BOB, EXCHANGE, assignment_type="Assigned")]
    result = plan("active", [], state, NOW, OPEN, exclusive_roles={EXCHANGE}, replace_permanent=True,
                  service_principals={BOB})
    assert [(a.kind, a.action, a.principal_id) for a in result.actions] == [
        ("eligible", "adminAssign", ALICE), ("active", "adminRemove", ALICE)]
    assert [(k.principal_id, "service principal" in why) for k, why in result.kept] == [(BOB, True)]


def test_a_past_start_moves_a_future_start_to_now():
    items = desired([{"principal": ALICE, "role": EXCHANGE, "start": "2020-01-01T00:00:00Z",
                      "end": "2026-12-31T00:00:00Z"}])
    have = actual(ALICE, EXCHANGE, start=NOW + timedelta(days=10), end=datetime(2026, 12, 31, tzinfo=timezone.utc))
    act = plan("eligible", items, [have], NOW, OPEN).actions[0]
    assert act.action == "adminUpdate" and act.start == NOW


# -- a retried write answered "already done": does the re-read confirm it? ---------------------------
def _planned(items, have=()):
    return plan("eligible", desired(items), list(have), NOW, OPEN).actions[0]


def test_retried_assign_holds_when_the_reread_shows_the_schedule_asked_for():
    act = _planned([{"principal": ALICE, "role": EXCHANGE, "duration": "P30D"}])
    assert act.action == "adminAssign"
    landed = actual(ALICE, EXCHANGE, start=NOW, end=NOW + timedelta(days=30), duration="P30D")
    assert holds(act, [landed], NOW)


def test_retried_assign_fails_when_missing_or_with_another_schedule():
    act = _planned([{"principal": ALICE, "role": EXCHANGE, "end": "2026-06-01T00:00:00Z"}])
    assert not holds(act, [], NOW)
    other_end = actual(ALICE, EXCHANGE, start=NOW, end=datetime(2026, 9, 1, tzinfo=timezone.utc))
    assert not holds(act, [other_end], NOW)
    # Held through a group, or another scope: not the direct assignment the write asked for.
    assert not holds(act, [actual(ALICE, EXCHANGE, end=datetime(2026, 6, 1, tzinfo=timezone.utc),
                                  member_type="Group")], NOW)
    assert not holds(act, [actual(ALICE, EXCHANGE, end=datetime(2026, 6, 1, tzinfo=timezone.utc),
                                  scope="/administrativeUnits/x")], NOW)
    # Graph's rewrite of the start and a few seconds of rounding are not a difference.
    assert holds(act, [actual(ALICE, EXCHANGE, start=NOW + timedelta(seconds=3),
                              end=datetime(2026, 6, 1, 0, 0, 2, tzinfo=timezone.utc))], NOW)


def test_retried_assign_without_a_schedule_holds_once_it_exists():
    act = _planned([{"principal": ALICE, "role": EXCHANGE}])
    assert holds(act, [actual(ALICE, EXCHANGE, end=None)], NOW)
    assert not holds(act, [actual(BOB, EXCHANGE, end=None)], NOW)


def test_retried_remove_holds_when_no_direct_assignment_is_left():
    have = actual(ALICE, EXCHANGE, end=NOW + timedelta(days=30))
    act = _planned([{"principal": ALICE, "role": EXCHANGE, "state": "absent"}], [have])
    assert act.action == "adminRemove"
    assert holds(act, [], NOW)
    assert holds(act, [actual(ALICE, EXCHANGE, member_type="Group")], NOW)  # inherited: not ours to remove
    assert not holds(act, [have], NOW)


def test_retried_extend_holds_only_with_the_new_end():
    have = actual(ALICE, EXCHANGE, start=NOW - timedelta(days=1), end=NOW + timedelta(days=10))
    act = _planned([{"principal": ALICE, "role": EXCHANGE, "end": "2026-06-01T00:00:00Z"}], [have])
    assert act.action == "adminExtend"
    assert not holds(act, [have], NOW)
    assert holds(act, [actual(ALICE, EXCHANGE, start=have.start, end=datetime(2026, 6, 1, tzinfo=timezone.utc))],
                 NOW)
