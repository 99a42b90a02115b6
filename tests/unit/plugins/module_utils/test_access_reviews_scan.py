# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access reviews of directory roles, as the compliance scan reads them (issue 16, CIS 5.3.3).

The scope shapes are Microsoft's own ("Configure the scope of your access review using the Microsoft Graph
API", examples 8, 9, 12; "Review access to administrative roles using the access reviews APIs"); the reads go
through the real GraphSession over the in-memory Graph of test_scan_batching, so request counts are real.
"""

from __future__ import annotations

import pytest
from test_scan_batching import EXO, GA, OBJECTS, Wire, tenant

from ansible_collections.entra.pim.plugins.module_utils._access_reviews import (
    every_words, parse_query, recurrence_summary,
)
from ansible_collections.entra.pim.plugins.module_utils._access_reviews_scan import (
    ACCESS_REVIEW_DEFINITIONS, CIS_5_3_3_ROLES, cis_shortfalls, ends_never, last_instance, recurs_within,
    review_coverage, review_summary, reviewer_words, scope_roles,
)
from ansible_collections.entra.pim.plugins.module_utils._activation_backend import ActivityReader

PRA = "e8611ab8-c189-46e8-94e1-60213ab1f814"
REVIEWER = "a0000000-0000-0000-0000-000000000001"  # Grace, in test_scan_batching's OBJECTS


def memberships_scope(*roles, principals=("/users", "/groups"), version=""):
    """What the Entra admin center and Microsoft's tutorial create for a PIM role review."""
    return {"@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
            "principalScopes": [{"@odata.type": "#microsoft.graph.accessReviewQueryScope",
                                 "query": f"{version}{p}", "queryType": "MicrosoftGraph"} for p in principals],
            "resourceScopes": [{"@odata.type": "#microsoft.graph.accessReviewQueryScope",
                                "query": f"{version}/roleManagement/directory/roleDefinitions/{r}",
                                "queryType": "MicrosoftGraph"} for r in roles]}


def definition(name="Tier 0 review", scope=None, interval=1, kind="absoluteMonthly", status="InProgress",
               reviewers=(REVIEWER,), **settings):
    body = {"mailNotificationsEnabled": True, "reminderNotificationsEnabled": True,
            "justificationRequiredOnApproval": True, "defaultDecision": "None", "instanceDurationInDays": 14,
            "autoApplyDecisionsEnabled": True,
            "recurrence": {"pattern": {"type": kind, "interval": interval},
                           "range": {"type": "noEnd", "startDate": "2026-01-01"}}}
    body.update(settings)
    return {"id": f"def-{name}", "displayName": name, "status": status,
            "scope": scope if scope is not None else memberships_scope(GA, PRA),
            "reviewers": [{"query": f"/users/{r}", "queryType": "MicrosoftGraph"} for r in reviewers],
            "settings": body}


# -- scopes ----------------------------------------------------------------------------------
def test_memberships_scope_names_its_roles_kinds_and_principals():
    assert scope_roles(memberships_scope(GA, PRA)) == [
        {"role_id": GA, "kinds": ["active", "eligible"], "principals": ["groups", "users"]},
        {"role_id": PRA, "kinds": ["active", "eligible"], "principals": ["groups", "users"]}]


def test_an_instance_copy_with_version_prefixes_reads_the_same():
    assert scope_roles(memberships_scope(GA, version="/v1.0")) == scope_roles(memberships_scope(GA))
    beta = memberships_scope(GA)
    beta["resourceScopes"][0]["query"] = "/beta/roleManagement/directory/roleDefinitions/" + GA.upper()
    assert scope_roles(beta)[0]["role_id"] == GA


@pytest.mark.parametrize("query, kinds, principals", [
    (f"/roleManagement/directory/roleDefinitions/{GA}", ["active", "eligible"], ["all"]),
    ("/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,"
     f"'microsoft.graph.user') and roleDefinitionId eq '{GA}')", ["eligible"], ["users"]),
    ("/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter=(assignmentType eq "
     f"'Assigned' and isof(principal,'microsoft.graph.servicePrincipal') and roleDefinitionId eq '{GA}')",
     ["active"], ["servicePrincipals"]),
    (f"/roleManagement/directory/roleEligibilitySchedules?$filter=roleDefinitionId eq '{GA}'", ["eligible"], ["all"]),
    (f"/roleManagement/directory/roleAssignmentScheduleInstances?$filter=roleDefinitionId eq '{GA}'",
     ["active"], ["all"]),
])
def test_query_scopes_of_microsofts_examples(query, kinds, principals):
    # The one reader of review scopes (``_access_reviews.parse_query``) serves the review modules and the scan.
    assert [dict(r, kinds=sorted(r["kinds"])) for r in parse_query(query)] == [
        {"role": GA, "kinds": kinds, "principals": principals}]


