"""Read-after-write lag of directory objects: a principal created just before a run (kayasax/EasyPIM
issue 22) is not readable yet. Deterministic: the emulated clock (POST clock) or a count of reads decides,
never a wall-clock wait."""

from __future__ import annotations

import pytest
from emu_harness import start_emulator, stop_emulator


@pytest.fixture(scope="module")
def lagemu(tmp_path_factory):
    # Its own emulator: the objects these tests create must not show up in other modules' counts.
    e = start_emulator(tmp_path_factory.mktemp("lag"))
    yield e
    stop_emulator(e)


def _create(emu, kind: str, body: dict, tenant: str = "contoso") -> dict:
    r = emu.admin("POST", f"tenants/{tenant}/directory/{kind}", body)
    assert r.status_code == 201, r.text
    return r.json()


def _advance(emu, seconds: float) -> None:
    assert emu.admin("POST", "clock", {"advance": seconds}).status_code == 200


def _reads(emu, kind: str, obj: dict) -> dict:
    """Every way the collection reads a principal: a filtered list, by id, getByIds, directoryObjects/{id}."""
    key = "userPrincipalName" if kind == "users" else "displayName"
    value = obj[key].replace("'", "''")
    listed = emu.get(f"/{kind}", params={"$filter": f"{key} eq '{value}'"}).json()["value"]
    by_id = emu.get(f"/{kind}/{obj['id']}")
    by_ids = emu.post("/directoryObjects/getByIds", {"ids": [obj["id"]]}).json()["value"]
    generic = emu.get(f"/directoryObjects/{obj['id']}")
    return {"list": [o["id"] for o in listed], "get": by_id.status_code, "getByIds": [o["id"] for o in by_ids],
            "directoryObject": generic.status_code, "get_error": by_id.json().get("error", {}).get("code")}


HIDDEN = {"list": [], "get": 404, "getByIds": [], "directoryObject": 404, "get_error": "Request_ResourceNotFound"}


def _shown(obj):
    return {"list": [obj["id"]], "get": 200, "getByIds": [obj["id"]], "directoryObject": 200, "get_error": None}


@pytest.mark.parametrize(("kind", "body"), [
    ("users", {"displayName": "Nina Newhire", "userPrincipalName": "nina.newhire@contoso.onmicrosoft.com"}),
    ("groups", {"displayName": "PIM-Just-Created", "isAssignableToRole": True,
                "members": ["alice.admin@contoso.onmicrosoft.com"]}),
    ("servicePrincipals", {"displayName": "just-created-automation"}),
])
def test_a_new_principal_is_invisible_to_every_read_until_the_emulated_clock_passes_the_lag(lagemu, kind, body):
    obj = _create(lagemu, kind, {**body, "lag_ms": 60000})
    assert obj["_visible_after"] > 0 and obj["displayName"] == body["displayName"]
    assert _reads(lagemu, kind, obj) == HIDDEN
    _advance(lagemu, 30)
    assert _reads(lagemu, kind, obj) == HIDDEN  # half the lag: still replicating
    _advance(lagemu, 31)
    assert _reads(lagemu, kind, obj) == _shown(obj)


def test_the_emulator_wide_lag_option_applies_to_directory_objects_too(lagemu):
    assert lagemu.admin("POST", "faults", {"read_after_write_lag_ms": 5000}).status_code == 200
    try:
        obj = _create(lagemu, "users", {"displayName": "Omar Option"})
    finally:
        lagemu.admin("POST", "faults", {"read_after_write_lag_ms": 0})
    assert obj["userPrincipalName"] == "omar.option@contoso.onmicrosoft.com"
    assert _reads(lagemu, "users", obj) == HIDDEN
    _advance(lagemu, 6)
    assert _reads(lagemu, "users", obj) == _shown(obj)


def test_hidden_reads_count_only_reads_that_would_have_returned_the_object(lagemu):
    obj = _create(lagemu, "users", {"displayName": "Hana Hidden", "hidden_reads": 2})
    upn = obj["userPrincipalName"]
    # A read that selects other users does not see or use up the new one.
    other = lagemu.get("/users", params={"$filter": "startswith(displayName,'Alice')"}).json()["value"]
    assert [u["displayName"] for u in other] == ["Alice Admin"]
    assert lagemu.get("/users", params={"$filter": f"userPrincipalName eq '{upn}'"}).json()["value"] == []
    assert lagemu.get(f"/users/{upn}").status_code == 404
    # Two reads used up: the third finds it, whatever the clock says.
    assert lagemu.post("/directoryObjects/getByIds", {"ids": [obj["id"]], "types": ["user"]}).json()["value"][0][
        "id"] == obj["id"]
    assert _reads(lagemu, "users", obj) == _shown(obj)


def test_without_lag_a_new_object_is_readable_at_once_and_reset_removes_it(tmp_path):
    emu = start_emulator(tmp_path)
    try:
        obj = _create(emu, "servicePrincipals", {"displayName": "instant-app"})
        assert "_visible_after" not in obj and "_hidden_reads" not in obj
        assert _reads(emu, "servicePrincipals", obj) == _shown(obj)
        assert emu.admin("POST", "reset").status_code == 200
        assert emu.get(f"/servicePrincipals/{obj['id']}").status_code == 404
    finally:
        stop_emulator(emu)


@pytest.mark.parametrize(("kind", "body", "message"), [
    ("devices", {"displayName": "x"}, "kind must be users, groups or servicePrincipals"),
    ("users", {}, "displayName is required"),
    ("users", {"displayName": "Dup", "userPrincipalName": "alice.admin@contoso.onmicrosoft.com"}, "exists already"),
    ("groups", {"displayName": "G", "members": ["nobody@contoso.onmicrosoft.com"]}, "unknown member"),
    ("users", {"displayName": "Neg", "hidden_reads": -1}, "hidden_reads must be 0 or more"),
])
def test_bad_create_requests_are_refused_with_the_reason(lagemu, kind, body, message):
    r = lagemu.admin("POST", f"tenants/contoso/directory/{kind}", body)
    assert r.status_code == 400 and message in r.json()["message"]
