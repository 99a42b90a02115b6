# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure resource roles on the activation core: ARM rows translated for ``_activation`` (role GUIDs, requestType,
inheritance down the scope tree), the ARM request body, and ``AzureActivationRun`` (the one ``ActivationRun``)
over a fake ARM side: activate, idempotence, pre-checks before any write, approval, deactivate."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _activation as act
from ansible_collections.entra.pim.plugins.module_utils import _arm_activation as arm
from ansible_collections.entra.pim.plugins.module_utils._activation_backend import RunFailed
from ansible_collections.entra.pim.plugins.module_utils._arm_activation_backend import (
    AzureActivationRun, AzureActivityReader, AzureSelfActivation,
)
from ansible_collections.entra.pim.plugins.module_utils._arm_client import ArmCallError
from ansible_collections.entra.pim.plugins.module_utils._arm_scopes import ScopeError
from ansible_collections.entra.pim.plugins.module_utils._surfaces import AZURE

SUB = "/subscriptions/5d0c7a5e-1111-4222-8333-444455556666"
RG = SUB + "/resourceGroups/rg-app"
OTHER_RG = SUB + "/resourceGroups/rg-network"
MG = "/providers/Microsoft.Management/managementGroups/mg-landingzones"
CONTRIBUTOR, OWNER = "b24988ac-6180-42a0-ab88-20f7382dd24c", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
USER, OTHER_USER = "0f1e2d3c-0000-4000-8000-00000000000a", "0f1e2d3c-0000-4000-8000-00000000000b"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
RULES = {"max_duration": "PT8H", "require_mfa": False, "require_justification": True, "require_ticket": False,
         "authentication_context": {"enabled": False, "claim_value": None}, "require_approval": False}


def rdid(guid, scope=SUB):
    return f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def row(kind="Activated", role=CONTRIBUTOR, scope=RG, principal=USER, iid="i-1", member="Direct",
        start="2026-03-01T08:00:00Z", end="2026-03-01T10:00:00Z", eligible=False, name="Contributor"):
    """A flattened ARM schedule instance (``{"id", "name", **properties}``) as ArmSession answers it."""
    out = {"id": f"{scope}/providers/Microsoft.Authorization/x/{iid}", "name": iid, "scope": scope,
           "roleDefinitionId": rdid(role), "principalId": principal, "principalType": "User",
           "memberType": member, "startDateTime": start, "endDateTime": end, "status": "Provisioned",
           "expandedProperties": {
               "principal": {"id": principal, "displayName": "Victor Ops", "email": "victor.ops@contoso.com",
                             "type": "User"},
               "roleDefinition": {"id": rdid(role), "displayName": name, "type": "BuiltInRole"},
               "scope": {"id": scope, "displayName": scope.rsplit("/", 1)[-1], "type": "resourcegroup"}}}
    if eligible:
        out["roleEligibilityScheduleId"] = f"{scope}/providers/Microsoft.Authorization/roleEligibilitySchedules/e-{iid}"
    else:
        out.update(assignmentType=kind,
                   roleAssignmentScheduleId=f"{scope}/providers/Microsoft.Authorization/roleAssignmentSchedules/s-{iid}")
    return out


# ---- pure translation -----------------------------------------------------------------------------

def test_role_guid_from_full_ids_at_any_scope_and_bare_guids():
    assert arm.role_guid(rdid(CONTRIBUTOR)) == CONTRIBUTOR
    assert arm.role_guid(rdid(CONTRIBUTOR.upper(), MG)) == CONTRIBUTOR
    assert arm.role_guid("/providers/Microsoft.Authorization/roleDefinitions/" + OWNER + "/") == OWNER
    assert arm.role_guid(OWNER) == OWNER and arm.role_guid(None) is None and arm.role_guid("") is None


def test_scopes_relate_by_id_case_insensitively_and_management_groups_are_above():
    assert arm.relation(RG, RG.upper()) == "at"
    assert arm.relation(RG, SUB) == "below"
    assert arm.relation(SUB, RG) == "above"
    assert arm.relation(MG, SUB) == "above"  # no common prefix: ARM only answers at, above and below
    assert arm.below(OTHER_RG, SUB) and not arm.below(SUB + "x/resourceGroups/a", SUB)
    assert not arm.below(SUB, SUB)


