# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure resource roles through the one assignment planner: ARM's items keyed per (scope, role GUID), inherited
assignments reported and never touched, ARM request bodies, policies per scope, reads once per scope, and a
whole run (check mode, exclusive with a protected break-glass, eligibility-first replacement) on a fake ARM."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _arm_assignment_backend as backend_mod
from ansible_collections.entra.pim.plugins.module_utils._arm_assignment_backend import (
    AzureBackend, is_above, normalize, policy_view, request_properties,
)
from ansible_collections.entra.pim.plugins.module_utils._arm_scopes import role_definition_id, role_guid
from ansible_collections.entra.pim.plugins.module_utils._assignment_rules import policy_problems, policy_requirements
from ansible_collections.entra.pim.plugins.module_utils._assignments import actual_state, plan, validate_items
from ansible_collections.entra.pim.plugins.module_utils._surfaces import AZURE

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SUB = "/subscriptions/5f7a7c2e-0000-4000-8000-000000000001"
RG = SUB + "/resourceGroups/rg-app"
ROOT_MG = "/providers/Microsoft.Management/managementGroups/tenant-root"
OWNER, UAA = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
ALICE, BOB, FRANK, BG, SP = (f"{c * 8}-0000-4000-8000-00000000000{i}" for i, c in enumerate("abfec", 1))
OWNER_SUB, UAA_SUB, OWNER_RG = AZURE.role_key(OWNER, SUB), AZURE.role_key(UAA, SUB), AZURE.role_key(OWNER, RG)


def full_role(guid, scope=SUB):
    return role_definition_id(scope, guid)


def arm_item(principal, role=OWNER, scope=SUB, member_type="Direct", assignment_type=None, start="2026-01-01T00:00:00Z",
             end=None, **extra):
    """An ARM instance or schedule, flattened ({id, name, **properties}) as ArmSession answers."""
    item = {"id": f"{scope}/providers/Microsoft.Authorization/x/{principal}", "name": principal,
            "principalId": principal, "roleDefinitionId": full_role(role, scope), "scope": scope,
            "memberType": member_type, "status": "Provisioned", "startDateTime": start, "endDateTime": end,
            "principalType": "User", **extra}
    if assignment_type:
        item["assignmentType"] = assignment_type
    return item


def arm_policy(scope, role, max_eligible="P365D", max_active="P180D", enabled=()):
    name = f"pol-{role}"
    rules = [{"id": "Expiration_Admin_Eligibility", "ruleType": "RoleManagementPolicyExpirationRule",
              "isExpirationRequired": True, "maximumDuration": max_eligible},
             {"id": "Expiration_Admin_Assignment", "ruleType": "RoleManagementPolicyExpirationRule",
              "isExpirationRequired": True, "maximumDuration": max_active},
             {"id": "Enablement_Admin_Assignment", "ruleType": "RoleManagementPolicyEnablementRule",
              "enabledRules": list(enabled)}]
    policy = {"id": f"{scope}/providers/Microsoft.Authorization/roleManagementPolicies/{name}", "name": name,
              "scope": scope, "rules": rules}
    assignment = {"id": f"{scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{name}_{role}",
                  "name": f"{name}_{role}", "scope": scope, "roleDefinitionId": full_role(role, scope),
                  "policyId": policy["id"]}
    return assignment, policy


# -- pure parts -------------------------------------------------------------------------------------------
def test_scope_tree_and_role_definition_ids():
    assert is_above(SUB, RG) and is_above(ROOT_MG, SUB) and is_above(ROOT_MG, RG)
    assert not is_above(RG, SUB) and not is_above(SUB, SUB.upper()) and not is_above(SUB, SUB + "0")
    assert not is_above(ROOT_MG, "/providers/Microsoft.Management/managementGroups/other")
    assert full_role(OWNER, RG) == f"{RG}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
    assert full_role(OWNER, ROOT_MG) == f"{ROOT_MG}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
    assert role_guid(full_role(OWNER.upper())) == OWNER and role_guid(OWNER) == OWNER


