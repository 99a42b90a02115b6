# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access review planning without a network: Graph's documented shapes in and out, the plan, the refusals."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _access_reviews as ar

GA = "62e90394-69f5-4237-9190-012177145e10"
PRA = "e8611ab8-c189-46e8-94e1-60213ab1f814"
GROUP = "5f1c6a4e-0d39-4f0a-9a55-3b1a3c1f2e7d"
ALICE = {"id": "398164b1-5196-49dd-ada2-364b49f99b27", "type": "user", "userPrincipalName": "alice@contoso.com"}
BOB = {"id": "7eae986b-d425-48b2-adf2-3c777f4444f3", "type": "user", "userPrincipalName": "bob@contoso.com"}
APPROVERS = {"id": "072ac5f4-3f13-4088-ab30-0a276f3e6322", "type": "group", "displayName": "PIM-Approvers"}


def params(**over):
    base = {"name": "Tier-0", "state": "present", "roles": ["Global Administrator"], "groups": None,
            "assignment_kinds": None, "reviewers": ["alice@contoso.com"], "fallback_reviewers": None,
            "recurrence": None, "duration_days": None, "start": None, "auto_apply": None, "default_decision": None,
            "description": None, "description_for_reviewers": None}
    base.update(over)
    return base


def created(p, role_ids=(GA,), group_ids=(), reviewers=(ALICE,), fallback=None, today="2026-12-01"):
    """The definition Graph would hold after the POST this planning sends (Graph echoes the body with extras)."""
    desired = ar.desired_state(p, list(role_ids), list(group_ids), list(reviewers), fallback)
    body = ar.create_body(desired, list(reviewers), fallback, today)
    echoed = copy.deepcopy(body)
    echoed.update(id="def-1", status="NotStarted", createdDateTime="2026-12-01T00:00:00Z")
    # Graph's answer pads the pattern and range and adds queryRoot (the "Create definitions" response).
    pattern = echoed["settings"]["recurrence"]["pattern"]
    pattern.update(month=0, dayOfMonth=0, daysOfWeek=[], firstDayOfWeek="sunday", index="first")
    echoed["settings"]["recurrence"]["range"].update(numberOfOccurrences=0, recurrenceTimeZone=None, endDate=None)
    for reviewer in echoed["reviewers"]:
        reviewer.setdefault("queryRoot", None)
    return echoed


# -- recurrence -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("word,kind,interval", [("weekly", "weekly", 1), ("monthly", "absoluteMonthly", 1),
                                                ("quarterly", "absoluteMonthly", 3),
                                                ("semiannually", "absoluteMonthly", 6),
                                                ("annually", "absoluteMonthly", 12)])
def test_recurrence_words_round_trip(word, kind, interval):
    assert ar.recurrence_pattern(word) == {"type": kind, "interval": interval}
    padded = {"pattern": {"type": kind, "interval": interval, "month": 0, "dayOfMonth": 0}, "range": {}}
    assert ar.recurrence_word(padded) == word


def test_other_recurrences_have_no_word():
    assert ar.recurrence_word({"pattern": {"type": "absoluteMonthly", "interval": 2}}) is None
    assert ar.recurrence_word({"pattern": {"type": "absoluteYearly", "interval": 1}}) == "annually"
    assert ar.recurrence_word(None) is None
    assert ar.pattern_summary(None) is None


def test_shortest_periods_follow_the_calendar():
    assert [ar.shortest_period_days(w) for w in ar.RECURRENCES] == [7, 28, 89, 181, 365]


# -- option checks (before any read) -------------------------------------------------------------------------
def test_duration_longer_than_the_recurrence_is_refused_naming_both():
    problems = ar.check_options(params(recurrence="weekly", duration_days=8))
    assert len(problems) == 1 and "duration_days 8" in problems[0] and "weekly" in problems[0] \
        and "7 days" in problems[0]
    assert ar.check_options(params(recurrence="weekly", duration_days=7)) == []


