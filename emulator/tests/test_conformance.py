"""Schema conformance (issue 13): the check finds what it must find, counts traffic, logs for `make test`, and the
flag turns it off.

The deliberate violations below go to emulators of their own, logging to a temporary directory, so they never
reach the log `make test` gates on.
"""

from __future__ import annotations

import copy
import json

import pytest
from emu_harness import start_emulator, stop_emulator

from pim_emulator import conformance

GA = "62e90394-69f5-4237-9190-012177145e10"  # Global Administrator's template id
RD = "/roleManagement/directory/roleDefinitions"


def _kinds(checker) -> set[tuple[str, str]]:
    return {(v["kind"], v["property"]) for v in checker.violations.values()}


@pytest.fixture(scope="module")
def role_definition(emu) -> dict:
    """A real answer of the emulator, the base every invented change below starts from."""
    r = emu.get(f"{RD}/{GA}")
    assert r.status_code == 200
    return r.json()


def test_the_emulators_own_answer_conforms(role_definition):
    checker = conformance.Checker()
    checker.observe("GET", "v1.0", f"{RD}/{GA}", "", None, 200, role_definition)
    assert checker.checked_answers == 1 and not checker.violations
    assert "isPrivileged" not in role_definition  # beta only: the check found it, the emulator stopped sending it


def test_an_invented_property_is_a_violation(role_definition):
    checker = conformance.Checker()
    answer = {**copy.deepcopy(role_definition), "inventedProperty": True}
    checker.observe("GET", "v1.0", f"{RD}/{GA}", "", None, 200, answer)
    assert _kinds(checker) == {("undeclared", "inventedProperty")}
    (entry,) = checker.violations.values()
    assert entry["type"] == "microsoft.graph.unifiedRoleDefinition" and entry["direction"] == "answer"


def test_wrong_types_bad_enums_and_unknown_odata_types():
    checker = conformance.Checker()
    body = {"action": "adminAssignForever", "principalId": 42, "roleDefinitionId": GA, "directoryScopeId": "/",
            "justification": "x", "scheduleInfo": {"startDateTime": "2026-01-01T00:00:00",  # no offset
                                                   "expiration": {"type": "afterDuration", "duration": "2 hours"}}}
    checker.observe("POST", "v1.0", "/roleManagement/directory/roleEligibilityScheduleRequests", "", body, 400, None)
    assert _kinds(checker) == {("enum", "action"), ("wrong-type", "principalId"),
                               ("wrong-type", "scheduleInfo.startDateTime"),
                               ("wrong-type", "scheduleInfo.expiration.duration")}
    assert checker.checked_requests == 1
    rule = {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_EndUser_"
            "Assignment", "isExpirationRequired": "yes", "maximumDuration": "PT8H",
            "target": {"caller": "EndUser", "operations": ["All"], "level": "Assignment"}}
    checker.observe("PATCH", "v1.0", "/policies/roleManagementPolicies/p1/rules/Expiration_EndUser_Assignment", "",
                    rule, 204, None)
    assert ("wrong-type", "isExpirationRequired") in _kinds(checker)
    bogus = {**rule, "isExpirationRequired": True, "@odata.type": "#microsoft.graph.inventedRule"}
    checker.observe("PATCH", "v1.0", "/policies/roleManagementPolicies/p1/rules/x", "", bogus, 204, None)
    assert ("bad-odata-type", "@odata.type") in _kinds(checker)


def test_missing_always_returned_properties_unless_selected():
    checker = conformance.Checker()
    checker.observe("GET", "v1.0", "/users", "", None, 200, {"value": [{"id": "u1", "displayName": "A"}]})
    missing = {p for k, p in _kinds(checker) if k == "missing"}
    assert "value[].userPrincipalName" in missing and "value[].id" not in missing
    quiet = conformance.Checker()
    quiet.observe("GET", "v1.0", "/users", "$select=displayName", None, 200, {"value": [{"displayName": "A"}]})
    assert not quiet.violations