def test_inherited_items_are_keyed_to_the_child_and_remember_their_origin():
    items = [arm_item(ALICE), arm_item(BG, scope=ROOT_MG),  # made at the root group, listed at the subscription
             arm_item(BOB, member_type="Inherited",
                      roleAssignmentScheduleId=f"{ROOT_MG}/providers/Microsoft.Authorization/roleAssignmentSchedules/s"),
             arm_item(FRANK, scope=RG)]  # below the subscription: another scope's, dropped
    out, origins = normalize(items, SUB)
    assert [i["principalId"] for i in out] == [ALICE, BG, BOB]
    assert {i["scope"] for i in out} == {SUB} and {AZURE.key_of(i) for i in out} == {OWNER_SUB}
    assert [i["memberType"] for i in out] == ["Direct", "Inherited", "Inherited"]
    assert origins == {(BG, OWNER_SUB, None): ROOT_MG, (BOB, OWNER_SUB, None): ROOT_MG}
    # ARM's casing of a scope is not its identity: the same scope read in lower case is the same key.
    assert [AZURE.key_of(i) for i in normalize([arm_item(ALICE)], SUB.upper())[0]] == [OWNER_SUB]


def test_inherited_assignments_are_never_managed_and_report_their_scope():
    instances, origins = normalize([arm_item(ALICE, assignment_type="Assigned"),
                                    arm_item(BG, scope=ROOT_MG, assignment_type="Assigned")], SUB)
    actual = backend_mod.with_origins(actual_state(instances, [], NOW, AZURE), origins)
    managed = {a.principal_id: a.managed for a in actual}
    assert managed == {ALICE: True, BG: False}
    bg = next(a for a in actual if a.principal_id == BG)
    view = AzureBackend.shape(bg.view())
    assert view["inherited"] is True and view["inherited_from"] == ROOT_MG and view["role_id"] == OWNER
    assert view["permanent"] is True and view["scope"] == SUB
    alice = AzureBackend.shape(next(a for a in actual if a.principal_id == ALICE).view())
    assert alice["inherited"] is False and alice["inherited_from"] is None


def test_arm_schedules_with_a_null_end_are_permanent_and_an_end_is_kept():
    schedules, _ = normalize([arm_item(FRANK, role=UAA), arm_item(BOB, end="2026-06-01T00:00:00Z")], SUB)
    actual = {a.principal_id: a for a in actual_state([], schedules, NOW, AZURE)}
    assert actual[FRANK].permanent and actual[FRANK].role_id == UAA_SUB
    assert not actual[BOB].permanent and actual[BOB].end == datetime(2026, 6, 1, tzinfo=timezone.utc)


def desired(items, **kw):
    base = {"principal": None, "role": None, "scope": None, "start": None, "end": None, "duration": None,
            "permanent": None, "justification": None, "ticket_number": None, "ticket_system": None,
            "state": "present", "assignments": items, "exclusive": False}
    base.update(kw)
    out = validate_items(base, NOW, AZURE)
    for d in out:
        d.principal_id, d.scope, d.role_id = d.principal_ref, d.scope_ref, AZURE.role_key(d.role_ref, d.scope_ref)
    return out


def test_requests_in_arms_words():
    [assign] = plan("eligible", desired([{"principal": BOB, "role": OWNER, "scope": RG, "duration": "P30D",
                                          "ticket_number": "CHG1", "ticket_system": "SNOW"}],
                                        justification="review"), [], NOW, {}).actions
    props = request_properties(assign)
    assert props == {"principalId": BOB, "requestType": "AdminAssign", "roleDefinitionId": full_role(OWNER, RG),
                     "justification": "review", "ticketInfo": {"ticketNumber": "CHG1", "ticketSystem": "SNOW"},
                     "scheduleInfo": {"startDateTime": "2026-03-01T12:00:00Z",
                                      "expiration": {"type": "AfterDuration", "duration": "P30D"}}}
    schedules, _ = normalize([arm_item(ALICE)], SUB)
    [remove] = plan("active", desired([{"principal": ALICE, "role": OWNER, "scope": SUB, "state": "absent"}]),
                    actual_state([], schedules, NOW, AZURE), NOW, {}).actions
    props = request_properties(remove)
    assert props["requestType"] == "AdminRemove" and "scheduleInfo" not in props
    [forever] = plan("active", desired([{"principal": SP, "role": OWNER, "scope": ROOT_MG, "permanent": True}]),
                     [], NOW, {}).actions
    assert request_properties(forever)["scheduleInfo"]["expiration"] == {"type": "NoExpiration"}
    assert request_properties(forever)["roleDefinitionId"] == full_role(OWNER, ROOT_MG)


