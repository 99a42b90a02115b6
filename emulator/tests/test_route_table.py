"""The Graph route tables (``pim_emulator/routes/graph_directory.py``, ``graph_groups.py`` and
``graph_reviews.py``, joined in ``graph.GRAPH``) and docs/emulator.md ("Graph routes") list the same rows, and
every row is served by its handler: called with real ids from the default seed, no row answers the unknown-route
400, a 404, a 405 or a 501."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pim_emulator.contract import Caller, Clock, Collection, GraphError, GraphRequest, Tenant
from pim_emulator.directory import APPS_READ, AU_READ, DIR_RW, GROUPS_READ, ORG_READ, ROLEDEF_READ, USERS_READ
from pim_emulator.emulator import Settings
from pim_emulator.graph import GRAPH
from pim_emulator.pim.engine import PimEngine
from pim_emulator.pim.ids import policy_assignment_id, policy_id
from pim_emulator.pim.permissions import PERMS
from pim_emulator.pim.surfaces import GROUPS
from pim_emulator.routes import graph_directory, graph_groups, graph_reviews
from pim_emulator.routing import Route
from pim_emulator.seed import build_seed

ROUTES = [*graph_directory.ROUTES, *graph_groups.ROUTES, *graph_reviews.ROUTES]
DOC = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"
ROW = re.compile(r"^\| (GET|POST|PATCH|PUT|DELETE) \| `/(v1\.0|beta)(/[^`]*)` \| (.+) \|$")
UNDOCUMENTED_PERMISSION = "— (see below)"


def documented_rows() -> dict[tuple[str, str, str], str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### Graph routes"):]
    section = section[:section.index("\n## ")]
    rows = {}
    for line in section.splitlines():
        m = ROW.match(line)
        if m:
            key = (m[1], m[2], m[3])
            assert key not in rows, f"documented twice: {line}"
            rows[key] = m[4]
    return rows


def table_rows() -> dict[tuple[str, str, str], str]:
    return {(r.method, r.version, r.template): f"`{r.permission.label}`" if r.permission else UNDOCUMENTED_PERMISSION
            for r in ROUTES}


def test_docs_list_exactly_the_route_table():
    docs, table = documented_rows(), table_rows()
    assert sorted(set(docs) - set(table)) == [], "documented but not in the route table"
    assert sorted(set(table) - set(docs)) == [], "in the route table but not documented"
    assert docs == table  # and with the same permission


def test_a_documented_permission_is_the_least_one_the_route_accepts():
    for route in ROUTES:
        if route.permission is not None:
            assert route.permission.label in route.permission.accepted, route.template


# ---- every row is served ---------------------------------------------------------------------------------------

EVERYTHING = frozenset({p for accepted, _ in PERMS.values() for p in accepted}
                       | {graph_reviews.READWRITE_ALL}
                       | DIR_RW | USERS_READ | GROUPS_READ | APPS_READ | AU_READ | ORG_READ | ROLEDEF_READ)
EXCH = "29232cdf-9323-42fd-ade2-1d097af3e4de"  # Exchange Administrator
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"  # Helpdesk Administrator
PASSWORD = "966707d0-3269-4727-9be2-8c3a10f19b9d"  # Password Administrator
GA = "62e90394-69f5-4237-9190-012177145e10"


class World:
    """The default seed's contoso, in process, with one eligibility, one activation waiting for approval, and
    the ids every route parameter needs."""

    def __init__(self, seed: dict):
        self.clock = Clock()
        tenant = Tenant.from_json(json.loads(json.dumps(seed)))  # each test its own copy: no order between tests
        self.tenant = tenant
        self.engine = PimEngine(tenant, self.clock, {})
        users = {u["userPrincipalName"].split("@")[0]: u["id"] for u in tenant.coll("users").values()}
        self.users = users
        self.app = Caller(tenant.id, "pim-admin", EVERYTHING)
        self.alice = Caller(tenant.id, "pim-cli", EVERYTHING, user_id=users["alice.admin"], amr=("pwd", "mfa"))
        self.grace = Caller(tenant.id, "pim-cli", EVERYTHING, user_id=users["grace.approver"], amr=("pwd", "mfa"))
        rules = f"/policies/roleManagementPolicies/{policy_id(tenant.id, EXCH)}/rules"
        self.call("PATCH", f"{rules}/Approval_EndUser_Assignment", {
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
            "setting": {"isApprovalRequired": True, "approvalMode": "SingleStage", "approvalStages": [
                {"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True, "primaryApprovers": [
                    {"@odata.type": "#microsoft.graph.singleUser", "userId": users["grace.approver"]}]}]}})
        _, elig = self.call("POST", "/roleManagement/directory/roleEligibilityScheduleRequests",
                            self.request_body("adminAssign", "alice.admin", EXCH))
        _, act = self.call("POST", "/roleManagement/directory/roleAssignmentScheduleRequests",
                           self.request_body("selfActivate", "alice.admin", EXCH, "PT1H"), self.alice)
        assert act["status"] == "PendingApproval", act
        approval = tenant.coll("roleAssignmentApprovals")[act["approvalId"]]
        group_approval, group_requests = self.group_world()
        classic = next(a for a in self.call("GET", "/roleManagement/directory/roleAssignments")[1].items
                       if a["roleDefinitionId"] != GA)
        app = next(iter(tenant.coll("applications").values()))
        # (segment before the parameter, parameter) -> value
        self.samples = {
            ("role:roleEligibilityScheduleRequests", "request_id"): elig["id"],
            ("role:roleAssignmentScheduleRequests", "request_id"): act["id"],
            ("roleAssignments", "assignment_id"): classic["id"],
            ("roleManagementPolicies", "policy_id"): policy_id(tenant.id, EXCH),
            ("rules", "rule_id"): "Expiration_EndUser_Assignment",
            ("effectiveRules", "rule_id"): "Expiration_EndUser_Assignment",
            ("roleManagementPolicyAssignments", "assignment_id"): policy_assignment_id(tenant.id, EXCH),
            ("directoryAudits", "audit_id"): next(iter(tenant.coll("directoryAudits"))),
            ("roleAssignmentApprovals", "approval_id"): approval["id"],
            ("steps", "step_id"): approval["steps"][0]["id"],
            ("assignmentApprovals", "approval_id"): group_approval["id"],
            ("stages", "stage_id"): group_approval["steps"][0]["id"],
            **group_requests,
            ("users", "user_id"): users["alice.admin"],
            ("groups", "group_id"): next(g["id"] for g in tenant.coll("groups").values()
                                         if g["displayName"] == "All-Staff"),
            ("servicePrincipals", "sp_id"): next(iter(tenant.coll("servicePrincipals"))),
            ("applications", "app_object_id"): app["id"],
            ("administrativeUnits", "au_id"): next(iter(tenant.coll("administrativeUnits"))),
            ("directoryObjects", "object_id"): users["alice.admin"],
            ("roleDefinitions", "role_id"): GA,
        }
        for name in ("roleEligibilitySchedules", "roleAssignmentSchedules", "roleEligibilityScheduleInstances",
                     "roleAssignmentScheduleInstances"):
            items = self.call("GET", f"/roleManagement/directory/{name}")[1].items
            self.samples[(name, "item_id")] = items[0]["id"]
        for name in ("eligibilitySchedules", "assignmentSchedules", "eligibilityScheduleInstances",
                     "assignmentScheduleInstances"):
            items = self.call("GET", f"{graph_groups.PG}/{name}", query={"$filter": f"groupId eq '{self.group}'"})[1]
            self.samples[(name, "item_id")] = items.items[0]["id"]
        self.app_id = app["appId"]
        self.review_world()

    def review_world(self) -> None:
        """contoso's seeded quarterly review: its id, its first instance and a decision of it."""
        _, reviews = self.call("GET", graph_reviews.AR)
        review = reviews.items[0]
        _, insts = self.call("GET", f"{graph_reviews.AR}/{review['id']}/instances")
        inst = insts.items[0]
        _, items = self.call("GET", f"{graph_reviews.AR}/{review['id']}/instances/{inst['id']}/decisions")
        self.samples.update({("definitions", "definition_id"): review["id"], ("instances", "instance_id"): inst["id"],
                             ("decisions", "decision_id"): items.items[0]["id"]})

    def group_world(self) -> tuple[dict, dict]:
        """PIM for Groups on PIM-Exchange-Admins (PIM-managed in the seed): member activation needs grace's
        approval; olivia.teams (an eligible member) asks for it."""
        tenant, users = self.tenant, self.users
        self.group = next(g["id"] for g in tenant.coll("groups").values() if g["displayName"] == "PIM-Exchange-Admins")
        policy = next(p for p in tenant.coll("groupRoleManagementPolicies").values()
                      if p["scopeId"] == self.group and p["_roleDefinitionId"] == "member")
        self.group_policy = policy["id"]
        self.call("PATCH", f"/policies/roleManagementPolicies/{policy['id']}/rules/Approval_EndUser_Assignment", {
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
            "setting": {"isApprovalRequired": True, "approvalMode": "SingleStage", "approvalStages": [
                {"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True, "primaryApprovers": [
                    {"@odata.type": "#microsoft.graph.singleUser", "userId": users["grace.approver"]}]}]}})
        olivia = Caller(tenant.id, "pim-cli", EVERYTHING, user_id=users["olivia.teams"], amr=("pwd",))
        _, elig = self.call("POST", f"{graph_groups.PG}/eligibilityScheduleRequests",
                            self.group_body("adminAssign", "bob.secops", "owner", "P30D"))
        _, act = self.call("POST", f"{graph_groups.PG}/assignmentScheduleRequests",
                           self.group_body("selfActivate", "olivia.teams", "member", "PT1H"), olivia)
        assert act["status"] == "PendingApproval", act
        return tenant.coll(GROUPS.approvals)[act["approvalId"]], {
            ("eligibilityScheduleRequests", "request_id"): elig["id"],
            ("assignmentScheduleRequests", "request_id"): act["id"]}

    def group_body(self, action: str, user: str, access: str, duration: str) -> dict:
        return {"action": action, "principalId": self.users[user], "accessId": access, "groupId": self.group,
                "justification": "route table test",
                "scheduleInfo": {"startDateTime": None, "expiration": {"type": "afterDuration", "duration": duration}}}

    def request_body(self, action: str, user: str, role: str, duration: str | None = None) -> dict:
        exp = {"type": "afterDuration", "duration": duration} if duration else {"type": "noExpiration"}
        return {"action": action, "principalId": self.users[user], "roleDefinitionId": role,
                "directoryScopeId": "/", "justification": "route table test",
                "scheduleInfo": {"startDateTime": None, "expiration": exp}}

    def call(self, method: str, path: str, body=None, caller: Caller | None = None, version: str = "v1.0",
             query: dict | None = None):
        req = GraphRequest(method, path, dict(query or {}), body, caller or self.app,
                           f"https://127.0.0.1:1/{version}", version=version)
        return GRAPH.dispatch(self.engine, req)

    def path(self, route: Route) -> str:
        segs = route.template.strip("/").split("/")
        out = []
        for i, seg in enumerate(segs):
            for name in re.findall(r"\{(\w+)\}", seg):
                if name == "on":
                    value = "'approver'" if "Approvals" in segs[i - 1] else "'principal'"
                elif name == "app_id":
                    value = f"'{self.app_id}'"
                elif segs[0] == "identityGovernance" and name == "request_id":
                    value = self.samples[(segs[i - 1], name)]
                elif name == "request_id":
                    value = self.samples[("role:" + segs[i - 1], name)]
                else:
                    value = self.samples[(segs[i - 1], name)]
                seg = seg.replace("{" + name + "}", value)
            out.append(seg)
        return "/" + "/".join(out)

    def caller_for(self, route: Route) -> Caller:
        if route.method == "PATCH" and route.template.endswith("{decision_id}"):
            return self.grace  # the seeded review's reviewer: only a reviewer decides
        if "Approvals" in route.template:
            return self.grace  # the approver (of both surfaces' approvals)
        if route.template == "/me" or "filterByCurrentUser" in route.template:
            return self.alice  # a signed-in user
        return self.app

    def body_for(self, route: Route):
        t = route.template
        if route.method == "POST" and t.endswith("group/eligibilityScheduleRequests"):
            return self.group_body("adminAssign", "bob.secops", "member", "P30D")
        if route.method == "POST" and t.endswith("group/assignmentScheduleRequests"):
            return self.group_body("adminAssign", "carol.helpdesk", "owner", "P30D")
        if route.method == "POST" and t.endswith("roleEligibilityScheduleRequests"):
            return self.request_body("adminAssign", "bob.secops", EXCH)
        if route.method == "POST" and t.endswith("roleAssignmentScheduleRequests"):
            return self.request_body("adminAssign", "bob.secops", HELPDESK, "P30D")
        if route.method == "POST" and t.endswith("roleAssignments"):
            return {"principalId": self.users["bob.secops"], "roleDefinitionId": PASSWORD, "directoryScopeId": "/"}
        if t.endswith("getByIds"):
            return {"ids": [self.users["alice.admin"]]}
        if route.method == "PATCH" and t.endswith("{rule_id}"):
            policy = self.tenant.coll("roleManagementPolicies")[policy_id(self.tenant.id, EXCH)]
            return next(r for r in policy["_rules"] if r["id"] == "Expiration_EndUser_Assignment")
        if route.method == "PATCH" and t.endswith("{policy_id}"):
            policy = self.tenant.coll("roleManagementPolicies")[policy_id(self.tenant.id, EXCH)]
            return {"rules": [next(r for r in policy["_rules"] if r["id"] == "Expiration_EndUser_Assignment")]}
        if route.method == "POST" and t == graph_reviews.AR:
            _, review = self.call("GET", f"{graph_reviews.AR}/{self.samples[('definitions', 'definition_id')]}")
            return {k: v for k, v in review.items() if k not in ("id", "status", "@odata.context")}
        if route.method == "PUT" and t.startswith(graph_reviews.AR):
            _, review = self.call("GET", f"{graph_reviews.AR}/{self.samples[('definitions', 'definition_id')]}")
            return {**review, "displayName": "renamed by the route table test"}
        if route.method == "PATCH" and t.endswith("{decision_id}"):
            return {"decision": "Approve", "justification": "still needed"}
        if "Approvals" in t and route.method == "PATCH":
            return {"reviewResult": "Approve", "justification": "fine"}
        return None


