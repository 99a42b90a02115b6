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
    assert "ambiguous role(s): 'EXCHANGE ADMINISTRATOR' is ambiguous" in text
    assert "'Exchange Administrator' (id 29232cdf-9323-42fd-ade2-1d097af3e4de," in text
    assert f"'exchange administrator' (id {CUSTOM_TWIN['id']}, custom" in text


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


# ---- custom roles next to built-in ones (issue 14.6; Microsoft365DSC #5330, #5532) -----------------

EXO_CUSTOM = {"id": "c0ffee00-0000-4000-8000-000000000001", "templateId": "c0ffee00-0000-4000-8000-000000000001",
              "displayName": "Exchange administrator", "isBuiltIn": False}
GA_CUSTOM = {"id": "c0ffee00-0000-4000-8000-000000000002", "templateId": "c0ffee00-0000-4000-8000-000000000002",
             "displayName": "Global Administrator (custom)", "isBuiltIn": False}
WITH_CUSTOM = [dict(r, isBuiltIn=True) for r in ROLES] + [EXO_CUSTOM, GA_CUSTOM]


def test_the_exact_display_name_wins_over_a_case_only_match():
    found = match_roles(["Exchange Administrator", "Exchange administrator"], WITH_CUSTOM)
    assert found["Exchange Administrator"]["id"] == ROLES[0]["id"]
    assert found["Exchange administrator"]["id"] == EXO_CUSTOM["id"]


def test_a_suffix_never_matches_and_ids_always_do():
    found = match_roles(["Global Administrator", "Global Administrator (custom)", EXO_CUSTOM["id"].upper()],
                        WITH_CUSTOM)
    assert found["Global Administrator"]["id"] == ROLES[1]["id"]
    assert found["Global Administrator (custom)"]["id"] == GA_CUSTOM["id"]
    assert found[EXO_CUSTOM["id"].upper()]["id"] == EXO_CUSTOM["id"]


def test_a_unique_case_only_match_is_still_taken():
    assert match_roles(["global administrator"], WITH_CUSTOM)["global administrator"]["id"] == ROLES[1]["id"]


def test_an_ambiguous_case_only_match_fails_listing_every_candidate():
    with pytest.raises(ResolveError) as err:
        match_roles(["EXCHANGE ADMINISTRATOR", "Nonsense"], WITH_CUSTOM)
    text = str(err.value)
    assert "ambiguous" in text and "'EXCHANGE ADMINISTRATOR'" in text
    assert f"id {ROLES[0]['id']}, built-in, isBuiltIn: True" in text
    assert f"id {EXO_CUSTOM['id']}, custom, isBuiltIn: False" in text
    assert "unknown role(s): 'Nonsense'" in text  # every problem at once


# ---- scopes that could mean two things (issue 17.4) -----------------------------------------------

@pytest.mark.parametrize("ref", ["", "  ", "tenant", "Directory", "TENANT"])
def test_ambiguous_or_empty_scopes_are_refused_without_a_read(ref):
    graph = RecordingGraph()
    with pytest.raises(ResolveError) as err:
        Resolver(graph).scopes([ref])
    assert repr(ref) in str(err.value) and "write '/' for the whole tenant" in str(err.value)
    assert graph.calls == []


def test_none_still_means_the_tenant():
    assert Resolver(RecordingGraph()).scopes([None, "/"]) == {None: "/", "/": "/"}


# ---- principals created seconds ago (issue 14.6; kayasax/EasyPIM #22) ------------------------------