def test_policies_per_scope_feed_the_same_pre_check_naming_the_azure_settings_module():
    pairs = [arm_policy(SUB, OWNER, max_eligible="P90D"), arm_policy(SUB, UAA)]
    view = policy_view([a for a, _p in pairs], [p for _a, p in pairs], SUB)
    requirements = policy_requirements(view, AZURE)
    assert requirements[OWNER_SUB]["eligible"].max_duration == "P90D"
    assert requirements[UAA_SUB]["active"].max_duration == "P180D"
    actions = plan("eligible", desired([{"principal": BOB, "role": OWNER, "scope": SUB, "duration": "P200D"}]),
                   [], NOW, requirements).actions
    problems, _ = policy_problems(actions, requirements, {OWNER_SUB: "Owner"}, {BOB: "bob"}, NOW, AZURE)
    assert len(problems) == 1 and "Owner allows eligible assignments of at most P90D" in problems[0]
    assert "entra.pim.pim_azure_role_setting" in problems[0] and "max_duration: P200D" in problems[0]


# -- a whole run on a fake ARM ----------------------------------------------------------------------------
class Done(Exception):
    pass


class FakeArm:
    """ARM lists per scope (``atScope()``: the scope and above) and schedule-request PUTs; everything recorded."""

    def __init__(self, instances=(), schedules=(), policies=()):
        self.items = {"instances": list(instances), "schedules": list(schedules)}
        self.policies = list(policies)
        self.reads, self.requests = [], []

    def _at(self, what, kind, scope):
        self.reads.append((what, kind, scope))
        return [i for i in self.items[what] if i["_kind"] == kind and (
            backend_mod.same_scope(i["scope"], scope) or is_above(i["scope"], scope))]

    LISTS = {"role_eligibility_schedule_instances": ("instances", "eligible"),
             "role_eligibility_schedules": ("schedules", "eligible"),
             "role_assignment_schedule_instances": ("instances", "active"),
             "role_assignment_schedules": ("schedules", "active")}

    def list_scheduled(self, what, scope, filter=None):  # noqa: A002 - ARM's parameter name
        assert filter == "atScope()"
        return self._at(*self.LISTS[what], scope)

    def list_policy_assignments(self, scope):
        self.reads.append(("policyAssignments", None, scope))
        return [a for a, _p in self.policies if a["scope"] == scope]

    def list_policies(self, scope):
        self.reads.append(("policies", None, scope))
        return [p for _a, p in self.policies if p["scope"] == scope]

    def create_request(self, what, scope, body, name=None):
        kind = "eligible" if "eligibility" in what else "active"
        self.requests.append((kind, scope, name, body["properties"]))
        return {"name": name, "status": "Provisioned", **body["properties"]}


def held(kind, principal, role=OWNER, scope=SUB, **kw):
    """The same assignment as ARM lists it: its instance and its schedule."""
    extra = {"assignment_type": "Assigned"} if kind == "active" else {}
    return [dict(arm_item(principal, role, scope, **extra, **kw), _kind=kind),
            dict(arm_item(principal, role, scope, **kw), _kind=kind)]


class FakeGraph:
    def post(self, path, body, read=False):
        return {"value": [{"id": i, "@odata.type": "#microsoft.graph.user", "userPrincipalName": n}
                           for i, n in NAMES.items() if i in body["ids"]]}