@pytest.fixture(scope="module")
def contoso() -> dict:
    return next(t for t in build_seed(Settings(), Clock()) if t.name == "contoso").to_json()


@pytest.fixture
def world(contoso) -> World:
    return World(contoso)


def _scope_filter(world: World, route: Route) -> dict:
    if route.template in ("/policies/roleManagementPolicies", "/policies/roleManagementPolicyAssignments"):
        return {"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'"}
    if route.template.startswith(graph_groups.PG) and route.template.endswith(("Requests", "Schedules", "Instances")):
        return {"$filter": f"groupId eq '{world.group}'"}  # the group lists require it
    return {}


# The eligibility request the world made is provisioned already: cancelling it is refused (400
# InvalidRoleAssignmentRequest, "A request with status 'Provisioned' cannot be canceled."), by its handler.
EXPECTED_REFUSALS = {("POST", "/roleManagement/directory/roleEligibilityScheduleRequests/{request_id}/cancel"): 400,
                     ("POST", f"{graph_groups.PG}/eligibilityScheduleRequests/{{request_id}}/cancel"): 400}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} /{r.version}{r.template}")
def test_every_route_is_served(world, route):
    try:
        status, body = world.call(route.method, world.path(route), world.body_for(route), world.caller_for(route),
                                  route.version, _scope_filter(world, route))
    except GraphError as err:
        status, body = err.status, err.message
    expected = EXPECTED_REFUSALS.get((route.method, route.template))
    if expected is not None:
        assert status == expected, body
        assert "Resource not found for the segment" not in str(body)
    elif route.method == "GET":
        assert status == 200, body
        assert isinstance(body, (dict, Collection))
    else:
        assert 200 <= status < 300, body


