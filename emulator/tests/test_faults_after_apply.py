"""Faults that answer after the write landed: the client retries and Graph says it is already done.

msgraph-sdk's default RetryHandler (kiota-http) re-sends POST on 429/503/504, so a write may land twice and
the second answer is ``RoleAssignmentExists`` (adminAssign) or ``RoleAssignmentDoesNotExist`` (adminRemove).
A rule with ``"after": true`` stages exactly that.
"""

from __future__ import annotations

import pytest

ELIGIBILITY_REQUESTS = "/roleManagement/directory/roleEligibilityScheduleRequests"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"


def _body(emu, action, who="heidi.auditor"):
    body = {"action": action, "principalId": emu.user(who)["id"], "roleDefinitionId": USER_ADMIN,
            "directoryScopeId": "/", "justification": "retry test"}
    if action == "adminAssign":
        body["scheduleInfo"] = {"expiration": {"type": "afterDuration", "duration": "P30D"}}
    return body


def _schedules(emu, who="heidi.auditor"):
    flt = f"principalId eq '{emu.user(who)['id']}' and roleDefinitionId eq '{USER_ADMIN}'"
    return emu.get("/roleManagement/directory/roleEligibilitySchedules", params={"$filter": flt}).json()["value"]


@pytest.fixture
def fresh(emu):
    emu.admin("POST", "reset")
    yield emu
    emu.admin("POST", "reset")


def _after_rule(emu, **extra):
    rule = {"method": "POST", "path": "roleEligibilityScheduleRequests$", "nth": 1, "status": 503,
            "retry_after": 0.1, "after": True, **extra}
    return emu.admin("POST", "faults", {"rules": [rule]})


def test_after_rule_applies_the_assign_then_fails_and_the_retry_finds_it_exists(fresh):
    emu = fresh
    _after_rule(emu)
    first = emu.post(ELIGIBILITY_REQUESTS, _body(emu, "adminAssign"))
    assert first.status_code == 503 and first.headers["Retry-After"] == "0.1"
    assert first.json()["error"]["code"] == "ServiceUnavailable"
    assert len(_schedules(emu)) == 1  # it landed
    again = emu.post(ELIGIBILITY_REQUESTS, _body(emu, "adminAssign"))
    assert (again.status_code, again.json()["error"]["code"]) == (400, "RoleAssignmentExists")
    assert len(_schedules(emu)) == 1
    rule = emu.admin("GET", "faults").json()["rules"][0]
    assert rule["after"] is True and rule["fired"] == 1 and rule["seen"] == 2
    stats = emu.admin("GET", "stats").json()
    assert stats["writes"] == 2 and stats["faults_injected"] == {"503": 1}


def test_after_rule_applies_the_remove_then_the_retry_finds_nothing(fresh):
    emu = fresh
    assert emu.post(ELIGIBILITY_REQUESTS, _body(emu, "adminAssign")).status_code == 201
    emu.admin("POST", "faults", {"rules": [{"method": "POST", "path": "roleEligibilityScheduleRequests$",
                                            "status": 504, "mode": "after_apply"}]})
    first = emu.post(ELIGIBILITY_REQUESTS, _body(emu, "adminRemove"))
    assert first.status_code == 504 and "Retry-After" in first.headers
    assert _schedules(emu) == []
    again = emu.post(ELIGIBILITY_REQUESTS, _body(emu, "adminRemove"))
    assert (again.status_code, again.json()["error"]["code"]) == (400, "RoleAssignmentDoesNotExist")


def test_after_rule_hits_one_batch_item_and_its_retry(fresh):
    emu = fresh
    _after_rule(emu, nth=2)
    items = [{"id": str(i), "method": "POST", "url": ELIGIBILITY_REQUESTS, "headers": {"Content-Type":
             "application/json"}, "body": _body(emu, "adminAssign", who)} for i, who in
             enumerate(("heidi.auditor", "sybil.reader"), 1)]
    # Items run concurrently but in order up to their first await: the second matching item is item 2.
    answers = {a["id"]: a for a in emu.post("/$batch", {"requests": items}).json()["responses"]}
    assert answers["1"]["status"] == 201 and answers["2"]["status"] == 503
    assert answers["2"]["headers"]["Retry-After"] == "0.1"
    assert len(_schedules(emu, "sybil.reader")) == 1
    retry = emu.post("/$batch", {"requests": [items[1]]}).json()["responses"][0]
    assert retry["status"] == 400 and retry["body"]["error"]["code"] == "RoleAssignmentExists"


def test_a_before_rule_still_fails_without_applying(fresh):
    emu = fresh
    _after_rule(emu, after=False)
    assert emu.post(ELIGIBILITY_REQUESTS, _body(emu, "adminAssign")).status_code == 503
    assert _schedules(emu) == []


def test_unknown_mode_is_refused(emu):
    r = emu.admin("POST", "faults", {"rules": [{"path": "x", "mode": "sometimes"}]})
    assert r.status_code == 400 and "mode" in r.json()["message"]


async def test_sdk_retry_handler_resends_the_write_and_gets_role_assignment_exists(fresh):
    """That double write, reproduced with the real msgraph-sdk and its default RetryHandler."""
    from datetime import datetime, timedelta, timezone

    from helpers_sdk import graph_client, secret_credential
    from msgraph.generated.models.expiration_pattern import ExpirationPattern
    from msgraph.generated.models.expiration_pattern_type import ExpirationPatternType
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.request_schedule import RequestSchedule
    from msgraph.generated.models.unified_role_eligibility_schedule_request import (
        UnifiedRoleEligibilityScheduleRequest,
    )
    from msgraph.generated.models.unified_role_schedule_request_actions import UnifiedRoleScheduleRequestActions

    emu = fresh
    _after_rule(emu, retry_after=1)  # kiota's handler reads whole seconds
    emu.admin("POST", "stats/reset")
    now = datetime.now(timezone.utc)
    request = UnifiedRoleEligibilityScheduleRequest(
        action=UnifiedRoleScheduleRequestActions.AdminAssign, principal_id=emu.user("heidi.auditor")["id"],
        role_definition_id=USER_ADMIN, directory_scope_id="/", justification="retry test",
        schedule_info=RequestSchedule(start_date_time=now, expiration=ExpirationPattern(
            type=ExpirationPatternType.AfterDateTime, end_date_time=now + timedelta(days=30))))
    async with secret_credential(emu) as cred:
        client = graph_client(cred, emu.graph_url, emu.ca)
        with pytest.raises(ODataError) as caught:
            await client.role_management.directory.role_eligibility_schedule_requests.post(request)
    assert caught.value.error.code == "RoleAssignmentExists", caught.value.error.message
    by_route = emu.admin("GET", "stats").json()["by_route"]
    assert by_route["POST /roleManagement/directory/roleEligibilityScheduleRequests"] == 2
    assert len(_schedules(emu)) == 1
