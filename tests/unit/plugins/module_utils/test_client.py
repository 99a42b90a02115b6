# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_client without a network: Retry-After parsing, error translation, which failures are retried,
which writes raise WriteOutcomeUnknown, and the bounds on pages and retries.

The transport is replaced by a scripted ``_send_once`` (each call answers or raises the next item of a
script); everything above it - retries, translation, paging, batching - is the real code. The same
behaviour against the emulator behind a hostile proxy is in tests/reliability/test_faults.py.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from kiota_abstractions.api_error import APIError

from ansible_collections.entra.pim.plugins.module_utils import _client
from ansible_collections.entra.pim.plugins.module_utils._client import (
    MAX_RETRY_AFTER,
    GraphCallError,
    GraphSession,
    WriteOutcomeUnknown,
    _retry_after_seconds,
    _retry_delay,
    encode_query,
)

GRAPH = "https://graph.example.test/v1.0"
NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=timezone.utc)


# -- Retry-After ------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    ("2", 2.0), ("2.128", 2.128), ("0", 0.0), (" 7 ", 7.0), ("-3", 0.0), ("100000", MAX_RETRY_AFTER),
    (None, None), ("soon", None), ("", None), ("nan", None),
])
def test_retry_after_seconds(value, expected):
    assert _retry_after_seconds(value, NOW) == expected


def test_retry_after_http_date_is_honoured_and_capped():
    in_ten = format_datetime(NOW + timedelta(seconds=10), usegmt=True)  # "Sun, 29 Nov 2026 12:00:10 GMT"
    assert _retry_after_seconds(in_ten, NOW) == pytest.approx(10.0)
    assert _retry_after_seconds(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0.0
    assert _retry_after_seconds(format_datetime(NOW + timedelta(days=3), usegmt=True), NOW) == MAX_RETRY_AFTER
    # RFC 850 and asctime forms are obsolete but still valid HTTP-dates (RFC 9110 section 5.6.7)
    assert _retry_after_seconds("Sunday, 29-Nov-26 12:00:30 GMT", NOW) == pytest.approx(30.0)
    assert _retry_after_seconds("Sun Nov 29 12:00:05 2026", NOW) == pytest.approx(5.0)


def test_retry_delay_uses_a_date_header_not_backoff():
    future = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=40), usegmt=True)
    # exponential back-off for attempt 0 would be at most 0.5 s: 30+ s can only come from the date
    assert 30.0 < _retry_delay({"Retry-After": future}, 0) <= 40.0
    assert _retry_delay({"retry-after": "1.5"}, 5) == 1.5
    assert 0 < _retry_delay({}, 0) <= 0.5


def test_encode_query():
    assert encode_query({"$filter": "roleDefinitionId eq 'x'", "$top": 5, "skip": None}) == \
        "?$filter=roleDefinitionId%20eq%20'x'&$top=5"
    assert encode_query({}) == ""


# -- a session with a scripted transport -------------------------------------------------------
class Scripted(GraphSession):
    """GraphSession whose wire is a script: each request pops the next answer (dict) or exception."""

    def __init__(self, script, **kw):
        super().__init__({"graph_url": GRAPH, "tenant_id": "t", "client_id": "c", "client_secret": "s"}, **kw)
        self.script = list(script)
        self.sent = []

    def _open(self):
        if self._loop is None:
            self._loop = asyncio.new_event_loop()

    def close(self):
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    async def _send_once(self, method, url, body):
        self.sent.append((method, url, body))
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(_client.time, "sleep", slept.append)
    return slept