NAMES = {ALICE: "alice@contoso", BOB: "bob@contoso", FRANK: "frank@contoso", BG: "breakglass1@contoso",
         SP: "ops-automation"}
SCOPES = {"Production": (SUB, "Production"), "Production/rg-app": (RG, "Production/rg-app"),
          "mg:root": (ROOT_MG, "Tenant Root Group")}
ROLES = {"Owner": OWNER, "User Access Administrator": UAA}


class FakeTargets:
    def principals(self, refs, kinds=("user", "group", "servicePrincipal")):
        by_name = {v: k for k, v in NAMES.items()}
        return {r: {"id": by_name[r], "type": "servicePrincipal" if r == "ops-automation" else "user",
                    "userPrincipalName": r} for r in refs}

    def targets(self, pairs):
        return {(role, scope): {"scope": SCOPES[scope][0], "scope_name": SCOPES[scope][1], "role_guid": ROLES[role],
                                "role_name": role} for role, scope in pairs}


class FakeModule:
    def __init__(self, params, arm, check_mode=False, diff_mode=False):
        base = {"principal": None, "role": None, "scope": None, "start": None, "end": None, "duration": None,
                "permanent": None, "justification": None, "ticket_number": None, "ticket_system": None,
                "state": "present", "assignments": None, "exclusive": False, "exclusive_roles": None,
                "protected_principals": [], "replace_permanent_with_eligible": False, "subscription_id": None}
        self.params, self._arm, self.check_mode, self.diff_mode = dict(base, **params), arm, check_mode, diff_mode
        self.warnings, self.result = [], None

    default_subscription = None

    def arm(self):
        return self._arm

    def graph(self):
        return FakeGraph()

    def warn(self, text):
        self.warnings.append(text)

    def fail(self, msg, **kwargs):
        self.result = dict(kwargs, failed=True, msg=msg)
        raise Done

    def exit(self, **result):
        self.result = result
        raise Done


class TestBackend(AzureBackend):
    @staticmethod
    def resolver(module, session):
        return FakeTargets()


def run_azure(kind, params, arm, **module_kw):
    from ansible_collections.entra.pim.plugins.module_utils._assignment_module import AssignmentRun
    module = FakeModule(params, arm, **module_kw)
    with pytest.raises(Done):
        AssignmentRun(module, kind, TestBackend()).run()
    return module.result


def seed():
    """alice: permanent active Owner at the subscription (made outside PIM: an instance without a schedule);
    breakglass1: permanent active Owner at the root group (inherited at the subscription); bob: eligible Owner."""
    return FakeArm(instances=[dict(arm_item(ALICE, assignment_type="Assigned"), _kind="active"),
                              *held("active", BG, scope=ROOT_MG)[:1], *held("eligible", BOB)[:1]],
                   schedules=[*held("active", BG, scope=ROOT_MG)[1:], *held("eligible", BOB)[1:]],
                   policies=[arm_policy(SUB, OWNER), arm_policy(SUB, UAA), arm_policy(RG, OWNER)])


