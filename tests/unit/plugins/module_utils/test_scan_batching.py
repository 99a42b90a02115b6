# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scan's reads in few round trips (issue 19.4): GraphSession.read_many and ActivityReader.read.

The wire is a small Graph: collections served in pages with absolute nextLinks, ``$batch`` answered item
by item, ``getByIds`` and ``/users?$filter=id in (...)``. Everything above ``_send_once`` - ``_call``,
``batch``, ``read_many``, the reader - is the real code, so the request counts asserted here are the ones
the emulator sees (tests/integration/targets/role_compliance checks them there too).
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _client
from ansible_collections.entra.pim.plugins.module_utils._activation_backend import ActivityReader
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError, GraphSession

GRAPH = "https://graph.example.test/v1.0"
GA, EXO = "62e90394-69f5-4237-9190-012177145e10", "29232cdf-9323-42fd-ade2-1d097af3e4de"
APPROVER, ALICE, GROUP = "a0000000-0000-0000-0000-000000000001", "a0000000-0000-0000-0000-000000000002", \
    "a0000000-0000-0000-0000-000000000003"
RULES = [{"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
          "id": "Approval_EndUser_Assignment",
          "setting": {"isApprovalRequired": True, "approvalStages": [{"primaryApprovers": [
              {"@odata.type": "#microsoft.graph.singleUser", "userId": APPROVER}]}]},
          "target": {"caller": "EndUser", "level": "Assignment"}}]
OBJECTS = {
    APPROVER: {"@odata.type": "#microsoft.graph.user", "id": APPROVER, "displayName": "Grace",
               "userPrincipalName": "grace@contoso.com"},
    ALICE: {"@odata.type": "#microsoft.graph.user", "id": ALICE, "displayName": "Alice",
            "userPrincipalName": "alice@contoso.com", "onPremisesSyncEnabled": True},
    GROUP: {"@odata.type": "#microsoft.graph.group", "id": GROUP, "displayName": "PIM-Admins"},
}


OPEN = []


@pytest.fixture(autouse=True)
def close_wires():
    """Each session's event loop closed after its test, as PimModule closes it after a run."""
    yield
    while OPEN:
        OPEN.pop().close()


def instance(iid, principal, role):
    return {"id": iid, "principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/",
            "memberType": "Direct", "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": None,
            "assignmentType": "Assigned"}


class Wire(GraphSession):
    """GraphSession over an in-memory Graph; ``sent`` lists every HTTP request (one per round trip)."""

    def __init__(self, collections, page_size=2, refuse=()):
        super().__init__({"graph_url": GRAPH, "tenant_id": "t", "client_id": "c", "client_secret": "s"})
        self.collections, self.page_size, self.refuse = collections, page_size, set(refuse)
        self.sent = []
        OPEN.append(self)

    def _open(self):
        if self._loop is None:
            self._loop = asyncio.new_event_loop()

    def close(self):
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    async def _send_once(self, method, url, body):
        self.sent.append((method, url.split("?")[0][len(GRAPH):]))
        if url.endswith("/$batch"):
            return {"responses": [self.answer(i["id"], i["method"], GRAPH + i["url"], i.get("body"))
                                  for i in body["requests"]]}
        answer = self.answer("0", method, url, body)
        if answer["status"] >= 400:
            raise GraphCallError(answer["status"], "Authorization_RequestDenied", "refused", method=method, path=url)
        return answer["body"]

    def answer(self, iid, method, url, body):
        parts = urlsplit(url)
        path = unquote(parts.path)[len(urlsplit(GRAPH).path):]
        query = parse_qs(parts.query)
        if path in self.refuse:
            return {"id": iid, "status": 403, "body": {"error": {"code": "Authorization_RequestDenied",
                                                                 "message": "refused"}}}
        if path == "/directoryObjects/getByIds":
            assert method == "POST"
            return {"id": iid, "status": 200, "body": {"value": [OBJECTS[i] for i in body["ids"] if i in OBJECTS]}}
        if path == "/users":
            ids = query["$filter"][0].split("(", 1)[1].rstrip(")").replace("'", "").split(",")
            users = [OBJECTS[i] for i in ids if OBJECTS.get(i, {}).get("@odata.type", "").endswith("user")]
            return {"id": iid, "status": 200, "body": {"value": users}}
        items = self.collections[path]
        skip = int(query.get("$skiptoken", ["0"])[0])
        page = {"value": items[skip:skip + self.page_size]}
        if skip + self.page_size < len(items):
            page["@odata.nextLink"] = f"{GRAPH}{path}?$skiptoken={skip + self.page_size}"
        return {"id": iid, "status": 200, "body": page}


def tenant(eligible=5, active=1):
    roles = [{"id": GA, "displayName": "Global Administrator", "templateId": GA},
             {"id": EXO, "displayName": "Exchange Administrator", "templateId": EXO},
             {"id": "c0ffee00", "displayName": "No Policy", "templateId": "c0ffee00"}]
    return {
        "/roleManagement/directory/roleDefinitions": roles,
        "/roleManagement/directory/roleEligibilityScheduleInstances":
            [instance(f"e{n}", ALICE if n % 2 else GROUP, EXO) for n in range(eligible)],
        "/roleManagement/directory/roleAssignmentScheduleInstances":
            [instance(f"a{n}", ALICE, GA) for n in range(active)],
        "/roleManagement/directory/roleAssignmentScheduleRequests": [],
        "/policies/roleManagementPolicyAssignments":
            [{"roleDefinitionId": r, "policy": {"id": f"Directory_t_{r}", "rules": RULES}} for r in (GA, EXO)],
    }


