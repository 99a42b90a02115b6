"""PIM for Azure resource roles through ARM, driven by azure-mgmt-authorization 4.0.0 as the collection drives it:
schedule requests (PUT with a GUID name, get, list, cancel, validate), policy evaluation by the engine the Graph
surfaces use, schedules and instances with ARM's filters and inheritance, and role assignments made outside PIM.
Each test starts from the default seed (admin reset) and checks what the emulator holds, not only the answer."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.v2020_10_01 import models as m

ARM = "https://management.azure.com"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


class StaticToken:
    """A TokenCredential handing out one access token (an interactive sign-in's, with or without MFA)."""

    def __init__(self, token: str):
        self.token = token

    def get_token(self, *scopes, **kwargs):
        del scopes, kwargs
        return AccessToken(self.token, int(time.time()) + 3000)


@pytest.fixture()
def arm(emu):
    emu.admin("POST", "reset").raise_for_status()
    return ArmHelper(emu)


class ArmHelper:
    def __init__(self, emu):
        self.emu = emu
        self.tenant = emu.tenant()
        subs = {s["displayName"]: s for s in self.tenant["azure"]["subscriptions"]}
        self.prod, self.dev = subs["Production"]["scope"], subs["Development"]["scope"]
        self.sandbox = subs["Sandbox"]["scope"]
        self.rg_app, self.rg_network = f"{self.prod}/resourceGroups/rg-app", f"{self.prod}/resourceGroups/rg-network"

    def client(self, credential=None, app: str = "pim-admin") -> AuthorizationManagementClient:
        if credential is None:
            a = self.emu.app(app)
            credential = ClientSecretCredential(self.tenant["id"], a["client_id"], a["client_secret"],
                                                authority=self.emu.authority, disable_instance_discovery=True,
                                                connection_verify=self.emu.ca)
        return AuthorizationManagementClient(credential, self.prod.rsplit("/", 1)[-1],
                                             base_url=self.emu.ready["arm_url"], connection_verify=self.emu.ca)

    def user_client(self, user: str, mfa: bool = True) -> AuthorizationManagementClient:
        u = self.emu.user(user)
        body = {"client_id": self.emu.app("pim-cli")["client_id"], "mfa": mfa, "resource": ARM}
        if mfa:
            self.emu.admin("POST", f"tenants/{self.tenant['id']}/users/{u['id']}", {"mfa": True}).raise_for_status()
        r = self.emu.admin("POST", f"tenants/{self.tenant['id']}/users/{u['id']}/signin", body)
        r.raise_for_status()
        return self.client(StaticToken(r.json()["access_token"]))

    def uid(self, user: str) -> str:
        return self.emu.user(user)["id"]

    def state(self) -> dict:
        r = self.emu.admin("GET", f"tenants/{self.tenant['id']}/state")
        r.raise_for_status()
        return r.json()["data"]

    def writes(self) -> int:
        return self.emu.admin("GET", "stats").json()["writes"]

    @staticmethod
    def role(scope: str, guid: str) -> str:
        sub = scope.split("/")[2] if scope.lower().startswith("/subscriptions/") else None
        return (f"/subscriptions/{sub}" if sub else "") + f"/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def eligibility(arm: ArmHelper, principal: str, guid: str, scope: str, duration: str | None = "P30D",
                request_type: str = "AdminAssign", start: datetime | None = None, **extra):
    expiration = m.RoleEligibilityScheduleRequestPropertiesScheduleInfoExpiration(
        type="AfterDuration" if duration else "NoExpiration", duration=duration)
    return m.RoleEligibilityScheduleRequest(
        principal_id=principal, role_definition_id=arm.role(scope, guid), request_type=request_type,
        schedule_info=m.RoleEligibilityScheduleRequestPropertiesScheduleInfo(
            start_date_time=start or datetime.now(timezone.utc), expiration=expiration), **extra)


def activation(arm: ArmHelper, principal: str, guid: str, scope: str, duration: str = "PT2H",
               justification: str | None = "Incident 4711", request_type: str = "SelfActivate"):
    return m.RoleAssignmentScheduleRequest(
        principal_id=principal, role_definition_id=arm.role(scope, guid), request_type=request_type,
        justification=justification,
        schedule_info=m.RoleAssignmentScheduleRequestPropertiesScheduleInfo(
            start_date_time=datetime.now(timezone.utc),
            expiration=m.RoleAssignmentScheduleRequestPropertiesScheduleInfoExpiration(
                type="AfterDuration", duration=duration)))