def test_normalize_names_the_role_by_guid_and_the_request_in_graph_words():
    req = {"id": RG + "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/r1", "name": "r1",
           "roleDefinitionId": rdid(OWNER), "requestType": "SelfActivate", "createdOn": "2026-03-01T08:59:00Z",
           "status": "PendingApproval"}
    out = arm.normalize(req)
    assert out["roleDefinitionId"] == OWNER and out["roleDefinitionFullId"] == rdid(OWNER)
    assert out["action"] == "selfActivate" and out["createdDateTime"] == "2026-03-01T08:59:00Z"
    assert req["roleDefinitionId"] == rdid(OWNER)  # the input is left alone
    assert arm.request_type("selfDeactivate") == "SelfDeactivate" and arm.action_of("AdminAssign") == "adminAssign"


def test_the_arm_request_takes_the_core_body_with_arm_names():
    body = act.activation_body("selfActivate", USER, CONTRIBUTOR, RG, "why", timedelta(hours=2), "T-1", "Jira", NOW,
                               surface=AZURE)
    props = arm.arm_request(body, rdid(CONTRIBUTOR), "elig-1")
    assert props == {
        "principalId": USER, "roleDefinitionId": rdid(CONTRIBUTOR), "requestType": "SelfActivate",
        "linkedRoleEligibilityScheduleId": "elig-1", "justification": "why",
        "scheduleInfo": {"startDateTime": "2026-03-01T09:00:00Z",
                         "expiration": {"type": "AfterDuration", "duration": "PT2H"}},
        "ticketInfo": {"ticketNumber": "T-1", "ticketSystem": "Jira"}}
    assert "scope" not in props  # the scope is the request's URL, not a property ARM takes
    bare = arm.arm_request(act.activation_body("selfDeactivate", USER, CONTRIBUTOR, RG, surface=AZURE),
                           rdid(CONTRIBUTOR))
    assert bare == {"principalId": USER, "roleDefinitionId": rdid(CONTRIBUTOR), "requestType": "SelfDeactivate"}


def test_the_linked_eligibility_is_the_one_at_the_scope_else_the_nearest_above():
    at = arm.normalize(row(eligible=True, scope=RG, iid="at"))
    sub = arm.normalize(row(eligible=True, scope=SUB, iid="sub"))
    mg = arm.normalize(row(eligible=True, scope=MG, iid="mg"))
    owner = arm.normalize(row(eligible=True, scope=RG, role=OWNER, iid="owner"))
    assert arm.linked_eligibility([mg, sub, at, owner], CONTRIBUTOR, RG)["name"] == "at"
    assert arm.linked_eligibility([mg, sub, owner], CONTRIBUTOR, RG)["name"] == "sub"
    assert arm.linked_eligibility([mg], CONTRIBUTOR, RG)["name"] == "mg"
    below = arm.normalize(row(eligible=True, scope=RG, iid="below"))
    assert arm.linked_eligibility([below, owner], CONTRIBUTOR, SUB) is None  # below does not cover above


def test_principals_and_roles_are_named_from_expanded_properties():
    rows = [arm.normalize(row())]
    principals = arm.principals_of(rows)
    assert principals[USER] == {"id": USER, "displayName": "Victor Ops", "userPrincipalName": "victor.ops@contoso.com",
                                "@odata.type": "#microsoft.graph.user"}
    assert arm.roles_of(rows)[CONTRIBUTOR]["displayName"] == "Contributor"
    definitions = [{"id": rdid(OWNER), "name": OWNER, "roleName": "Owner", "roleType": "BuiltInRole"}]
    assert arm.roles_of([], definitions)[OWNER]["displayName"] == "Owner"
    app = dict(row(), expandedProperties={"principal": {"id": "sp", "displayName": "app", "type": "ServicePrincipal"}})
    assert arm.principals_of([app])["sp"]["@odata.type"] == "#microsoft.graph.servicePrincipal"
    assert arm.principals_of([app])["sp"]["userPrincipalName"] is None