def test_read_many_sends_first_pages_together_then_next_pages_together():
    wire = Wire(tenant(eligible=5, active=1))
    out = wire.read_many([{"url": "/roleManagement/directory/roleEligibilityScheduleInstances"},
                          {"url": "/roleManagement/directory/roleAssignmentScheduleInstances"},
                          {"url": "/roleManagement/directory/roleDefinitions", "params": {"$select": "id"}}])
    assert [len(o["items"]) for o in out] == [5, 1, 3] and all(o["error"] is None for o in out)
    # 5 eligible in pages of 2: 3 pages. Round 1: three first pages in one $batch; round 2: the second
    # pages of the two longer lists in one $batch; round 3: the last page alone, sent as itself.
    assert wire.sent == [("POST", "/$batch"), ("POST", "/$batch"),
                         ("GET", "/roleManagement/directory/roleEligibilityScheduleInstances")]
    assert wire.request_count == 3 and wire.write_count == 0


def test_read_many_keeps_one_read_error_to_itself():
    wire = Wire(tenant(), refuse={"/roleManagement/directory/roleAssignmentScheduleRequests"})
    ok, refused = wire.read_many([{"url": "/roleManagement/directory/roleDefinitions"},
                                  {"url": "/roleManagement/directory/roleAssignmentScheduleRequests"}])
    assert len(ok["items"]) == 3 and ok["error"] is None
    assert refused["items"] == [] and refused["error"].status == 403


def test_read_many_post_reads_are_no_writes():
    wire = Wire(tenant())
    out = wire.read_many([{"method": "POST", "url": "/directoryObjects/getByIds", "body": {"ids": [ALICE]}},
                          {"url": "/roleManagement/directory/roleDefinitions"}])
    assert out[0]["items"] == [OBJECTS[ALICE]]
    assert wire.write_count == 0


def test_read_many_stops_a_page_loop():
    class Looping(Wire):
        def answer(self, iid, method, url, body):
            return {"id": iid, "status": 200, "body": {"value": [1], "@odata.nextLink": f"{GRAPH}/loop?$skiptoken=1"}}

    wire = Looping({})
    (out,) = wire.read_many([{"url": "/loop"}])
    assert out["error"].code == "PagingLoop" and out["items"] == [1, 1]


def test_scan_reads_each_thing_once_in_two_rounds_plus_pages(monkeypatch):
    monkeypatch.setattr(_client.time, "sleep", lambda s: None)
    wire = Wire(tenant(eligible=3, active=1), page_size=100)
    result, warnings = ActivityReader(wire).read(pending=True, sync_status=True, settings_refs=[])
    assert warnings == []
    # Round 1: role definitions, both instance lists, pending requests, policies; round 2: getByIds (the
    # principals and the approver) with the users' sync status. Nothing else, nothing twice.
    assert wire.sent == [("POST", "/$batch"), ("POST", "/$batch")]
    assert wire.request_count == 2 and wire.write_count == 0
    assert sorted(r["principal"] for r in result["eligible"]) == ["PIM-Admins", "PIM-Admins", "alice@contoso.com"]
    assert {r["principal"]: r.get("synced") for r in result["eligible"] + result["active"]} == \
        {"alice@contoso.com": True, "PIM-Admins": None}
    settings = {r["role"]: r for r in result["role_settings"]}
    assert sorted(settings) == ["Exchange Administrator", "Global Administrator"]  # no policy: skipped
    assert "grace@contoso.com" in settings["Global Administrator"]["settings"]["activation"]["approvers"]
    assert result["pending_requests"] == []


def test_scan_without_pending_or_settings_asks_for_neither():
    wire = Wire(tenant(eligible=1, active=1), page_size=100)
    result, _warnings = ActivityReader(wire).read(pending=False)
    assert wire.request_count == 2  # the first round, then getByIds sent as itself
    assert wire.sent[1] == ("POST", "/directoryObjects/getByIds")
    assert "role_settings" not in result and result["pending_requests"] is None


@pytest.mark.parametrize("refused, warning", [
    ("/roleManagement/directory/roleAssignmentScheduleRequests", "pending requests were not read"),
    ("/users", "whether users are synced from on-premises was not read"),
])
def test_scan_warns_for_what_a_read_only_identity_may_be_refused(refused, warning):
    wire = Wire(tenant(eligible=2, active=1), page_size=100, refuse={refused})
    result, warnings = ActivityReader(wire).read(pending=True, sync_status=True)
    assert len(warnings) == 1 and warnings[0].startswith(warning)
    assert len(result["eligible"]) == 2


def test_scan_fails_when_the_instances_are_refused():
    wire = Wire(tenant(), page_size=100, refuse={"/roleManagement/directory/roleEligibilityScheduleInstances"})
    with pytest.raises(GraphCallError) as caught:
        ActivityReader(wire).read(pending=False)
    assert caught.value.status == 403


def test_names_ride_with_the_next_pages_not_after_the_last():
    """The principals on the first pages are named in the round that reads the second pages: with 5
    eligible rows in pages of 2 the scan takes 3 round trips, not 4, and asks for each principal once."""
    class Counting(Wire):
        def answer(self, iid, method, url, body):
            self.items.append(urlsplit(url).path[len(urlsplit(GRAPH).path):])
            return super().answer(iid, method, url, body)

    wire = Counting(tenant(eligible=5, active=1), page_size=2)
    wire.items = []
    result, warnings = ActivityReader(wire).read(pending=False, sync_status=True)
    assert warnings == [] and len(result["eligible"]) == 5
    assert wire.sent == [("POST", "/$batch"), ("POST", "/$batch"),
                         ("GET", "/roleManagement/directory/roleEligibilityScheduleInstances")]
    assert wire.items.count("/directoryObjects/getByIds") == 1 and wire.items.count("/users") == 1
    assert all(r["principal"] in ("alice@contoso.com", "PIM-Admins") for r in result["eligible"] + result["active"])
