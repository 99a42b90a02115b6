"""Faults, latency, stats, clock and the admin API."""

from __future__ import annotations

import asyncio
import ssl

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
    # A behaviour check, not a speed check: while 30 requests wait out their injected latency, the
    # emulator must already have received all of them (its counter says 30) with none answered yet. A
    # server that blocked on the latency would answer each before reading the next, so when its counter
    # reached 30 it would have answered 29, however fast or slow the machine. The admin API has no
    # latency, so it can be asked during the wait. The 10 s only has to exceed the time 30 requests take to
    # reach the server; the outcome is read from counters, not from a clock.
    emu.admin("POST", "faults", {"latency_ms": 10000})
    token = emu.token()
    base = emu.admin("GET", "stats").json()["requests"]

    async def run():
        ctx = ssl.create_default_context(cafile=emu.ca)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(verify=ctx, timeout=120) as client:
            calls = [asyncio.create_task(client.get(emu.graph_url + "/users?$top=1", headers=headers))
                     for _ in range(30)]
            admin = {"Authorization": f"Bearer {emu.ready['admin_token']}"}
            for _ in range(2400):  # bounded: a blocking server gets there too, after ~300 s of latency
                received = (await client.get(emu.ready["admin_url"] + "/stats", headers=admin)).json()["requests"]
                if received - base >= 30:
                    break
                await asyncio.sleep(0.05)
            answered_when_all_received = sum(c.done() for c in calls)
            return answered_when_all_received, await asyncio.gather(*calls)

    answered, answers = asyncio.run(run())
    assert all(a.status_code == 200 for a in answers)
    assert answered == 0, f"{answered} of 30 requests were answered before the last one was received"


def test_reset_restores_seed_and_zeroes_counters(emu):
    emu.admin("POST", "clock", {"advance": "P1D"})
    emu.get("/users")
    assert emu.admin("POST", "reset").status_code == 200
    assert emu.admin("GET", "stats").json()["requests"] == 0
    assert emu.admin("GET", "clock").json()["offset_seconds"] == 0
    assert emu.get("/users?$top=1").status_code == 200  # tokens survive a reset
