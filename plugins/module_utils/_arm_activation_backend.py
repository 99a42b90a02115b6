# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM reads and writes behind pim_azure_activation_info and pim_azure_role_activation.

Private to the collection (leading underscore): may change in any release.

The Azure backend of the activation core: ``AzureActivationRun`` is ``ActivationRun`` (every decision:
idempotence, pre-checks, approval, wait, extend, deactivate) with the Azure target (a role at a scope) and
``AzureSelfActivation`` its calls on ARM (``Microsoft.Authorization`` 2020-10-01 through ``ArmSession``).
``AzureActivityReader`` reads what ``pim_azure_activation_info`` returns: per scope, one list of eligibility
instances, one of assignment instances and one of assignment requests, whatever the number of roles and
principals (ARM lists everything at, above and below a scope in one list; names come in its
``expandedProperties``). The shaping lives in ``_arm_activation`` and ``_activation``.
"""

from __future__ import annotations

from ._activation import ACTIVE, ELIGIBLE, select, signed_in, sort_key
from ._activation_backend import ActivationRun
from ._arm_activation import (
    arm_request, held_roles, held_scopes, instance_filter, linked_eligibility, normalize, principals_of, relation,
    resource_name, roles_of, same_scope, scope_from_held, shape_pending, shape_rows,
)
from ._arm_role_settings import read_scope_policies
from ._client import GraphCallError
from ._arm_scopes import (
    ScopeError, ScopeResolver, match_role_definitions, parse_scope, role_definition_id, role_guid, role_name,
    scope_kind,
)
from ._policy import rules_to_settings
from ._surfaces import AZURE

INSTANCES = {kind: AZURE.schedules[kind]["instances"] for kind in (ELIGIBLE, ACTIVE)}
REQUESTS = {kind: AZURE.schedules[kind]["requests"] for kind in (ELIGIBLE, ACTIVE)}


class AzureSelfActivation:
    """The signed-in user's own eligibilities, activations and activation requests for Azure resource roles.

    ARM lists are read at a scope: the backend reads at the scope of the run's target (``scope()`` resolves it
    and remembers it), with ``$filter=asTarget()`` (the caller's own rows at, above and below it).
    """

    surface = AZURE

    def __init__(self, arm, resolver):
        self.arm, self.resolver = arm, resolver
        self.at = None  # the scope the run acts at (set by scope())
        self.roles = {}  # GUID -> the role definition resolved at that scope
        self.eligible_seen = []  # the last eligible rows read: the eligibility an activation links to
        self._mine_everywhere = None  # the caller's rows across the tenant, read only when a name needs them

    @classmethod
    def connect(cls, module):
        arm = module.arm()
        return cls(arm, ScopeResolver(arm, module.default_subscription))

    def retried(self):
        return self.arm.retries > 0

    def who(self):
        return signed_in(self.arm.token_claims())

    def scope(self, ref):
        """The resolved scope (``ScopeResolver.scope``: an ARM id or a friendly form, checked to exist); its id is
        where the run reads and writes.

        A user who holds no Azure role of their own sees no subscription or resource group (ARM lists nothing to
        them, or answers 403), yet may activate what they are eligible for: the scope is then told from the
        user's own eligible and active rows across the tenant (``asTarget()`` at the root, as the portal's "My
        roles" reads them), and checked to exist by listing the user's rows at it (ARM answers 404 for a scope
        that does not exist)."""
        try:
            found = self.resolver.scope(ref)
        except (ScopeError, GraphCallError) as exc:
            if isinstance(exc, GraphCallError) and exc.status not in (401, 403):
                raise
            found = self._my_scope(ref, exc)
        self.at = found["id"]
        return found

    def _held(self):
        """The caller's own eligible and active rows across the tenant (two lists at the root, read once)."""
        if self._mine_everywhere is None:
            self._mine_everywhere = [normalize(r) for kind in (ELIGIBLE, ACTIVE)
                                     for r in self.arm.list_scheduled(INSTANCES[kind], "", filter="asTarget()")]
        return self._mine_everywhere

    def _my_scope(self, ref, refused):
        parsed = parse_scope(ref, self.resolver.default_subscription)  # a syntax error stands as it is
        held = held_scopes(self._held())
        sid, name = scope_from_held(parsed, held)
        if sid is None:
            mine = sorted(f"{h.get('displayName') or resource_name(h['id'])} ({h['id']})" for h in held.values())
            raise ScopeError(f"{refused}; and the signed-in user's own eligible and active roles name no {name} "
                             "either (they are held at: " + (", ".join(mine) or "nothing") + "); give the scope's "
                             "ARM id") from None
        try:
            self.arm.list_scheduled(INSTANCES[ELIGIBLE], sid, filter="asTarget()")
        except GraphCallError as err:
            if err.status != 404:
                raise
            raise ScopeError(f"scope {parsed['input']!r}: {sid} does not exist ({err.code}: {err.message})") from None
        return {"id": sid, "kind": scope_kind(sid), "display_name": name, "input": parsed["input"]}

    def role(self, ref, scope):
        """The role definition (``{"id": full id, "name": GUID, "roleName"...}``) at the resolved scope; for a user
        refused the role definitions there, among the roles of their own rows at or above it."""
        try:
            role = self.resolver.roles(scope, [ref])[ref]
        except GraphCallError as err:
            if err.status not in (401, 403):
                raise
            mine = held_roles([r for r in self._held() if relation(r.get("scope"), scope["id"]) in ("at", "above")])
            label = f"{scope.get('display_name') or scope['id']!r} among the signed-in user's own roles (the role " \
                    f"definitions there are refused to them: {err.code})"
            try:
                role = match_role_definitions([ref], mine, label)[ref]
            except ScopeError as exc:
                names = sorted({str(d.get("roleName") or d["name"]) for d in mine})
                raise ScopeError(f"{exc} At or above that scope the signed-in user holds or is eligible for: "
                                 + (", ".join(names) or "nothing")) from None
        self.roles[role_guid(role.get("name") or role["id"])] = role
        return role

    def role_name(self, guid):
        role = self.roles.get(str(guid).lower())
        if role is None:
            found = {role_guid(d.get("name") or d.get("id")): d for d in self.resolver.role_definitions(self.at)}
            role = found.get(str(guid).lower()) or {}
        return role_name(role) or guid

    def mine(self, kind):
        rows = [normalize(r) for r in self.arm.list_scheduled(INSTANCES[kind], self.at, filter="asTarget()")]
        if kind == ELIGIBLE:
            self.eligible_seen = rows
        return rows

    def my_requests(self, role_id, scope):
        found = [normalize(r) for r in self.arm.list_scheduled(REQUESTS[ACTIVE], self.at, filter="asTarget()")]
        return [r for r in found if r.get("roleDefinitionId") == str(role_id).lower() and same_scope(r.get("scope"),
                                                                                                     scope)]

    def my_eligibility_requests(self, role_id):
        found = [normalize(r) for r in self.arm.list_scheduled(REQUESTS[ELIGIBLE], self.at, filter="asTarget()")]
        return [r for r in found if r.get("roleDefinitionId") == str(role_id).lower()]

    def activation_rules(self, role_id, scope):
        """``settings.activation`` of the role's policy at the scope: the scope's policies as the settings modules
        read them (``_arm_role_settings``, rules in Graph's shape through ``_arm_policy``), so ``_policy`` reads
        them as it reads a directory role's. None when the role has no policy there."""
        policy = read_scope_policies(self.arm, [scope]).get(scope.lower(), {}).get(str(role_id).lower())
        if policy is None:
            return None
        return rules_to_settings(policy["rules"])["activation"]

    def wire(self, body, role_id, scope):
        """The ARM request of the core's body: ``{"properties": ...}`` with the full role definition id at the scope
        and the eligibility an activation draws on (``linkedRoleEligibilityScheduleId``)."""
        role = self.roles.get(str(role_id).lower()) or {}
        full = role.get("id") or role_definition_id(scope, role_id)
        linked = None
        if body["action"] in ("selfActivate", "selfExtend"):
            source = linked_eligibility(self.eligible_seen, role_id, scope)
            linked = (source or {}).get("roleEligibilityScheduleId")
        return {"properties": arm_request(body, full, linked)}

    def submit(self, body):
        return normalize(self.arm.create_request(REQUESTS[ACTIVE], self.at, body) or {})

    def request(self, request_id):
        return normalize(self.arm.get_request(REQUESTS[ACTIVE], self.at, resource_name(request_id)) or {})

    def cancel(self, request_id):
        return self.arm.cancel_request(REQUESTS[ACTIVE], self.at, resource_name(request_id))