def html_error(status, retry_after=None):
    headers = {"Content-Type": "text/html"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    # What kiota raises when the error body is not JSON (kiota_http throw_failed_responses)
    return APIError("The server returned an unexpected status code and the error body could not be parsed",
                    status, headers)


@pytest.mark.parametrize("status", [429, 503, 504])
def test_non_json_throttling_answer_is_retried_with_its_retry_after(status, no_sleep):
    graph = Scripted([html_error(status, "0.75"), html_error(status), {"value": [1]}])
    assert graph.get("/x") == {"value": [1]}
    assert len(graph.sent) == 3 and graph.retries == 2
    assert no_sleep[0] == 0.75


def graph_error(status, code, message, request_id=None, retry_after=None):
    """What msgraph-sdk's adapter raises for Graph's JSON error body: the SDK's own ODataError model."""
    from msgraph.generated.models.o_data_errors.inner_error import InnerError
    from msgraph.generated.models.o_data_errors.main_error import MainError
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    exc = ODataError(error=MainError(code=code, message=message, inner_error=InnerError(request_id=request_id)))
    exc.response_status_code = status
    exc.response_headers = {"Retry-After": retry_after} if retry_after else {}
    return exc


def test_graph_error_is_mapped_with_its_code_message_and_request_id():
    # The ODataError type is imported when a session first needs it (issue 15), not at module import.
    graph = Scripted([graph_error(403, "Authorization_RequestDenied", "Insufficient privileges.", "rid-1")])
    with pytest.raises(GraphCallError) as err:
        graph.get("/x")
    assert (err.value.status, err.value.code, err.value.message, err.value.request_id) == (
        403, "Authorization_RequestDenied", "Insufficient privileges.", "rid-1")
    assert err.value.hint == _client.HINTS["Authorization_RequestDenied"]
    assert len(graph.sent) == 1


def test_throttled_graph_error_is_retried_after_its_retry_after(no_sleep):
    graph = Scripted([graph_error(429, "TooManyRequests", "Slow down", retry_after="1.5"), {"value": []}])
    assert graph.get("/x") == {"value": []}
    assert no_sleep == [1.5] and graph.retries == 1


def test_non_json_error_keeps_its_status():
    graph = Scripted([html_error(502)])
    with pytest.raises(GraphCallError) as err:
        graph.get("/x")
    assert err.value.status == 502 and err.value.code == "HTTP502"
    assert len(graph.sent) == 1  # 502 is not one of the statuses Graph asks to retry


@pytest.mark.parametrize("exc", [
    httpx.ReadError("connection reset by peer"),
    httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
    httpx.ReadTimeout("timed out"),
    httpx.ConnectError("connection refused"),
    json.JSONDecodeError("Unterminated string", '{"value": [', 10),
])
def test_lost_read_is_retried(exc):
    graph = Scripted([exc, {"value": []}])
    assert graph.get("/x") == {"value": []}
    assert len(graph.sent) == 2 and graph.retries == 1


def test_read_post_is_retried_like_a_read():
    graph = Scripted([httpx.ReadError("reset"), {"value": []}])
    assert graph.post("/directoryObjects/getByIds", {"ids": ["a"]}, read=True) == {"value": []}
    assert len(graph.sent) == 2


def test_read_retries_are_bounded():
    graph = Scripted([httpx.ReadError("reset")] * 10, max_retries=3)
    with pytest.raises(GraphCallError) as err:
        graph.get("/x")
    assert err.value.code == "ConnectionFailed"
    assert len(graph.sent) == 4


@pytest.mark.parametrize("exc", [httpx.ReadError("reset"), httpx.ReadTimeout("timed out"),
                                 httpx.RemoteProtocolError("incomplete body")])
def test_lost_write_is_never_resent(exc):
    graph = Scripted([exc, {"id": "should-not-be-read"}])
    with pytest.raises(WriteOutcomeUnknown) as err:
        graph.post("/roleManagement/directory/roleEligibilityScheduleRequests", {"action": "adminAssign"})
    assert len(graph.sent) == 1
    assert isinstance(err.value, GraphCallError) and err.value.code == "WriteOutcomeUnknown"
    assert "may or may not" in str(err.value) and "re-read" in err.value.hint


def test_write_that_never_left_is_resent():
    graph = Scripted([httpx.ConnectError("connection refused"), {"id": "1"}])
    assert graph.patch("/policies/roleManagementPolicies/p/rules/r", {"x": 1}) == {"id": "1"}
    assert len(graph.sent) == 2


def test_batch_of_writes_whose_answer_is_lost_is_outcome_unknown():
    graph = Scripted([httpx.ReadError("reset"), {"responses": []}])
    with pytest.raises(WriteOutcomeUnknown):
        graph.batch([{"method": "PATCH", "url": "/policies/roleManagementPolicies/p/rules/r", "body": {}}])
    assert len(graph.sent) == 1


def test_batch_of_reads_whose_answer_is_lost_is_resent():
    answer = {"responses": [{"id": "0", "status": 200, "body": {"value": []}}]}
    graph = Scripted([httpx.ReadError("reset"), answer])
    assert graph.batch([{"method": "GET", "url": "/users"}])[0]["status"] == 200
    assert len(graph.sent) == 2


def test_batch_item_throttling_is_bounded():
    throttled = {"responses": [{"id": "0", "status": 429, "headers": {"Retry-After": "0.1"}, "body": {}}]}
    graph = Scripted([throttled] * 10, max_retries=2)
    answers = graph.batch([{"method": "GET", "url": "/users"}])
    assert answers[0]["status"] == 429 and len(graph.sent) == 3


# -- paging -----------------------------------------------------------------------------------
def test_get_all_follows_next_links():
    graph = Scripted([{"value": [1], "@odata.nextLink": GRAPH + "/x?$skiptoken=2"},
                      {"value": [2], "@odata.nextLink": GRAPH + "/x?$skiptoken=3"}, {"value": [3]}])
    assert graph.get_all("/x") == [1, 2, 3]


def test_get_all_stops_on_a_page_that_repeats():
    page2 = {"value": [2], "@odata.nextLink": GRAPH + "/x?$skiptoken=2"}
    graph = Scripted([{"value": [1], "@odata.nextLink": GRAPH + "/x?$skiptoken=2"}] + [page2] * 50)
    with pytest.raises(GraphCallError) as err:
        graph.get_all("/x")
    assert err.value.code == "PagingLoop"
    assert len(graph.sent) == 2


def test_get_all_stops_on_a_cycle_back_to_the_first_page():
    graph = Scripted([{"value": [1], "@odata.nextLink": GRAPH + "/x?$skiptoken=2"},
                      {"value": [2], "@odata.nextLink": GRAPH + "/x?$top=1"}] * 20)
    with pytest.raises(GraphCallError) as err:
        graph.get_all("/x", params={"$top": 1})
    assert err.value.code == "PagingLoop" and len(graph.sent) == 2


def test_get_all_pages_are_bounded():
    graph = Scripted([{"value": [i], "@odata.nextLink": f"{GRAPH}/x?$skiptoken={i}"} for i in range(100)])
    graph.max_pages = 5
    with pytest.raises(GraphCallError) as err:
        graph.get_all("/x")
    assert err.value.code == "TooManyPages" and len(graph.sent) == 5


@pytest.mark.parametrize("link", ["http://graph.example.test/v1.0/x?$skiptoken=2",
                                  "https://attacker.example/v1.0/x?$skiptoken=2"])
def test_next_link_to_another_origin_is_not_followed(link):
    graph = Scripted([{"value": [1], "@odata.nextLink": link}, {"value": [2]}])
    with pytest.raises(GraphCallError) as err:
        graph.get_all("/x")
    assert err.value.code == "UnexpectedNextLink" and len(graph.sent) == 1


# -- messages ---------------------------------------------------------------------------------
def test_describe_without_an_http_answer_does_not_claim_one():
    err = GraphCallError(0, "ConnectionFailed", "reset", method="GET", path=GRAPH + "/x?$top=1")
    assert "answered" not in err.describe()
    assert err.describe("reading") == f"reading failed; GET {GRAPH}/x: ConnectionFailed: reset; hint: " + err.hint


def test_pim_message_json_is_unwrapped():
    inner = json.dumps({"errorCode": "RoleAssignmentExists", "message": "The Role assignment already exists."})
    assert _client._unwrap_pim_message("UnknownError", inner) == ("RoleAssignmentExists",
                                                                  "The Role assignment already exists.")
