"""Directory objects answer Graph's default property set (issue 13, fidelity): groups, service principals and
administrative units carry every property of their v1.0 "List ..." pages' examples, getByIds answers full objects
(users included), users keep the List users default set, and ``$select`` still narrows. Each answer passes the
conformance check (v1.0 names and types only), on an emulator of this module's own so the counts are ours."""

from __future__ import annotations

import re

import pytest
from emu_harness import start_emulator, stop_emulator

from pim_emulator import directory

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    e = start_emulator(tmp_path_factory.mktemp("dirdefaults"))
    yield e
    stop_emulator(e)


def _value(emu, path: str) -> list[dict]:
    r = emu.get(path)
    assert r.status_code == 200, r.text[:300]
    return r.json()["value"]


def test_groups_answer_the_list_groups_default_set(emu):
    groups = _value(emu, "/groups")
    assert groups
    for g in groups:
        assert set(directory.GROUP_DEFAULTS) | {"id"} == set(g), g["displayName"]
        assert g["renewedDateTime"] == g["createdDateTime"]  # never renewed
        assert re.fullmatch(r"S-1-12-1(-\d+){4}", g["securityIdentifier"])
        assert g["proxyAddresses"] == [] and g["onPremisesProvisioningErrors"] == []
    one = emu.get(f"/groups/{groups[0]['id']}").json()
    assert set(directory.GROUP_DEFAULTS) <= set(one)


def test_cloud_sid_reads_the_object_id_as_four_little_endian_numbers():
    # The id's bytes in Microsoft's GUID order (bytes_le) are 01 00 00 00 | 02 00 03 00 | 04 05 06 07 | 08 09 0a 0b.
    assert directory.cloud_sid("00000001-0002-0003-0405-060708090a0b") == \
        f"S-1-12-1-1-{0x30002}-{0x07060504}-{0x0b0a0908}"
    assert directory.cloud_sid("not-a-guid") is None


def test_service_principals_answer_the_list_service_principals_default_set(emu):
    sps = _value(emu, "/servicePrincipals")
    for sp in sps:
        assert set(directory.SP_DEFAULTS) | {"id"} == set(sp), sp["displayName"]
        assert set(sp["info"]) == {"termsOfServiceUrl", "supportUrl", "privacyStatementUrl", "marketingUrl",
                                   "logoUrl"}
    graph = next(sp for sp in sps if sp["appId"] == GRAPH_APP_ID)
    assert graph["appOwnerOrganizationId"] == "f8cdef31-a31e-4b4a-93e4-5f571e91255a"  # Microsoft's own tenant
    assert "publisherName" not in graph  # in the example, not in the v1.0 schema (serviceprincipal-list.json)
    own = next(sp for sp in sps if sp["displayName"] == "pim-admin")
    assert own["appOwnerOrganizationId"] == emu.tenant("contoso")["id"]
    by_app_id = emu.get(f"/servicePrincipals(appId='{own['appId']}')").json()
    assert set(directory.SP_DEFAULTS) <= set(by_app_id)
    # Two answers never share a mutable default: a list in one is not the list in another.
    assert sps[0]["info"] is not sps[1]["info"]


def test_administrative_units_answer_the_list_default_set(emu):
    aus = _value(emu, "/directory/administrativeUnits")
    assert aus and all(set(directory.AU_DEFAULTS) | {"id"} == set(a) for a in aus)


def test_users_keep_the_list_users_default_set(emu):
    users = _value(emu, "/users")
    assert all(set(u) == set(directory.USER_DEFAULT) for u in users)
    # A property outside the default set still reads with $select, a default one absent from the seed too.
    picked = _value(emu, "/users?$select=id,accountEnabled,department")
    assert all(set(u) == {"id", "accountEnabled", "department"} for u in picked)


def test_filter_and_orderby_see_the_default_properties(emu):
    """A users read that filters builds full objects (a default property the seed lacks filters as Graph's);
    the answer is still the default set."""
    alice = emu.user("alice.admin")
    nickname = alice["userPrincipalName"].partition("@")[0]
    hits = _value(emu, f"/users?$filter=mailNickname eq '{nickname}'")
    assert [u["id"] for u in hits] == [alice["id"]] and set(hits[0]) == set(directory.USER_DEFAULT)
    assert _value(emu, "/groups?$filter=membershipRule eq null") == _value(emu, "/groups")


def test_get_by_ids_answers_full_objects(emu):
    user, sp = emu.user("alice.admin"), emu.app("pim-admin")["service_principal_id"]
    r = emu.post("/directoryObjects/getByIds", {"ids": [user["id"], sp]})
    assert r.status_code == 200
    found = {o["@odata.type"]: o for o in r.json()["value"]}
    full_user = found["#microsoft.graph.user"]
    assert set(directory.USER_DEFAULT) < set(full_user)
    assert full_user["accountEnabled"] is True and full_user["userType"] == "Member"
    assert full_user["mailNickname"] == user["userPrincipalName"].partition("@")[0]
    assert not any(k.startswith("_") for k in full_user)  # the seed's password and MFA flag stay inside
    assert set(directory.SP_DEFAULTS) <= set(found["#microsoft.graph.servicePrincipal"])


@pytest.mark.parametrize("path", ["/groups?$select=id,displayName", "/servicePrincipals?$select=id,displayName",
                                  "/directory/administrativeUnits?$select=id,displayName"])
def test_select_still_narrows(emu, path):
    assert all(set(o) == {"id", "displayName"} for o in _value(emu, path))


def test_every_answer_above_conforms_to_the_v1_schema(emu):
    """Every route above, read again here (so the test stands alone): checked, and nothing outside the
    allow-list found."""
    before = emu.admin("GET", "conformance").json()["checked_answers"]
    for path in ("/groups", "/servicePrincipals", "/directory/administrativeUnits", "/users",
                 "/users?$select=id,accountEnabled,department", "/groups?$select=id,displayName"):
        _value(emu, path)
    sp = emu.app("pim-admin")["service_principal_id"]
    assert emu.post("/directoryObjects/getByIds", {"ids": [emu.user("alice.admin")["id"], sp]}).status_code == 200
    assert emu.get(f"/servicePrincipals/{sp}").status_code == 200
    report = emu.admin("GET", "conformance").json()
    assert report["enabled"] and report["checked_answers"] - before == 8
    assert [(v["kind"], v["property"], v["route"]) for v in report["violations"] if not v.get("allowed")] == []