def test_check_mode_reads_each_scope_once_and_writes_nothing():
    arm = seed()
    result = run_azure("active", {"assignments": [
        {"principal": "bob@contoso", "role": "Owner", "scope": "Production", "duration": "P30D"},
        {"principal": "bob@contoso", "role": "User Access Administrator", "scope": "Production", "duration": "P30D"},
        {"principal": "ops-automation", "role": "Owner", "scope": "Production/rg-app", "duration": "P30D"}]},
        arm, check_mode=True, diff_mode=True)
    assert result["changed"] and arm.requests == []
    # Two roles at the subscription, one at the resource group: two lists per scope, policies once per scope
    # (read at the scope in lower case: ARM compares scopes case-insensitively).
    assert sorted(arm.reads) == sorted([(w, k, s.lower()) for s in (SUB, RG) for w, k in (
        ("instances", "active"), ("schedules", "active"), ("policyAssignments", None), ("policies", None))])
    entry = result["assignments"][0]
    assert {k: entry[k] for k in ("action", "role", "role_id", "scope", "scope_name")} == {
        "action": "adminAssign", "role": "Owner", "role_id": OWNER, "scope": SUB, "scope_name": "Production"}
    assert entry["role_definition_id"] == full_role(OWNER)
    assert "Owner / ops-automation / active / scope Production/rg-app" in result["diff"]["after"]
    # The break-glass account's inherited Owner is reported, as inherited, with where it comes from.
    # (at both scopes concerned: the root group is above the resource group too).
    inherited = {a["scope"]: a for a in result["not_managed"] if a["principal_id"] == BG}
    assert set(inherited) == {SUB, RG}  # as ARM spells them
    assert all(a["inherited"] is True and a["inherited_from"] == ROOT_MG and a["member_type"] == "Inherited"
               and a["permanent"] for a in inherited.values())
    assert inherited[RG]["scope_name"] == "Production/rg-app" and inherited[RG]["role"] == "Owner"
    assert [a["principal_id"] for a in result["permanent_assignments"]] == [ALICE]


def test_exclusive_removes_unlisted_direct_ones_only_never_inherited_or_protected():
    arm = seed()
    arm.items["instances"] += held("active", BG)[:1]  # a direct one at the subscription too: protected
    arm.items["schedules"] += held("active", BG)[1:]
    result = run_azure("active", {"assignments": [], "exclusive": True, "exclusive_roles": ["Owner"],
                                  "scope": "Production", "protected_principals": ["breakglass1@contoso"]}, arm)
    assert result["changed"]
    [(kind, scope, _name, props)] = arm.requests
    assert (kind, scope, props["principalId"], props["requestType"]) == ("active", SUB, ALICE, "AdminRemove")
    kept = {e["principal_id"]: e["reason"] for e in result["assignments"] if e["action"] == "none"}
    assert kept == {BG: "protected principal"}


def test_exclusive_with_scope_missing_names_what_is_needed():
    result = run_azure("active", {"assignments": [], "exclusive": True, "exclusive_roles": ["Owner"]}, seed())
    assert result["failed"] and "exclusive_roles needs scope" in result["msg"]


def test_replacement_makes_the_eligibility_first_then_removes_the_permanent_active_assignment():
    arm = FakeArm(instances=[*held("active", FRANK, role=UAA)[:1]], schedules=[*held("active", FRANK, role=UAA)[1:]],
                  policies=[arm_policy(SUB, UAA)])
    result = run_azure("active", {"principal": "frank@contoso", "role": "User Access Administrator",
                                  "scope": "Production", "replace_permanent_with_eligible": True,
                                  "justification": "zero standing access"}, arm)
    assert result["changed"]
    assert [(k, p["requestType"]) for k, _s, _n, p in arm.requests] == [("eligible", "AdminAssign"),
                                                                        ("active", "AdminRemove")]
    eligible = arm.requests[0][3]
    # Azure's default forbids a permanent eligibility: the policy's maximum instead.
    assert eligible["scheduleInfo"]["expiration"] == {"type": "AfterDuration", "duration": "P365D"}
    assert eligible["roleDefinitionId"] == full_role(UAA) and eligible["principalId"] == FRANK
    names = {n for _k, _s, n, _p in arm.requests}
    assert len(names) == 2 and all(len(n) == 36 for n in names)  # a new uuid4 name per request


def test_a_duration_beyond_the_policy_is_refused_before_any_write():
    arm = seed()
    result = run_azure("eligible", {"principal": "bob@contoso", "role": "User Access Administrator",
                                    "scope": "Production", "duration": "P400D"}, arm)
    assert result["failed"] and arm.requests == []
    assert "at most P365D" in result["msg"] and "pim_azure_role_setting" in result["msg"]