def test_two_query_reviews_of_one_role_merge_in_scope_roles_only_within_one_scope():
    scope = memberships_scope()
    scope["resourceScopes"] = [
        {"query": f"/roleManagement/directory/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '{GA}'"},
        {"query": f"/roleManagement/directory/roleAssignmentScheduleInstances?$filter=roleDefinitionId eq '{GA}'"}]
    assert scope_roles(scope) == [{"role_id": GA, "kinds": ["active", "eligible"], "principals": ["groups", "users"]}]


@pytest.mark.parametrize("scope", [
    {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": f"/groups/{GA}/transitiveMembers"},
    {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": "./members/microsoft.graph.user"},
    memberships_scope(),  # principals but no resource
    {"query": "/roleManagement/directory/roleDefinitions/not-a-guid"},
    {}, None,
])
def test_scopes_of_no_directory_role(scope):
    assert scope_roles(scope) == []


def test_guest_principal_scope_is_told_apart():
    scope = memberships_scope(GA, principals=("/users?$filter=(userType eq 'Guest')",))
    assert scope_roles(scope)[0]["principals"] == ["guests"]


# -- recurrence --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, interval, words, monthly, quarterly", [
    ("weekly", 1, "weekly", True, True),
    ("weekly", 4, "every 4 weeks", True, True),
    ("weekly", 5, "every 5 weeks", False, True),
    ("daily", 31, "every 31 days", True, True),
    ("absoluteMonthly", 1, "monthly", True, True),
    ("relativeMonthly", 1, "monthly", True, True),
    ("absoluteMonthly", 3, "quarterly", False, True),
    ("absoluteMonthly", 6, "semiannually", False, False),
    ("absoluteYearly", 1, "annually", False, False),
])
def test_how_often_a_review_recurs(kind, interval, words, monthly, quarterly):
    rec = recurrence_summary({"pattern": {"type": kind, "interval": interval},
                              "range": {"type": "noEnd", "startDate": "2026-01-01"}})
    assert rec["every"] == words == every_words(kind, interval)
    assert recurs_within(rec, 1) is monthly and recurs_within(rec, 3) is quarterly


def test_no_recurrence_never_recurs_and_the_end_is_read():
    rec = recurrence_summary({})
    assert rec["every"] is None and not recurs_within(rec, 12) and not ends_never(rec)
    assert ends_never({"range": "numbered", "end": "9999-12-31"}) and not ends_never({"range": "endDate",
                                                                                      "end": "2027-01-01"})


def test_reviewers_in_words():
    assert reviewer_words([{"query": f"/users/{REVIEWER}"}, {"query": f"/v1.0/groups/{GA}/transitiveMembers"},
                           {"query": "./manager", "queryRoot": "decisions"}],
                          {REVIEWER: "grace@contoso.com", GA: "Auditors"}) == \
        ["grace@contoso.com", "group:Auditors", "managers"]


def test_last_instance_is_the_latest_started():
    got = last_instance([{"id": "1", "startDateTime": "2026-04-01T00:00:00Z", "status": "Completed"},
                         {"id": "2", "startDateTime": "2026-07-01T00:00:00Z", "endDateTime": "2026-07-15T00:00:00Z",
                          "status": "InProgress"}])
    assert got == {"id": "2", "start": "2026-07-01T00:00:00Z", "end": "2026-07-15T00:00:00Z", "status": "InProgress"}
    assert last_instance([]) is None


# -- CIS 5.3.3 coverage ----------------------------------------------------------------------
def summary(*defs):
    return [review_summary(d, [], {GA: "Global Administrator"}, {REVIEWER: "grace"}) for d in defs]


def test_a_monthly_review_meeting_every_criterion_covers_its_roles():
    covered, findings = review_coverage(summary(definition()), {GA: "Global Administrator", PRA: "PRA"}, "2026-11-29")
    assert covered == ["Global Administrator", "PRA"]
    assert findings[0]["status"] == "pass" and "'Tier 0 review': monthly, no instance yet" in findings[0]["actual"]


def test_quarterly_is_not_monthly_and_each_shortfall_is_named():
    review = definition(interval=3, mailNotificationsEnabled=False, instanceDurationInDays=30,
                        defaultDecision="Deny", reviewers=())
    problems = cis_shortfalls(summary(review)[0], "2026-11-29")
    assert problems == ["recurs quarterly (monthly or more often asked)",
                        "no reviewers: the principals review themselves (reviewers other than self asked)",
                        "mail notifications off", "lasts 30 days (at most 14 asked)",
                        "unreviewed access: Deny (No change asked)"]
    # The baseline's own control asks only that it runs quarterly: it counts there.
    assert cis_shortfalls(summary(review)[0], "2026-11-29", months=3, full=False) == []


def test_not_started_or_future_reviews_do_not_count():
    review = definition(status="NotStarted")
    review["settings"]["recurrence"]["range"]["startDate"] = "2027-01-01"
    assert cis_shortfalls(summary(review)[0], "2026-11-29") == [
        "status is NotStarted, not InProgress (Review status Active)", "starts 2027-01-01, not in the past"]


