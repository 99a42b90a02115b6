# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The assignment backend of Azure resource roles: PIM through ARM ``Microsoft.Authorization`` 2020-10-01.

Private to the collection (leading underscore): may change in any release.

``_assignment_module.AssignmentRun`` plans and writes the same way on every surface; this backend answers its
questions for Azure RBAC roles at management-group, subscription, resource-group and resource scope:

- names: scopes and roles through ``_arm_scopes`` (ARM), principals through Graph (``_resolve``);
- reads: per scope, its instances and schedules of each kind (``$filter=atScope()``: at the scope and above, so
  what a parent scope hands down is seen) and its policies, once per scope whatever the number of roles;
- writes: one ``PUT {scope}/providers/Microsoft.Authorization/role{Eligibility,Assignment}ScheduleRequests/{uuid4}``
  per action, its body the planner's request translated to ARM's vocabulary (``requestType``, PascalCase
  expiration types, a full role definition id).

A planner key is ``{scope}/{role definition GUID}`` (``AZURE.role_key``): a role's policy, and exclusive mode, are
per scope. An assignment made at a parent scope shows at the child as ``memberType: Inherited``; it is keyed to
the child (so the run reports it with the roles concerned), with ``inherited_from`` naming the parent, and, not
being ``Direct``, the planner never removes or re-creates it there.

ARM references: "Role Eligibility Schedule Requests - Create", "Role Assignment Schedule Requests - Create",
"Role Eligibility Schedule Instances - List For Scope", "Role Assignment Schedules - List For Scope",
"Role Management Policy Assignments - List For Scope" (learn.microsoft.com/rest/api/authorization, 2020-10-01).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from ._arm_scopes import (MANAGEMENT_GROUP, RESOURCE, RESOURCE_GROUP, ScopeError, ScopeResolver, role_definition_id,
                          role_guid, same_scope)
from ._assignment_backends import assignments_of
from ._client import GraphCallError
from ._inert import printable
from ._resolve import ResolveError, Resolver, is_guid
from ._surfaces import AZURE

MG_PREFIX = "/providers/microsoft.management/managementgroups/"
# The planner's verbs (Graph's unifiedRoleScheduleRequestActions) -> ARM's requestType (RequestType enum of
# the 2020-10-01 RoleEligibilityScheduleRequest / RoleAssignmentScheduleRequest).
REQUEST_TYPES = {"adminAssign": "AdminAssign", "adminRemove": "AdminRemove", "adminUpdate": "AdminUpdate",
                 "adminExtend": "AdminExtend", "adminRenew": "AdminRenew"}
# Graph's expiration types -> ARM's (the Type enum of the requests' scheduleInfo.expiration).
EXPIRATION_TYPES = {"noExpiration": "NoExpiration", "afterDateTime": "AfterDateTime", "afterDuration": "AfterDuration"}
INHERITED = "Inherited"


# -- pure: scopes and ids -------------------------------------------------------------------------------
def is_above(parent, child):
    """Whether ``parent`` is a strict ancestor of ``child`` in ARM's scope tree, as far as ids tell: a prefix
    path (``/subscriptions/s`` above ``/subscriptions/s/resourceGroups/rg``), or a management group above a
    subscription. Which management group a subscription sits in is not in its id: ARM says so with
    ``memberType: Inherited``, which ``normalize`` trusts first."""
    p, c = str(parent or "").rstrip("/").lower(), str(child or "").rstrip("/").lower()
    if not p or p == c:
        return False
    return c.startswith(p + "/") or (p.startswith(MG_PREFIX) and not c.startswith(MG_PREFIX))


def scope_label(scope):
    """A resolved scope (``ScopeResolver.scope``) as a person reads it: ``Production``, ``Production/rg-app``,
    ``Production/rg-app/kv-app``, ``mg:Landing Zones``."""
    if scope["kind"] == MANAGEMENT_GROUP:
        return f"mg:{scope.get('display_name') or scope.get('management_group') or scope['id']}"
    parts = [scope.get("subscription_name") or scope.get("subscription_id")]
    if scope["kind"] in (RESOURCE_GROUP, RESOURCE):
        parts.append(scope.get("resource_group"))
    if scope["kind"] == RESOURCE:
        parts.append(scope.get("display_name"))
    return "/".join(str(p) for p in parts if p) or scope["id"]


def schedule_scope(item):
    """Where an instance's schedule was made, from its schedule id (``{scope}/providers/Microsoft.Authorization/
    roleAssignmentSchedules/{name}``), or None."""
    for field in ("roleEligibilityScheduleId", "roleAssignmentScheduleId"):
        value = str(item.get(field) or "")
        marker = value.lower().find("/providers/microsoft.authorization/")
        if marker > 0:
            return value[:marker]
    return None


