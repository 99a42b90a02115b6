"""Access reviews in process (pim/access_reviews.py): instances by recurrence and the emulated clock, the series'
status, default decisions, scope queries, snapshots, and seed documents with ``access_reviews``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pim_emulator.contract import Caller, Clock, Collection, GraphError, GraphRequest, Tenant
from pim_emulator.emulator import Settings
from pim_emulator.graph import GRAPH
from pim_emulator.pim import access_reviews as ar
from pim_emulator.pim.engine import PimEngine
from pim_emulator.seed import build_seed, build_tenant, default_seed_document

AR = "/identityGovernance/accessReviews/definitions"
GA = "62e90394-69f5-4237-9190-012177145e10"
PRA = "e8611ab8-c189-46e8-94e1-60213ab1f814"
EXCH = "29232cdf-9323-42fd-ade2-1d097af3e4de"
Q = "#microsoft.graph.accessReviewQueryScope"


@pytest.fixture(scope="module")
def seeded() -> dict:
    clock = Clock()
    return {t.name: t.to_json() for t in build_seed(Settings(), clock)}


class World:
    def __init__(self, tenant_json: dict):
        self.clock = Clock()
        self.tenant = Tenant.from_json(json.loads(json.dumps(tenant_json)))
        self.eng = PimEngine(self.tenant, self.clock, {})
        self.app = Caller(self.tenant.id, "pim-admin", frozenset({"AccessReview.ReadWrite.All"}))

    def call(self, method, path, body=None, query=None):
        req = GraphRequest(method, path, dict(query or {}), body, self.app, "https://h/v1.0")
        status, answer = GRAPH.dispatch(self.eng, req)
        return status, (answer.items if isinstance(answer, Collection) else answer)

    def advance(self, **kw):
        self.clock.advance(timedelta(**kw))

    def user(self, name: str) -> str:
        return next(u["id"] for u in self.tenant.coll("users").values() if u["userPrincipalName"].startswith(name))

    def review(self, query: str, kind="weekly", interval=1, days=2, start=None, rng=None, **settings) -> dict:
        start = start or self.clock.now().date().isoformat()
        body = {"displayName": "r", "scope": {"@odata.type": Q, "query": query, "queryType": "MicrosoftGraph"},
                "reviewers": [{"query": f"/users/{self.user('grace.approver')}"}],
                "settings": {"instanceDurationInDays": days, **settings,
                             "recurrence": {"pattern": {"type": kind, "interval": interval},
                                            "range": {"type": "noEnd", "startDate": start, **(rng or {})}}}}
        status, defn = self.call("POST", AR, body)
        assert status == 201, defn
        return defn

    def instances(self, defn) -> list[dict]:
        return self.call("GET", f"{AR}/{defn['id']}/instances")[1]

    def decisions(self, defn, inst) -> list[dict]:
        return self.call("GET", f"{AR}/{defn['id']}/instances/{inst['id']}/decisions")[1]


@pytest.fixture
def contoso(seeded) -> World:
    return World(seeded["contoso"])


def role_query(role: str, kind: str = "Assignment") -> str:
    return (f"/roleManagement/directory/role{kind}ScheduleInstances?$expand=principal&$filter=("
            f"isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{role}')")


def test_the_seeded_quarterly_review_runs_each_quarter(contoso):
    w = contoso
    (defn,) = w.call("GET", AR)[1]
    assert [i["status"] for i in w.instances(defn)] == ["InProgress", "InProgress"]  # GA and PRA
    w.advance(days=15)  # the 14-day instance is over; the series goes on
    assert {i["status"] for i in w.instances(defn)} == {"Completed"}
    assert w.call("GET", f"{AR}/{defn['id']}")[1]["status"] == "InProgress"
    w.advance(days=80)  # three months after the start: the second quarter's instances
    insts = w.instances(defn)
    assert [i["status"] for i in insts] == ["Completed", "Completed", "InProgress", "InProgress"]
    start0, start1 = insts[0]["startDateTime"], insts[2]["startDateTime"]
    assert (int(start1[:4]) * 12 + int(start1[5:7])) - (int(start0[:4]) * 12 + int(start0[5:7])) == 3


def test_a_numbered_series_completes_and_a_future_one_has_not_started(contoso):
    w = contoso
    numbered = w.review(role_query(GA), rng={"type": "numbered", "numberOfOccurrences": 2})
    future = w.review(role_query(GA), start=(w.clock.now() + timedelta(days=10)).date().isoformat())
    assert [i["status"] for i in w.instances(future)] == ["NotStarted"]
    assert w.call("GET", f"{AR}/{future['id']}")[1]["status"] == "NotStarted"
    w.advance(days=11)  # the numbered series ran on days 0 and 7 (2 days each); the future one started on day 10
    assert [i["status"] for i in w.instances(numbered)] == ["Completed", "Completed"]
    assert w.call("GET", f"{AR}/{numbered['id']}")[1]["status"] == "Completed"
    assert w.instances(future)[0]["status"] == "InProgress"


def test_monthly_on_the_31st_falls_on_each_months_last_day(contoso):
    w = contoso
    defn = w.review(role_query(GA), kind="absoluteMonthly", start="2025-01-31", days=1)
    starts = [s.date().isoformat() for s in ar.occurrence_starts(w.tenant.coll(ar.COLL)[defn["id"]],
                                                                 w.clock.now().replace(year=2025, month=5))]
    assert starts[:4] == ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"]


def test_unreviewed_items_take_the_default_decision_once_completed(contoso):
    w = contoso
    defn = w.review(role_query(GA), defaultDecisionEnabled=True, defaultDecision="Deny")
    (inst,) = w.instances(defn)
    assert {d["decision"] for d in w.decisions(defn, inst)} == {"NotReviewed"}
    w.advance(days=3)
    (inst,) = w.instances(defn)
    assert {d["decision"] for d in w.decisions(defn, inst)} == {"Deny"}


def test_scope_queries_pick_the_holders_they_name(contoso):
    w = contoso
    names = lambda defn: {d["principal"]["displayName"] for d in w.decisions(defn, w.instances(defn)[0])}  # noqa: E731
    assert names(w.review(role_query(GA, "Eligibility"))) == {"Alice Admin"}
    assert names(w.review(role_query(GA))) == {"Break Glass 1", "Break Glass 2", "Victor Ops", "Trent Dev",
                                               "Erin Identity"}
    # A role's definition covers active and eligible holders, users, groups and service principals alike.
    both = names(w.review(f"/roleManagement/directory/roleDefinitions/{PRA}"))
    assert both == {"Grace Approver", "Frank Synced", "pim-admin"}
    groups = names(w.review(f"/roleManagement/directory/roleDefinitions/{EXCH}"))
    assert "PIM-Exchange-Admins" in groups  # a group holding a role is reviewed as a group


def test_an_instance_keeps_the_principals_it_started_with(contoso):
    w = contoso
    defn = w.review(role_query(GA, "Eligibility"))
    (inst,) = w.instances(defn)
    assert [d["principal"]["displayName"] for d in w.decisions(defn, inst)] == ["Alice Admin"]
    w.tenant.coll("roleEligibilitySchedules").clear()  # every eligibility gone
    assert [d["principal"]["displayName"] for d in w.decisions(defn, inst)] == ["Alice Admin"]
    fresh = w.review(role_query(GA, "Eligibility"))
    assert w.decisions(fresh, w.instances(fresh)[0]) == []


def test_a_seed_document_builds_its_own_reviews():
    doc = default_seed_document()
    spec = doc["tenants"][1]  # fabrikam: no review by default
    assert spec["access_reviews"] == []
    spec["access_reviews"] = [{
        "displayName": "Helpdesk group members",
        "scope": {"@odata.type": Q, "query": "/groups/{group:Helpdesk-Operators}/transitiveMembers"},
        "reviewers": [{"query": "/users/{user:alice.admin}"}],
        "settings": {"instanceDurationInDays": 7, "recurrence": {
            "pattern": {"type": "absoluteMonthly", "interval": 1}, "range": {"type": "noEnd", "startDate": "{today}"}}},
    }]
    clock = Clock()
    tenant = build_tenant(spec, clock)
    (defn,) = tenant.coll(ar.COLL).values()
    group = next(g["id"] for g in tenant.coll("groups").values() if g["displayName"] == "Helpdesk-Operators")
    assert defn["scope"]["query"] == f"/groups/{group}/transitiveMembers"
    eng = PimEngine(tenant, clock, {})
    (summary,) = ar.summary(eng)
    assert summary["status"] == "InProgress"
    names = {tenant.coll("users")[d["principalId"]]["displayName"] for d in summary["instances"][0]["decisions"]}
    assert names == {"Carol Helpdesk", "Victor Ops"}
    assert build_tenant(spec, clock).coll(ar.COLL).keys() == tenant.coll(ar.COLL).keys()  # stable seeded ids


def test_a_bad_seeded_review_fails_the_seed_naming_what_is_wrong():
    spec = default_seed_document()["tenants"][2]
    spec["access_reviews"] = [{"displayName": "x", "scope": {"@odata.type": Q,
                                                             "query": "/roleManagement/directory/roleDefinitions/"
                                                                      "{role:No Such Role}"}}]
    with pytest.raises(GraphError, match="does not exist"):
        build_tenant(spec, Clock())
