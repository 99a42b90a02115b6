# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ArmSession through the real azure-mgmt-authorization client and azure-core pipeline, with only the socket
replaced (a requests session answering canned ARM responses): URLs and api-versions sent, flattening, paging,
request counting, azure-core's retries after Retry-After, ARM's error envelope as ArmCallError, lost writes."""

from __future__ import annotations

import io
import json

import pytest
import requests
import urllib3
from azure.core.pipeline.transport import RequestsTransport

from ansible_collections.entra.pim.plugins.module_utils import _arm_client as ac
from ansible_collections.entra.pim.plugins.module_utils._auth import AuthError
from ansible_collections.entra.pim.plugins.module_utils._client import MAX_RETRY_AFTER, GraphCallError

ARM = "https://127.0.0.1:9999"
SUB = "/subscriptions/4f2a1c3e-1111-4aaa-8bbb-000000000001"
POLICY = SUB + "/providers/Microsoft.Authorization/roleManagementPolicies/5a2e4f5c-0000-4000-8000-000000000001"
RULE = {"id": "Expiration_EndUser_Assignment", "ruleType": "RoleManagementPolicyExpirationRule",
        "isExpirationRequired": True, "maximumDuration": "PT8H",
        "target": {"caller": "EndUser", "operations": ["All"], "level": "Assignment"}}


class Wire(requests.Session):
    """Answers each request with the next canned (status, body, headers); records what was sent."""

    def __init__(self, answers):
        super().__init__()
        self.answers = list(answers)
        self.sent = []

    def request(self, method, url, **kwargs):
        self.sent.append({"method": method, "url": url, "headers": dict(kwargs.get("headers") or {}),
                          "body": kwargs.get("data")})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = (answer + ({},))[:3] if len(answer) == 2 else answer
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"content-type": "application/json", **headers}
        response = requests.Response()
        response.status_code = status
        response.raw = urllib3.HTTPResponse(body=io.BytesIO(data), headers=headers, status=status,
                                            preload_content=False)
        response.headers.update(headers)
        response.url = url
        return response


def session(answers, **kwargs):
    wire = Wire(answers)
    arm = ac.ArmSession({"access_token": "token-abc"}, arm_url=ARM,
                        transport=RequestsTransport(session=wire, session_owner=False), **kwargs)
    return arm, wire


def policy(name, rules=(RULE,)):
    return {"id": f"{SUB}/providers/Microsoft.Authorization/roleManagementPolicies/{name}", "name": name,
            "type": "Microsoft.Authorization/RoleManagementPolicies",
            "properties": {"scope": SUB, "displayName": "Default", "isOrganizationDefault": False,
                           "rules": list(rules)}}


def test_policies_at_a_scope_are_one_paged_list_flattened_with_their_rules():
    arm, wire = session([
        (200, {"value": [policy("p1")], "nextLink": f"{ARM}{SUB}/providers/Microsoft.Authorization/"
                                                    "roleManagementPolicies?api-version=2020-10-01&$skiptoken=2"}),
        (200, {"value": [policy("p2")]}),
    ])
    found = arm.list_policies(SUB)
    assert [p["name"] for p in found] == ["p1", "p2"]
    assert found[0]["rules"][0]["maximumDuration"] == "PT8H"
    assert found[0]["scope"] == SUB and "properties" not in found[0]
    assert wire.sent[0]["url"] == f"{ARM}{SUB}/providers/Microsoft.Authorization/roleManagementPolicies" \
                                  "?api-version=2020-10-01"
    assert "skiptoken=2" in wire.sent[1]["url"]
    assert wire.sent[0]["headers"]["Authorization"] == "Bearer token-abc"
    assert arm.stats() == {"requests": 2, "writes": 0, "retries": 0}


def test_a_patch_carries_only_the_rules_and_counts_as_one_write():
    arm, wire = session([(200, policy("p1"))])
    arm.patch_policy(POLICY, [RULE])
    sent = wire.sent[0]
    assert sent["method"] == "PATCH"
    assert sent["url"] == f"{ARM}{POLICY}?api-version=2020-10-01"
    assert json.loads(sent["body"]) == {"properties": {"rules": [RULE]}}
    assert arm.stats() == {"requests": 1, "writes": 1, "retries": 0}


def test_throttling_is_retried_after_retry_after_and_counted(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _seconds: None)
    arm, wire = session([(429, {"error": {"code": "TooManyRequests", "message": "slow down"}}, {"Retry-After": "0"}),
                         (200, {"value": []})])
    assert arm.list_role_definitions(SUB) == []
    assert wire.sent[0]["url"].endswith("/roleDefinitions?api-version=2022-04-01")
    assert arm.stats() == {"requests": 2, "writes": 0, "retries": 1}


def test_arm_error_envelope_becomes_a_graph_call_error_with_the_arm_hint():
    message = (f"The client 'x' with object id 'x' does not have authorization to perform action "
               f"'Microsoft.Authorization/roleManagementPolicies/write' over scope '{SUB}' or the scope is invalid.")
    arm, _wire = session([(403, {"error": {"code": "AuthorizationFailed", "message": message}},
                           {"x-ms-request-id": "req-1"})])
    with pytest.raises(GraphCallError) as caught:
        arm.patch_policy(POLICY, [RULE])
    err = caught.value
    assert isinstance(err, ac.ArmCallError)
    assert (err.status, err.code, err.request_id) == (403, "AuthorizationFailed", "req-1")
    assert err.message == message
    text = err.describe("Writing the policy")
    assert "PATCH " + POLICY + " answered 403 AuthorizationFailed" in text
    assert "Reader or Microsoft.Authorization/*/read" in text  # ARM's hint, not Graph's
    assert arm.stats()["writes"] == 1


def test_a_body_that_is_no_arm_error_still_gives_status_and_code(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _seconds: None)  # azure-core's back-off between the tries
    arm, _wire = session([(502, None), (502, None), (502, None)], max_retries=2)
    with pytest.raises(ac.ArmCallError) as caught:
        arm.get_subscription("4f2a1c3e-1111-4aaa-8bbb-000000000001")
    assert caught.value.status == 502 and caught.value.code == "HTTP502"
    assert arm.stats()["retries"] == 2


def test_a_lost_answer_to_a_write_is_write_outcome_unknown_never_resent():
    arm, wire = session([requests.exceptions.ReadTimeout("read timed out")])
    with pytest.raises(ac.ArmCallError) as caught:
        arm.patch_policy(POLICY, [RULE])
    assert caught.value.code == "WriteOutcomeUnknown"
    assert len(wire.sent) == 1


def test_raw_reads_go_through_the_same_pipeline_and_follow_next_links_on_arm_only():
    arm, wire = session([
        (200, {"value": [{"id": SUB, "subscriptionId": SUB.rsplit("/", 1)[-1], "displayName": "Production"}],
               "nextLink": f"{ARM}/subscriptions?api-version=2022-12-01&$skiptoken=x"}),
        (200, {"value": [], "nextLink": "https://elsewhere.example/subscriptions?page=3"}),
    ])
    with pytest.raises(ac.ArmCallError, match="UnexpectedNextLink"):
        arm.list_subscriptions()
    assert wire.sent[0]["url"] == f"{ARM}/subscriptions?api-version=2022-12-01"
    assert wire.sent[0]["headers"]["Authorization"] == "Bearer token-abc"
    assert len(wire.sent) == 2


def test_a_schedule_request_is_put_under_a_new_guid_name():
    body = {"properties": {"principalId": "p", "roleDefinitionId": "r", "requestType": "AdminAssign"}}
    arm, wire = session([(201, {"id": "x", "name": "n", "properties": {"status": "Provisioned"}})])
    answer = arm.create_request("role_eligibility_schedule_requests", SUB, body)
    sent = wire.sent[0]
    assert sent["method"] == "PUT"
    name = sent["url"].split("/roleEligibilityScheduleRequests/")[1].split("?")[0]
    assert ac.uuid.UUID(name).version == 4
    assert json.loads(sent["body"]) == body
    assert answer["status"] == "Provisioned"


@pytest.mark.parametrize(("cloud", "audience"), [
    ("public", "https://management.azure.com"), ("usgovernment", "https://management.usgovcloudapi.net"),
    ("china", "https://management.chinacloudapi.cn")])
def test_the_token_audience_is_the_clouds_resource_manager_whatever_the_url(cloud, audience):
    arm = ac.resolve_arm({"cloud": cloud}, ARM + "/")
    assert arm == {"arm_url": ARM, "audience": audience, "scope": audience + "/.default", "custom_arm": True}
    assert ac.resolve_arm({"cloud": cloud})["arm_url"] == audience


def test_plain_http_arm_url_is_refused_before_anything_is_sent():
    with pytest.raises(AuthError, match="plain HTTP"):
        ac.resolve_arm({}, "http://management.example")
    with pytest.raises(AuthError, match="azure-core only sends a bearer token over https"):
        ac.resolve_arm({"allow_insecure_http": True}, "http://127.0.0.1:8080")


def test_split_child_and_flatten():
    assert ac.split_child(POLICY, "roleManagementPolicies") == (SUB, POLICY.rsplit("/", 1)[-1])
    with pytest.raises(ValueError):
        ac.split_child(SUB, "roleManagementPolicies")
    flat = ac.flatten({"id": "i", "name": "n", "type": "Microsoft.Authorization/roleDefinitions",
                       "properties": {"roleName": "Owner", "type": "BuiltInRole"}})
    assert flat == {"id": "i", "name": "n", "type": "BuiltInRole", "roleName": "Owner"}


def test_a_far_retry_after_is_capped_and_validate_is_no_write(monkeypatch):
    slept = []
    monkeypatch.setattr("time.sleep", slept.append)
    arm, wire = session([(429, {"error": {"code": "TooManyRequests", "message": "slow"}}, {"Retry-After": "86400"}),
                         (200, {"id": "x", "name": "n", "properties": {"status": "Provisioned"}})])
    arm.validate_request("role_eligibility_schedule_requests", SUB, {"properties": {}})
    assert slept == [MAX_RETRY_AFTER]
    assert wire.sent[0]["method"] == "POST" and wire.sent[0]["url"].split("?")[0].endswith("/validate")
    assert arm.stats() == {"requests": 2, "writes": 0, "retries": 1}
    assert ac.is_write("POST", f"{ARM}{SUB}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/n/cancel")


# Every Microsoft.Authorization list the modules read: (call, path under the scope, api-version, $filter sent).
LISTS = [
    (lambda arm: arm.list_policies(SUB), "roleManagementPolicies", "2020-10-01", None),
    (lambda arm: arm.list_policy_assignments(SUB), "roleManagementPolicyAssignments", "2020-10-01", None),
    (lambda arm: arm.list_role_definitions(SUB, filter="type eq 'BuiltInRole'"), "roleDefinitions", "2022-04-01",
     "type%20eq%20%27BuiltInRole%27"),
    (lambda arm: arm.list_role_assignments(SUB, filter="atScope()"), "roleAssignments", "2022-04-01",
     "atScope%28%29"),
    (lambda arm: arm.list_scheduled("role_eligibility_schedule_instances", SUB, filter="asTarget()"),
     "roleEligibilityScheduleInstances", "2020-10-01", "asTarget%28%29"),
    (lambda arm: arm.list_scheduled("role_assignment_schedule_requests", SUB),
     "roleAssignmentScheduleRequests", "2020-10-01", None),
    (lambda arm: arm.eligible_child_resources(SUB), "eligibleChildResources", "2020-10-01", None),
]


def item(name, **properties):
    return {"id": f"{SUB}/providers/Microsoft.Authorization/x/{name}", "name": name, "type": "x", "properties":
            {"scope": SUB, **properties}}


@pytest.mark.parametrize(("call", "collection", "version", "expression"), LISTS)
def test_every_authorization_list_reads_json_at_the_sdks_api_version_and_follows_every_next_link(
        call, collection, version, expression):
    base = f"{ARM}{SUB}/providers/Microsoft.Authorization/{collection}"
    arm, wire = session([
        (200, {"value": [item("a")], "nextLink": f"{base}?api-version={version}&$skiptoken=2"}),
        # A nextLink without api-version (ARM's carry one) gets the list's, as the SDK's pagers add it.
        (200, {"value": [item("b"), item("c")], "nextLink": f"{base}?$skiptoken=3"}),
        (200, {"value": [item("d")]}),
    ])
    found = call(arm)
    assert [row["name"] for row in found] == ["a", "b", "c", "d"]
    query = f"api-version={version}" + (f"&$filter={expression}" if expression else "")
    assert [sent["url"] for sent in wire.sent] == [
        f"{base}?{query}", f"{base}?api-version={version}&$skiptoken=2", f"{base}?$skiptoken=3&api-version={version}"]
    assert all(sent["method"] == "GET" and sent["headers"]["Authorization"] == "Bearer token-abc"
               for sent in wire.sent)
    assert arm.stats() == {"requests": 3, "writes": 0, "retries": 0}


def test_a_list_item_keeps_every_field_resource_manager_sent_in_the_flat_rest_shape_less_its_nulls():
    """What the SDK's models gave (flatten of model.serialize): envelope plus properties, camelCase, nested objects
    and polymorphic rules whole, unset (null) properties left out. Fields the models never knew now come too."""
    rules = [RULE, {"id": "Notification_Admin_Admin_Eligibility", "ruleType": "RoleManagementPolicyNotificationRule",
                    "notificationType": "Email", "recipientType": "Admin", "isDefaultRecipientsEnabled": False,
                    "notificationLevel": "Critical", "notificationRecipients": ["a@example.com"],
                    "target": {"caller": "Admin", "operations": ["All"], "level": "Eligibility",
                               "targetObjects": None, "inheritableSettings": None, "enforcedSettings": None}}]
    raw = {"id": POLICY, "name": POLICY.rsplit("/", 1)[-1], "type": "Microsoft.Authorization/RoleManagementPolicies",
           "properties": {"scope": SUB, "displayName": "Default", "description": None, "isOrganizationDefault": False,
                          "lastModifiedBy": {"id": None, "displayName": None, "type": None, "email": None},
                          "lastModifiedDateTime": None, "rules": rules, "effectiveRules": rules,
                          "policyProperties": {"scope": {"id": SUB, "displayName": "Production",
                                                         "type": "subscription"}},
                          "someFutureField": {"kept": True}}}
    arm, _wire = session([(200, {"value": [raw]})])
    (found,) = arm.list_policies(SUB)
    expected_rules = [RULE, {**rules[1], "target": {"caller": "Admin", "operations": ["All"], "level": "Eligibility"}}]
    assert found == {"id": POLICY, "name": POLICY.rsplit("/", 1)[-1],
                     "type": "Microsoft.Authorization/RoleManagementPolicies", "scope": SUB, "displayName": "Default",
                     "isOrganizationDefault": False, "lastModifiedBy": {}, "rules": expected_rules,
                     "effectiveRules": expected_rules,
                     "policyProperties": {"scope": {"id": SUB, "displayName": "Production", "type": "subscription"}},
                     "someFutureField": {"kept": True}}


def test_a_schedule_keeps_its_times_and_expanded_properties_and_a_role_definition_its_own_type():
    schedule = {"id": "s", "name": "s", "type": "Microsoft.Authorization/roleEligibilitySchedules",
                "properties": {"principalId": "p", "roleDefinitionId": "r", "memberType": "Direct",
                               "startDateTime": "2026-03-01T09:00:00.12Z", "endDateTime": None,
                               "expandedProperties": {"principal": {"id": "p", "displayName": "Ann", "type": "User"}}}}
    definition = {"id": "d", "name": "d", "type": "Microsoft.Authorization/roleDefinitions",
                  "properties": {"roleName": "Owner", "type": "BuiltInRole", "permissions": [{"actions": ["*"]}]}}
    arm, _wire = session([(200, {"value": [schedule]}), (200, {"value": [definition]})])
    assert arm.list_scheduled("role_eligibility_schedules", SUB) == [{
        "id": "s", "name": "s", "type": "Microsoft.Authorization/roleEligibilitySchedules", "principalId": "p",
        "roleDefinitionId": "r", "memberType": "Direct", "startDateTime": "2026-03-01T09:00:00.12Z",
        "expandedProperties": {"principal": {"id": "p", "displayName": "Ann", "type": "User"}}}]
    assert arm.list_role_definitions(SUB) == [{"id": "d", "name": "d", "type": "BuiltInRole", "roleName": "Owner",
                                               "permissions": [{"actions": ["*"]}]}]


def test_a_failed_page_is_an_arm_call_error_with_status_code_message_and_request_id(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _seconds: None)
    base = f"{ARM}{SUB}/providers/Microsoft.Authorization/roleAssignmentSchedules"
    arm, wire = session([
        (200, {"value": [item("a")], "nextLink": f"{base}?api-version=2020-10-01&$skiptoken=2"}),
        (429, {"error": {"code": "TooManyRequests", "message": "slow down"}}, {"Retry-After": "0"}),
        (403, {"error": {"code": "AuthorizationFailed", "message": "no read"}}, {"x-ms-request-id": "req-9"}),
    ])
    with pytest.raises(ac.ArmCallError) as caught:
        arm.list_scheduled("role_assignment_schedules", SUB)
    err = caught.value
    assert (err.status, err.code, err.message, err.request_id) == (403, "AuthorizationFailed", "no read", "req-9")
    assert (err.method, err.path) == ("GET", f"{SUB}/providers/Microsoft.Authorization/roleAssignmentSchedules")
    assert "Reader or Microsoft.Authorization/*/read" in err.describe("Reading")
    assert len(wire.sent) == 3 and arm.stats() == {"requests": 3, "writes": 0, "retries": 1}


def test_single_reads_are_json_too():
    missing = {"error": {"code": "RoleEligibilityScheduleRequestNotFound", "message": "not found"}}
    arm, wire = session([(200, policy("p1")), (404, missing)])
    assert arm.get_policy(SUB, "p1")["rules"] == [RULE]
    assert wire.sent[0]["url"] == f"{ARM}{SUB}/providers/Microsoft.Authorization/roleManagementPolicies/p1" \
                                  "?api-version=2020-10-01"
    with pytest.raises(ac.ArmCallError) as caught:
        arm.get_request("role_eligibility_schedule_requests", SUB, "r1")
    assert (caught.value.status, caught.value.code) == (404, "RoleEligibilityScheduleRequestNotFound")
    assert wire.sent[1]["url"].endswith("/roleEligibilityScheduleRequests/r1?api-version=2020-10-01")


def test_graph_and_resource_manager_share_one_tls_trust_per_run(tmp_path, monkeypatch):
    """One CA bundle check and one SSL context for the whole module run: Graph's httpx client, both sessions'
    sign-in and Resource Manager's transport (issue 15), not one per client, session or validate_auth call."""
    from pim_emulator.tls import make_server_tls

    from ansible_collections.entra.pim.plugins.module_utils import _auth
    from ansible_collections.entra.pim.plugins.module_utils._client import GraphSession

    ca = make_server_tls(str(tmp_path / "tls")).ca_path
    reads, built, transports = [], [], []
    for name, log in (("_read_ca_bundle", reads), ("trust_context", built)):
        real = getattr(_auth, name)
        monkeypatch.setattr(_auth, name, lambda *args, _real=real, _log=log: (_log.append(args), _real(*args))[1])
    from ansible_collections.entra.pim.plugins.module_utils import _client

    httpx = _client._graph_sdk().httpx  # imported when a Graph session opens (issue 15)
    real_client, verify = httpx.AsyncClient, []
    monkeypatch.setattr(httpx, "AsyncClient", lambda **kwargs: (verify.append(kwargs["verify"]),
                                                                real_client(**kwargs))[1])
    real_transport = _auth.sign_in_transport
    monkeypatch.setattr(_auth, "sign_in_transport",
                        lambda context, *args: (transports.append(context), real_transport(context, *args))[1])
    auth = {"tenant_id": "11111111-2222-3333-4444-555555555555", "client_id": "c", "client_secret": "s",
            "authority_host": "https://127.0.0.1:8443", "graph_url": "https://127.0.0.1:8443/v1.0",
            "ca_bundle": ca}
    _auth.validate_auth(auth)
    graph, arm = GraphSession(auth), ac.ArmSession(auth, arm_url=ARM)
    graph._open()
    arm._open()
    try:
        context = _auth.shared_trust(ca)
        assert reads == [(ca,)] and built == [(ca,)]
        # Graph itself (httpx), Graph's sign-in, Resource Manager's sign-in and Resource Manager itself (requests)
        assert verify == [context]
        assert transports == [context, context, context]
        assert arm._client._client._pipeline._transport.connection_config.verify == arm._trust_file
    finally:
        graph.close()
        arm.close()