def test_odata_annotations_are_not_properties(role_definition):
    checker = conformance.Checker()
    page = {"@odata.context": "https://x/v1.0/$metadata#roleDefinitions", "@odata.count": 1,
            "@odata.nextLink": "https://x/v1.0/roleManagement/directory/roleDefinitions?$skiptoken=1",
            "value": [{**role_definition,
                       "rolePermissions@odata.type": "#Collection(microsoft.graph.unifiedRolePermission)"}]}
    checker.observe("GET", "v1.0", RD, "", None, 200, page)
    assert checker.checked_answers == 1 and not checker.violations


def test_batch_items_are_checked_inside_the_envelope(role_definition):
    checker = conformance.Checker()
    request = {"requests": [
        {"id": "1", "method": "GET", "url": f"{RD}/{GA}"},
        {"id": "2", "method": "PATCH", "url": "/policies/roleManagementPolicies/p1/rules/r1",
         "headers": {"Content-Type": "application/json"},
         "body": {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "id": "r1",
                  "enabledRules": ["MultiFactorAuthentication"], "invented": 1}}]}
    answer = {"responses": [{"id": "1", "status": 200, "headers": {}, "body": {**role_definition, "extra": "x"}},
                            {"id": "2", "status": 204, "headers": {}}]}
    checker.observe("POST", "v1.0", "/$batch", "", request, 200, answer)
    assert _kinds(checker) == {("undeclared", "extra"), ("undeclared", "invented")}
    routes = {v["route"] for v in checker.violations.values()}
    assert routes == {f"{RD}/[^/]+", "/policies/roleManagementPolicies/[^/]+/(?:effectiveR|r)ules/[^/]+"}
    assert checker.checked_answers == 2 and checker.checked_requests == 2  # the envelope and one item each


def test_beta_approvals_are_checked_against_the_beta_schema():
    checker = conformance.Checker()
    assert checker.schemas["beta"] is not None, "msgraph-beta-sdk (requirements-dev.txt) is installed"
    step = {"id": "s1", "displayName": None, "reviewResult": "NotReviewed", "status": "InProgress",
            "assignedToMe": True, "reviewedBy": None, "reviewedDateTime": None, "justification": None}
    checker.observe("GET", "beta", "/roleManagement/directory/roleAssignmentApprovals/a1", "", None, 200,
                    {"id": "a1", "steps": [step]})
    assert not checker.violations
    checker.observe("GET", "beta", "/roleManagement/directory/roleAssignmentApprovals/a1", "", None, 200,
                    {"id": "a1", "stages": [step]})  # v1.0's approval has stages; beta's has steps
    assert _kinds(checker) == {("undeclared", "stages")}


def test_the_gate_fails_on_an_uncited_violation(tmp_path):
    checker = conformance.Checker(log_dir=str(tmp_path))
    checker.observe("GET", "v1.0", f"{RD}/x", "", None, 200, {"id": "x", "inventedProperty": 1})
    checker.flush(force=True)
    answers, requests, bad, _, _ = conformance.summarize(str(tmp_path))
    assert (answers, requests, [b["property"] for b in bad]) == (1, 0, ["inventedProperty"])
    assert conformance.main([str(tmp_path)]) == 1
    allow = tmp_path / "allow.json"
    allow.write_text(json.dumps({"allow": [{"kind": "undeclared", "type": "microsoft.graph.unifiedRoleDefinition",
                                            "property": "inventedProperty", "citation": "a page that shows it"}]}))
    assert conformance.summarize(str(tmp_path), allow)[2] == []
    allow.write_text(json.dumps({"allow": [{"kind": "undeclared", "type": "microsoft.graph.unifiedRoleDefinition",
                                            "property": "inventedProperty"}]}))
    with pytest.raises(ValueError, match="without a citation"):
        conformance.load_allow_list(allow)


def test_the_allow_list_cites_every_entry():
    for entry in conformance.load_allow_list():
        assert "learn.microsoft.com" in entry["citation"] or "msgraph_core" in entry["citation"]


# ---- a running emulator, end to end --------------------------------------------------------------------------