def error_code(exc: HttpResponseError) -> str:
    return exc.error.code if exc.error else ""


# ---- requests ---------------------------------------------------------------------------------------------------

def test_admin_assigns_eligibility_on_a_resource_group(arm):
    client, trent = arm.client(), arm.uid("trent.dev")
    name = str(uuid.uuid4())
    before = arm.writes()
    r = client.role_eligibility_schedule_requests.create(arm.rg_network, name,
                                                         eligibility(arm, trent, CONTRIBUTOR, arm.rg_network))
    assert r.name == name and r.status == "Provisioned" and r.request_type == "AdminAssign"
    assert r.scope == arm.rg_network and r.principal_type == "User"
    assert r.role_definition_id == arm.role(arm.rg_network, CONTRIBUTOR)
    assert r.expanded_properties.role_definition.display_name == "Contributor"
    assert r.expanded_properties.scope.type == "resourcegroup"
    assert r.target_role_eligibility_schedule_id.startswith(arm.rg_network + "/providers/Microsoft.Authorization/")
    assert arm.writes() == before + 1
    # The emulator holds one schedule at the resource group, ending 30 days after it starts.
    held = [s for s in arm.state()["armRoleEligibilitySchedules"].values()
            if s["principalId"] == trent and s["scope"] == arm.rg_network]
    assert len(held) == 1 and held[0]["roleDefinitionId"] == CONTRIBUTOR
    assert abs((held[0]["_end"] - held[0]["_start"]) - 30 * 86400) < 5
    # Read back: get by name, the schedule and its instance at that scope.
    assert client.role_eligibility_schedule_requests.get(arm.rg_network, name).status == "Provisioned"
    scheds = list(client.role_eligibility_schedules.list_for_scope(arm.rg_network, filter=f"principalId eq '{trent}'"))
    assert [(s.scope, s.member_type) for s in scheds] == [(arm.rg_network, "Direct")]
    assert scheds[0].role_eligibility_schedule_request_id.endswith(name)
    insts = list(client.role_eligibility_schedule_instances.list_for_scope(arm.rg_network,
                                                                           filter=f"principalId eq '{trent}'"))
    assert len(insts) == 1 and insts[0].role_eligibility_schedule_id.endswith(held[0]["id"])


def test_the_request_name_must_be_a_guid_and_is_used_once(arm):
    client, trent = arm.client(), arm.uid("trent.dev")
    with pytest.raises(HttpResponseError) as bad:
        client.role_eligibility_schedule_requests.create(arm.rg_network, "not-a-guid",
                                                         eligibility(arm, trent, CONTRIBUTOR, arm.rg_network))
    assert bad.value.status_code == 400
    name = str(uuid.uuid4())
    client.role_eligibility_schedule_requests.create(arm.rg_network, name,
                                                     eligibility(arm, trent, CONTRIBUTOR, arm.rg_network))
    with pytest.raises(HttpResponseError) as again:
        client.role_eligibility_schedule_requests.create(arm.rg_network, name,
                                                         eligibility(arm, trent, READER, arm.rg_network))
    assert again.value.status_code == 409


def test_an_existing_eligibility_is_a_conflict(arm):
    client, bob = arm.client(), arm.uid("bob.secops")  # seeded: eligible Owner on Production
    before = arm.writes()
    with pytest.raises(HttpResponseError) as exc:
        client.role_eligibility_schedule_requests.create(arm.prod, str(uuid.uuid4()),
                                                         eligibility(arm, bob, OWNER, arm.prod))
    assert exc.value.status_code == 409 and error_code(exc.value) == "RoleAssignmentExists"
    assert arm.writes() == before + 1  # counted as a write attempt, nothing changed
    assert len([s for s in arm.state()["armRoleEligibilitySchedules"].values() if s["principalId"] == bob]) == 1