def test_bad_inputs_are_each_named():
    assert "give roles or groups" in ar.check_options(params(roles=None))[0]
    assert "self" in ar.check_options(params(reviewers=["self", "alice@contoso.com"]))[0]
    assert "start" in ar.check_options(params(start="next monday"))[0]
    assert "start" in ar.check_options(params(start="2026-02-30"))[0]
    assert "single role" in " ".join(ar.check_options(params(roles=["A", "B"], assignment_kinds=["eligible"])))
    assert "fallback_reviewers" in ar.check_options(params(fallback_reviewers=["managers"]))[0]
    assert ar.check_options(params(description_for_reviewers="x" * 257)) == []
    assert "256" in ar.option_warnings(params(description_for_reviewers="x" * 257))[0]
    assert ar.option_warnings(params(description_for_reviewers="x" * 256)) == []
    assert "duration_days must be 1" in ar.check_options(params(duration_days=0))[0]
    assert ar.check_options(params(state="absent", roles=None, reviewers=None)) == []


def test_duration_against_the_existing_recurrence_is_refused_after_the_read():
    existing = created(params(recurrence="monthly", duration_days=20))
    with pytest.raises(ar.ReviewError, match="duration_days 40 .*monthly"):
        ar.desired_state(params(duration_days=40), [GA], [], [ALICE], None, existing)


# -- scope shapes ----------------------------------------------------------------------------------------------
def test_roles_both_kinds_follow_the_privileged_roles_tutorial():
    scope = ar.scope_body([GA], [], ["eligible", "active"])
    assert scope == {
        "@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
        "principalScopes": [{"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/users",
                             "queryType": "MicrosoftGraph"},
                            {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "/groups",
                             "queryType": "MicrosoftGraph"}],
        "resourceScopes": [{"@odata.type": "#microsoft.graph.accessReviewQueryScope",
                            "query": f"/roleManagement/directory/roleDefinitions/{GA}", "queryType": "MicrosoftGraph"}]}
    # Example 9's plain role query (someone else's review) reads the same.
    assert ar.describe_scope({"query": f"/roleManagement/directory/roleDefinitions/{GA}"}) == ar.describe_scope(scope)


def test_one_group_is_its_transitive_members():
    assert ar.scope_body([], [GROUP], ["eligible", "active"]) == {
        "@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": f"/groups/{GROUP}/transitiveMembers",
        "queryType": "MicrosoftGraph"}


def test_one_role_one_kind_is_the_documented_instance_query():
    eligible = ar.scope_body([GA], [], ["eligible"])["query"]
    assert eligible == ("/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter="
                        f"(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{GA}')")
    active = ar.scope_body([GA], [], ["active"])["query"]
    assert active.startswith("/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter="
                             "(assignmentType eq 'Assigned' and ")
    assert ar.parse_query(eligible) == [{"role": GA, "kinds": ["eligible"], "principals": ["users"]}]
    assert ar.parse_query(active) == [{"role": GA, "kinds": ["active"], "principals": ["users"]}]


def test_several_targets_use_principal_resource_memberships():
    scope = ar.scope_body([GA, PRA], [GROUP], ["eligible", "active"])
    assert scope["@odata.type"] == "#microsoft.graph.principalResourceMembershipsScope"
    assert [s["query"] for s in scope["principalScopes"]] == ["/users", "/groups"]
    assert [s["query"] for s in scope["resourceScopes"]] == [
        f"/roleManagement/directory/roleDefinitions/{GA}", f"/roleManagement/directory/roleDefinitions/{PRA}",
        f"/groups/{GROUP}/transitiveMembers"]
    assert ar.describe_scope(scope) == {"roles": [GA, PRA], "groups": [GROUP],
                                        "assignment_kinds": ["eligible", "active"], "other": []}
    with pytest.raises(ar.ReviewError):
        ar.scope_body([GA, PRA], [], ["eligible"])
    with pytest.raises(ar.ReviewError):
        ar.scope_body([GA], [GROUP], ["active"])


def test_scopes_written_elsewhere_are_read():
    # The GET example of Microsoft's page carries the version prefix; schedules lists and a plain filter too.
    assert ar.describe_scope({"query": f"/v1.0/groups/{GROUP}/transitiveMembers"})["groups"] == [GROUP]
    plain = ar.describe_scope({"query": f"/roleManagement/directory/roleEligibilitySchedules?$filter=roleDefinitionId "
                                        f"eq '{GA.upper()}'"})
    assert plain["roles"] == [GA] and plain["assignment_kinds"] == ["eligible"]
    mixed = ar.describe_scope({"resourceScopes": [
        {"query": f"/roleManagement/directory/roleAssignmentScheduleInstances?$filter=roleDefinitionId eq '{GA}'"},
        {"query": f"/roleManagement/directory/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '{GA}'"}]})
    assert mixed["roles"] == [GA] and mixed["assignment_kinds"] == ["eligible", "active"]
    other = ar.describe_scope({"query": "/servicePrincipals/bae11f90-7d5d-46ba-9f55-8112b59d92ae"})
    assert other["roles"] == [] and other["other"] == ["/servicePrincipals/bae11f90-7d5d-46ba-9f55-8112b59d92ae"]


