"""ARM lists of PIM schedules, instances, requests and role assignments page with an absolute ``nextLink``
(``{"value": [...], "nextLink": "https://..."}``), which azure-mgmt-authorization follows as given. An emulator of
its own with a page size of 2, so the default seed's few items already span pages."""

from __future__ import annotations

import uuid

import pytest
from emu_harness import start_emulator, stop_emulator

from test_arm_requests import READER, ArmHelper, eligibility


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory):
    e = start_emulator(tmp_path_factory.mktemp("emu-arm-paging"), "--page-size", "2")
    yield e
    stop_emulator(e)


def test_every_item_is_listed_once_across_pages(small_pages):
    arm = ArmHelper(small_pages)
    client = arm.client()
    names = [str(uuid.uuid4()) for _ in range(5)]
    for n, user in zip(names, ("victor.ops", "bob.secops", "alice.admin", "frank.synced", "trent.dev"), strict=True):
        client.role_eligibility_schedule_requests.create(arm.rg_network, n,
                                                         eligibility(arm, arm.uid(user), READER, arm.rg_network))
    urls: list[str] = []

    def seen(response):
        urls.append(response.http_request.url)

    listed = [r.name for r in client.role_eligibility_schedule_requests.list_for_scope(arm.rg_network,
                                                                                       raw_response_hook=seen)]
    assert sorted(listed) == sorted(names)
    assert len(urls) == 3  # 2 + 2 + 1
    assert all(u.startswith(small_pages.ready["arm_url"] + arm.rg_network) for u in urls)
    assert all("api-version=2020-10-01" in u for u in urls)
    # Schedules and instances at the subscription: the five new ones, the seeded ones at and above it.
    scheds = [s.name for s in client.role_eligibility_schedules.list_for_scope(arm.prod)]
    assert len(scheds) == len(set(scheds)) >= 7
    insts = [i.name for i in client.role_assignment_schedule_instances.list_for_scope(arm.prod)]
    rbac = [a.name for a in client.role_assignments.list_for_scope(arm.prod)]
    assert len(insts) == len(set(insts)) and sorted(insts) == sorted(rbac) and len(rbac) > 2