def test_second_run_is_calm():
    arm = seed()
    result = run_azure("eligible", {"principal": "bob@contoso", "role": "Owner", "scope": "Production"}, arm)
    assert result["changed"] is False and arm.requests == []
    assert result["assignments"][0]["reason"] == "as desired"


# -- names: scopes and roles through ARM, principals through Graph ----------------------------------------
class ScopeArm:
    """What ``_arm_scopes.ScopeResolver`` reads: subscriptions, resource groups, management groups, roles."""

    def __init__(self):
        self.role_reads = []

    def list_subscriptions(self):
        return [{"id": SUB, "subscriptionId": SUB.rsplit("/", 1)[-1], "displayName": "Production"}]

    def list_resource_groups(self, subscription_id):
        return [{"id": RG, "name": "rg-app"}]

    def list_management_groups(self):
        return [{"id": ROOT_MG, "name": "tenant-root", "displayName": "Tenant Root Group"}]

    def list_role_definitions(self, scope, filter=None):  # noqa: A002
        self.role_reads.append(scope)
        return [{"id": full_role(guid, scope), "name": guid, "roleName": name} for name, guid in ROLES.items()]


class TargetsModule:
    default_subscription = None
    params = {}

    def __init__(self, graph=None):
        self._graph = graph

    def graph(self):
        return self._graph


def test_every_unknown_scope_and_role_is_reported_at_once_with_the_closest_names():
    targets = backend_mod.AzureTargets(TargetsModule(), ScopeArm())
    with pytest.raises(backend_mod.ResolveError) as err:
        targets.targets([("Owner", "Productoin"), ("Ownr", "Production"), ("Owner", "Production/rg-ap"),
                         ("Owner", "mg:Tenant Root Grp")])
    text = str(err.value)
    for piece in ("'Productoin'", "'Production'", "'Ownr'", "'Owner'", "'rg-ap'", "'rg-app'", "'Tenant Root Grp'"):
        assert piece in text, piece


def test_targets_carry_the_scope_as_arm_spells_it_a_readable_name_and_the_role_guid():
    arm = ScopeArm()
    targets = backend_mod.AzureTargets(TargetsModule(), arm)
    found = targets.targets([("Owner", "production/RG-APP"), ("User Access Administrator", "mg:tenant-root"),
                             (OWNER, SUB)])
    assert found[("Owner", "production/RG-APP")] == {"scope": RG, "scope_name": "Production/rg-app",
                                                     "role_guid": OWNER, "role_name": "Owner"}
    assert found[("User Access Administrator", "mg:tenant-root")]["scope_name"] == "mg:Tenant Root Group"
    assert found[(OWNER, SUB)]["role_name"] == "Owner"
    assert sorted(arm.role_reads) == sorted([RG, ROOT_MG, SUB])  # roles read once per scope


class NoDirectoryGraph:
    def post(self, path, body, read=False):
        raise backend_mod.GraphCallError(403, "Authorization_RequestDenied", "Insufficient privileges")

    def get_all(self, path, params=None):
        raise backend_mod.GraphCallError(403, "Authorization_RequestDenied", "Insufficient privileges")


def test_object_ids_work_without_directory_read_rights_names_do_not():
    targets = backend_mod.AzureTargets(TargetsModule(NoDirectoryGraph()), ScopeArm())
    assert targets.principals([ALICE.upper()]) == {ALICE.upper(): {"id": ALICE, "type": None,
                                                                   "displayName": ALICE.upper()}}
    with pytest.raises(backend_mod.GraphCallError):
        targets.principals(["alice@contoso"])
    assert targets.principals([]) == {}


def test_an_unset_scope_is_the_default_subscription():
    module = TargetsModule()
    module.params = {"scope": None}
    assert AzureBackend.params(module) == {"scope": None}
    module.default_subscription = SUB.rsplit("/", 1)[-1]
    assert AzureBackend.params(module) == {"scope": SUB.rsplit("/", 1)[-1]}
    module.params = {"scope": "Production"}
    assert AzureBackend.params(module)["scope"] == "Production"