def test_unknown_scope_and_role_are_refused_before_anything_is_kept(arm):
    client, trent = arm.client(), arm.uid("trent.dev")
    missing_rg = f"{arm.prod}/resourceGroups/rg-nope"
    with pytest.raises(HttpResponseError) as exc:
        client.role_eligibility_schedule_requests.create(missing_rg, str(uuid.uuid4()),
                                                         eligibility(arm, trent, CONTRIBUTOR, missing_rg))
    assert exc.value.status_code == 404 and error_code(exc.value) == "ResourceGroupNotFound"
    unknown_sub = f"/subscriptions/{uuid.uuid4()}"
    with pytest.raises(HttpResponseError) as exc:
        client.role_eligibility_schedule_requests.create(unknown_sub, str(uuid.uuid4()),
                                                         eligibility(arm, trent, CONTRIBUTOR, unknown_sub))
    assert exc.value.status_code == 404 and error_code(exc.value) == "SubscriptionNotFound"
    with pytest.raises(HttpResponseError) as exc:
        client.role_eligibility_schedule_requests.create(arm.prod, str(uuid.uuid4()),
                                                         eligibility(arm, trent, str(uuid.uuid4()), arm.prod))
    assert error_code(exc.value) == "RoleDefinitionDoesNotExist"
    assert not [s for s in arm.state()["armRoleEligibilitySchedules"].values()
                if s["principalId"] == trent and s["scope"] != arm.dev]


def test_policy_failure_names_the_rules(arm):
    client, trent = arm.client(), arm.uid("trent.dev")
    # Azure's default: eligible assignments expire, within a year.
    with pytest.raises(HttpResponseError) as exc:
        client.role_eligibility_schedule_requests.create(arm.sandbox, str(uuid.uuid4()),
                                                         eligibility(arm, trent, READER, arm.sandbox, duration=None))
    assert exc.value.status_code == 400
    assert error_code(exc.value) == "RoleAssignmentRequestPolicyValidationFailed"
    assert exc.value.error.message == 'The following policy rules failed: ["ExpirationRule"]'


def test_validate_evaluates_without_keeping_anything(arm):
    client, trent = arm.client(), arm.uid("trent.dev")
    before, name = arm.writes(), str(uuid.uuid4())
    r = client.role_eligibility_schedule_requests.validate(arm.rg_network, name,
                                                           eligibility(arm, trent, CONTRIBUTOR, arm.rg_network))
    assert r.name == name and r.status == "Provisioned"
    assert arm.writes() == before
    assert name not in arm.state().get("armRoleEligibilityScheduleRequests", {})
    with pytest.raises(HttpResponseError) as exc:
        client.role_eligibility_schedule_requests.get(arm.rg_network, name)
    assert exc.value.status_code == 404
    with pytest.raises(HttpResponseError) as exc:
        client.role_eligibility_schedule_requests.validate(
            arm.sandbox, str(uuid.uuid4()), eligibility(arm, trent, READER, arm.sandbox, duration=None))
    assert error_code(exc.value) == "RoleAssignmentRequestPolicyValidationFailed"


def test_a_user_activates_with_mfa_and_justification_then_deactivates(arm, emu):
    trent = arm.uid("trent.dev")  # seeded: eligible Contributor on Development
    me = arm.user_client("trent.dev", mfa=True)
    name = str(uuid.uuid4())
    r = me.role_assignment_schedule_requests.create(arm.dev, name, activation(arm, trent, CONTRIBUTOR, arm.dev))
    assert r.status == "Provisioned" and r.request_type == "SelfActivate" and r.requestor_id == trent
    assert r.linked_role_eligibility_schedule_id.startswith(arm.dev + "/providers/Microsoft.Authorization/")
    active = [i for i in me.role_assignment_schedule_instances.list_for_scope(arm.dev, filter="asTarget()")
              if i.assignment_type == "Activated"]
    assert len(active) == 1 and active[0].member_type == "Direct"
    assert active[0].end_date_time - active[0].start_date_time == timedelta(hours=2)
    assert active[0].linked_role_eligibility_schedule_id == r.linked_role_eligibility_schedule_id
    held = [s for s in arm.state()["armRoleAssignmentSchedules"].values() if s["principalId"] == trent]
    assert [s["assignmentType"] for s in held] == ["Activated"]
    # While active, the role assignment PIM made is an Azure RBAC assignment like any other.
    rbac = [a for a in arm.client().role_assignments.list_for_scope(arm.dev, filter=f"principalId eq '{trent}'")]
    assert [a.role_definition_id.rsplit("/", 1)[-1] for a in rbac] == [CONTRIBUTOR]
    # Deactivating at once is too short (PIM's 5 minutes); after them it ends the assignment.
    with pytest.raises(HttpResponseError) as exc:
        me.role_assignment_schedule_requests.create(arm.dev, str(uuid.uuid4()),
                                                    activation(arm, trent, CONTRIBUTOR, arm.dev,
                                                               request_type="SelfDeactivate"))
    assert error_code(exc.value) == "ActiveDurationTooShort"
    emu.admin("POST", "clock", {"advance": "PT6M"}).raise_for_status()
    done = me.role_assignment_schedule_requests.create(arm.dev, str(uuid.uuid4()),
                                                       activation(arm, trent, CONTRIBUTOR, arm.dev,
                                                                  request_type="SelfDeactivate"))
    assert done.status == "Revoked"
    assert not [s for s in arm.state()["armRoleAssignmentSchedules"].values() if s["principalId"] == trent]