class AzureActivationRun(ActivationRun):
    """One run of pim_azure_role_activation: the caller's Azure resource role at a scope."""

    surface = AZURE
    module = "pim_azure_role_activation"
    privileges = "Azure resource roles"
    renew_with = "entra.pim.pim_azure_eligible_assignment"
    remove_with = "entra.pim.pim_azure_active_assignment"
    policy_reader = "ARM serves a scope's role management policies to whoever may read them at the scope: grant"
    policy_permission = "Microsoft.Authorization/roleManagementPolicies/read there (Reader has it)"
    can_extend = True  # SelfExtend is a requestType of ARM's roleAssignmentScheduleRequests

    def _target(self):
        scope = self.pim.scope(self.params["scope"])
        role = self.pim.role(self.params["role"], scope)
        guid = role_guid(role.get("name") or role["id"])
        name = role_name(role) or guid
        return guid, scope["id"], name, {"role": name, "role_id": guid, "role_definition_id": role["id"],
                                         "scope": scope["id"], "scope_name": scope.get("display_name")}

    def _rules(self, role_id, scope):
        return self.pim.activation_rules(role_id, scope)

    def _role_name(self, role_id):
        return self.pim.role_name(role_id)

    def _where(self, scope):
        return f" at scope {scope}"

    def _held_where(self):
        return "at or above that scope"

    def _eligible_here(self, scope):
        """The caller's eligibilities at the scope or above it: an eligibility on a subscription lets its owner
        activate the role on one of its resource groups (ARM links the activation to it)."""
        return [i for i in self.pim.mine(ELIGIBLE) if relation(i.get("scope"), scope) in ("at", "above")]

    def _body(self, action, role_id, scope, duration=None, now=None):
        return self.pim.wire(super()._body(action, role_id, scope, duration, now), role_id, scope)