class LaggingGraph:
    """A directory where some users become readable only after a number of reads of /users."""

    def __init__(self, users, visible_after_reads):
        self.users, self.visible_after, self.reads, self.calls = users, visible_after_reads, 0, []

    def get_all(self, path, params=None):
        self.calls.append(("GET", path, dict(params or {})))
        if path != "/users":
            return []
        self.reads += 1
        wanted = params["$filter"]
        return [u for u in self.users if odata_quote(u["userPrincipalName"]) in wanted
                and self.reads > self.visible_after.get(u["userPrincipalName"], 0)]

    def get(self, path, params=None):
        """The suggestion read: ``startswith(userPrincipalName,'abc')``."""
        self.calls.append(("GET1", path, dict(params or {})))
        prefix = re.search(r"startswith\(userPrincipalName,'(.*)'\)", params["$filter"]).group(1)
        return {"value": [u for u in self.users if u["userPrincipalName"].startswith(prefix)]}

    def post(self, path, body, read=False):
        return {"value": []}


class FakeTime:
    def __init__(self):
        self.now, self.slept = 0.0, []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


NEW_USER = {"id": "new-1", "displayName": "New Hire", "userPrincipalName": "new.hire@contoso.com"}
NEAR_USER = {"id": "near-1", "displayName": "New Hire 2", "userPrincipalName": "new.hire2@contoso.com"}


def test_a_principal_not_yet_readable_is_found_on_a_retry():
    graph, clock = LaggingGraph([NEW_USER], {"new.hire@contoso.com": 2}), FakeTime()
    resolver = Resolver(graph, sleep=clock.sleep, clock=clock.clock)
    found = resolver.principals(["new.hire@contoso.com"], kinds=("user",))
    assert found["new.hire@contoso.com"]["id"] == "new-1"
    assert clock.slept == [1.0, 2.0] and resolver.lookup_retries == 2
    # Each retry asks only for what is still missing, with the same exact filter.
    assert [c[2]["$filter"] for c in graph.calls] == ["userPrincipalName in ('new.hire@contoso.com')"] * 3


def test_retries_are_bounded_and_then_the_principal_is_unknown():
    graph, clock = LaggingGraph([NEW_USER], {"new.hire@contoso.com": 99}), FakeTime()
    resolver = Resolver(graph, sleep=clock.sleep, clock=clock.clock)
    with pytest.raises(ResolveError, match="not found in the tenant: 'new.hire@contoso.com'"):
        resolver.principals(["new.hire@contoso.com"], kinds=("user",))
    lookups = [c for c in graph.calls if c[0] == "GET"]
    assert len(lookups) == Resolver.LOOKUP_ATTEMPTS and sum(clock.slept) <= Resolver.LOOKUP_CAP


def test_the_cap_bounds_the_waiting_even_when_sleep_overruns():
    graph, clock = LaggingGraph([], {}), FakeTime()
    resolver = Resolver(graph, sleep=lambda s: clock.sleep(s * 4), clock=clock.clock)  # a loaded machine
    with pytest.raises(ResolveError):
        resolver.principals(["ghost@contoso.com"], kinds=("user",))
    lookups = [c for c in graph.calls if c[0] == "GET"]
    assert len(lookups) == 2  # the first wait took 4 s; with 2 s more the 5 s cap would be passed


def test_a_retry_never_settles_on_a_different_principal():
    # Only a similar user exists: no retry turns 'new.hire@' into 'new.hire2@'; it is only suggested.
    graph, clock = LaggingGraph([NEAR_USER], {}), FakeTime()
    resolver = Resolver(graph, sleep=clock.sleep, clock=clock.clock)
    with pytest.raises(ResolveError) as err:
        resolver.principals(["new.hire@contoso.com"], kinds=("user",))
    assert "not found in the tenant: 'new.hire@contoso.com' (did you mean 'new.hire2@contoso.com'?)" in str(err.value)
    assert resolver._principals == {}
    # The suggestion cost one read, made once, after the retries.
    assert [c[0] for c in graph.calls] == ["GET"] * Resolver.LOOKUP_ATTEMPTS + ["GET1"]


def test_found_principals_cost_no_wait():
    graph, clock = LaggingGraph([NEW_USER], {}), FakeTime()
    Resolver(graph, sleep=clock.sleep, clock=clock.clock).principals(["new.hire@contoso.com"], kinds=("user",))
    assert clock.slept == [] and len(graph.calls) == 1
