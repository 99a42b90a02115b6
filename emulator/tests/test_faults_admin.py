"""Faults, latency, stats, clock and the admin API."""

from __future__ import annotations

import asyncio
import ssl
import time

import httpx


def test_admin_needs_the_token(emu):
    r = emu.http.get(emu.ready["admin_url"] + "/stats")
    assert r.status_code == 401
    r = emu.http.get(emu.ready["admin_url"] + "/stats", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_random_429_has_fractional_retry_after_and_the_documented_body(emu):
    emu.admin("POST", "faults", {"fault_429": 1.0, "retry_after": 0.25})
    r = emu.get("/users")
    assert r.status_code == 429 and r.headers["Retry-After"] == "0.25"
    err = r.json()["error"]
    assert err["code"] == "TooManyRequests" and err["message"] == "Please retry again later."
    assert err["innerError"]["code"] == "429" and err["innerError"]["message"] == "Please retry after"
    emu.admin("POST", "faults", {"fault_429": 0, "fault_503": 1.0})
    r = emu.get("/users")
    assert r.status_code == 503 and "Retry-After" in r.headers
    emu.admin("POST", "faults", {"clear": True})
    assert emu.get("/users").status_code == 200


def test_scripted_fault_fails_the_nth_matching_request(emu):
    emu.admin("POST", "faults", {"rules": [{"method": "GET", "path": "^/groups$", "nth": 2, "times": 1,
                                            "status": 504}]})
    codes = [emu.get("/groups").status_code for _ in range(3)]
    assert codes == [200, 504, 200]
    rules = emu.admin("GET", "faults").json()["rules"]
    assert rules[0]["fired"] == 1 and rules[0]["seen"] == 3


async def test_sdk_retries_a_429_with_retry_after(emu):
    from helpers_sdk import graph_client, secret_credential

    emu.admin("POST", "faults", {"rules": [{"method": "GET", "path": "^/groups$", "nth": 1, "status": 429,
                                            "retry_after": 1}]})  # kiota's handler reads whole seconds
    emu.admin("POST", "stats/reset")
    async with secret_credential(emu) as cred:
        client = graph_client(cred, emu.graph_url, emu.ca)
        groups = await client.groups.get()
        assert groups.value
    assert emu.admin("GET", "stats").json()["by_route"]["GET /groups"] == 2


def test_stats_count_writes_not_reads(emu):
    emu.admin("POST", "stats/reset")
    emu.get("/users?$top=1")
    emu.post("/directoryObjects/getByIds", {"ids": [emu.user("alice.admin")["id"]]})  # a read, though a POST
    s = emu.admin("GET", "stats").json()
    assert s["requests"] == 2 and s["writes"] == 0 and s["write_requests"] == 0
    assert s["by_method"] == {"GET": 1, "POST": 1}
    assert s["by_route"] == {"GET /users": 1, "POST /directoryObjects/getByIds": 1}
    t = emu.admin("GET", f"stats?tenant={emu.tenant()['id']}").json()
    assert t["requests"] == 2


def test_clock_advance(emu):
    before = emu.admin("GET", "clock").json()
    after = emu.admin("POST", "clock", {"advance": "PT2H"}).json()
    assert after["offset_seconds"] - before["offset_seconds"] == 7200
    after = emu.admin("POST", "clock", {"advance": 60}).json()
    assert after["offset_seconds"] - before["offset_seconds"] == 7260
    assert emu.admin("POST", "clock", {"advance": "two hours"}).status_code == 400
    emu.admin("POST", "clock", {"set_offset": before["offset_seconds"]})


def test_tenant_state_dump(emu):
    t = emu.tenant()
    doc = emu.admin("GET", f"tenants/{t['id']}/state").json()
    assert doc["id"] == t["id"] and "users" in doc["data"] and "roleDefinitions" in doc["data"]
    user = doc["data"]["users"][emu.user("alice.admin")["id"]]
    assert "_password" in user  # internal keys are included for tests
    assert emu.admin("GET", "tenants/nope/state").status_code == 404


def test_concurrent_clients_are_not_serialised_by_latency(emu):
    # A behaviour check, not a speed check: with 1 s of latency, 30 requests take 30 s if latency
    # blocked the server and about 1 s if it is an async wait; the bound sits far from both.
    emu.admin("POST", "faults", {"latency_ms": 1000})
    token = emu.token()

    async def run():
        ctx = ssl.create_default_context(cafile=emu.ca)
        async with httpx.AsyncClient(verify=ctx, timeout=30) as client:
            started = time.monotonic()
            answers = await asyncio.gather(*(client.get(emu.graph_url + "/users?$top=1",
                                                        headers={"Authorization": f"Bearer {token}"})
                                             for _ in range(30)))
            return time.monotonic() - started, answers

    elapsed, answers = asyncio.run(run())
    assert all(a.status_code == 200 for a in answers)
    assert 1.0 <= elapsed < 15.0


def test_reset_restores_seed_and_zeroes_counters(emu):
    emu.admin("POST", "clock", {"advance": "P1D"})
    emu.get("/users")
    assert emu.admin("POST", "reset").status_code == 200
    assert emu.admin("GET", "stats").json()["requests"] == 0
    assert emu.admin("GET", "clock").json()["offset_seconds"] == 0
    assert emu.get("/users?$top=1").status_code == 200  # tokens survive a reset