# ---- what is not in the table ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path,segment", [
    ("/nothingHere", "nothingHere"),
    ("/users/00000000-0000-0000-0000-00000000abcd/nothingHere", "nothingHere"),
    ("/roleManagement/directory/roleEligibilitySchedules/x/y", "y"),
    ("/roleManagement/directory", "directory"),  # above every route of the table
    # Below PIM for Groups: PIM for other resources (beta privilegedAccess/{provider}) is not emulated.
    ("/identityGovernance/privilegedAccess/aadRoles/resources", "aadRoles"),
    ("/identityGovernance/privilegedAccess/group/nothingHere", "nothingHere"),
])
def test_an_unknown_route_answers_graphs_unknown_segment_400(emu, path, segment):
    r = emu.get(path)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BadRequest"
    assert r.json()["error"]["message"] == f"Resource not found for the segment '{segment}'."


def test_beta_serves_only_the_approval_routes(emu):
    r = emu.http.get(emu.authority + "/beta/users", headers={"Authorization": f"Bearer {emu.token()}"})
    assert r.status_code == 400 and r.json()["error"]["message"] == "Resource not found for the segment 'users'."
    r = emu.http.get(emu.authority + "/beta/roleManagement/directory/roleAssignmentApprovals",
                     headers={"Authorization": f"Bearer {emu.token()}"})
    assert r.status_code == 200, r.text