def test_instance_filters():
    assert arm.instance_filter(mine=True) == "asTarget()"
    assert arm.instance_filter(principal_ids=["o'x"]) == "principalId eq 'o''x'"
    assert arm.instance_filter(principal_ids=["a", "b"]) is None and arm.instance_filter() is None


def test_rows_read_at_a_child_scope_are_inherited_from_where_they_are_held():
    held = arm.normalize(row(scope=SUB, iid="owner-sub", role=OWNER, name="Owner", kind="Assigned", end=None))
    inherited = dict(held, memberType="Inherited")
    at_rg = arm.normalize(row(scope=RG, iid="contrib-rg"))
    listings = [(SUB, [held, at_rg]), (RG, [inherited, at_rg])]
    rows = arm.shape_rows(listings, act.ACTIVE, arm.roles_of([held, at_rg]), arm.principals_of([held]), AZURE)
    by = {(r["id"].rsplit("/", 1)[-1], r["scope"]): r for r in rows}
    assert len(rows) == 3  # the resource group's row once, though both listings carry it
    assert by[("owner-sub", SUB)]["inherited"] is False and by[("owner-sub", SUB)]["inherited_from"] is None
    child = by[("owner-sub", RG)]
    assert child["inherited"] is True and child["inherited_from"] == SUB and child["role"] == "Owner"
    assert child["role_id"] == OWNER and child["role_definition_id"] == rdid(OWNER)
    assert by[("contrib-rg", RG)]["inherited"] is False and by[("contrib-rg", RG)]["scope"] == RG
    assert child["principal"] == "victor.ops@contoso.com" and child["principal_type"] == "user"
    assert child["permanent"] is True and child["assignment_type"] == "assigned"


# ---- AzureActivationRun on AzureSelfActivation over a fake ARM side -------------------------------------------

def arm_rules(max_duration="PT8H", enabled=("Justification",), approval=False):
    """The activation rules of an ARM role management policy, as ARM writes them (ruleType, target)."""
    target = {"caller": "EndUser", "operations": ["All"], "level": "Assignment"}
    return [
        {"id": "Expiration_EndUser_Assignment", "ruleType": "RoleManagementPolicyExpirationRule",
         "isExpirationRequired": True, "maximumDuration": max_duration, "target": target},
        {"id": "Enablement_EndUser_Assignment", "ruleType": "RoleManagementPolicyEnablementRule",
         "enabledRules": list(enabled), "target": target},
        {"id": "Approval_EndUser_Assignment", "ruleType": "RoleManagementPolicyApprovalRule", "target": target,
         "setting": {"isApprovalRequired": approval, "isApprovalRequiredForExtension": False,
                     "isRequestorJustificationRequired": True, "approvalMode": "SingleStage",
                     "approvalStages": [{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True,
                                         "escalationTimeInMinutes": 0, "isEscalationEnabled": False,
                                         "primaryApprovers": [{"id": OTHER_USER, "userType": "User"}]}]}},
    ]


