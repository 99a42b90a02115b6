"""Directory reads and OData handling through the real msgraph-sdk, plus raw requests where needed."""

from __future__ import annotations

from urllib.parse import quote

from helpers_sdk import graph_client, secret_credential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.o_data_errors.o_data_error import ODataError


async def test_sdk_users_filter_select(emu):
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder

    async with secret_credential(emu, "pim-reader") as cred:
        client = graph_client(cred, emu.graph_url, emu.ca)
        q = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            filter="startswith(userPrincipalName,'break') or displayName eq 'frank synced'",
            select=["id", "userPrincipalName", "onPremisesImmutableId"])
        page = await client.users.get(request_configuration=RequestConfiguration(query_parameters=q))
        upns = sorted(u.user_principal_name.split("@")[0] for u in page.value)
        assert upns == ["breakglass1", "breakglass2", "frank.synced"]
        synced = [u for u in page.value if u.on_premises_immutable_id]
        assert [u.user_principal_name.split("@")[0] for u in synced] == ["frank.synced"]


def test_users_default_properties_hide_on_premises_id(emu):
    user = emu.get("/users?$top=1").json()["value"][0]
    assert "onPremisesImmutableId" not in user and "userPrincipalName" in user and "_password" not in user
    sel = emu.get("/users?$select=id,onPremisesImmutableId&$top=1").json()["value"][0]
    assert set(sel) == {"id", "onPremisesImmutableId"}


async def test_sdk_users_sync_status_by_id_in(emu):
    """What pim_activation_info's include_sync_status sends: id in (...) with the two sync properties."""
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder

    frank, alice = emu.user("frank.synced")["id"], emu.user("alice.admin")["id"]
    async with secret_credential(emu, "pim-reader") as cred:
        client = graph_client(cred, emu.graph_url, emu.ca)
        q = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            filter=f"id in ('{frank}','{alice}')", select=["id", "onPremisesSyncEnabled", "onPremisesImmutableId"])
        page = await client.users.get(request_configuration=RequestConfiguration(query_parameters=q))
    by_id = {u.id: u for u in page.value}
    assert set(by_id) == {frank, alice}
    assert by_id[frank].on_premises_sync_enabled is True and by_id[frank].on_premises_immutable_id
    assert by_id[alice].on_premises_sync_enabled is None and by_id[alice].on_premises_immutable_id is None
    raw = emu.get("/users", params={"$filter": f"id in ('{frank}')"}).json()["value"][0]
    assert "onPremisesSyncEnabled" not in raw and "onPremisesImmutableId" not in raw  # not without $select
    raw = emu.get("/users", params={"$filter": f"id in ('{frank}')",
                                    "$select": "id,onPremisesSyncEnabled,onPremisesImmutableId"}).json()["value"][0]
    assert set(raw) == {"id", "onPremisesSyncEnabled", "onPremisesImmutableId"}


async def test_sdk_page_iterator_follows_next_links(emu):
    from msgraph.generated.models.unified_role_definition_collection_response import (
        UnifiedRoleDefinitionCollectionResponse,
    )
    from msgraph.generated.role_management.directory.role_definitions.role_definitions_request_builder import (
        RoleDefinitionsRequestBuilder,
    )
    from msgraph_core import PageIterator

    async with secret_credential(emu, "pim-reader") as cred:
        client = graph_client(cred, emu.graph_url, emu.ca)
        q = RoleDefinitionsRequestBuilder.RoleDefinitionsRequestBuilderGetQueryParameters(top=50)
        first = await client.role_management.directory.role_definitions.get(
            request_configuration=RequestConfiguration(query_parameters=q))
        assert len(first.value) == 50 and first.odata_next_link.startswith(emu.graph_url + "/roleManagement/")
        seen = []
        assert isinstance(first, UnifiedRoleDefinitionCollectionResponse)
        it = PageIterator(first, client.request_adapter)
        await it.iterate(lambda rd: seen.append(rd.id) or True)
        assert len(seen) == len(set(seen)) == 123 + 3  # every built-in role and the seed's 3 custom roles


def test_role_definitions_are_builtin_with_template_ids(emu):
    ga = emu.get("/roleManagement/directory/roleDefinitions/62e90394-69f5-4237-9190-012177145e10").json()
    assert ga["displayName"] == "Global Administrator" and ga["isBuiltIn"] and ga["templateId"] == ga["id"]
    r = emu.get("/roleManagement/directory/roleDefinitions?$filter=displayName eq 'global administrator'&$count=true")
    assert r.json()["@odata.count"] == 1 and r.json()["@odata.context"].endswith(
        "/v1.0/$metadata#roleManagement/directory/roleDefinitions")


