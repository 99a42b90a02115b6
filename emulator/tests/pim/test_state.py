import json
import time
from pathlib import Path

from pim_env import ALICE, EXCH, TENANT, Env
from helpers import ELIG, body, permanent

from pim_emulator.contract import Caller, Clock, GraphRequest, Tenant
from pim_emulator.graph import GRAPH
from pim_emulator.pim.engine import PimEngine
from pim_emulator.pim.seeding import seed_tenant


def test_state_is_plain_json_and_survives_reload(env):
    env.call("POST", ELIG, body("adminAssign", ALICE, EXCH, exp=permanent()))
    doc = json.loads(json.dumps(env.tenant.to_json()))
    engine = PimEngine(Tenant.from_json(doc), env.clock, {})
    req = GraphRequest("GET", "/roleManagement/directory/roleEligibilityScheduleInstances", {}, None,
                       env.app(), "https://x/v1.0")
    _, coll = GRAPH.dispatch(engine, req)
    assert [i["principalId"] for i in coll.items] == [ALICE]


def test_seed_assignments():
    env = Env(assignments=[
        {"kind": "eligible", "principalId": ALICE, "roleDefinitionId": EXCH, "directoryScopeId": "/",
         "permanent": False, "duration": "P90D"},
        {"kind": "active", "principalId": ALICE, "roleDefinitionId": EXCH, "directoryScopeId": "/",
         "permanent": True, "duration": None, "outsidePim": False},
    ])
    _, e = env.call("GET", "/roleManagement/directory/roleEligibilityScheduleInstances")
    assert e.items[0]["endDateTime"] is not None
    _, a = env.call("GET", "/roleManagement/directory/roleAssignmentScheduleInstances")
    assert a.items[0]["startDateTime"] is not None and a.items[0]["endDateTime"] is None


def test_whole_tenant_policy_read_is_fast():
    data = Path(__file__).resolve().parents[2] / "pim_emulator" / "data" / "builtin-roles.json"
    if not data.exists():
        data = Path("/work/shared/data/builtin-roles.json")
    roles = json.loads(data.read_text())
    t = Tenant(TENANT, "big")
    t.data["roleDefinitions"] = {r["templateId"]: {"id": r["templateId"], "templateId": r["templateId"],
                                                   "displayName": r["displayName"]} for r in roles}
    seed_tenant(t, Clock(), [])
    engine = PimEngine(t, Clock(), {})
    req = GraphRequest("GET", "/policies/roleManagementPolicyAssignments",
                       {"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'",
                        "$expand": "policy($expand=rules)"}, None,
                       Caller(TENANT, "app", frozenset({"RoleManagement.Read.Directory"})), "https://x/v1.0")
    began = time.perf_counter()
    _, coll = GRAPH.dispatch(engine, req)
    elapsed = time.perf_counter() - began
    assert len(coll.items) == len(roles) and all(len(i["policy"]["rules"]) == 17 for i in coll.items)
    print(f"all {len(roles)} policies with rules: {elapsed * 1000:.1f} ms")  # measured, not asserted
