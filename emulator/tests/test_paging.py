"""Schedule lists are built once per query and paged from that list (pim/schedules.py ``paged_list``).

Over HTTP (page size 2, so the default tenant's lists span several pages): the nextLink keeps Graph's
shape, following it returns every item exactly once, and a write between two pages neither shifts
nor repeats what the cursor hands out; the next first page shows the write. In the engine: one
build per query, however many pages are read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from emu_harness import start_emulator, stop_emulator

sys.path.insert(0, str(Path(__file__).resolve().parent / "pim"))

ELIG_INST = "/roleManagement/directory/roleEligibilityScheduleInstances"
ELIG_REQ = "/roleManagement/directory/roleEligibilityScheduleRequests"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory):
    e = start_emulator(tmp_path_factory.mktemp("paging"), "--page-size", "2")
    yield e
    stop_emulator(e)


def _follow(emu, url: str, token: str) -> list[dict]:
    items = []
    while url:
        doc = emu.http.get(url, headers={"Authorization": f"Bearer {token}"}).json()
        items += doc["value"]
        url = doc.get("@odata.nextLink")
    return items


def test_cursor_stays_valid_across_a_write(small_pages):
    emu = small_pages
    token = emu.token("pim-admin")
    first = emu.get(ELIG_INST, token=token).json()
    nxt = first["@odata.nextLink"]
    assert len(first["value"]) == 2
    # Graph's shape: the same route, the same query, an opaque $skiptoken.
    assert urlsplit(nxt).path.endswith(ELIG_INST) and set(parse_qs(urlsplit(nxt).query)) == {"$skiptoken"}
    before = first["value"] + _follow(emu, nxt, token)
    ids = [i["id"] for i in before]
    assert len(ids) == len(set(ids)) >= 3, "every item once, over at least two pages"

    again = emu.get(ELIG_INST, token=token).json()  # a new query: a new list, then a write mid-way
    user = emu.user("heidi.auditor")["id"]
    body = {"action": "adminAssign", "principalId": user, "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/",
            "justification": "paging", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "P30D"}}}
    assert emu.post(ELIG_REQ, body, token=token).status_code == 201
    rest = _follow(emu, again["@odata.nextLink"], token)
    assert [i["id"] for i in again["value"] + rest] == ids, "the cursor neither skips nor repeats"

    after = [i["id"] for i in _follow(emu, f"{emu.graph_url}{ELIG_INST}", token)]
    new = [i for i in after if i not in ids]
    assert len(after) == len(ids) + 1 and len(new) == 1 and new[0].endswith("-1-e")
    emu.admin("POST", "reset")


def test_one_build_per_query_however_many_pages(monkeypatch):
    from pim_env import ALICE, EXCH, GA, Env
    from pim_emulator.pim import schedules

    env = Env([{"kind": "eligible", "principalId": ALICE, "roleDefinitionId": role, "directoryScopeId": "/",
                "permanent": True, "duration": None, "outsidePim": False} for role in (GA, EXCH)])
    builds = []
    real = schedules.instances
    monkeypatch.setattr(schedules, "instances", lambda eng, eligible: builds.append(eligible) or real(eng, eligible))

    _, first = env.get(ELIG_INST)
    for _ in range(3):  # later pages: the token's value is the HTTP layer's offset into this list
        _, page = env.get(ELIG_INST, skiptoken="x")
        assert page.items is first.items
    assert builds == [True]
    _, other = env.get(ELIG_INST, filter=f"roleDefinitionId eq '{GA}'", skiptoken="x")  # another query
    _, fresh = env.get(ELIG_INST)  # a first page always builds anew
    assert builds == [True, True, True] and fresh.items is not first.items
    assert sorted(i["roleDefinitionId"] for i in fresh.items) == sorted([GA, EXCH])