class FakeArm:
    """ArmSession's answers in memory: lists by (kind, scope, filter), requests kept, every write recorded."""

    def __init__(self, eligible=(), active=(), requests=(), rules=None, amr=("pwd", "mfa"), policy_error=None):
        self.eligible, self.active, self.requests = list(eligible), list(active), list(requests)
        self.rules = arm_rules() if rules is None else rules
        self.amr, self.policy_error = list(amr), policy_error
        self.writes, self.lists, self.retries = [], [], 0

    def token_claims(self):
        return {"oid": USER, "scp": "user_impersonation", "amr": self.amr}

    def list_scheduled(self, kind, scope, filter=None):  # noqa: A002 - ArmSession's name
        self.lists.append((kind, scope, filter))
        assert filter == "asTarget()"  # the caller's own rows only
        rows = {"role_eligibility_schedule_instances": self.eligible,
                "role_assignment_schedule_instances": self.active,
                "role_assignment_schedule_requests": self.requests,
                "role_eligibility_schedule_requests": []}[kind]
        return [dict(r) for r in rows]

    def list_policy_assignments(self, scope):
        if self.policy_error:
            raise self.policy_error
        return [{"id": scope + "/pa/1", "scope": scope, "roleDefinitionId": rdid(CONTRIBUTOR, scope),
                 "policyId": scope + "/providers/Microsoft.Authorization/roleManagementPolicies/p1"}]

    def list_policies(self, scope):
        return [{"id": scope + "/providers/Microsoft.Authorization/roleManagementPolicies/p1", "scope": scope,
                 "rules": self.rules}]

    def create_request(self, kind, scope, body):
        self.writes.append((kind, scope, body))
        props = body["properties"]
        answer = dict(props, id=f"{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/r1",
                      name="r1", scope=scope, status="Provisioned", createdOn="2026-03-01T09:00:00Z")
        if props["requestType"] == "SelfActivate":
            if self.rules and arm_rules(approval=True)[2] in self.rules:
                answer.update(status="PendingApproval", approvalId="ap-1")
                self.requests.append(answer)
            else:
                self.active.append(row(scope=scope, iid="new"))
        elif props["requestType"] == "SelfDeactivate":
            self.active = [a for a in self.active if a.get("assignmentType") != "Activated"]
        return answer

    def get_request(self, kind, scope, name):
        return next(r for r in self.requests if r["name"] == name)

    def cancel_request(self, kind, scope, name):
        self.writes.append((kind, scope, "cancel " + name))


class FakeResolver:
    """ScopeResolver: two scopes and two roles exist."""

    scopes = {"Production/rg-app": RG, RG: RG, "Production": SUB}
    default_subscription = None

    def scope(self, ref):
        if ref not in self.scopes:
            raise ScopeError(f"scope {ref!r}: resource group 'rg-nope' does not exist (closest: 'rg-app')")
        return {"id": self.scopes[ref], "kind": "resourceGroup", "display_name": "rg-app"}

    def roles(self, scope, refs):
        known = {"Contributor": CONTRIBUTOR, "Owner": OWNER}
        if refs[0] not in known:
            raise ScopeError(f"unknown role(s) at 'rg-app': {refs[0]!r} (did you mean 'Contributor'?)")
        guid = known[refs[0]]
        return {refs[0]: {"id": rdid(guid, scope["id"]), "name": guid, "roleName": refs[0]}}

    def role_definitions(self, scope):
        return [{"id": rdid(CONTRIBUTOR, scope), "name": CONTRIBUTOR, "roleName": "Contributor"},
                {"id": rdid(OWNER, scope), "name": OWNER, "roleName": "Owner"}]


def azrun(fake, check_mode=False, duration=timedelta(hours=2), **params):
    base = {"role": "Contributor", "scope": "Production/rg-app", "justification": "why", "ticket_number": None,
            "ticket_system": None, "wait_for_approval": False, "wait_timeout": 60, "poll_interval": 1,
            "extend": False}
    base.update(params)
    return AzureActivationRun(AzureSelfActivation(fake, FakeResolver()), base, duration, timedelta(minutes=15),
                              check_mode, sleep=lambda s: None, clock=lambda: NOW)


def test_activation_puts_a_self_activate_request_linked_to_the_eligibility_at_the_scope():
    fake = FakeArm(eligible=[row(eligible=True, iid="e")])
    result = azrun(fake).ensure_active()
    assert result["changed"] and result["status"] == "Active"
    assert (result["role"], result["role_id"], result["scope"]) == ("Contributor", CONTRIBUTOR, RG)
    assert result["role_definition_id"] == rdid(CONTRIBUTOR, RG) and result["principal_id"] == USER
    [(kind, scope, body)] = fake.writes
    assert (kind, scope) == ("role_assignment_schedule_requests", RG)
    assert body["properties"] == {
        "principalId": USER, "roleDefinitionId": rdid(CONTRIBUTOR, RG), "requestType": "SelfActivate",
        "linkedRoleEligibilityScheduleId": RG + "/providers/Microsoft.Authorization/roleEligibilitySchedules/e-e",
        "justification": "why",
        "scheduleInfo": {"startDateTime": "2026-03-01T09:00:00Z",
                         "expiration": {"type": "AfterDuration", "duration": "PT2H"}}}
    assert result["activation"]["assignment_type"] == "activated" and result["request"]["action"] == "selfActivate"
    assert result["policy"]["max_duration"] == "PT8H" and result["policy"]["require_justification"] is True


