"""PIM for Groups over HTTP: every group route answers in msgraph-sdk's privilegedAccessGroup* shapes (the
conformance middleware records 0 violations for them), the real SDK reads them, and the admin API shows the
group state the emulator holds."""

from __future__ import annotations

import pytest
from emu_harness import start_emulator, stop_emulator
from helpers_sdk import graph_client, secret_credential
from kiota_abstractions.base_request_configuration import RequestConfiguration

PG = "/identityGovernance/privilegedAccess/group"


@pytest.fixture(scope="module")
def gemu(tmp_path_factory):
    """An emulator of its own: these tests write group state and read the conformance report."""
    e = start_emulator(tmp_path_factory.mktemp("groups"))
    yield e
    stop_emulator(e)


def _group(e, name: str) -> str:
    state = e.admin("GET", f"tenants/{e.tenant()['id']}/state").json()
    return next(g["id"] for g in state["data"]["groups"].values() if g["displayName"] == name)


def _body(e, action, user, group, access="member", duration="P30D"):
    return {"action": action, "principalId": e.user(user)["id"], "groupId": group, "accessId": access,
            "justification": "http test", "scheduleInfo": {"startDateTime": None, "expiration": {
                "type": "afterDuration", "duration": duration}}}


def test_every_group_route_conforms_to_the_sdk_models(gemu):
    e = gemu
    exch, helpdesk = _group(e, "PIM-Exchange-Admins"), _group(e, "Helpdesk-Operators")
    token = e.token()
    r = e.post(f"{PG}/eligibilityScheduleRequests", _body(e, "adminAssign", "bob.secops", helpdesk), token=token)
    assert r.status_code == 201, r.text
    elig = r.json()
    r = e.post(f"{PG}/assignmentScheduleRequests", _body(e, "adminAssign", "carol.helpdesk", exch, "owner"),
               token=token)
    assert r.status_code == 201, r.text
    r = e.post(f"{PG}/eligibilityScheduleRequests", _body(e, "adminAssign", "bob.secops", exch, "owner"), token=token)
    assert r.status_code == 201, r.text
    r = e.post(f"{PG}/assignmentScheduleRequests", _body(e, "adminAssign", "bob.secops", helpdesk, "owner"),
               token=token)
    assert r.status_code == 201, r.text
    bob = e.signin("bob.secops", mfa=False)
    r = e.post(f"{PG}/assignmentScheduleRequests", _body(e, "selfActivate", "bob.secops", helpdesk, duration="PT1H"),
               token=bob)
    assert r.status_code == 201 and r.json()["status"] == "Provisioned", r.text
    for group in (exch, helpdesk):
        for name in ("eligibilityScheduleRequests", "assignmentScheduleRequests", "eligibilitySchedules",
                     "assignmentSchedules", "eligibilityScheduleInstances", "assignmentScheduleInstances"):
            r = e.get(f"{PG}/{name}", params={"$filter": f"groupId eq '{group}'", "$expand": "principal,group"},
                      token=token)
            assert r.status_code == 200, r.text
            assert r.json()["value"], name
            r = e.get(f"{PG}/{name}/{r.json()['value'][0]['id']}", token=token)
            assert r.status_code == 200, r.text
            r = e.get(f"{PG}/{name}/filterByCurrentUser(on='principal')", token=bob)
            assert r.status_code == 200, r.text
    assert e.get(f"{PG}/eligibilityScheduleRequests/{elig['id']}", params={"$expand": "targetSchedule"},
                 token=token).json()["targetSchedule"]["id"] == elig["targetScheduleId"]
    for path in ("members", "transitiveMembers", "owners"):
        assert e.get(f"/groups/{exch}/{path}", token=token).status_code == 200
    r = e.get("/policies/roleManagementPolicyAssignments", token=token, params={
        "$filter": f"scopeId eq '{helpdesk}' and scopeType eq 'Group'", "$expand": "policy($expand=rules)"})
    assert r.status_code == 200 and len(r.json()["value"]) == 2, r.text
    report = e.admin("GET", "conformance").json()
    group_routes = [v for v in report["violations"] if "privilegedAccess" in v["route"] or "/groups" in v["route"]
                    or "roleManagementPolic" in v["route"]]
    assert [(v["route"], v["property"], v["detail"]) for v in group_routes if not v.get("allowed")] == []
    assert not [k for k in report["unchecked_routes"] if "privilegedAccess" in k]
    checked = {k for k in report["by_route"] if "privilegedAccess" in k}
    assert len(checked) >= 12, checked


