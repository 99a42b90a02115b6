"""The PIM engine behind the HTTP layer: real SDK reads with nested $expand, writes, stats, state file."""

from __future__ import annotations

from emu_harness import start_emulator, stop_emulator
from helpers_sdk import graph_client, secret_credential
from kiota_abstractions.base_request_configuration import RequestConfiguration

SCOPE_FILTER = "scopeId eq '/' and scopeType eq 'DirectoryRole'"
GA = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"


async def test_sdk_reads_all_policies_with_rules(emu):
    from msgraph.generated.policies.role_management_policy_assignments.role_management_policy_assignments_request_builder import (  # noqa: E501
        RoleManagementPolicyAssignmentsRequestBuilder as B,
    )

    async with secret_credential(emu, "pim-reader") as cred:
        client = graph_client(cred, emu.graph_url, emu.ca)
        q = B.RoleManagementPolicyAssignmentsRequestBuilderGetQueryParameters(filter=SCOPE_FILTER,
                                                                               expand=["policy($expand=rules)"])
        page = await client.policies.role_management_policy_assignments.get(
            request_configuration=RequestConfiguration(query_parameters=q))
        items = list(page.value)
        assert page.odata_next_link  # 123 built-in + 3 custom roles, pages of 100
        assert items[0].policy.rules and len(items[0].policy.rules) == 17


def test_policy_read_pages_and_reports_server_time(emu):
    # Server time is reported (and measured by `python -m pim_emulator bench`), never asserted:
    # a timed assertion fails on a busy 2-core machine without saying anything about correctness.
    r = emu.get("/policies/roleManagementPolicyAssignments",
                params={"$filter": SCOPE_FILTER, "$expand": "policy($expand=rules)"})
    assert r.status_code == 200, r.text
    assert float(r.headers["x-emulator-server-ms"]) >= 0
    nxt = emu.http.get(r.json()["@odata.nextLink"], headers={"Authorization": f"Bearer {emu.token()}"})
    assert len(r.json()["value"]) + len(nxt.json()["value"]) == 123 + 3 and "@odata.nextLink" not in nxt.json()


def test_eligibility_request_counts_one_write_and_shows_in_instances(emu):
    emu.admin("POST", "reset")
    user = emu.user("heidi.auditor")["id"]
    body = {"action": "adminAssign", "principalId": user, "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/",
            "justification": "test", "scheduleInfo": {"startDateTime": "2025-01-01T00:00:00Z",
                                                      "expiration": {"type": "afterDuration", "duration": "P30D"}}}
    r = emu.post("/roleManagement/directory/roleEligibilityScheduleRequests", body)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "Provisioned" and not any(k.startswith("_") for k in r.json())
    again = emu.post("/roleManagement/directory/roleEligibilityScheduleRequests", body)
    assert again.status_code == 400 and again.json()["error"]["code"] == "RoleAssignmentExists"
    inst = emu.get("/roleManagement/directory/roleEligibilityScheduleInstances",
                   params={"$filter": f"principalId eq '{user}' and roleDefinitionId eq '{USER_ADMIN}'"}).json()
    assert len(inst["value"]) == 1 and inst["value"][0]["id"].endswith("-1-e")
    stats = emu.admin("GET", "stats").json()
    assert stats["writes"] == 2 and stats["write_requests"] == 2
    denied = emu.post("/roleManagement/directory/roleEligibilityScheduleRequests", body, token=emu.token("pim-reader"))
    assert denied.status_code == 403 and "PermissionScopeNotGranted" in denied.json()["error"]["message"]
    emu.admin("POST", "reset")


def test_read_after_write_lag_hides_new_schedules(emu):
    emu.admin("POST", "reset")
    emu.admin("POST", "faults", {"read_after_write_lag_ms": 60000})
    user = emu.user("sybil.reader")["id"]
    body = {"action": "adminAssign", "principalId": user, "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/",
            "justification": "lag", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "P30D"}}}
    assert emu.post("/roleManagement/directory/roleEligibilityScheduleRequests", body).status_code == 201
    flt = {"$filter": f"principalId eq '{user}' and roleDefinitionId eq '{USER_ADMIN}'"}
    assert emu.get("/roleManagement/directory/roleEligibilitySchedules", params=flt).json()["value"] == []
    emu.admin("POST", "clock", {"advance": "PT2M"})
    assert len(emu.get("/roleManagement/directory/roleEligibilitySchedules", params=flt).json()["value"]) == 1
    emu.admin("POST", "faults", {"read_after_write_lag_ms": 0})
    emu.admin("POST", "reset")


def test_state_file_round_trip(tmp_path):
    state = tmp_path / "state.json"
    first = start_emulator(tmp_path, "--state-file", str(state), "--tenants", "1", "--principals", "6")
    user = first.ready["tenants"][0]["users"][3]
    secret = first.app("pim-admin", "tenant001")["client_secret"]
    body = {"action": "adminAssign", "principalId": user["id"], "roleDefinitionId": GA, "directoryScopeId": "/",
            "justification": "persist", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "P10D"}}}
    tok = first.token(tenant="tenant001")
    r = first.post("/roleManagement/directory/roleEligibilityScheduleRequests", body, token=tok)
    assert r.status_code == 201, r.text
    first.admin("POST", "clock", {"advance": "PT1H"})
    assert stop_emulator(first) == 0 and state.exists()

    (tmp_path / "ready.json").unlink()
    second = start_emulator(tmp_path, "--state-file", str(state))
    try:
        assert second.app("pim-admin", "tenant001")["client_secret"] == secret
        tok2 = second.token(tenant="tenant001")
        flt = {"$filter": f"principalId eq '{user['id']}' and roleDefinitionId eq '{GA}'"}
        got = second.get("/roleManagement/directory/roleEligibilitySchedules", token=tok2, params=flt).json()
        assert len(got["value"]) == 1
        assert second.admin("GET", "clock").json()["offset_seconds"] >= 3600
        # a token of the first run is still valid: the signing key is part of the state
        assert second.get("/users?$top=1", token=tok).status_code == 200
    finally:
        stop_emulator(second)
