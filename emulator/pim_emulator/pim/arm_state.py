"""The Azure part of a tenant: the ARM scope tree, Azure role definitions and the caller's Azure RBAC rights.

Models layer: plain JSON in the tenant's collections (so the state file, ``reset`` and the admin dump carry it
with no extra code), no HTTP, no routing. The ARM route handlers (``responses/arm``) and E2's request engine
use this API:

Scopes
    ``normalize(scope)``            the canonical spelling of an ARM scope id ('' or '/' is the tenant root '/';
                                    ``/providers/Microsoft.Subscription/subscriptions/{id}`` is the subscription)
    ``find_scope(tenant, scope)``   the stored scope record (case-insensitive) or None; ``record["id"]`` is the
                                    stored casing, the one every answer uses
    ``scope_exists(tenant, scope)``
    ``require_scope(tenant, scope)``the record, or the ArmError ARM answers for a missing one (404
                                    SubscriptionNotFound / ResourceGroupNotFound / ResourceNotFound / NotFound)
    ``ancestors(tenant, scope)``    records from the scope itself up to the tenant root group (nearest first)
    ``descendants(tenant, scope)``  records strictly below the scope
    ``children(tenant, scope)``     records directly below the scope
    ``is_at_or_above(tenant, a, b)``True when scope ``a`` is ``b`` or one of its ancestors
    ``scope_ref(record)``           ``{"id", "displayName", "type"}`` as ARM's expandedProperties/policyProperties
                                    give a scope (type: managementgroup | subscription | resourcegroup | resource)
Role definitions
    ``role_definition(tenant, ref)``a role by GUID or by any full id ``.../roleDefinitions/{guid}``; None if unknown
    ``role_definitions_at(tenant, scope)`` the roles assignable at a scope (built-ins and custom roles whose
                                    assignableScopes are at or above it)
    ``role_definition_id(scope, guid)`` the full id ARM answers at a scope
    ``role_definition_view(rd, scope)`` the ARM resource (id, name, type, properties)
    ``guid_of(ref)``                the GUID of a full role definition id (or the GUID itself), lower case
Rights (ARM RBAC on the caller)
    ``principal_of(tenant, caller)``the caller's object id (the user, or the app's service principal)
    ``active_grants(tenant, principal_id, scope, now)`` (role record, scope record) pairs that are active for the
                                    principal (directly or through a group) at the scope or above
    ``is_allowed(tenant, principal_id, scope, action, now)`` / ``check_access(...)`` (raises 403
                                    AuthorizationFailed, arm_errors.authorization_failed)
Stored collections (tenant.coll): ``SCOPES``, ``ROLE_DEFINITIONS``, ``CLASSIC`` (role assignments made outside
PIM), ``ELIG_SCHEDULES`` / ``ASSIGN_SCHEDULES`` (PIM schedules). Schedules and classic assignments store the
role's GUID in ``roleDefinitionId`` (lower case) and the scope in ``scope`` (stored casing); answers render the
full id with ``role_definition_id``. Schedules carry the engine's internal ``_start``/``_end`` (epoch, ``_end``
None = permanent) like every other surface (pim/schedules.py).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from .arm_errors import (
    ArmError, authorization_failed, management_group_not_found, resource_group_not_found, resource_not_found,
    subscription_not_found,
)

if TYPE_CHECKING:
    from ..contract import Caller, Tenant

ARM_AUDIENCE = "https://management.azure.com"
SCOPES, ROLE_DEFINITIONS = "armScopes", "armRoleDefinitions"
CLASSIC = "armRoleAssignments"
ELIG_SCHEDULES, ASSIGN_SCHEDULES = "armRoleEligibilitySchedules", "armRoleAssignmentSchedules"
ROOT = "/"
MG_PREFIX = "/providers/Microsoft.Management/managementGroups/"
RD_SEGMENT = "/providers/Microsoft.Authorization/roleDefinitions/"
KINDS = ("managementgroup", "subscription", "resourcegroup", "resource")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


# ---- scopes --------------------------------------------------------------------------------------------------

def normalize(scope: str | None) -> str:
    """``/subscriptions/x/resourceGroups/y`` whatever slashes were given; '' and '/' are the root '/'. The PIM
    docs' own examples use ``providers/Microsoft.Subscription/subscriptions/{id}`` for a subscription
    (GetRoleManagementPolicyByName.json, 2020-10-01): it names the same scope."""
    parts = [p for p in str(scope or "").split("/") if p]
    if len(parts) >= 4 and parts[0].lower() == "providers" and parts[1].lower() == "microsoft.subscription" \
            and parts[2].lower() == "subscriptions":
        parts = parts[2:]
    return "/" + "/".join(parts) if parts else ROOT


def key(scope: str) -> str:
    return normalize(scope).lower()


def find_scope(tenant: Tenant, scope: str | None) -> dict | None:
    return tenant.coll(SCOPES).get(key(scope or ""))


def scope_exists(tenant: Tenant, scope: str | None) -> bool:
    return find_scope(tenant, scope) is not None


def missing_scope(scope: str) -> ArmError:
    """What ARM answers for a scope that does not exist, by the deepest kind of segment it names."""
    parts = [p for p in normalize(scope).split("/") if p]
    low = [p.lower() for p in parts]
    if len(parts) >= 3 and low[0] == "providers" and low[1] == "microsoft.management":
        return management_group_not_found(parts[3] if len(parts) > 3 else "")
    if len(parts) >= 2 and low[0] == "subscriptions":
        if len(parts) <= 2:
            return subscription_not_found(parts[1])
        if len(parts) <= 4 and low[2] == "resourcegroups":
            return resource_group_not_found(parts[3] if len(parts) > 3 else "")
        if len(parts) >= 8 and low[4] == "providers":
            return resource_not_found(f"{parts[5]}/{parts[6]}", parts[7], parts[3])
    return ArmError(400, "InvalidScope", f"The scope '{normalize(scope)}' is not valid.")  # unsure of ARM's text


def require_scope(tenant: Tenant, scope: str | None) -> dict:
    """The scope's record, the subscription's absence first (ARM resolves the subscription before anything)."""
    norm = normalize(scope)
    parts = [p for p in norm.split("/") if p]
    if len(parts) >= 2 and parts[0].lower() == "subscriptions" and find_scope(tenant, f"/subscriptions/{parts[1]}") \
            is None:
        raise subscription_not_found(parts[1])
    if len(parts) >= 4 and parts[0].lower() == "subscriptions" and parts[2].lower() == "resourcegroups" and \
            find_scope(tenant, "/".join([""] + parts[:4])) is None:
        raise resource_group_not_found(parts[3])
    rec = find_scope(tenant, norm)
    if rec is None:
        raise missing_scope(norm)
    return rec


def ancestors(tenant: Tenant, scope: str | None) -> list[dict]:
    """The scope itself, then its parents up to the tenant root group (nearest first); [] if unknown."""
    store = tenant.coll(SCOPES)
    out: list[dict] = []
    rec = store.get(key(scope or ""))
    while rec is not None and len(out) < 64:
        out.append(rec)
        rec = store.get(rec["parent"]) if rec.get("parent") else None
    return out


def children(tenant: Tenant, scope: str) -> list[dict]:
    k = key(scope)
    return [r for r in tenant.coll(SCOPES).values() if r.get("parent") == k]


def descendants(tenant: Tenant, scope: str) -> list[dict]:
    out: list[dict] = []
    todo = children(tenant, scope)
    while todo:
        rec = todo.pop(0)
        out.append(rec)
        todo.extend(children(tenant, rec["id"]))
    return out


def is_at_or_above(tenant: Tenant, upper: str, lower: str) -> bool:
    k = key(upper)
    return any(r["id"].lower() == k for r in ancestors(tenant, lower))


def root_group(tenant: Tenant) -> dict | None:
    """The tenant root group: its id is the tenant id ("Organize your resources with management groups")."""
    return find_scope(tenant, MG_PREFIX + tenant.id)


def subscription_of(tenant: Tenant, scope: str) -> dict | None:
    return next((r for r in ancestors(tenant, scope) if r["kind"] == "subscription"), None)


def scope_ref(rec: dict) -> dict:
    """``{"id", "displayName", "type"}``: the shape of ``policyProperties.scope`` (GetRoleManagementPolicyByName.json
    gives type "subscription") and of ``expandedProperties.scope`` on requests and instances."""
    return {"id": rec["id"], "displayName": rec.get("displayName") or rec["name"], "type": rec["kind"]}


def add_scope(tenant: Tenant, record: dict) -> dict:
    """Store a scope record: ``{"id", "kind", "name", "displayName", "parent" (lower-case key or None), ...}``."""
    tenant.coll(SCOPES)[record["id"].lower()] = record
    return record


# ---- role definitions ----------------------------------------------------------------------------------------

def guid_of(ref: str | None) -> str:
    return str(ref or "").rstrip("/").rsplit("/", 1)[-1].lower()


def is_guid(text: str | None) -> bool:
    return bool(text) and bool(_GUID.match(str(text)))


def role_definition(tenant: Tenant, ref: str | None) -> dict | None:
    """By GUID or full id (``/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{guid}``, or at
    any other scope): ARM names a role by its GUID whatever scope prefixes it."""
    if not ref:
        return None
    text = str(ref)
    if "/" in text and RD_SEGMENT.lower() not in "/" + text.strip("/").lower().rsplit("/", 1)[0] + "/":
        return None
    return tenant.coll(ROLE_DEFINITIONS).get(guid_of(text))


def role_definition_id(scope: str | None, guid: str) -> str:
    """The full id ARM answers: below a subscription ``/subscriptions/{id}/providers/...``; at a management group
    or the root ``/providers/Microsoft.Authorization/roleDefinitions/{guid}`` (role assignment examples of
    azure-rest-api-specs 2022-04-01)."""
    parts = [p for p in normalize(scope).split("/") if p]
    prefix = f"/subscriptions/{parts[1]}" if len(parts) >= 2 and parts[0].lower() == "subscriptions" else ""
    return f"{prefix}{RD_SEGMENT}{guid.lower()}"


def role_definitions_at(tenant: Tenant, scope: str | None) -> list[dict]:
    """Built-ins everywhere (assignableScopes "/"); a custom role where one of its assignable scopes is at or
    above ``scope`` ("Azure custom roles": AssignableScopes)."""
    up = {r["id"].lower() for r in ancestors(tenant, scope)} | {ROOT}
    return [rd for rd in tenant.coll(ROLE_DEFINITIONS).values()
            if any(key(s) in up for s in rd["assignableScopes"])]


def role_definition_view(rd: dict, scope: str | None) -> dict:
    """The roleDefinition resource (2022-04-01 RoleDefinition: id, name, type, properties)."""
    return {"id": role_definition_id(scope, rd["name"]), "name": rd["name"],
            "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {"roleName": rd["roleName"], "type": rd["type"], "description": rd.get("description"),
                           "assignableScopes": list(rd["assignableScopes"]),
                           "permissions": [dict(p) for p in rd["permissions"]],
                           "createdOn": rd.get("createdOn"), "updatedOn": rd.get("updatedOn"),
                           "createdBy": rd.get("createdBy"), "updatedBy": rd.get("updatedBy")}}


# ---- rights --------------------------------------------------------------------------------------------------

def _action_matches(pattern: str, action: str) -> bool:
    """ARM's wildcard: ``*`` stands for any characters ("Azure role definitions", Actions: "The wildcard (*)
    character ... matches any string"); operations compare without case."""
    rx = "^" + ".*".join(re.escape(p) for p in pattern.lower().split("*")) + "$"
    return re.match(rx, action.lower()) is not None