async def test_the_sdk_reads_group_schedules(gemu):
    from msgraph.generated.identity_governance.privileged_access.group.eligibility_schedules.eligibility_schedules_request_builder import (  # noqa: E501
        EligibilitySchedulesRequestBuilder as B,
    )
    from msgraph.generated.models.privileged_access_group_member_type import PrivilegedAccessGroupMemberType
    from msgraph.generated.models.privileged_access_group_relationships import PrivilegedAccessGroupRelationships

    exch = _group(gemu, "PIM-Exchange-Admins")
    async with secret_credential(gemu, "pim-reader") as cred:
        client = graph_client(cred, gemu.graph_url, gemu.ca)
        q = B.EligibilitySchedulesRequestBuilderGetQueryParameters(filter=f"groupId eq '{exch}'")
        page = await client.identity_governance.privileged_access.group.eligibility_schedules.get(
            request_configuration=RequestConfiguration(query_parameters=q))
    got = {(s.principal_id, s.access_id) for s in page.value}
    assert (gemu.user("olivia.teams")["id"], PrivilegedAccessGroupRelationships.Member) in got
    assert (gemu.user("alice.admin")["id"], PrivilegedAccessGroupRelationships.Owner) in got
    assert all(s.member_type == PrivilegedAccessGroupMemberType.Direct for s in page.value)
    assert all(s.id.startswith(f"{exch}_") for s in page.value)  # {groupId}_{accessId}_{requestGuid}


def test_a_group_list_without_its_filter_is_refused(gemu):
    r = gemu.get(f"{PG}/eligibilitySchedules")
    assert r.status_code == 400 and r.json()["error"]["code"] == "BadRequest", r.text


def test_the_reader_app_cannot_write_group_pim(gemu):
    r = gemu.post(f"{PG}/eligibilityScheduleRequests",
                  _body(gemu, "adminAssign", "bob.secops", _group(gemu, "PIM-Approvers-Tier0")),
                  token=gemu.token("pim-reader"))
    message = r.json()["error"]["message"]
    assert r.status_code == 403 and "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup" in message
    exch = _group(gemu, "PIM-Exchange-Admins")
    r = gemu.get(f"{PG}/eligibilitySchedules", params={"$filter": f"groupId eq '{exch}'"},
                 token=gemu.token("ops-automation"))
    assert r.status_code == 403 and "PrivilegedEligibilitySchedule.Read.AzureADGroup" in r.json()["error"]["message"]


def test_the_admin_api_shows_group_pim_state_on_the_clock(gemu):
    e = gemu
    tid, approvers = e.tenant()["id"], _group(e, "PIM-Approvers-Tier0")
    assert approvers not in e.admin("GET", f"tenants/{tid}/group-pim").json()  # not managed yet
    r = e.post(f"{PG}/eligibilityScheduleRequests", _body(e, "adminAssign", "walter.pim", approvers), token=e.token())
    assert r.status_code == 201, r.text
    walter = e.user("walter.pim")["id"]
    r = e.post(f"{PG}/assignmentScheduleRequests",
               _body(e, "selfActivate", "walter.pim", approvers, duration="PT1H"), token=e.signin("walter.pim"))
    assert r.status_code == 201, r.text
    entry = e.admin("GET", f"tenants/{tid}/group-pim").json()[approvers]
    assert entry["managed"] and set(entry["policies"]) == {"member", "owner"}
    assert walter in entry["members"]
    assert [a["assignmentType"] for a in entry["active"] if a["principalId"] == walter] == ["activated"]
    assert e.admin("GET", f"tenants/{tid}/state").json()["groupPim"][approvers]["members"] == entry["members"]
    members = e.get(f"/groups/{approvers}/members").json()["value"]
    assert walter in {m["id"] for m in members}
    try:
        e.admin("POST", "clock", {"advance": "PT2H"})
        entry = e.admin("GET", f"tenants/{tid}/group-pim").json()[approvers]
        assert walter not in entry["members"] and not [a for a in entry["active"] if a["principalId"] == walter]
        assert walter not in {m["id"] for m in e.get(f"/groups/{approvers}/members").json()["value"]}
    finally:
        e.admin("POST", "clock", {"set_offset": 0})


def test_group_lists_read_in_one_batch_and_admin_made_owners_show(gemu):
    """The collection reads many groups' schedules with one $batch (a filter per group); a group created
    through the admin API takes owners, answered by /groups/{id}/owners."""
    e = gemu
    tid = e.tenant()["id"]
    made = e.admin("POST", f"tenants/{tid}/directory/groups", {
        "displayName": "Batch-Test-Group", "isAssignableToRole": True, "members": [e.user("trent.dev")["id"]],
        "owners": [e.user("judy.apps")["userPrincipalName"]]})
    assert made.status_code == 201, made.text
    gid = made.json()["id"]
    owners = e.get(f"/groups/{gid}/owners").json()["value"]
    assert [(o["@odata.type"], o["id"]) for o in owners] == [("#microsoft.graph.user", e.user("judy.apps")["id"])]
    groups = [gid, _group(e, "PIM-Exchange-Admins"), _group(e, "Helpdesk-Operators")]
    r = e.post("/$batch", {"requests": [
        {"id": str(n), "method": "GET",
         "url": f"{PG}/eligibilityScheduleInstances?$filter=groupId eq '{g}'"} for n, g in enumerate(groups)]})
    assert r.status_code == 200, r.text
    answers = {a["id"]: a for a in r.json()["responses"]}
    assert all(a["status"] == 200 for a in answers.values()), answers
    assert answers["0"]["body"]["value"] == []  # not PIM-managed: nothing, and no error
    exch = {i["principalId"] for i in answers["1"]["body"]["value"]}
    assert {e.user("olivia.teams")["id"], e.user("alice.admin")["id"]} <= exch