def test_an_eligibility_on_the_subscription_covers_its_resource_group():
    fake = FakeArm(eligible=[row(eligible=True, iid="sub", scope=SUB, member="Inherited")])
    azrun(fake).ensure_active()
    assert fake.writes[0][2]["properties"]["linkedRoleEligibilityScheduleId"].startswith(SUB + "/providers/")
    assert fake.writes[0][1] == RG  # activated where asked, not on the whole subscription


def test_active_with_time_left_is_unchanged_and_writes_nothing():
    fake = FakeArm(eligible=[row(eligible=True)], active=[row(scope=RG.upper())])  # ARM's casing may differ
    result = azrun(fake).ensure_active()
    assert result["changed"] is False and result["status"] == "Active" and fake.writes == []


def test_check_mode_reports_the_arm_body_and_writes_nothing():
    fake = FakeArm(eligible=[row(eligible=True, iid="e")])
    result = azrun(fake, check_mode=True, duration=None).ensure_active()
    assert result["changed"] and fake.writes == [] and result["status"] == "Active"
    props = result["request"]["body"]["properties"]
    assert props["requestType"] == "SelfActivate" and props["scheduleInfo"]["expiration"]["duration"] == "PT8H"


@pytest.mark.parametrize("params, duration, rules, amr, fragments", [
    ({"justification": None}, timedelta(hours=1), None, ("pwd", "mfa"),
     ["requires a justification; set justification (PIM's JustificationRule)"]),
    ({}, timedelta(hours=9), None, ("pwd", "mfa"),
     ["duration PT9H is longer than the role's maximum activation duration PT8H (PIM's ExpirationRule)"]),
    ({"ticket_number": None}, timedelta(hours=1), arm_rules(enabled=("MultiFactorAuthentication", "Ticketing")),
     ("pwd",), ["MfaRule", "TicketingRule"]),
])
def test_policy_refusals_come_before_any_write(params, duration, rules, amr, fragments):
    fake = FakeArm(eligible=[row(eligible=True)], rules=rules, amr=amr)
    with pytest.raises(RunFailed) as err:
        azrun(fake, duration=duration, **params).ensure_active()
    assert all(f in str(err.value) for f in fragments), str(err.value)
    assert "PIM would refuse to activate Contributor" in str(err.value) and fake.writes == []


def test_not_eligible_names_what_the_user_is_eligible_for_at_or_above_the_scope():
    fake = FakeArm(eligible=[row(eligible=True, role=OWNER, scope=SUB, name="Owner")])
    with pytest.raises(RunFailed) as err:
        azrun(fake).ensure_active()
    text = str(err.value)
    assert f"not eligible for Contributor at scope {RG}" in text and text.endswith("at or above that scope for: Owner")
    assert fake.writes == []


def test_unknown_scope_and_role_fail_before_any_write_naming_the_input():
    fake = FakeArm(eligible=[row(eligible=True)])
    with pytest.raises(ScopeError, match="rg-nope.*closest: 'rg-app'.*held at: rg-app") as err:
        azrun(fake, scope="Production/rg-nope").ensure_active()
    assert "give the scope's ARM id" in str(err.value)
    # Only the user's own rows across the tenant were read, to try the name against them.
    assert {(scope, flt) for _kind, scope, flt in fake.lists} == {("", "asTarget()")}
    with pytest.raises(ScopeError, match="did you mean 'Contributor'"):
        azrun(fake, role="Contributer").ensure_active()
    assert fake.writes == []


class BlindResolver(FakeResolver):
    """What an eligible user without any Azure role of their own gets: no scope listed, role definitions refused."""

    def scope(self, ref):
        raise ScopeError(f"scope {ref!r}: no subscription 'Production' that this identity can see")

    def roles(self, scope, refs):
        raise ArmCallError(403, "AuthorizationFailed", "does not have authorization", method="GET", path=scope["id"])