def test_percent_encoded_query_and_in_operator(emu):
    f = "userPrincipalName in ('breakglass1@contoso.onmicrosoft.com','breakglass2@contoso.onmicrosoft.com')"
    r = emu.http.get(f"{emu.graph_url}/users?%24filter={quote(f)}&%24select=id%2CdisplayName",
                     headers={"Authorization": f"Bearer {emu.token()}"})
    assert r.status_code == 200 and len(r.json()["value"]) == 2


def test_malformed_filter_is_400(emu):
    r = emu.get("/users", params={"$filter": "displayName eq"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "BadRequest"
    assert r.headers["request-id"] and r.json()["error"]["innerError"]["request-id"] == r.headers["request-id"]


def test_groups_members_and_transitive(emu):
    groups = emu.get("/groups?$filter=isAssignableToRole eq true").json()["value"]
    assert {"PIM-Exchange-Admins", "PIM-Approvers-Tier0", "Helpdesk-Operators"} <= {g["displayName"] for g in groups}
    staff = emu.get("/groups?$filter=displayName eq 'All-Staff'").json()["value"][0]
    direct = emu.get(f"/groups/{staff['id']}/members").json()["value"]
    nested = emu.get(f"/groups/{staff['id']}/transitiveMembers").json()["value"]
    assert len(nested) > len(direct)
    assert {m["@odata.type"] for m in nested} == {"#microsoft.graph.user", "#microsoft.graph.group"}


def test_service_principals_and_administrative_units(emu):
    sp = emu.get(f"/servicePrincipals?$filter=appId eq '{emu.app('pim-admin')['client_id']}'").json()["value"]
    assert sp[0]["displayName"] == "pim-admin" and sp[0]["id"] == emu.app("pim-admin")["service_principal_id"]
    aus = emu.get("/directory/administrativeUnits").json()["value"]
    assert sorted(a["displayName"] for a in aus) == ["AU-Americas", "AU-Europe"]
    assert emu.get(f"/directory/administrativeUnits/{aus[0]['id']}").json()["id"] == aus[0]["id"]


def test_get_by_ids(emu):
    user, sp = emu.user("alice.admin")["id"], emu.app("pim-admin")["service_principal_id"]
    r = emu.post("/directoryObjects/getByIds", {"ids": [user, sp, "00000000-0000-0000-0000-000000000000"],
                                                "types": ["user", "servicePrincipal"]})
    assert r.status_code == 200
    assert sorted(o["@odata.type"] for o in r.json()["value"]) == ["#microsoft.graph.servicePrincipal",
                                                                   "#microsoft.graph.user"]


async def test_permission_denied_for_directory_and_role_definitions(emu):
    tok = emu.token("ops-automation")  # an app with no Graph permissions
    r = emu.get("/users", token=tok)
    assert r.status_code == 403 and r.json()["error"] == {**r.json()["error"], "code": "Authorization_RequestDenied",
                                                          "message": "Insufficient privileges to complete the "
                                                                     "operation."}
    assert emu.post("/directoryObjects/getByIds", {"ids": ["x"]}, token=tok).status_code == 403
    async with secret_credential(emu, "ops-automation") as cred:
        client = graph_client(cred, emu.graph_url, emu.ca)
        try:
            await client.role_management.directory.role_definitions.get()
            raise AssertionError("expected 403")
        except ODataError as err:
            assert err.response_status_code == 403 and err.error.code == "UnknownError"
            assert "PermissionScopeNotGranted" in err.error.message


def test_unknown_route_and_version(emu):
    r = emu.get("/nothingHere")
    assert r.status_code == 400 and r.json()["error"]["message"] == "Resource not found for the segment 'nothingHere'."
    r = emu.http.get(emu.authority + "/v2.0/users", headers={"Authorization": f"Bearer {emu.token()}"})
    assert r.status_code == 400
    assert emu.get("/users/00000000-0000-0000-0000-00000000abcd").json()["error"]["code"] == "Request_ResourceNotFound"


def test_client_request_id_is_echoed(emu):
    r = emu.get("/users?$top=1", headers={"client-request-id": "abc-123"})
    assert r.headers["client-request-id"] == "abc-123" and r.headers["request-id"] != "abc-123" and "date" in r.headers