# -- reviewers ---------------------------------------------------------------------------------------------------
def test_reviewer_shapes_are_the_documented_ones():
    body = ar.reviewers_body([ALICE, APPROVERS, "managers"])
    assert body == [{"query": f"/users/{ALICE['id']}", "queryType": "MicrosoftGraph"},
                    {"query": f"/groups/{APPROVERS['id']}/transitiveMembers", "queryType": "MicrosoftGraph"},
                    {"query": "./manager", "queryType": "MicrosoftGraph", "queryRoot": "decisions"}]
    assert ar.reviewers_body(["self"]) == []
    assert ar.reviewer_keys([]) == {("self",)}
    assert ar.reviewer_keys(body) == {("user", ALICE["id"]), ("group", APPROVERS["id"]), ("managers",)}


# -- the body and the plan ------------------------------------------------------------------------------------
def test_create_body_follows_create_definitions():
    p = params(recurrence="quarterly", duration_days=14, auto_apply=True, default_decision="deny",
               description="Quarterly tier-0")
    desired = ar.desired_state(p, [GA], [], [ALICE], [BOB])
    body = ar.create_body(desired, [ALICE], [BOB], "2026-12-01")
    assert body["displayName"] == "Tier-0"
    assert body["descriptionForAdmins"] == body["descriptionForReviewers"] == "Quarterly tier-0"
    assert body["fallbackReviewers"] == [{"query": f"/users/{BOB['id']}", "queryType": "MicrosoftGraph"}]
    settings = body["settings"]
    assert settings["recurrence"] == {"pattern": {"type": "absoluteMonthly", "interval": 3},
                                      "range": {"type": "noEnd", "startDate": "2026-12-01"}}
    assert settings["instanceDurationInDays"] == 14
    assert settings["defaultDecisionEnabled"] is True and settings["defaultDecision"] == "Deny"
    assert settings["autoApplyDecisionsEnabled"] is True


def test_creation_defaults():
    desired = ar.desired_state(params(), [GA], [], [ALICE], None)
    settings = ar.create_body(desired, [ALICE], None, "2026-12-01")["settings"]
    assert settings["recurrence"]["pattern"] == {"type": "absoluteMonthly", "interval": 3}
    assert settings["instanceDurationInDays"] == 14
    assert settings["defaultDecisionEnabled"] is False and settings["defaultDecision"] == "None"
    assert settings["autoApplyDecisionsEnabled"] is False


def test_same_options_again_plan_nothing():
    p = params(roles=["Global Administrator", "Privileged Role Administrator"], recurrence="quarterly",
               duration_days=14, default_decision="deny", start="2026-12-01")
    existing = created(p, role_ids=(GA, PRA), reviewers=(ALICE, APPROVERS))
    # Roles in another order and upper-case ids: the same review.
    desired = ar.desired_state(p, [PRA.upper(), GA], [], [APPROVERS, ALICE], None, existing)
    assert ar.plan(existing, desired) == ("none", [], None)


def test_options_left_out_keep_the_review_value():
    existing = created(params(recurrence="monthly", duration_days=10, auto_apply=True, description="kept"))
    desired = ar.desired_state(params(), [GA], [], [ALICE], None, existing)
    assert (desired["recurrence"], desired["duration_days"], desired["auto_apply"], desired["description"]) == \
        ("monthly", 10, True, "kept")
    assert ar.plan(existing, desired)[0] == "none"