def test_an_eligible_user_who_sees_no_scope_activates_through_their_own_rows():
    sub_row = row(eligible=True, iid="s", scope=SUB)
    sub_row["expandedProperties"]["scope"] = {"id": SUB, "displayName": "Production", "type": "subscription"}
    fake = FakeArm(eligible=[sub_row])
    run = AzureActivationRun(AzureSelfActivation(fake, BlindResolver()),
                             {"role": "contributor", "scope": "Production/rg-app", "justification": "why",
                              "ticket_number": None, "ticket_system": None, "wait_for_approval": False,
                              "wait_timeout": 60, "poll_interval": 1, "extend": False},
                             timedelta(hours=1), timedelta(minutes=15), False, clock=lambda: NOW)
    result = run.ensure_active()
    assert result["scope"] == RG and result["role_id"] == CONTRIBUTOR and result["role"] == "Contributor"
    [(_kind, scope, body)] = fake.writes
    assert scope == RG and body["properties"]["roleDefinitionId"] == rdid(CONTRIBUTOR)
    assert body["properties"]["linkedRoleEligibilityScheduleId"].startswith(SUB + "/providers/")
    blind = FakeArm(eligible=[sub_row])
    with pytest.raises(ScopeError, match="'Owner'.*holds or is eligible for: Contributor$"):
        AzureActivationRun(AzureSelfActivation(blind, BlindResolver()), dict(run.params, role="Owner"),
                           None, timedelta(minutes=15), False).ensure_active()
    assert blind.writes == []


def test_scope_from_held_rows():
    held = arm.held_scopes([arm.normalize(dict(row(eligible=True, scope=SUB), expandedProperties={
        "scope": {"id": SUB, "displayName": "Production", "type": "subscription"}})),
        arm.normalize(dict(row(eligible=True, scope=MG), expandedProperties={
            "scope": {"id": MG, "displayName": "Landing Zones", "type": "managementgroup"}}))])
    parse = __import__("ansible_collections.entra.pim.plugins.module_utils._arm_scopes",
                       fromlist=["parse_scope"]).parse_scope
    assert arm.scope_from_held(parse("production/rg-app"), held) == (RG, "rg-app")
    assert arm.scope_from_held(parse("Production"), held) == (SUB, "Production")
    assert arm.scope_from_held(parse("mg:landing zones"), held) == (MG, "Landing Zones")
    assert arm.scope_from_held(parse(RG), held) == (RG, None)  # an id means itself; ARM says whether it exists
    assert arm.scope_from_held(parse("Staging/rg-app"), held) == (None, "subscription 'Staging'")


def test_approval_leaves_the_request_pending_once_and_inactive_cancels_it():
    fake = FakeArm(eligible=[row(eligible=True)], rules=arm_rules(approval=True))
    first = azrun(fake).ensure_active()
    assert first["changed"] and first["status"] == "PendingApproval" and first["request"]["approval_id"] == "ap-1"
    again = azrun(fake).ensure_active()
    assert again["changed"] is False and again["status"] == "PendingApproval" and len(fake.writes) == 1
    assert again["request"]["id"] == first["request"]["id"]
    checked = azrun(fake, check_mode=True).ensure_active()
    assert checked["status"] == "PendingApproval" and len(fake.writes) == 1
    cancelled = azrun(fake).ensure_inactive()
    assert cancelled["changed"] and cancelled["request"]["action"] == "cancel"
    assert fake.writes[-1] == ("role_assignment_schedule_requests", RG, "cancel r1")


def test_deactivation_sends_self_deactivate_and_leaves_a_standing_assignment_alone():
    fake = FakeArm(active=[row()])
    result = azrun(fake).ensure_inactive()
    assert result["changed"] and result["status"] == "Inactive" and result["activation"] is None
    assert fake.writes[0][2]["properties"] == {"principalId": USER, "roleDefinitionId": rdid(CONTRIBUTOR, RG),
                                               "requestType": "SelfDeactivate", "justification": "why"}
    assert azrun(fake).ensure_inactive()["changed"] is False and len(fake.writes) == 1
    standing = FakeArm(active=[row(kind="Assigned", end=None)])
    run = azrun(standing)
    assert run.ensure_inactive()["changed"] is False and standing.writes == []
    assert "entra.pim.pim_azure_active_assignment" in run.warnings[0]