def normalize(items, scope):
    """ARM instances or schedules read at ``scope`` -> (Graph-shaped dicts ``actual_state`` reads, origins).

    Each item is keyed to ``scope`` with its role's GUID; one made at a parent scope (``memberType: Inherited``,
    or a parent ``scope``) becomes ``memberType: Inherited`` and its origin is recorded in ``origins`` by
    (principal, key, assignmentType). Items below ``scope`` (a listing without ``atScope()``) are dropped: they
    are another scope's. Schedules carry ``startDateTime``/``endDateTime`` only; an ``endDateTime`` of null is
    ARM's permanent (``NoExpiration``), given to ``actual_state`` in Graph's ``scheduleInfo`` shape."""
    out, origins = [], {}
    for raw in items:
        item_scope = raw.get("scope") or scope
        member_type = raw.get("memberType") or "Direct"
        origin = None
        if same_scope(item_scope, scope):
            if str(member_type).lower() == INHERITED.lower():
                origin = schedule_scope(raw)
        elif is_above(item_scope, scope) or str(member_type).lower() == INHERITED.lower():
            origin = item_scope
        else:
            continue
        if origin is not None or str(member_type).lower() == INHERITED.lower():
            member_type = INHERITED
        # A direct item keeps the scope as ARM wrote it (the casing requests and results use); an inherited one
        # is keyed to the scope read.
        item = dict(raw, scope=raw.get("scope") if origin is None else scope, memberType=member_type,
                    principalId=str(raw.get("principalId") or "").lower())
        end = raw.get("endDateTime")
        item["scheduleInfo"] = {"startDateTime": raw.get("startDateTime"),
                                "expiration": {"type": "afterDateTime", "endDateTime": end} if end
                                else {"type": "noExpiration"}}
        if member_type == INHERITED:
            origins[(item["principalId"], AZURE.key_of(item), raw.get("assignmentType"))] = origin
        out.append(item)
    return out, origins


def with_origins(actuals, origins):
    """The Actuals of ``actual_state`` with ``inherited_from`` set on the inherited ones."""
    return [replace(a, inherited_from=origins.get((a.principal_id, a.role_id, a.assignment_type)) or "unknown")
            if a.member_type == INHERITED else a for a in actuals]


def request_properties(act):
    """One planner action -> the ``properties`` of an ARM schedule request: the shared Graph body
    (``Action.request_body``) in ARM's words."""
    body = act.request_body(AZURE)
    props = {"principalId": act.principal_id, "requestType": REQUEST_TYPES[body["action"]],
             "roleDefinitionId": role_definition_id(act.scope, AZURE.role_of(act.role_id))}
    for name in ("justification", "ticketInfo"):
        if body.get(name):
            props[name] = body[name]
    info = body.get("scheduleInfo")
    if info:
        expiration = dict(info["expiration"])
        expiration["type"] = EXPIRATION_TYPES[expiration["type"]]
        props["scheduleInfo"] = {"startDateTime": info["startDateTime"], "expiration": expiration}
    return props


def policy_view(policy_assignments, policies, scope):
    """ARM policy assignments and policies at ``scope`` -> the Graph-shaped policy assignments
    ``_assignment_rules.policy_requirements`` reads: ``{roleDefinitionId, scopeId, policy: {rules}}``. ARM's rules
    carry the same ``id`` (``Expiration_Admin_Eligibility`` ...) and properties (``isExpirationRequired``,
    ``maximumDuration``, ``enabledRules``) as Graph's, so only the envelope changes."""
    by_id = {str(p.get("id") or "").lower(): p for p in policies}
    by_name = {str(p.get("name") or "").lower(): p for p in policies}
    out = []
    for assignment in policy_assignments:
        if assignment.get("scope") and not same_scope(assignment.get("scope"), scope):
            continue
        policy_id = str(assignment.get("policyId") or "")
        policy = by_id.get(policy_id.lower()) or by_name.get(policy_id.rsplit("/", 1)[-1].lower()) or {}
        rules = policy.get("rules") or assignment.get("effectiveRules") or []
        out.append({"roleDefinitionId": role_guid(assignment.get("roleDefinitionId")), "scopeId": scope,
                    "policy": {"rules": rules}})
    return out


def scopes_of(role_ids):
    """The scopes of some planner keys, in a stable order."""
    return sorted({key.rsplit("/", 1)[0] for key in role_ids})