def test_eligible_only_and_active_only_reviews_cover_a_role_together():
    eligible = definition("E", scope={"query": "/roleManagement/directory/roleEligibilityScheduleInstances"
                                               f"?$filter=roleDefinitionId eq '{GA}'"})
    active = definition("A", scope={"query": "/roleManagement/directory/roleAssignmentScheduleInstances"
                                             f"?$filter=roleDefinitionId eq '{GA}'"})
    assert review_coverage(summary(eligible, active), {GA: "GA"}, "2026-11-29")[0] == ["GA"]
    covered, findings = review_coverage(summary(eligible), {GA: "GA"}, "2026-11-29")
    assert covered == [] and findings[0]["detail"].endswith("no qualifying review of its active assignments")


def test_users_only_review_falls_short_of_users_and_groups():
    review = definition(scope=memberships_scope(GA, principals=("/users",)))
    covered, findings = review_coverage(summary(review), {GA: "GA"}, "2026-11-29")
    assert covered == [] and "reviews users only (users and groups asked)" in findings[0]["detail"]


def test_an_uncovered_role_is_named():
    covered, findings = review_coverage(summary(definition()), CIS_5_3_3_ROLES, "2026-11-29")
    assert covered == ["Global Administrator", "Privileged Role Administrator"]
    failed = [f["role"] for f in findings if f["status"] == "fail"]
    assert failed == ["Exchange Administrator", "SharePoint Administrator", "Teams Administrator",
                      "Security Administrator"]
    assert {f["detail"] for f in findings if f["status"] == "fail"} == {"no access review covers this role"}


# -- the scan's read ---------------------------------------------------------------------------
def graph_with_reviews(definitions, instances=None):
    collections = tenant()
    collections[ACCESS_REVIEW_DEFINITIONS] = definitions
    for d in definitions:
        collections[f"{ACCESS_REVIEW_DEFINITIONS}/{d['id']}/instances"] = (instances or {}).get(d["id"], [])
    return collections


def test_the_scan_reads_reviews_without_a_round_trip_of_its_own():
    group_review = definition("Groups", scope={"query": f"/groups/{GA}/transitiveMembers"})
    runs = [{"id": f"i{n}", "startDateTime": f"2026-0{n}-01T00:00:00Z", "endDateTime": f"2026-0{n}-15T00:00:00Z",
             "status": "Completed"} for n in (1, 4, 7)]
    plain = Wire(tenant(), page_size=100)
    ActivityReader(plain).read(pending=False, settings_refs=[])
    wire = Wire(graph_with_reviews([definition(), group_review], {"def-Tier 0 review": runs}), page_size=100)
    result, warnings = ActivityReader(wire).read(pending=False, settings_refs=[], access_reviews=True)
    assert warnings == [] and len(wire.sent) == len(plain.sent) == 2  # definitions in round 1, instances in 2
    reads = [u for _m, u in wire.sent]
    assert reads == ["/$batch", "/$batch"]
    (review,) = result["access_reviews"]  # the group membership review covers no directory role
    assert review["name"] == "Tier 0 review" and review["recurrence"]["every"] == "monthly"
    assert [r["role"] for r in review["roles"]] == ["Global Administrator", PRA]
    assert review["reviewers"] == [OBJECTS[REVIEWER]["userPrincipalName"]]
    assert review["last_instance"] == {"id": "i7", "start": "2026-07-01T00:00:00Z", "end": "2026-07-15T00:00:00Z",
                                       "status": "Completed"}
    assert "role_settings" in result and result["eligible"]  # the rest of the scan is unchanged


def test_a_scanner_without_access_review_read_gets_none_and_why():
    wire = Wire(graph_with_reviews([definition()]), refuse={ACCESS_REVIEW_DEFINITIONS})
    result, warnings = ActivityReader(wire).read(pending=False, access_reviews=True)
    assert result["access_reviews"] is None
    assert "AccessReview.Read.All" in result["access_reviews_error"]
    assert warnings and warnings[0].startswith("access reviews were not read")
    assert result["active"]  # the rest of the scan stands


def test_refused_instances_leave_the_last_instance_unknown():
    wire = Wire(graph_with_reviews([definition()]),
                refuse={f"{ACCESS_REVIEW_DEFINITIONS}/def-Tier 0 review/instances"})
    result, warnings = ActivityReader(wire).read(pending=False, access_reviews=True)
    (review,) = result["access_reviews"]
    assert review["last_instance"] is None and review["instances_read"] is False
    assert any("instances of some access reviews" in w for w in warnings)


def test_without_the_option_nothing_is_read():
    wire = Wire(graph_with_reviews([definition()]), page_size=100)
    result, _warnings = ActivityReader(wire).read(pending=False)
    assert "access_reviews" not in result
    assert EXO  # the tenant is test_scan_batching's