def test_a_batch_item_on_an_unknown_route_gets_the_same_answer(emu):
    r = emu.post("/$batch", {"requests": [{"id": "1", "method": "GET", "url": "/nothingHere"},
                                          {"id": "2", "method": "GET", "url": "/organization"}]})
    answers = {a["id"]: a for a in r.json()["responses"]}
    assert answers["1"]["status"] == 400
    assert answers["1"]["body"]["error"]["message"] == "Resource not found for the segment 'nothingHere'."
    assert answers["2"]["status"] == 200


def test_another_method_on_a_known_path_is_405_in_the_services_words(emu):
    r = emu.http.delete(emu.graph_url + "/users", headers={"Authorization": f"Bearer {emu.token()}"})
    assert r.status_code == 405 and r.json()["error"]["code"] == "Request_BadRequest"
    r = emu.http.delete(emu.graph_url + "/roleManagement/directory/roleEligibilitySchedules",
                        headers={"Authorization": f"Bearer {emu.token()}"})
    assert r.status_code == 405 and r.json()["error"]["code"] == "MethodNotAllowed"


def test_filter_by_current_user_is_not_taken_for_an_id():
    # The literal function segment outranks {id}: another method on it is a 405, not a lookup of that "id".
    with pytest.raises(GraphError) as err:
        GRAPH.resolve("beta", "PATCH", "/roleManagement/directory/roleAssignmentApprovals/"
                                       "filterByCurrentUser(on='approver')")
    assert err.value.status == 405
    route, params = GRAPH.resolve("v1.0", "GET", "/roleManagement/directory/roleEligibilitySchedules/"
                                                 "filterByCurrentUser(on='principal')")
    assert route.template.endswith("filterByCurrentUser(on={on})") and params == {"on": "'principal'"}


def test_alternate_key_addressing_over_http(emu):
    # msgraph-sdk's service_principals_with_app_id builds /servicePrincipals(appId='{appId}'), quotes encoded
    app = emu.app("pim-admin")
    r = emu.get(f"/servicePrincipals(appId=%27{app['client_id']}%27)")
    assert r.status_code == 200 and r.json()["id"] == app["service_principal_id"], r.text
    r = emu.get(f"/applications(appId='{app['client_id']}')")
    assert r.status_code == 200 and r.json()["id"] == app["object_id"], r.text