def test_a_refused_policy_read_warns_and_lets_pim_decide():
    fake = FakeArm(eligible=[row(eligible=True)],
                   policy_error=ArmCallError(403, "AuthorizationFailed", "no read", method="GET", path=RG))
    run = azrun(fake, justification=None)
    result = run.ensure_active()
    assert result["changed"] and "policy" not in result and len(fake.writes) == 1
    assert any("could not be read" in w and "roleManagementPolicies/read" in w for w in run.warnings)


def test_an_app_token_is_refused_naming_the_azure_module():
    fake = FakeArm()
    fake.token_claims = lambda: {"oid": "app", "roles": ["x"]}
    with pytest.raises(RunFailed, match="pim_azure_role_activation acts for the signed-in user.*Azure resource roles"):
        azrun(fake).ensure_active()


# ---- AzureActivityReader ----------------------------------------------------------------------------------------

class ListingArm(FakeArm):
    """Lists by scope: what ARM answers at the subscription and at the resource group."""

    def __init__(self, by_scope, requests=()):
        super().__init__()
        self.by_scope, self.request_rows = by_scope, list(requests)

    def list_scheduled(self, kind, scope, filter=None):  # noqa: A002
        self.lists.append((kind, scope, filter))
        if kind.endswith("requests"):
            return [dict(r) for r in self.request_rows]
        eligible = kind.startswith("role_eligibility")
        return [dict(r) for r in self.by_scope[scope] if ("roleEligibilityScheduleId" in r) == eligible]


def test_the_reader_reads_three_lists_per_scope_and_marks_inheritance():
    owner_sub = row(kind="Assigned", role=OWNER, scope=SUB, iid="o", end=None, name="Owner", principal=OTHER_USER)
    contrib_rg = row(iid="c")
    eligible_rg = row(eligible=True, iid="e")
    pending = dict(arm.arm_request(act.activation_body("selfActivate", USER, OWNER, RG, "please", timedelta(hours=1),
                                                       now=NOW, surface=AZURE), rdid(OWNER)),
                   id=RG + "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/p", name="p", scope=RG,
                   status="PendingApproval", createdOn="2026-03-01T08:00:00Z", approvalId="ap-9",
                   expandedProperties={"principal": {"id": USER, "displayName": "Victor Ops", "type": "User",
                                                     "email": "victor.ops@contoso.com"}})
    fake = ListingArm({SUB: [owner_sub, contrib_rg, eligible_rg],
                       RG: [dict(owner_sub, memberType="Inherited"), contrib_rg, eligible_rg]},
                      requests=[pending, dict(pending, id="done", status="Provisioned")])
    result, warnings = AzureActivityReader(fake, FakeResolver()).read([SUB, RG])
    assert warnings == [] and len(fake.lists) == 6  # three per scope, none per role or principal
    active = [(r["role"], r["scope"], r["inherited"], r["inherited_from"]) for r in result["active"]]
    assert sorted(active) == sorted([("Owner", SUB, False, None), ("Owner", RG, True, SUB),
                                     ("Contributor", RG, False, None)])
    assert [r["id"].rsplit("/", 1)[-1] for r in result["eligible"]] == ["e"]
    [req] = result["pending_requests"]
    assert (req["role"], req["role_id"], req["action"], req["approval_id"]) == ("Owner", OWNER, "selfActivate", "ap-9")
    assert req["principal"] == "victor.ops@contoso.com" and req["duration"] == "PT1H"
    only_owner, _ = AzureActivityReader(fake, FakeResolver()).read([RG], role_ids=[OWNER], pending=False)
    assert [r["inherited_from"] for r in only_owner["active"]] == [SUB] and only_owner["pending_requests"] is None
    mine, _ = AzureActivityReader(fake, FakeResolver()).read([RG], principal_ids=[OTHER_USER.upper()])
    assert [r["principal_id"] for r in mine["active"]] == [OTHER_USER]
    assert fake.lists[-1][2] == f"principalId eq '{OTHER_USER.upper()}'"