# -- the backend --------------------------------------------------------------------------------------
class AzureTargets:
    """What ``AssignmentRun.resolve`` asks of a resolver on this surface: principals through Graph (only when the
    input names some), scopes and roles through ARM (``_arm_scopes.ScopeResolver``)."""

    def __init__(self, module, arm):
        self.module = module
        self._graph_resolver = None
        self.arm_scopes = ScopeResolver(arm, default_subscription=module.default_subscription)

    def principals(self, refs, kinds=("user", "group", "servicePrincipal")):
        if not refs:
            return {}
        if self._graph_resolver is None:
            self._graph_resolver = Resolver(self.module.graph())
        try:
            return self._graph_resolver.principals(refs, kinds=kinds)
        except GraphCallError as exc:
            # An app with Azure rights but no directory read permission can still work with object ids: they are
            # used as given (ARM refuses an id that names no principal); names need Graph.
            if exc.status in (401, 403) and all(is_guid(r) for r in refs):
                return {r: {"id": str(r).lower(), "type": None, "displayName": str(r)} for r in refs}
            raise

    def targets(self, pairs):
        """(role ref, scope ref) pairs -> {pair: {"scope", "scope_name", "role_guid", "role_name"}}. Every scope is
        read (so checked to exist), then the roles at each; every unknown scope and role is reported at once,
        with the closest names."""
        scope_refs = list(dict.fromkeys(ref for _role, ref in pairs))
        scopes, problems = {}, []
        for ref in scope_refs:
            try:
                scopes[ref] = self.arm_scopes.scope(ref)
            except ScopeError as exc:
                problems.append(str(exc))
        out = {}
        for ref, scope in scopes.items():
            role_refs = list(dict.fromkeys(role for role, at in pairs if at == ref))
            try:
                roles = self.arm_scopes.roles(scope, role_refs)
            except ScopeError as exc:
                problems.append(str(exc))
                continue
            for role_ref in role_refs:
                role = roles[role_ref]
                out[(role_ref, ref)] = {
                    "scope": scope["id"], "scope_name": scope_label(scope),
                    "role_guid": role_guid(role.get("name")) or role_guid(role.get("id")),
                    "role_name": role.get("roleName") or role.get("displayName") or role.get("name")}
        if problems:
            raise ResolveError("; ".join(problems))
        return out