def _dir(path):
    path.mkdir(parents=True, exist_ok=True)
    return path


def _report(e) -> dict:
    r = e.admin("GET", "conformance")
    assert r.status_code == 200
    return r.json()


def test_emulator_records_an_invented_property_and_logs_it(tmp_path, monkeypatch):
    """An invented property in the emulator's own state reaches an answer: the admin API and the log show it."""
    log_dir = tmp_path / "log"
    monkeypatch.setenv(conformance.LOG_ENV, str(log_dir))
    state = tmp_path / "state.json"
    first = start_emulator(_dir(tmp_path / "one"), "--state-file", str(state))
    stop_emulator(first)
    doc = json.loads(state.read_text())
    doc["tenants"][0]["data"]["roleDefinitions"][GA]["inventedProperty"] = "not in Graph"
    state.write_text(json.dumps(doc))
    e = start_emulator(_dir(tmp_path / "two"), "--state-file", str(state))
    try:
        tenant = doc["tenants"][0]["name"]
        assert e.get(f"{RD}/{GA}", token=e.token(tenant=tenant)).json()["inventedProperty"] == "not in Graph"
        report = _report(e)
        assert report["enabled"] and report["checked_answers"] == 1
        assert [(v["kind"], v["property"], v["route"]) for v in report["violations"]] == [
            ("undeclared", "inventedProperty", f"{RD}/[^/]+")]
        # A request body with an invented property and a bad enum value: recorded whatever the emulator answers.
        body = {"action": "adminAssignPlease", "principalId": e.user("alice.admin", tenant)["id"],
                "roleDefinitionId": GA, "directoryScopeId": "/", "inventedFlag": True}
        e.post("/roleManagement/directory/roleEligibilityScheduleRequests", body, token=e.token(tenant=tenant))
        kinds = {(v["kind"], v["property"], v["direction"]) for v in _report(e)["violations"]}
        assert {("enum", "action", "request"), ("undeclared", "inventedFlag", "request")} <= kinds
    finally:
        stop_emulator(e)
    answers, requests, bad, _, _ = conformance.summarize(str(log_dir))
    assert requests >= 1 and answers >= 2
    assert {b["property"] for b in bad} == {"inventedProperty", "inventedFlag", "action"}


def test_counts_grow_with_traffic_and_the_flag_turns_it_off(tmp_path, monkeypatch):
    log_dir = tmp_path / "log"
    monkeypatch.setenv(conformance.LOG_ENV, str(log_dir))
    e = start_emulator(_dir(tmp_path / "on"))
    try:
        before = _report(e)
        assert before["enabled"] and before["beta_checked"]
        token = e.token()
        for _ in range(3):
            assert e.get(f"{RD}?$top=5", token=token).status_code == 200
        e.http.get(e.graph_url.replace("/v1.0", "/beta") + "/roleManagement/directory/roleAssignmentApprovals",
                   headers={"Authorization": f"Bearer {token}"})
        e.post("/policies/roleManagementPolicies/nothing/rules/x", None, token=token)  # an error answer counts too
        after = _report(e)
        assert after["checked_answers"] - before["checked_answers"] == 5
        # Only the error answer's innerError.date, which Graph sends the same way (allow-list, with its citation).
        assert [v["property"] for v in after["violations"] if not v.get("allowed")] == []
        assert after["unchecked"] == 0
    finally:
        stop_emulator(e)
    assert conformance.summarize(str(log_dir))[0] == 5  # the counts reached the log at shutdown

    off_dir = tmp_path / "off-log"
    monkeypatch.setenv(conformance.LOG_ENV, str(off_dir))
    e = start_emulator(_dir(tmp_path / "off"), "--no-conformance")
    try:
        e.get(f"{RD}/{GA}")
        e.post("/roleManagement/directory/roleEligibilityScheduleRequests", {"inventedFlag": True})
        report = _report(e)
        assert not report["enabled"]
        assert (report["checked_answers"], report["checked_requests"], report["violations"]) == (0, 0, [])
    finally:
        stop_emulator(e)
    assert not off_dir.exists()
