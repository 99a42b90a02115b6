"""Access reviews over HTTP (Graph v1.0 identityGovernance/accessReviews/definitions): create, list, get, update
(PUT), delete, instances and decisions, with every answer and request body in msgraph-sdk's v1.0 shapes (the
conformance middleware records 0 violations), validation 400s, permission 403s, and the admin state dump showing
what the emulator holds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from emu_harness import start_emulator, stop_emulator
from helpers_sdk import graph_client, secret_credential

from pim_emulator import conformance

AR = "/identityGovernance/accessReviews/definitions"
GA = "62e90394-69f5-4237-9190-012177145e10"
PRA = "e8611ab8-c189-46e8-94e1-60213ab1f814"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
Q = "#microsoft.graph.accessReviewQueryScope"


@pytest.fixture(scope="module")
def remu(tmp_path_factory):
    """An emulator of its own: these tests write reviews, move the clock and read the conformance report. It logs
    conformance to a directory of its own: the 400 tests send bodies that break the schema on purpose, which must
    not reach the log `make test` gates on (test_every_answer_and_body_conforms checks this emulator's report)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(conformance.LOG_ENV, str(tmp_path_factory.mktemp("reviews-conformance")))
        e = start_emulator(tmp_path_factory.mktemp("reviews"))
    yield e
    stop_emulator(e)


def _state(e, tenant="contoso") -> dict:
    return e.admin("GET", f"tenants/{e.tenant(tenant)['id']}/state").json()


def _group(e, name: str) -> str:
    return next(g["id"] for g in _state(e)["data"]["groups"].values() if g["displayName"] == name)


def role_review(e, name="Helpdesk review", role=HELPDESK, days=7, interval=1, start="2026-01-01", kind="weekly"):
    """The scope concept page's "Review all users with active assignments to a directory role" query."""
    return {
        "displayName": name, "descriptionForAdmins": "test", "descriptionForReviewers": "test",
        "scope": {"@odata.type": Q, "queryType": "MicrosoftGraph",
                  "query": "/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter=("
                           f"assignmentType eq 'Assigned' and isof(principal,'microsoft.graph.user') and "
                           f"roleDefinitionId eq '{role}')"},
        "reviewers": [{"query": f"/users/{e.user('grace.approver')['id']}", "queryType": "MicrosoftGraph"}],
        "settings": {"mailNotificationsEnabled": True, "justificationRequiredOnApproval": True,
                     "defaultDecisionEnabled": False, "defaultDecision": "None", "instanceDurationInDays": days,
                     "recurrence": {"pattern": {"type": kind, "interval": interval},
                                    "range": {"type": "noEnd", "startDate": start}}},
    }


def test_the_seed_holds_one_quarterly_tier0_review_in_contoso_only(remu):
    e = remu
    r = e.get(AR, token=e.token("pim-reader"))
    assert r.status_code == 200, r.text
    (review,) = r.json()["value"]
    assert review["scope"]["@odata.type"] == "#microsoft.graph.principalResourceMembershipsScope"
    queries = [s["query"] for s in review["scope"]["resourceScopes"]]
    assert queries == [f"/roleManagement/directory/roleDefinitions/{GA}",
                       f"/roleManagement/directory/roleDefinitions/{PRA}"]
    assert review["settings"]["recurrence"]["pattern"]["type"] == "absoluteMonthly"
    assert review["settings"]["recurrence"]["pattern"]["interval"] == 3
    assert review["status"] == "InProgress"
    for other in ("fabrikam", "northwind"):
        r = e.get(AR, token=e.token("pim-reader", other))
        assert r.status_code == 200 and r.json()["value"] == [], other
    # One instance per role; the GA instance reviews every user holding GA, not the app holding PRA.
    insts = e.get(f"{AR}/{review['id']}/instances").json()["value"]
    assert len(insts) == 2 and {i["status"] for i in insts} == {"InProgress"}
    by_role = {}
    for inst in insts:
        items = e.get(f"{AR}/{review['id']}/instances/{inst['id']}/decisions").json()["value"]
        by_role[items[0]["resource"]["displayName"]] = {d["principal"]["displayName"] for d in items}
        assert {d["decision"] for d in items} == {"NotReviewed"}
    assert by_role["Global Administrator"] == {"Break Glass 1", "Break Glass 2", "Alice Admin", "Victor Ops",
                                               "Trent Dev", "Erin Identity"}
    assert by_role["Privileged Role Administrator"] == {"Grace Approver", "Frank Synced"}


def test_crud_round_trip_and_the_state_dump(remu):
    e = remu
    r = e.post(AR, role_review(e))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] in ("InProgress", "NotStarted") and created["createdBy"]["displayName"] == "pim-admin"
    assert created["settings"]["recurrence"]["range"]["startDate"] == "2026-01-01"
    did = created["id"]
    assert e.get(f"{AR}/{did}").json()["displayName"] == "Helpdesk review"
    r = e.get(AR, params={"$filter": "displayName eq 'Helpdesk review'"})
    assert [d["id"] for d in r.json()["value"]] == [did]
    r = e.get(AR, params={"$filter": "contains(scope/microsoft.graph.accessReviewQueryScope/query, "
                                     "'roleAssignmentScheduleInstances')"})
    assert [d["id"] for d in r.json()["value"]] == [did]
    body = {**e.get(f"{AR}/{did}").json(), "displayName": "Helpdesk review (renamed)"}
    body["settings"]["instanceDurationInDays"] = 3
    r = e.http.put(e.graph_url + f"{AR}/{did}", json=body, headers={"Authorization": f"Bearer {e.token()}"})
    assert r.status_code == 204, r.text
    got = e.get(f"{AR}/{did}").json()
    assert got["displayName"] == "Helpdesk review (renamed)" and got["settings"]["instanceDurationInDays"] == 3
    held = {d["id"]: d for d in _state(e)["accessReviews"]}
    assert held[did]["displayName"] == "Helpdesk review (renamed)"
    r = e.http.delete(e.graph_url + f"{AR}/{did}", headers={"Authorization": f"Bearer {e.token()}"})
    assert r.status_code == 204, r.text
    assert e.get(f"{AR}/{did}").status_code == 404
    assert did not in {d["id"] for d in _state(e)["accessReviews"]}
    assert did not in _state(e)["data"].get("accessReviewScheduleDefinitions", {})