class AzureBackend:
    """Azure resource roles (ARM ``Microsoft.Authorization`` PIM), keyed per (scope, role) in the planner."""

    surface = AZURE
    arm = True
    exclusive_option, targets, policy_noun = "exclusive_roles", "roles", "role"

    @staticmethod
    def session(module):
        return module.arm()

    @staticmethod
    def params(module):
        """An unset ``scope`` is the default subscription (``subscription_id``, ``AZURE_SUBSCRIPTION_ID``), as in
        every Azure module: the default of the items that name none."""
        params = module.params
        default = getattr(module, "default_subscription", None)
        if params.get("scope") is None and default:
            return dict(params, scope=default)
        return params

    @staticmethod
    def resolver(module, session):
        return AzureTargets(module, session)

    @staticmethod
    def principal_kinds(kind):
        # Service principals hold active Azure roles (automation); PIM offers eligibility to users and groups,
        # who can activate ("Assign Azure resource roles in Privileged Identity Management").
        return ("user", "group") if kind == "eligible" else ("user", "group", "servicePrincipal")

    @staticmethod
    def exclusive_refs(params, desired):
        """(role ref, scope ref) pairs: ``exclusive_roles`` at the module's ``scope``, else the input's pairs."""
        if params.get("exclusive_roles"):
            if not params.get("scope"):
                raise ResolveError("exclusive_roles needs scope: the scope at which those roles' assignments are "
                                   "made exclusive (a management group, subscription, resource group or resource)")
            return [(ref, params["scope"]) for ref in params["exclusive_roles"]]
        return [(d.role_ref, d.scope_ref) for d in desired]

    @staticmethod
    def lookups(resolver, desired, exclusive_refs, principals, protected):
        pairs = list(dict.fromkeys([(d.role_ref, d.scope_ref) for d in desired] + list(exclusive_refs)))
        return [lambda: resolver.targets(pairs), principals, protected]

    @staticmethod
    def split(answers):
        targets, principals, protected = answers
        return targets, principals, protected

    @staticmethod
    def bind(desired, targets):
        target = targets[(desired.role_ref, desired.scope_ref)]
        desired.scope = target["scope"]
        desired.role_id, desired.role_name = AZURE.role_key(target["role_guid"], target["scope"]), target["role_name"]

    @staticmethod
    def item_problems(run, desired, principal, targets):
        return []  # Azure RBAC takes any security group, user or service principal the kind allows

    @staticmethod
    def name_targets(run, resolver, targets):
        # Keyed by the scope in lower case (ARM's ids are case-insensitive; an inherited item is keyed to the scope
        # read), with the casing ARM answered kept for results.
        run.scope_ids = {}
        for target in targets.values():
            run.scope_ids[target["scope"].lower()] = target["scope"]
            run.scope_names[target["scope"].lower()] = printable(target.get("scope_name") or target["scope"])
            run.role_names[AZURE.role_key(target["role_guid"], target["scope"])] = printable(
                target.get("role_name") or target["role_guid"])

    @staticmethod
    def concerned(targets, exclusive_refs):
        return {AZURE.role_key(targets[pair]["role_guid"], targets[pair]["scope"]) for pair in exclusive_refs}

    # -- reads ----------------------------------------------------------------------------------------------
    def read_state(self, arm, kinds, role_ids, now):
        """Per scope concerned: each kind's instances and schedules (``atScope()``) and the scope's policies,
        whatever the number of roles there."""
        state = {kind: [] for kind in kinds}
        state["policies"] = []
        for scope in scopes_of(role_ids):
            wanted = {key for key in role_ids if key.rsplit("/", 1)[0] == scope}
            for kind in kinds:
                state[kind] += self._assignments_at(arm, kind, scope, wanted, now)
            state["policies"] += policy_view(arm.list_policy_assignments(scope), arm.list_policies(scope), scope)
        return state

    def read_assignments(self, arm, kind, role_ids, now):
        out = []
        for scope in scopes_of(role_ids):
            out += self._assignments_at(arm, kind, scope, {k for k in role_ids if k.rsplit("/", 1)[0] == scope}, now)
        return out

    @staticmethod
    def _assignments_at(arm, kind, scope, wanted, now):
        lists = AZURE.schedules[kind]
        instances, origins = normalize(arm.list_scheduled(lists["instances"], scope, filter="atScope()"), scope)
        schedules, more = normalize(arm.list_scheduled(lists["schedules"], scope, filter="atScope()"), scope)
        origins.update(more)
        return with_origins(assignments_of(wanted, instances, schedules, now, AZURE), origins)

    # -- writes ---------------------------------------------------------------------------------------------
    @staticmethod
    def submit(arm, phase):
        """One PUT per action, under a new GUID name (ARM's schedule requests are named by the client). A failed
        call comes back as the session's error; one without an HTTP answer (status 0) or a 5xx is re-read by
        the run, so a request whose answer was lost is never sent twice blind."""
        out = []
        for act in phase:
            try:
                arm.create_request(AZURE.schedules[act.kind]["requests"], act.scope,
                                   {"properties": request_properties(act)}, name=str(uuid.uuid4()))
            except GraphCallError as exc:
                out.append((act, exc, not exc.status))
                continue
            except Exception as exc:  # no HTTP answer: what reached ARM is unknown, a re-read decides
                out.append((act, GraphCallError(0, type(exc).__name__, str(exc) or repr(exc), method="PUT",
                                                path=f"{act.scope}/providers/Microsoft.Authorization/..."), True))
                continue
            out.append((act, None, False))
        return out

    # -- how results, messages and the diff name a privilege ----------------------------------------------
    @staticmethod
    def _where(run, scope):
        """(the scope id as ARM spells it, its name for people)."""
        scope = getattr(run, "scope_ids", {}).get(str(scope).lower(), scope)
        return scope, run.scope_names.get(str(scope).lower(), scope)

    @classmethod
    def fields(cls, run, role_id, scope):
        scope, name = cls._where(run, scope)
        return {"role": run.role_names.get(role_id, AZURE.role_of(role_id)), "role_id": AZURE.role_of(role_id),
                "role_definition_id": role_definition_id(scope, AZURE.role_of(role_id)), "scope": scope,
                "scope_name": name}

    @classmethod
    def names(cls, run, role_id, scope):
        scope, name = cls._where(run, scope)
        return {"role": run.role_names.get(role_id), "scope": scope, "scope_name": name}

    @staticmethod
    def shape(view):
        """A planner view in ARM's words: ``role_id`` is the role definition's GUID, and every assignment says
        whether it is ``inherited`` and from which scope."""
        out = dict(view, role_id=AZURE.role_of(view["role_id"]))
        origin = out.pop("inherited_from", None)
        out["inherited"] = origin is not None
        out["inherited_from"] = origin
        return out

    @classmethod
    def label(cls, run, act):
        return f"{run.role_names.get(act.role_id, AZURE.role_of(act.role_id))} / {cls._where(run, act.scope)[1]}"

    @classmethod
    def subject(cls, run):
        def subject(act, who):
            role = run.role_names.get(act.role_id, AZURE.role_of(act.role_id))
            scope, where = cls._where(run, act.scope)
            return (f"{role} / {who} / {act.kind} / scope {where}",
                    {"role": role, "principal": who, "kind": act.kind, "scope": scope})
        return subject

    # -- policies --------------------------------------------------------------------------------------------
    @staticmethod
    def planning_requirements(requirements, role_ids):
        return requirements

    @staticmethod
    def policy_warnings(run, actions, requirements):
        return []

