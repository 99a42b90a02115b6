"""Directory list reads with an id-pinned ``$filter`` (``id in (...)``, ``id eq '...'``) look objects up by id
(``directory.preselect``) instead of copying and filtering every object of the tenant. These tests hold the
answer to that of the general path, item for item, and hold the work per read to the ids asked for."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from pim_emulator import directory, graph
from pim_emulator.contract import Caller, Tenant
from pim_emulator.emulator import Emulator, Settings
from pim_emulator.responses.graph_directory import directory_objects

TENANT = "11111111-2222-3333-4444-555555555555"
CALLER = Caller(TENANT, "dirperf-test", frozenset({"Directory.Read.All"}))
UPPER = "AAAAAAAA-0000-4000-8000-00000000000A"  # a seed may give an id in upper case
LAGGING = "bbbbbbbb-0000-4000-8000-00000000000b"


def _uid(i: int) -> str:
    return str(uuid.UUID(int=i * 7919 + 12345, version=4))


def _tenant(n: int) -> Tenant:
    t = Tenant(TENANT, "lookup")
    ids = [_uid(i) for i in range(n)]
    # Not in id order, so that "the collection's order" and "the order of the ids asked for" differ.
    ids.reverse()
    ids.insert(n // 2, UPPER)
    for i, uid in enumerate(ids):
        t.coll("users")[uid] = {"id": uid, "displayName": f"User {i % 7}", "userPrincipalName": f"u{i}@lookup.test",
                                "mail": None, "jobTitle": "Admin" if i % 3 else None, "accountEnabled": i % 4 != 0}
    t.coll("users")[LAGGING] = {"id": LAGGING, "displayName": "New hire", "userPrincipalName": "new@lookup.test",
                                "_hidden_reads": 1}
    for i in range(5):
        gid = _uid(10_000 + i)
        t.coll("groups")[gid] = {"id": gid, "displayName": f"Group {i}", "isAssignableToRole": i % 2 == 0}
        sid = _uid(20_000 + i)
        t.coll("servicePrincipals")[sid] = {"id": sid, "appId": _uid(30_000 + i), "displayName": f"App {i}"}
    return t


@pytest.fixture
def make_emu():
    """In-process emulators over a fresh tenant of n users (no server: graph.run is what a request runs)."""
    made = []

    def make(n: int = 40, page_size: int = 4) -> Emulator:
        emu = Emulator(Settings(page_size=page_size))
        emu._install([_tenant(n)])  # pylint: disable=protected-access
        made.append(emu)
        return emu

    yield make
    for emu in made:
        emu.close()  # removes its temporary work directory


def _read(emu: Emulator, path: str, query: str, consistency: str | None = None) -> tuple[int, dict]:
    out = asyncio.run(graph.run(emu, CALLER, "GET", path, query, None, "https://127.0.0.1:1", "v1.0", "rid", None,
                                consistency))
    body = out.body
    if isinstance(body, dict) and "error" in body:
        body = {**body, "error": {**body["error"], "innerError": {}}}  # drops the envelope's timestamp
    return out.status, body


U = [_uid(i) for i in range(40)]
G0, SP0 = _uid(10_000), _uid(20_000)
UNKNOWN = "cccccccc-0000-4000-8000-00000000000c"

CASES = [
    ("/users", f"$filter=id in ('{U[3]}','{U[30]}','{U[12]}')", None),
    ("/users", f"$filter=id in ('{U[3]}','{UNKNOWN}','{U[3]}','{U[5]}','{U[5]}')", None),  # unknown, duplicates
    ("/users", f"$filter=id in ({U[7]},{U[8]})", None),  # GUID literals, unquoted
    ("/users", f"$filter=id eq '{U[9]}'", None),
    ("/users", f"$filter='{U[9]}' eq id", None),
    ("/users", f"$filter=id eq '{UNKNOWN}'", None),
    ("/users", f"$filter=ID IN ('{U[1].upper()}','{U[2]}')", None),  # property name and value in any case
    ("/users", f"$filter=id in ('{UPPER.lower()}','{U[4]}')", None),  # a stored upper-case id
    ("/users", f"$filter=id in ('{U[25]}'," + ",".join(f"'{u}'" for u in U[10:24]) + ")", None),  # pages of 4
    ("/users", f"$filter=id in ('{U[1]}','{U[2]}','{U[3]}','{U[6]}') and accountEnabled eq true", None),
    ("/users", f"$filter=startswith(displayName,'User') and id in ('{U[1]}','{U[2]}','{U[3]}')", None),
    ("/users", f"$filter=id in ('{U[1]}','{U[2]}') and id eq '{U[2]}'", None),
    ("/users", f"$filter=id eq '{U[1]}' or id eq '{U[20]}'", None),
    ("/users", f"$filter=id eq '{U[1]}' or displayName eq 'User 3'", None),  # not pinned: the general path
    ("/users", f"$filter=id in ('{U[1]}','{U[2]}','{U[3]}')&$select=id,jobTitle&$top=2", None),
    ("/users", f"$filter=id in ('{U[1]}','{U[2]}','{U[3]}')&$count=true&$orderby=displayName desc", "eventual"),
    ("/users", f"$filter=id in ('{U[1]}','{U[2]}')&$orderby=displayName", None),  # 400: needs advanced query
    ("/users", f"$filter=id in ('{U[1]}','{U[2]}') and displayName ne 'x'", None),  # 400 without the header
    ("/users", f"$filter=id in ('{U[1]}','{U[2]}') and displayName ne 'x'&$count=true", "eventual"),
    ("/users", f"$filter=id in ('{U[1]}'", None),  # malformed: 400
    ("/users", f"$filter=id in ('{U[1]}')&$top=x", None),  # bad $top: 400
    ("/users", f"$filter=id in ('{LAGGING}','{U[1]}')", None),  # a lagging user uses up its hidden read
    ("/groups", f"$filter=id in ('{G0}','{UNKNOWN}')", None),
    ("/servicePrincipals", f"$filter=id eq '{SP0}'", None),
]


@pytest.mark.parametrize("path,query,consistency", CASES)
def test_id_lookup_answers_as_the_full_read(monkeypatch, make_emu, path, query, consistency):
    fast_emu, full_emu = make_emu(), make_emu()
    fast = _read(fast_emu, path, query, consistency)
    fast_again = _read(fast_emu, path, query, consistency)
    with monkeypatch.context() as m:
        m.setattr(directory, "preselect", lambda objects, text: None)  # every object read, as before
        full = _read(full_emu, path, query, consistency)
        full_again = _read(full_emu, path, query, consistency)
    assert (fast, fast_again) == (full, full_again)
    # and what the reads did to the tenant (a lagging user's hidden reads) is the same too
    assert fast_emu.tenants[TENANT].data == full_emu.tenants[TENANT].data


def test_the_cases_exercise_the_lookup():
    """Guards the comparison above against comparing two general paths."""
    users = _tenant(40).coll("users")
    picked = directory.preselect(users, f"id in ('{U[3]}','{UNKNOWN}','{U[3]}','{UPPER.lower()}')")
    assert [o["id"] for o in picked] == [k for k in users if k in (U[3], UPPER)]
    assert directory.preselect(users, f"ID eq '{U[1].upper()}' and jobTitle eq 'Admin'") == [users[U[1]]]
    assert directory.preselect(users, f"id eq '{U[1]}' or displayName eq 'User 3'") is None
    assert directory.preselect(users, f"not (id eq '{U[1]}')") is None
    assert directory.preselect(users, "id in ('a'") is None


def test_the_next_page_of_an_id_lookup_is_the_full_reads(make_emu):
    emu = make_emu()
    query = "$filter=id in (" + ",".join(f"'{u}'" for u in U[5:15]) + ")"
    status, first = _read(emu, "/users", query)
    assert status == 200 and len(first["value"]) == 4
    link = first["@odata.nextLink"]
    _, second = _read(emu, "/users", link.split("?", 1)[1])
    _, third = _read(emu, "/users", second["@odata.nextLink"].split("?", 1)[1])
    assert "@odata.nextLink" not in third
    got = [u["id"] for page in (first, second, third) for u in page["value"]]
    assert got == [k for k in emu.tenants[TENANT].coll("users") if k in U[5:15]]


@pytest.mark.parametrize("size", [40, 4000])
def test_objects_built_per_id_read_do_not_grow_with_the_tenant(monkeypatch, make_emu, size):
    emu = make_emu(size, page_size=100)
    built = []
    real_plain = directory_objects.plain

    def counting_plain(coll, obj, select=None):
        built.append(obj["id"])
        return real_plain(coll, obj, select)

    monkeypatch.setattr(directory_objects, "plain", counting_plain)
    ids = [_uid(i) for i in range(0, 30, 2)]  # 15 ids, as the compliance scan sends them
    status, body = _read(emu, "/users", "$filter=id in (" + ",".join(f"'{u}'" for u in ids) + ")")
    assert status == 200 and sorted(u["id"] for u in body["value"]) == sorted(ids)
    assert sorted(built) == sorted(ids)
    built.clear()
    # another term before the ids: still only the ids' objects are read
    status, body = _read(emu, "/users", f"$filter=accountEnabled eq false and id in ('{ids[0]}','{UNKNOWN}')")
    assert status == 200 and built == [ids[0]] and [u["id"] for u in body["value"]] == [ids[0]]