class AzureActivityReader:
    """Who is eligible for and who holds Azure resource roles at some scopes, and what waits for approval."""

    surface = AZURE

    def __init__(self, arm, resolver):
        self.arm, self.resolver = arm, resolver

    def read(self, at_scopes, role_ids=None, principal_ids=None, mine=False, pending=True):
        """``eligible``, ``active`` and ``pending_requests`` at each scope of ``at_scopes`` (ARM ids), plus
        warnings. Three lists per scope whatever the number of roles and principals (ARM answers what is at,
        above and below the scope); names come from ARM's ``expandedProperties``, and the role definitions of a
        scope are read only for rows ARM did not name."""
        warnings = []
        flt = instance_filter(mine, principal_ids)
        listings = {ELIGIBLE: [], ACTIVE: []}
        requests, pending_read = [], pending
        for at in at_scopes:
            for kind in (ELIGIBLE, ACTIVE):
                found = self.arm.list_scheduled(INSTANCES[kind], at, filter=flt)
                listings[kind].append((at, [normalize(r) for r in found]))
            if not pending_read:
                continue
            try:
                found = self.arm.list_scheduled(REQUESTS[ACTIVE], at, filter=flt)
            except GraphCallError as err:
                if err.status not in (401, 403):
                    raise
                # As on Graph: a reader refused the requests still learns who holds what from the instances.
                warnings.append("pending requests were not read: " + err.describe() +
                                " (grant Microsoft.Authorization/roleAssignmentScheduleRequests/read at the scope)")
                pending_read = False
                continue
            requests.append((at, [normalize(r) for r in found]))
        rows = [r for kind in listings for _at, found in listings[kind] for r in found]
        rows += [r for _at, found in requests for r in found]
        roles = roles_of(rows)
        if any(r.get("roleDefinitionId") not in roles for r in rows):
            # ARM left some role unnamed: the role definitions at the scopes read name it (one list per scope).
            roles = roles_of(rows, [d for at in at_scopes for d in self.resolver.role_definitions(at)])
        principals = principals_of(rows)
        result = {kind: sorted(select(shape_rows(listings[kind], kind, roles, principals, self.surface), role_ids,
                                      principal_ids, None, self.surface), key=_row_order)
                  for kind in (ELIGIBLE, ACTIVE)}
        result["pending_requests"] = select(shape_pending(requests, roles, principals, self.surface), role_ids,
                                            principal_ids, None, self.surface) if pending_read else None
        return result, warnings


def _row_order(item):
    return (str(item.get("scope") or "").lower(),) + sort_key(item)