def test_settings_change_is_an_update_with_the_whole_object():
    existing = created(params(recurrence="quarterly", duration_days=14))
    existing["settings"]["recommendationsEnabled"] = False  # not managed here: kept as it is
    desired = ar.desired_state(params(recurrence="monthly", duration_days=7), [GA], [], [ALICE], None, existing)
    action, keys, _why = ar.plan(existing, desired)
    assert action == "update" and keys == ["recurrence", "duration_days"]
    body = ar.update_body(existing, desired, [ALICE], None)
    assert body["id"] == "def-1" and body["scope"] == existing["scope"]
    assert body["settings"]["recurrence"]["pattern"] == {"type": "absoluteMonthly", "interval": 1}
    assert body["settings"]["recurrence"]["range"]["startDate"] == "2026-12-01"
    assert body["settings"]["instanceDurationInDays"] == 7
    assert body["settings"]["recommendationsEnabled"] is False
    assert "status" not in body and "createdDateTime" not in body


def test_user_reviewers_change_in_place_others_need_a_replacement():
    existing = created(params())
    desired = ar.desired_state(params(), [GA], [], [BOB], None, existing)
    assert ar.plan(existing, desired)[0] == "update"
    assert ar.update_body(existing, desired, [BOB], None)["reviewers"] == [
        {"query": f"/users/{BOB['id']}", "queryType": "MicrosoftGraph"}]
    desired = ar.desired_state(params(), [GA], [], ["managers"], None, existing)
    action, keys, why = ar.plan(existing, desired)
    assert action == "replace" and keys == ["reviewers"] and "individual users" in why


def test_scope_change_needs_a_replacement():
    existing = created(params())
    desired = ar.desired_state(params(), [GA, PRA], [], [ALICE], None, existing)
    action, keys, why = ar.plan(existing, desired)
    assert action == "replace" and keys == ["roles"] and "scope" in why
    desired = ar.desired_state(params(assignment_kinds=["eligible"]), [GA], [], [ALICE], None, existing)
    assert ar.plan(existing, desired)[:2] == ("replace", ["assignment_kinds"])


def test_absent():
    existing = created(params())
    assert ar.plan(existing, None, "absent")[0] == "delete"
    assert ar.plan(None, None, "absent")[0] == "none"


def test_described_review_in_the_options_words():
    existing = created(params(reviewers=None, recurrence="annually", default_decision="recommendation"),
                       reviewers=(APPROVERS, "managers"), fallback=[BOB])
    described = ar.describe(existing)
    shown = ar.as_options(described, {GA: "Global Administrator"},
                          {APPROVERS["id"]: "PIM-Approvers", BOB["id"]: "bob@contoso.com"})
    assert shown["roles"] == ["Global Administrator"]
    assert shown["reviewers"] == ["group:PIM-Approvers", "managers"]
    assert shown["fallback_reviewers"] == ["bob@contoso.com"]
    assert (shown["recurrence"], shown["default_decision"], shown["start"]) == ("annually", "recommendation",
                                                                                "2026-12-01")
    # A principal that is gone shows by id.
    assert ar.as_options(described, {}, {})["reviewers"] == [f"group:{APPROVERS['id']}", "managers"]


# -- instances and decisions --------------------------------------------------------------------------------------
def test_last_occurrence_and_decision_counts():
    instances = [{"id": "a", "startDateTime": "2026-06-01T00:00:00Z", "endDateTime": "2026-06-15T00:00:00Z",
                  "status": "Completed"},
                 {"id": "c", "startDateTime": "2026-09-01T00:00:00Z", "endDateTime": "2026-09-15T00:00:00Z",
                  "status": "Completed"},
                 {"id": "b", "startDateTime": "2026-09-01T00:00:00Z", "endDateTime": "2026-09-15T00:00:00Z",
                  "status": "InProgress"}]
    # Two roles reviewed: two instances of the last occurrence.
    assert [i["id"] for i in ar.last_instances(instances)] == ["b", "c"]
    assert ar.last_instances([]) == []
    decisions = [{"decision": "Approve"}, {"decision": "Deny"}, {"decision": "NotReviewed"}, {"decision": "Approve"},
                 {"decision": "DontKnow"}]
    summary = ar.instance_summary(ar.last_instances(instances), decisions)
    assert summary == {"ids": ["b", "c"], "start": "2026-09-01T00:00:00Z", "end": "2026-09-15T00:00:00Z",
                       "status": "InProgress",
                       "decisions": {"approve": 2, "deny": 1, "not_reviewed": 1, "dont_know": 1, "total": 5}}
    assert ar.instance_summary(instances[:1])["status"] == "Completed"
    assert ar.instance_summary([]) is None
