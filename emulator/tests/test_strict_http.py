"""Queries Graph refuses are refused here too (issue 18): PIM lists take what their pages document,
policies need their scope filter, directory advanced queries need ConsistencyLevel, $batch ids fold case."""

from __future__ import annotations

import pytest

RM = "/roleManagement/directory"
INST = RM + "/roleEligibilityScheduleInstances"
REQ = RM + "/roleAssignmentScheduleRequests"
POLICIES = "/policies/roleManagementPolicies"
SCOPE = "scopeId eq '/' and scopeType eq 'DirectoryRole'"


def _error(r):
    return r.status_code, r.json()["error"]["code"], r.json()["error"]["message"]


@pytest.mark.parametrize("query,word", [
    ("$filter=roleDefinitionId in ('a','b')", "'In'"),
    ("$filter=startswith(roleDefinitionId,'62e9')", "Function 'startswith'"),
    ("$filter=roleDefinitionId eq 'a' or roleDefinitionId eq 'b'", "'Or'"),
    ("$filter=startDateTime gt 2020-01-01T00:00:00Z", "'Gt'"),
    ("$filter=not (memberType eq 'Direct')", "'Not'"),
    ("$orderby=startDateTime", "'OrderBy'"),
    ("$count=true", "'Count'"),
])
def test_pim_lists_refuse_what_their_pages_do_not_document(emu, query, word):
    status, code, message = _error(emu.get(f"{INST}?{query}"))
    assert (status, code) == (400, "BadRequest") and word in message


def test_pim_lists_refuse_a_lambda(emu):
    status, _, message = _error(emu.get(f"{REQ}?$filter=createdBy/any(c:c eq 'x')"))
    assert status == 400 and "'Any'" in message


def test_unknown_property_is_an_error_not_an_empty_list(emu):
    status, code, message = _error(emu.get(f"{INST}?$filter=roleId eq 'x'"))
    assert (status, code) == (400, "BadRequest")
    assert message == ("Could not find a property named 'roleId' on type "
                       "'microsoft.graph.unifiedRoleEligibilityScheduleInstance'.")


def test_what_the_collection_sends_still_works(emu):
    # every $filter the modules send (plugins/module_utils): eq terms joined by and, on documented properties
    ga = "62e90394-69f5-4237-9190-012177145e10"
    for url in (f"{INST}?$filter=roleDefinitionId eq '{ga}' and principalId eq 'x' and directoryScopeId eq '/'",
                f"{REQ}?$filter=status eq 'PendingApproval'",
                f"{RM}/roleAssignmentSchedules?$filter=roleDefinitionId eq '{ga}'",
                f"{REQ}?$filter=targetScheduleId ne null",
                f"/policies/roleManagementPolicyAssignments?$filter={SCOPE} and roleDefinitionId eq '{ga}'"
                "&$expand=policy($expand=rules)",
                f"{POLICIES}?$filter={SCOPE}&$expand=rules&$select=id"):
        assert emu.get(url).status_code == 200, url


def test_policy_list_requires_its_scope_filter(emu):
    # "This method requires the $filter (eq) query parameter to scope the request to a scopeId and a scopeType"
    status, code, message = _error(emu.get(POLICIES))
    assert (status, code) == (400, "UnknownError") and "MissingProvider" in message


def test_scope_type_directory_is_the_docs_own_example(emu):
    # "the scopeId must be / and scopeType can be either Directory or DirectoryRole" (List roleManagementPolicies)
    both = emu.get(f"{POLICIES}?$filter={SCOPE}").json()["value"]
    directory = emu.get(f"{POLICIES}?$filter=scopeId eq '/' and scopeType eq 'Directory'&$expand=rules").json()
    assert len(directory["value"]) == len(both) > 0
    first = directory["value"][0]
    assert first["scopeType"] == "Directory" and first["displayName"] == "Directory"
    assert first["id"].startswith("Directory_") and len(first["rules"]) == 17
    twin = "DirectoryRole_" + first["id"][len("Directory_"):]
    assert twin in {p["id"] for p in both}
    got = emu.get(f"{POLICIES}/{first['id']}")
    assert got.status_code == 200 and got.json()["scopeType"] == "Directory"


def test_advanced_directory_queries_need_consistency_level(emu):
    eventual = {"ConsistencyLevel": "eventual"}
    status, code, message = _error(emu.get("/users?$filter=accountEnabled ne true&$count=true"))
    assert (status, code) == (400, "Request_UnsupportedQuery") and message.startswith("Operator 'ne' is not supported")
    assert _error(emu.get("/users?$filter=endswith(userPrincipalName,'x')"))[1] == "Request_UnsupportedQuery"
    assert _error(emu.get('/users?$search="displayName:Walter"'))[2].startswith(
        "Request with $search query parameter only works")
    assert _error(emu.get("/users?$filter=accountEnabled eq true&$orderby=displayName"))[1] == \
        "Request_UnsupportedQuery"
    ok = emu.get("/users?$filter=accountEnabled ne true&$count=true", headers=eventual)
    assert ok.status_code == 200 and "@odata.count" in ok.json()
    # the header without $count=true is not enough for ne
    assert emu.get("/users?$filter=accountEnabled ne true", headers=eventual).status_code == 400
    # $count=true without the header is silently ignored, as the page says
    plain = emu.get("/users?$count=true&$top=1")
    assert plain.status_code == 200 and "@odata.count" not in plain.json()
    # default queries stay default: eq, in, or, startswith, $orderby=displayName on users
    for q in ("$filter=userPrincipalName in ('a@b.c')", "$filter=displayName eq 'a' or displayName eq 'b'",
              "$filter=startswith(displayName,'W')", "$orderby=displayName"):
        assert emu.get(f"/users?{q}").status_code == 200, q


def test_batch_item_carries_consistency_level(emu):
    url = "/users?$filter=accountEnabled ne true&$count=true"
    r = emu.post("/$batch", {"requests": [
        {"id": "1", "method": "GET", "url": url},
        {"id": "2", "method": "GET", "url": url, "headers": {"ConsistencyLevel": "eventual"}}]})
    by_id = {x["id"]: x for x in r.json()["responses"]}
    assert by_id["1"]["status"] == 400 and by_id["2"]["status"] == 200


def test_batch_ids_are_not_case_sensitive(emu):
    # "id ... Not case-sensitive. Must be unique in the batch" (JSON batching)
    dup = emu.post("/$batch", {"requests": [{"id": "a", "method": "GET", "url": "/users?$top=1"},
                                            {"id": "A", "method": "GET", "url": "/users?$top=1"}]})
    assert dup.status_code == 400
    ok = emu.post("/$batch", {"requests": [{"id": "First", "method": "GET", "url": "/users?$top=1"},
                                           {"id": "second", "method": "GET", "url": "/users?$top=1",
                                            "dependsOn": ["FIRST"]}]})
    assert ok.status_code == 200
    assert sorted(x["id"] for x in ok.json()["responses"]) == ["First", "second"]
    assert all(x["status"] == 200 for x in ok.json()["responses"])
