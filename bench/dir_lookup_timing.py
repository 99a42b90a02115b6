"""Time the emulator's ``GET /users?$filter=id in (...)`` on a large tenant, in process (no TLS, no client).

The compliance scan resolves principals 15 ids at a time; this times 100 such reads on a tenant of
``--users`` users (seed-shaped user objects) through ``graph.run``, the path a real request takes after
the HTTP server. Usage: ``cd emulator && ../.venv/bin/python ../bench/dir_lookup_timing.py [--users 20000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emulator"))

from pim_emulator import graph  # noqa: E402
from pim_emulator.contract import Caller, Tenant  # noqa: E402
from pim_emulator.emulator import Emulator, Settings  # noqa: E402

TENANT = "11111111-2222-3333-4444-555555555555"


def big_tenant(n: int, seed: int = 1) -> Tenant:
    rng = random.Random(seed)
    t = Tenant(TENANT, "large")
    for i in range(n):
        uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        upn = f"user{i:05d}@large.onmicrosoft.com"
        t.coll("users")[uid] = {
            "id": uid, "displayName": f"User {i:05d}", "userPrincipalName": upn, "mail": upn, "givenName": "User",
            "surname": f"{i:05d}", "jobTitle": None, "accountEnabled": True, "userType": "Member",
            "onPremisesImmutableId": None, "onPremisesSyncEnabled": None, "businessPhones": [], "mobilePhone": None,
            "officeLocation": None, "preferredLanguage": "en-US", "createdDateTime": "2026-01-01T00:00:00Z",
            "_mfa": True}
    return t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=20_000)
    ap.add_argument("--reads", type=int, default=100)
    args = ap.parse_args()
    emu = Emulator(Settings())
    tenant = big_tenant(args.users)
    emu._install([tenant])  # pylint: disable=protected-access
    caller = Caller(TENANT, "bench", frozenset({"Directory.Read.All"}))
    ids = list(tenant.coll("users"))
    rng = random.Random(2)
    queries = []
    for _ in range(args.reads):
        batch = rng.sample(ids, 15)
        queries.append("$filter=" + "id in (" + ",".join(f"'{i}'" for i in batch) + ")")

    async def run_all():
        for q in queries:
            out = await graph.run(emu, caller, "GET", "/users", q, None, "https://127.0.0.1:1", "v1.0", "r", None)
            assert out.status == 200 and len(out.body["value"]) == 15, (out.status, out.body)

    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run_all())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{args.reads} reads of 'id in (15 ids)' on {args.users} users: {wall:.3f} s wall, {cpu:.3f} s CPU, "
          f"{1000 * cpu / args.reads:.2f} ms CPU per read")
    emu.close()


if __name__ == "__main__":
    main()