def test_activation_policy_failures(arm):
    trent = arm.uid("trent.dev")
    no_mfa = arm.user_client("trent.dev", mfa=False)
    with pytest.raises(HttpResponseError) as exc:
        no_mfa.role_assignment_schedule_requests.create(arm.dev, str(uuid.uuid4()),
                                                        activation(arm, trent, CONTRIBUTOR, arm.dev))
    assert exc.value.error.message == 'The following policy rules failed: ["MfaRule"]'
    mfa = arm.user_client("trent.dev", mfa=True)
    with pytest.raises(HttpResponseError) as exc:
        mfa.role_assignment_schedule_requests.create(arm.dev, str(uuid.uuid4()),
                                                     activation(arm, trent, CONTRIBUTOR, arm.dev, justification=None,
                                                                duration="PT12H"))
    assert exc.value.error.message == 'The following policy rules failed: ["ExpirationRule","JustificationRule"]'
    # Not eligible there at all.
    with pytest.raises(HttpResponseError) as exc:
        mfa.role_assignment_schedule_requests.create(arm.prod, str(uuid.uuid4()),
                                                     activation(arm, trent, CONTRIBUTOR, arm.prod))
    assert exc.value.error.message == 'The following policy rules failed: ["EligibilityRule"]'
    assert not [s for s in arm.state()["armRoleAssignmentSchedules"].values() if s["principalId"] == trent]


def test_an_eligibility_at_a_parent_scope_activates_on_a_child(arm):
    bob = arm.uid("bob.secops")  # seeded: eligible Owner on Production
    me = arm.user_client("bob.secops")
    r = me.role_assignment_schedule_requests.create(arm.rg_app, str(uuid.uuid4()),
                                                    activation(arm, bob, OWNER, arm.rg_app))
    assert r.status == "Provisioned" and r.scope == arm.rg_app
    assert r.linked_role_eligibility_schedule_id.startswith(arm.prod + "/providers/")
    held = [s for s in arm.state()["armRoleAssignmentSchedules"].values() if s["principalId"] == bob]
    assert [s["scope"] for s in held] == [arm.rg_app]


def test_requests_are_listed_and_a_future_one_is_cancelled(arm):
    client, victor = arm.client(), arm.uid("victor.ops")
    name = str(uuid.uuid4())
    later = datetime.now(timezone.utc) + timedelta(days=2)
    r = client.role_eligibility_schedule_requests.create(arm.rg_network, name,
                                                         eligibility(arm, victor, READER, arm.rg_network, start=later))
    assert r.status == "Granted"  # provisioned when its start comes
    listed = [x.name for x in client.role_eligibility_schedule_requests.list_for_scope(
        arm.prod, filter=f"principalId eq '{victor}'")]
    assert name in listed
    assert name not in [x.name for x in client.role_eligibility_schedule_requests.list_for_scope(
        arm.rg_app, filter="atScope()")]
    before = arm.writes()
    client.role_eligibility_schedule_requests.cancel(arm.rg_network, name)
    assert arm.writes() == before + 1
    assert client.role_eligibility_schedule_requests.get(arm.rg_network, name).status == "Canceled"
    assert not [s for s in arm.state()["armRoleEligibilitySchedules"].values()
                if s["principalId"] == victor and s["scope"] == arm.rg_network]
    with pytest.raises(HttpResponseError) as exc:
        client.role_eligibility_schedule_requests.cancel(arm.rg_network, name)  # Canceled stays Canceled
    assert exc.value.status_code == 400


def test_the_reader_app_cannot_write(arm):
    reader = arm.client(app="pim-reader")
    with pytest.raises(HttpResponseError) as exc:
        reader.role_eligibility_schedule_requests.create(arm.rg_network, str(uuid.uuid4()),
                                                         eligibility(arm, arm.uid("trent.dev"), READER,
                                                                     arm.rg_network))
    assert exc.value.status_code == 403 and error_code(exc.value) == "AuthorizationFailed"
    # ... and reads at any scope (Reader at the root group).
    assert list(reader.role_eligibility_schedule_instances.list_for_scope(arm.prod))


