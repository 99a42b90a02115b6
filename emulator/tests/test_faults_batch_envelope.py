"""Scripted faults on the ``$batch`` envelope: the HTTP answer to a whole batch is lost.

A rule whose ``path`` names ``$batch`` applies to the envelope, not to its items: with ``after`` the items
run (the writes land) and the client gets the fault instead of their answers; ``status: 0`` closes the
connection without any answer. Rules that do not name ``$batch`` (the default ``.*``) never hit the envelope.
"""

from __future__ import annotations

import httpx
import pytest

ELIGIBILITY_REQUESTS = "/roleManagement/directory/roleEligibilityScheduleRequests"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"


@pytest.fixture
def fresh(emu):
    emu.admin("POST", "reset")
    yield emu
    emu.admin("POST", "reset")


def _batch(emu, *who):
    return {"requests": [{"id": str(i), "method": "POST", "url": ELIGIBILITY_REQUESTS,
                          "headers": {"Content-Type": "application/json"},
                          "body": {"action": "adminAssign", "principalId": emu.user(w)["id"],
                                   "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/", "justification": "x",
                                   "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "P30D"}}}}
                         for i, w in enumerate(who, 1)]}


def _eligible(emu, who):
    flt = f"principalId eq '{emu.user(who)['id']}' and roleDefinitionId eq '{USER_ADMIN}'"
    return emu.get("/roleManagement/directory/roleEligibilitySchedules", params={"$filter": flt}).json()["value"]


def test_after_rule_on_the_envelope_applies_every_item_then_answers_the_fault(fresh):
    emu = fresh
    emu.admin("POST", "faults", {"rules": [{"method": "POST", "path": r"\$batch$", "status": 503,
                                            "retry_after": 0.1, "after": True}]})
    answer = emu.post("/$batch", _batch(emu, "heidi.auditor", "sybil.reader"))
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "ServiceUnavailable"
    assert "responses" not in answer.json()
    assert len(_eligible(emu, "heidi.auditor")) == 1 and len(_eligible(emu, "sybil.reader")) == 1
    rule = emu.admin("GET", "faults").json()["rules"][0]
    assert (rule["seen"], rule["fired"]) == (1, 1)  # the envelope once, never its items
    # times: 1 by default, so the next batch is answered normally.
    assert emu.post("/$batch", _batch(emu, "walter.pim")).status_code == 200


def test_before_rule_on_the_envelope_applies_nothing(fresh):
    emu = fresh
    emu.admin("POST", "faults", {"rules": [{"method": "POST", "path": r"\$batch", "status": 500}]})
    assert emu.post("/$batch", _batch(emu, "heidi.auditor")).status_code == 500
    assert _eligible(emu, "heidi.auditor") == []


def test_status_zero_drops_the_connection_after_the_items_landed(fresh):
    emu = fresh
    emu.admin("POST", "faults", {"rules": [{"method": "POST", "path": r"\$batch$", "status": 0, "after": True}]})
    with pytest.raises(httpx.TransportError):
        emu.post("/$batch", _batch(emu, "heidi.auditor"))
    assert len(_eligible(emu, "heidi.auditor")) == 1


def test_rules_that_do_not_name_batch_never_hit_the_envelope(fresh):
    emu = fresh
    emu.admin("POST", "faults", {"rules": [{"method": "POST", "path": ".*", "nth": 2, "status": 503}]})
    answers = emu.post("/$batch", _batch(emu, "heidi.auditor", "sybil.reader"))
    assert answers.status_code == 200
    statuses = sorted(a["status"] for a in answers.json()["responses"])
    assert statuses == [201, 503]  # the second operation is an item, not the envelope