def role_allows(rd: dict, action: str) -> bool:
    """An action is granted when it matches ``actions`` and no ``notActions`` of the same permission entry."""
    for perm in rd.get("permissions", []):
        if any(_action_matches(a, action) for a in perm.get("actions", [])) and \
                not any(_action_matches(n, action) for n in perm.get("notActions", [])):
            return True
    return False


def principal_of(tenant: Tenant, caller: Caller) -> str:
    """The caller's object id: the signed-in user, or the service principal of the app (ARM's ``oid``)."""
    if caller.user_id:
        return caller.user_id
    sp = next((s for s in tenant.coll("servicePrincipals").values() if s.get("appId") == caller.app_id), None)
    return sp["id"] if sp else caller.app_id


def _groups_of(tenant: Tenant, principal_id: str) -> set[str]:
    return {gid for gid, g in tenant.coll("groups").items() if principal_id in (g.get("_members") or [])}


def _active(s: dict, now: float) -> bool:
    start, end = s.get("_start"), s.get("_end")
    return (start is None or start <= now) and (end is None or end > now)


def active_grants(tenant: Tenant, principal_id: str, scope: str, now: datetime | float) -> list[tuple[dict, dict]]:
    """(role definition, scope record) for every active assignment of the principal (or of a group it is a
    member of) at ``scope`` or above: classic role assignments and active PIM assignment schedules alike,
    since both are role assignments to ARM ("Azure RBAC": access is the union of role assignments at the scope
    and its parents)."""
    stamp = now.timestamp() if isinstance(now, datetime) else float(now)
    who = {principal_id} | _groups_of(tenant, principal_id)
    up = {r["id"].lower(): r for r in ancestors(tenant, scope)}
    out = []
    for coll in (CLASSIC, ASSIGN_SCHEDULES):
        for a in tenant.coll(coll).values():
            if a.get("principalId") not in who or key(a.get("scope", "")) not in up:
                continue
            if coll == ASSIGN_SCHEDULES and not _active(a, stamp):
                continue
            rd = role_definition(tenant, a.get("roleDefinitionId"))
            if rd is not None:
                out.append((rd, up[key(a["scope"])]))
    return out


def is_allowed(tenant: Tenant, principal_id: str, scope: str, action: str, now: datetime | float) -> bool:
    return any(role_allows(rd, action) for rd, _ in active_grants(tenant, principal_id, scope, now))


def check_access(tenant: Tenant, principal_id: str, scope: str, action: str, now: datetime | float) -> None:
    """Raise 403 AuthorizationFailed unless the principal's active assignments at the scope or above allow
    ``action`` (e.g. ``Microsoft.Authorization/roleManagementPolicies/read``)."""
    if not is_allowed(tenant, principal_id, scope, action, now):
        raise authorization_failed(principal_id, action, normalize(scope))