# ---- schedules, instances, inheritance -----------------------------------------------------------------------------

def test_a_parent_scope_eligibility_is_inherited_below_it(arm):
    client, bob, victor = arm.client(), arm.uid("bob.secops"), arm.uid("victor.ops")
    at_rg = list(client.role_eligibility_schedule_instances.list_for_scope(arm.rg_app))
    rows = {(i.principal_id, i.scope): i.member_type for i in at_rg}
    assert rows[(bob, arm.prod)] == "Inherited"  # bob's Owner eligibility made at Production
    assert rows[(victor, arm.rg_app)] == "Direct"
    # atScope(): at or above only; no filter at the subscription: below it too.
    at_scope = list(client.role_eligibility_schedules.list_for_scope(arm.rg_app, filter="atScope()"))
    assert {(s.principal_id, s.scope) for s in at_scope} >= {(bob, arm.prod), (victor, arm.rg_app)}
    at_prod = list(client.role_eligibility_schedules.list_for_scope(arm.prod))
    assert {(s.principal_id, s.scope, s.member_type) for s in at_prod} >= {(bob, arm.prod, "Direct"),
                                                                           (victor, arm.rg_app, "Direct")}
    assert victor not in {s.principal_id for s in
                          client.role_eligibility_schedules.list_for_scope(arm.prod, filter="atScope()")}
    # Another subscription sees neither.
    assert not {bob, victor} & {s.principal_id for s in client.role_eligibility_schedules.list_for_scope(arm.dev)}
    # roleDefinitionId eq narrows by role; get by name at the schedule's own scope.
    owners = list(client.role_eligibility_schedules.list_for_scope(
        arm.rg_app, filter=f"roleDefinitionId eq '{arm.role(arm.prod, OWNER)}'"))
    assert {s.principal_id for s in owners} == {bob}
    got = client.role_eligibility_schedules.get(arm.prod, owners[0].name)
    assert got.member_type == "Direct" and got.scope == arm.prod


def test_a_role_assignment_made_outside_pim_is_an_active_instance(arm):
    client, alice = arm.client(), arm.uid("alice.admin")  # seeded: permanent Owner on Production outside PIM
    insts = [i for i in client.role_assignment_schedule_instances.list_for_scope(arm.prod,
                                                                                 filter=f"principalId eq '{alice}'")]
    assert len(insts) == 1
    inst = insts[0]
    assert (inst.scope, inst.assignment_type, inst.member_type, inst.end_date_time) == (arm.prod, "Assigned",
                                                                                          "Direct", None)
    assert inst.role_definition_id == arm.role(arm.prod, OWNER)
    assert inst.origin_role_assignment_id.rsplit("/", 1)[-1] in arm.state()["armRoleAssignments"]
    assert inst.linked_role_eligibility_schedule_id is None
    rbac = list(client.role_assignments.list_for_scope(arm.prod, filter=f"principalId eq '{alice}'"))
    assert [a.name for a in rbac] == [inst.name]
    # No request made it.
    assert not [r for r in client.role_assignment_schedule_requests.list_for_scope(arm.prod)
                if r.principal_id == alice]
    # Inherited on a resource group below.
    below = [i for i in client.role_assignment_schedule_instances.list_for_scope(arm.rg_app)
             if i.principal_id == alice]
    assert [i.member_type for i in below] == ["Inherited"]


def test_an_admin_remove_ends_a_classic_assignment(arm):
    client, alice = arm.client(), arm.uid("alice.admin")
    body = m.RoleAssignmentScheduleRequest(principal_id=alice, role_definition_id=arm.role(arm.prod, OWNER),
                                           request_type="AdminRemove", justification="Standing access")
    r = client.role_assignment_schedule_requests.create(arm.prod, str(uuid.uuid4()), body)
    assert r.status == "Revoked"
    assert not [a for a in arm.state()["armRoleAssignments"].values() if a["principalId"] == alice]
    assert not list(client.role_assignments.list_for_scope(arm.prod, filter=f"principalId eq '{alice}'"))


def test_eligible_child_resources(arm):
    victor_client = arm.user_client("victor.ops")
    kids = list(victor_client.eligible_child_resources.get(arm.prod))
    assert [(k.name, k.type) for k in kids] == [("rg-app", "resourcegroup")]
    bob_client = arm.user_client("bob.secops")
    kids = {k.name for k in bob_client.eligible_child_resources.get(arm.prod, filter="resourceType eq 'resourcegroup'")}
    assert kids == {"rg-app", "rg-network"}
