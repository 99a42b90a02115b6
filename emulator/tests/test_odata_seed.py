"""Pure tests: the $filter parser, $expand parsing, paging tokens; and seed files through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from emu_harness import EMULATOR_DIR, start_emulator, stop_emulator
from pim_emulator import odata
from pim_emulator.contract import GraphError

ITEMS = [
    {"id": "a", "displayName": "Alice O'Neil", "n": 3, "when": "2025-01-02T00:00:00Z", "tags": [{"k": "x"}],
     "scope": {"id": "/"}},
    {"id": "b", "displayName": "Bob", "n": 5, "when": None, "tags": [], "scope": {"id": "/administrativeUnits/1"}},
]


@pytest.mark.parametrize(("text", "ids"), [
    ("displayName eq 'bob'", ["b"]),
    ("displayName eq 'Alice O''Neil'", ["a"]),
    ("n gt 3 or n le 2", ["b"]),
    ("not (n eq 3)", ["b"]),
    ("startswith(displayName,'al') and endswith(displayName, 'neil')", ["a"]),
    ("contains(displayName,'o')", ["a", "b"]),
    ("tags/any(t: t/k eq 'x')", ["a"]),
    ("tags/any()", ["a"]),
    ("when ge 2025-01-01T00:00:00Z", ["a"]),
    ("when eq null", ["b"]),
    ("id in ('a', 'c')", ["a"]),
    ("scope/id ne '/'", ["b"]),
])
def test_filter(text, ids):
    assert [i["id"] for i in odata.apply_filter(ITEMS, text)] == ids


@pytest.mark.parametrize("text", ["", "displayName eq", "eq 'x'", "(n eq 3", "n eq 3)", "startswith(n)", "n eq #"])
def test_malformed_filter(text):
    with pytest.raises(GraphError) as err:
        odata.apply_filter(ITEMS, text)
    assert err.value.status == 400 and err.value.code == "BadRequest"


def test_parse_expand_nested():
    assert odata.parse_expand("policy($expand=rules($select=id);$select=id,displayName),principal") == {
        "policy": {"$expand": "rules($select=id)", "$select": "id,displayName"}, "principal": {}}


def test_parse_query_decodes():
    q = odata.parse_query("%24expand=policy%28%24expand%3Drules%29&$filter=scopeId+eq+%27%2F%27&Top=5")
    assert q == {"$expand": "policy($expand=rules)", "$filter": "scopeId eq '/'", "$top": "5"}


def test_orderby_and_skiptoken():
    assert [i["id"] for i in odata.apply_orderby(ITEMS, "n desc")] == ["b", "a"]
    assert odata.read_skiptoken(odata.make_skiptoken(40)) == 40
    with pytest.raises(GraphError):
        odata.read_skiptoken("garbage!")


def test_seed_files_from_the_cli(tmp_path):
    gen = tmp_path / "gen.json"
    subprocess.run([sys.executable, "-m", "pim_emulator", "generate", "--tenants", "2", "--principals", "30",  # noqa: S603
                    "--out", str(gen)], check=True, cwd=EMULATOR_DIR)
    doc = json.loads(gen.read_text())
    assert [t["name"] for t in doc["tenants"]] == ["tenant001", "tenant002"]
    assert len(doc["tenants"][0]["users"]) == 30 and doc["tenants"][0]["assignments"]
    emu = start_emulator(tmp_path, "--seed", str(gen))
    try:
        assert len(emu.ready["tenants"]) == 2
        # Counting directory objects is an advanced query: it needs ConsistencyLevel: eventual.
        users = emu.get("/users?$count=true", token=emu.token(tenant="tenant002"),
                        headers={"ConsistencyLevel": "eventual"}).json()
        assert users["@odata.count"] == 30
    finally:
        stop_emulator(emu)
