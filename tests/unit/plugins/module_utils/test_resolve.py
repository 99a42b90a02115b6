"""Name resolution: bulk reads, every unknown name reported at once, OData literals escaped."""

from __future__ import annotations

import re

import pytest

from ansible_collections.entra.pim.plugins.module_utils._resolve import (
    ResolveError,
    Resolver,
    match_roles,
    odata_quote,
)

ROLES = [
    {"id": "29232cdf-9323-42fd-ade2-1d097af3e4de", "templateId": "29232cdf-9323-42fd-ade2-1d097af3e4de",
     "displayName": "Exchange Administrator"},
    {"id": "62e90394-69f5-4237-9190-012177145e10", "templateId": "62e90394-69f5-4237-9190-012177145e10",
     "displayName": "Global Administrator"},
]
AU_ID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
APP_ID = "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809"


class RecordingGraph:
    """Answers the few reads the resolver makes from fixed data, and records them."""

    def __init__(self):
        self.calls = []

    def get_all(self, path, params=None):
        self.calls.append(("GET", path, dict(params or {})))
        if path == "/directory/administrativeUnits":
            units = [{"id": AU_ID, "displayName": "AU-Europe"}]
            text = params["$filter"]
            return [u for u in units if odata_quote(u["displayName"]) in text or odata_quote(u["id"]) in text]
        if path == "/users":
            return [{"id": "u1", "displayName": "Alice", "userPrincipalName": "alice@contoso.com"}]
        return []

    def post(self, path, body, read=False):
        self.calls.append(("POST", path, body))
        assert read, "getByIds only reads"
        return {"value": [{"id": APP_ID, "@odata.type": "#microsoft.graph.application"}]
                if "application" in body["types"] else []}


def test_roles_by_name_template_id_and_case():
    found = match_roles(["exchange administrator", "62e90394-69f5-4237-9190-012177145e10"], ROLES)
    assert found["exchange administrator"]["displayName"] == "Exchange Administrator"
    assert found["62e90394-69f5-4237-9190-012177145e10"]["displayName"] == "Global Administrator"


CUSTOM_TWIN = {"id": "7b0c9d2e-1f3a-4b5c-8d6e-9f0a1b2c3d4e", "templateId": "7b0c9d2e-1f3a-4b5c-8d6e-9f0a1b2c3d4e",
               "displayName": "exchange administrator", "isBuiltIn": False}
CUSTOM_SUFFIX = {"id": "0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9", "templateId": "0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9",
                 "displayName": "Global Administrator (Contoso)", "isBuiltIn": False}


@pytest.mark.parametrize("order", ["built-in first", "custom first"])
def test_an_exact_name_wins_over_a_custom_role_that_differs_only_by_case(order):
    roles = [dict(r, isBuiltIn=True) for r in ROLES] + [CUSTOM_TWIN, CUSTOM_SUFFIX]
    if order == "custom first":
        roles.reverse()
    found = match_roles(["Exchange Administrator", "exchange administrator", "Global Administrator",
                         "global administrator (contoso)", CUSTOM_TWIN["id"].upper()], roles)
    assert found["Exchange Administrator"]["id"] == ROLES[0]["id"]
    assert found["exchange administrator"] is CUSTOM_TWIN
    assert found["Global Administrator"]["id"] == ROLES[1]["id"]
    assert found["global administrator (contoso)"] is CUSTOM_SUFFIX  # one role in any case: still found
    assert found[CUSTOM_TWIN["id"].upper()] is CUSTOM_TWIN


def test_a_name_matching_several_roles_only_in_another_case_is_refused_naming_both():
    with pytest.raises(ResolveError) as err:
        match_roles(["EXCHANGE ADMINISTRATOR", "Nonsense Role"], [*ROLES, CUSTOM_TWIN])
    text = str(err.value)
    assert "unknown role(s): 'Nonsense Role'" in text
    assert ("ambiguous role(s): 'EXCHANGE ADMINISTRATOR' matches 'Exchange Administrator' (built-in, id "
            "29232cdf-9323-42fd-ade2-1d097af3e4de) and 'exchange administrator' (custom, id "
            f"{CUSTOM_TWIN['id']}) in another case") in text


def test_a_misspelt_name_suggests_the_built_in_first_and_its_custom_twin():
    with pytest.raises(ResolveError) as err:
        match_roles(["Exchange Administrater"], [*ROLES, CUSTOM_TWIN])
    assert "(did you mean 'Exchange Administrator', 'exchange administrator'" in str(err.value)


def test_unknown_roles_are_all_named_with_the_closest_names():
    with pytest.raises(ResolveError) as err:
        match_roles(["Exchange Admin", "Nonsense Role"], ROLES)
    assert "'Exchange Admin' (did you mean 'Exchange Administrator'?)" in str(err.value)
    assert "'Nonsense Role'" in str(err.value)


def test_quotes_in_names_are_doubled_so_they_stay_data():
    assert odata_quote("x' or startswith(displayName,'") == "'x'' or startswith(displayName,'''"


def test_scopes_resolve_in_bulk_and_check_existence():
    graph = RecordingGraph()
    scopes = Resolver(graph).scopes(["/", "AU-Europe", f"/administrativeUnits/{AU_ID}", f"/{APP_ID}"])
    assert scopes == {"/": "/", "AU-Europe": f"/administrativeUnits/{AU_ID}",
                      f"/administrativeUnits/{AU_ID}": f"/administrativeUnits/{AU_ID}", f"/{APP_ID}": f"/{APP_ID}"}
    # one read for the units (names and ids together), one getByIds for the application
    expected = [("GET", "/directory/administrativeUnits"), ("POST", "/directoryObjects/getByIds")]
    assert [c[:2] for c in graph.calls] == expected


def test_unusable_scopes_are_all_reported_before_any_write():
    graph = RecordingGraph()
    with pytest.raises(ResolveError) as err:
        Resolver(graph).scopes(["/administrativeUnits/not-a-guid", "/99999999-9999-9999-9999-999999999999",
                                "/not/a/scope", "AU-Nowhere"])
    message = str(err.value)
    for ref in ("/administrativeUnits/not-a-guid", "/99999999-9999-9999-9999-999999999999", "/not/a/scope",
                "AU-Nowhere"):
        assert repr(ref) in message
    assert all(c[0] == "GET" or c[1].endswith("getByIds") for c in graph.calls)


def test_user_principal_names_are_read_with_one_escaped_in_filter():
    graph = RecordingGraph()
    found = Resolver(graph).principals(["alice@contoso.com"], kinds=("user",))
    assert found["alice@contoso.com"]["id"] == "u1"
    method, path, params = graph.calls[0]
    assert (method, path) == ("GET", "/users")
    assert re.fullmatch(r"userPrincipalName in \('alice@contoso.com'\)", params["$filter"])