def test_paging_with_top(remu):
    e = remu
    ids = [e.post(AR, role_review(e, f"paged {n}")).json()["id"] for n in range(3)]
    r = e.get(AR, params={"$top": "2"})
    assert len(r.json()["value"]) == 2 and "@odata.nextLink" in r.json()
    rest = e.http.get(r.json()["@odata.nextLink"], headers={"Authorization": f"Bearer {e.token()}"}).json()
    seen = [d["id"] for d in r.json()["value"] + rest["value"]]
    assert set(ids) <= set(seen) and len(seen) == len(set(seen))
    for did in ids:
        e.http.delete(e.graph_url + f"{AR}/{did}", headers={"Authorization": f"Bearer {e.token()}"})


@pytest.mark.parametrize("change,needle", [
    (lambda b: b.pop("displayName"), "displayName"),
    (lambda b: b.pop("scope"), "scope"),
    (lambda b: b["scope"].update(query="/users/nobody/manager"), "scope.query"),
    (lambda b: b["settings"].update(defaultDecision="Maybe"), "defaultDecision"),
    (lambda b: b["settings"].update(instanceDurationInDays=0), "instanceDurationInDays"),
    (lambda b: b["settings"].update(instanceDurationInDays=30), "instanceDurationInDays"),  # longer than a week
    (lambda b: b["settings"]["recurrence"]["pattern"].update(type="fortnightly"), "pattern.type"),
    (lambda b: b["settings"]["recurrence"]["range"].update(startDate="someday"), "startDate"),
    (lambda b: b.update(inventedProperty=1), "inventedProperty"),
    (lambda b: b["reviewers"][0].update(query="/users/00000000-0000-0000-0000-0000000000bb"), "reviewers"),
    (lambda b: b["scope"].update(query=b["scope"]["query"].replace(HELPDESK, "00000000-0000-0000-0000-0000000000aa")),
     "does not exist"),
])
def test_bad_definitions_are_refused_with_400_before_any_write(remu, change, needle):
    e = remu
    before = len(e.get(AR).json()["value"])
    body = role_review(e)
    change(body)
    r = e.post(AR, body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BadRequest" and needle in r.json()["error"]["message"]
    assert len(e.get(AR).json()["value"]) == before


def test_scope_cannot_change_on_update(remu):
    e = remu
    did = e.post(AR, role_review(e, "fixed scope")).json()["id"]
    body = e.get(f"{AR}/{did}").json()
    body["scope"]["query"] = body["scope"]["query"].replace(HELPDESK, GA)
    r = e.http.put(e.graph_url + f"{AR}/{did}", json=body, headers={"Authorization": f"Bearer {e.token()}"})
    assert r.status_code == 400 and "scope" in r.json()["error"]["message"], r.text
    assert HELPDESK in e.get(f"{AR}/{did}").json()["scope"]["query"]
    e.http.delete(e.graph_url + f"{AR}/{did}", headers={"Authorization": f"Bearer {e.token()}"})


def test_permissions(remu):
    e = remu
    reader = e.token("pim-reader")
    assert e.get(AR, token=reader).status_code == 200
    r = e.post(AR, role_review(e), token=reader)
    assert r.status_code == 403 and r.json()["error"]["code"] == "Authorization_RequestDenied", r.text
    nothing = e.token("ops-automation")
    assert e.get(AR, token=nothing).status_code == 403
    (review,) = [d for d in e.get(AR).json()["value"] if d["displayName"] == "Quarterly review of tier-0 roles"]
    r = e.http.delete(e.graph_url + f"{AR}/{review['id']}", headers={"Authorization": f"Bearer {reader}"})
    assert r.status_code == 403
    assert e.get(f"{AR}/{review['id']}").status_code == 200


def test_delegated_callers_need_a_role_or_to_be_a_reviewer(remu):
    e = remu
    (review,) = [d for d in e.get(AR).json()["value"] if d["displayName"] == "Quarterly review of tier-0 roles"]
    # wendy.nomfa holds no active role and reviews nothing: she sees no review and cannot read this one.
    wendy = e.signin("wendy.nomfa", mfa=False)
    assert e.get(AR, token=wendy).json()["value"] == []
    assert e.get(f"{AR}/{review['id']}", token=wendy).status_code == 403
    assert e.post(AR, role_review(e), token=wendy).status_code == 403
    # grace.approver (eligible, not active, in PRA) is the review's reviewer: she reads it and its decisions.
    grace = e.signin("grace.approver")
    assert [d["id"] for d in e.get(AR, token=grace).json()["value"]] == [review["id"]]
    inst = e.get(f"{AR}/{review['id']}/instances", token=grace).json()["value"][0]
    items = e.get(f"{AR}/{review['id']}/instances/{inst['id']}/decisions", token=grace).json()["value"]
    url = e.graph_url + f"{AR}/{review['id']}/instances/{inst['id']}/decisions/{items[0]['id']}"
    body = {"decision": "Approve", "justification": "still needed"}
    # The decision page lists delegated permissions only, and only the instance's reviewers may decide.
    assert e.http.patch(url, json=body, headers={"Authorization": f"Bearer {e.token()}"}).status_code == 403
    assert e.http.patch(url, json=body, headers={"Authorization": f"Bearer {wendy}"}).status_code == 403
    r = e.http.patch(url, json=body, headers={"Authorization": f"Bearer {grace}"})
    assert r.status_code == 204, r.text


def test_an_update_leaves_running_instances_as_they_are(remu):
    e = remu
    today = e.admin("GET", "clock").json()["now"][:10]
    did = e.post(AR, role_review(e, "windows", days=5, start=today)).json()["id"]
    (before,) = e.get(f"{AR}/{did}/instances").json()["value"]
    body = e.get(f"{AR}/{did}").json()
    body["settings"]["instanceDurationInDays"] = 2
    r = e.http.put(e.graph_url + f"{AR}/{did}", json=body, headers={"Authorization": f"Bearer {e.token()}"})
    assert r.status_code == 204, r.text
    (after,) = e.get(f"{AR}/{did}/instances").json()["value"]
    assert after["endDateTime"] == before["endDateTime"]  # the running instance keeps its 5 days
    e.admin("POST", "clock", {"advance": "P7D"})
    try:
        insts = e.get(f"{AR}/{did}/instances").json()["value"]
        assert insts[0]["endDateTime"] == before["endDateTime"]
        start, end = (datetime.fromisoformat(insts[1][k].replace("Z", "+00:00")) for k in ("startDateTime",
                                                                                             "endDateTime"))
        assert end - start == timedelta(days=2)  # the next one takes the new 2 days
    finally:
        e.admin("POST", "clock", {"set_offset": 0})
    e.http.delete(e.graph_url + f"{AR}/{did}", headers={"Authorization": f"Bearer {e.token()}"})


def test_unknown_ids_are_404(remu):
    e = remu
    assert e.get(f"{AR}/nope").status_code == 404
    (review,) = [d for d in e.get(AR).json()["value"] if d["displayName"] == "Quarterly review of tier-0 roles"]
    assert e.get(f"{AR}/{review['id']}/instances/nope").status_code == 404
    assert e.get(f"{AR}/{review['id']}/instances/nope/decisions").status_code == 404


def test_group_membership_review_lists_the_transitive_members(remu):
    e = remu
    gid = _group(e, "All-Staff")
    body = role_review(e, "All-Staff members")
    body["scope"] = {"@odata.type": Q, "query": f"/groups/{gid}/transitiveMembers", "queryType": "MicrosoftGraph"}
    did = e.post(AR, body).json()["id"]
    (inst,) = e.get(f"{AR}/{did}/instances").json()["value"]
    names = {d["principal"]["displayName"] for d in
             e.get(f"{AR}/{did}/instances/{inst['id']}/decisions").json()["value"]}
    # All-Staff holds three users and Helpdesk-Operators, whose members are reviewed too.
    assert {"Alice Admin", "Bob SecOps", "Heidi Auditor", "Carol Helpdesk", "Victor Ops"} <= names
    e.http.delete(e.graph_url + f"{AR}/{did}", headers={"Authorization": f"Bearer {e.token()}"})


def test_decisions_are_recorded_while_in_progress_and_instances_follow_the_clock(remu):
    e = remu
    today = e.admin("GET", "clock").json()["now"][:10]
    did = e.post(AR, role_review(e, "clocked", role=GA, days=2, start=today)).json()["id"]
    (inst,) = e.get(f"{AR}/{did}/instances").json()["value"]
    assert inst["status"] == "InProgress"
    items = e.get(f"{AR}/{did}/instances/{inst['id']}/decisions").json()["value"]
    target = next(d for d in items if d["principal"]["displayName"] == "Victor Ops")
    url = e.graph_url + f"{AR}/{did}/instances/{inst['id']}/decisions/{target['id']}"
    grace = e.signin("grace.approver")
    auth = {"Authorization": f"Bearer {grace}"}
    r = e.http.patch(url, json={"decision": "Approve"}, headers=auth)
    assert r.status_code == 400 and "justification" in r.json()["error"]["message"], r.text
    r = e.http.patch(url, json={"decision": "Maybe", "justification": "x"}, headers=auth)
    assert r.status_code == 400, r.text
    r = e.http.patch(url, json={"decision": "Deny", "justification": "no longer needs GA"}, headers=auth)
    assert r.status_code == 204, r.text
    got = e.get(f"{AR}/{did}/instances/{inst['id']}/decisions/{target['id']}").json()
    assert got["decision"] == "Deny" and got["reviewedBy"]["id"] == e.user("grace.approver")["id"]
    held = next(d for d in _state(e)["accessReviews"] if d["id"] == did)
    assert {"principalId": target["principal"]["id"], "decision": "Deny"} in held["instances"][0]["decisions"]
    # Three days on, the 2-day instance is Completed and refuses decisions; the weekly series is still running.
    e.admin("POST", "clock", {"advance": "P3D"})
    try:
        (inst,) = e.get(f"{AR}/{did}/instances").json()["value"]
        assert inst["status"] == "Completed"
        assert e.get(f"{AR}/{did}").json()["status"] == "InProgress"
        r = e.http.patch(url, json={"decision": "Approve", "justification": "changed my mind"}, headers=auth)
        assert r.status_code == 400 and "Completed" in r.json()["error"]["message"], r.text
        # A week after the start, the next occurrence is a new instance, in progress, with its own decisions.
        e.admin("POST", "clock", {"advance": "P5D"})
        insts = e.get(f"{AR}/{did}/instances").json()["value"]
        assert [i["status"] for i in insts] == ["Completed", "InProgress"]
        fresh = e.get(f"{AR}/{did}/instances/{insts[1]['id']}/decisions").json()["value"]
        assert {d["decision"] for d in fresh} == {"NotReviewed"}
    finally:
        e.admin("POST", "clock", {"set_offset": 0})
    e.http.delete(e.graph_url + f"{AR}/{did}", headers={"Authorization": f"Bearer {e.token()}"})


async def test_the_sdk_creates_and_reads_reviews(remu):
    """The real msgraph-sdk writes a definition with its own models and reads it, its instances and decisions."""
    from msgraph.generated.models.access_review_query_scope import AccessReviewQueryScope
    from msgraph.generated.models.access_review_reviewer_scope import AccessReviewReviewerScope
    from msgraph.generated.models.access_review_schedule_definition import AccessReviewScheduleDefinition
    from msgraph.generated.models.access_review_schedule_settings import AccessReviewScheduleSettings
    from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
    from msgraph.generated.models.recurrence_pattern import RecurrencePattern
    from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
    from msgraph.generated.models.recurrence_range import RecurrenceRange
    from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType

    e = remu
    today = datetime.fromisoformat(e.admin("GET", "clock").json()["now"].replace("Z", "+00:00")).date()
    body = AccessReviewScheduleDefinition(
        display_name="SDK review", description_for_admins="sdk",
        scope=AccessReviewQueryScope(query=f"/roleManagement/directory/roleDefinitions/{PRA}",
                                     query_type="MicrosoftGraph"),
        reviewers=[AccessReviewReviewerScope(query=f"/users/{e.user('grace.approver')['id']}",
                                             query_type="MicrosoftGraph")],
        settings=AccessReviewScheduleSettings(
            instance_duration_in_days=14, default_decision_enabled=False, default_decision="None",
            recurrence=PatternedRecurrence(
                pattern=RecurrencePattern(type=RecurrencePatternType.AbsoluteMonthly, interval=3),
                range=RecurrenceRange(type=RecurrenceRangeType.NoEnd, start_date=today))))
    async with secret_credential(e) as cred:
        client = graph_client(cred, e.graph_url, e.ca)
        definitions = client.identity_governance.access_reviews.definitions
        created = await definitions.post(body)
        assert created.id and created.status == "InProgress"
        assert created.settings.recurrence.pattern.interval == 3
        got = await definitions.by_access_review_schedule_definition_id(created.id).get()
        assert got.display_name == "SDK review" and got.scope.query.endswith(PRA)
        insts = await definitions.by_access_review_schedule_definition_id(created.id).instances.get()
        (inst,) = insts.value
        assert inst.status == "InProgress" and (inst.end_date_time - inst.start_date_time).days == 14
        items = await definitions.by_access_review_schedule_definition_id(created.id).instances \
            .by_access_review_instance_id(inst.id).decisions.get()
        assert {d.principal.display_name for d in items.value} == {"Grace Approver", "Frank Synced", "pim-admin"}
        assert {d.decision for d in items.value} == {"NotReviewed"}
        await definitions.by_access_review_schedule_definition_id(created.id).delete()
    assert created.id not in {d["id"] for d in _state(e)["accessReviews"]}


def test_every_answer_and_body_conforms(remu):
    """Runs last in this module: everything above went through the conformance middleware."""
    e = remu
    report = e.admin("GET", "conformance").json()
    assert report["enabled"], report
    # Bodies of the 400 tests break the schema on purpose (requests answered 400); every other body, and every
    # answer, conforms. innerError.date is allowed with a citation (conformance_allow.json).
    on_purpose = {("undeclared", "inventedProperty"), ("enum", "settings.recurrence.pattern.type"),
                  ("wrong-type", "settings.recurrence.range.startDate")}
    reviews = [(v["kind"], v["direction"], v["method"], v["property"], v["detail"]) for v in report["violations"]
               if "accessReviews" in v["route"] and not v.get("allowed")
               and not (v["direction"] == "request" and (v["kind"], v["property"]) in on_purpose)]
    assert reviews == []
    checked = [k for k in report["by_route"] if "accessReviews" in k]
    assert any(k.startswith("request v1.0 POST") for k in checked), checked
    assert any(k.startswith("request v1.0 PUT") for k in checked), checked
    assert any("decisions" in k and k.startswith("answer") for k in checked), checked
    assert not [k for k in report["unchecked_routes"] if "accessReviews" in k]
