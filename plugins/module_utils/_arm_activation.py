# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure resource roles (ARM ``Microsoft.Authorization`` 2020-10-01) in the words of ``_activation``.

Private to the collection (leading underscore): may change in any release.

Pure Python, no I/O. ARM's schedule instances and requests are already shaped much like Graph's
(``principalId``, ``startDateTime``, ``endDateTime``, ``assignmentType``, ``memberType``, ``status``,
``scheduleInfo``, ``ticketInfo``, ``approvalId``), so the activation core (``_activation``: shaping,
pre-checks, pick the activation, tell an expired eligibility) runs on them unchanged once three things
are translated here, both ways:

- ``roleDefinitionId`` is a full id whose prefix depends on the scope it was read at
  (``/subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid}``); the core compares
  roles by the GUID, the same at every scope for built-in roles, and keeps the full id in
  ``roleDefinitionFullId``;
- a request names what it does in ``requestType`` (``SelfActivate``) where Graph has ``action``
  (``selfActivate``), and when it was made in ``createdOn`` where Graph has ``createdDateTime``;
- ARM lists are read *at* a scope and answer what is at, above and below it; a row held above the scope
  it was read at applies there by inheritance (``memberType`` ``Inherited``), and is reported as such.

References: Microsoft Learn, "Role Assignment Schedule Requests - Create" (REST API, Authorization,
2020-10-01: requestType, linkedRoleEligibilityScheduleId, scheduleInfo.expiration.type AfterDuration) and
"Role Assignment Schedule Instances - List For Scope" ($filter asTarget(), atScope(), principalId eq).
"""

from __future__ import annotations

from ._activation import shape_instance, shape_request
from ._arm_scopes import is_guid

ROLE_DEFINITIONS = "/providers/Microsoft.Authorization/roleDefinitions/"
# ARM's enum for the expiration type is PascalCase (RoleAssignmentScheduleRequestPropertiesScheduleInfoExpiration:
# AfterDuration, AfterDateTime, NoExpiration); the core writes Graph's camelCase.
EXPIRATION_TYPES = {"afterduration": "AfterDuration", "afterdatetime": "AfterDateTime", "noexpiration": "NoExpiration"}


# ---- ids ----------------------------------------------------------------------------------------

def role_guid(value):
    """The role definition's GUID (lower case) of a full role definition id, a GUID, or None."""
    text = str(value or "").strip().rstrip("/")
    return (text.rsplit("/", 1)[-1].lower() or None) if text else None


def role_definition_id(scope, guid):
    """The full id of role definition ``guid`` as seen at ``scope`` (what ARM's own answers carry)."""
    return f"{str(scope).rstrip('/')}{ROLE_DEFINITIONS}{guid}"


def resource_name(value):
    """The ``name`` (last segment) of an ARM resource id; a bare name is its own name."""
    return str(value or "").rstrip("/").rsplit("/", 1)[-1]


def same_scope(left, right):
    """ARM compares scopes without regard to case (resource ids are case-insensitive)."""
    return str(left or "").rstrip("/").lower() == str(right or "").rstrip("/").lower()


def below(child, parent):
    """``child`` lies strictly below ``parent`` by its id (``/subscriptions/s/resourceGroups/rg`` below
    ``/subscriptions/s``). A subscription's place under a management group is not in its id: the caller
    tells from ARM's own ``memberType`` (see ``relation``)."""
    child, parent = str(child or "").rstrip("/").lower(), str(parent or "").rstrip("/").lower()
    return bool(parent) and child.startswith(parent + "/")


def relation(row_scope, at):
    """Where a row read at ``at`` sits: ``at``, ``below`` or ``above`` it. ARM answers a list at a scope with
    what is at, above and below it, so a row neither at nor below is above (a management group above a
    subscription has no common id prefix with it)."""
    if same_scope(row_scope, at):
        return "at"
    return "below" if below(row_scope, at) else "above"


# ---- ARM rows in the core's words ---------------------------------------------------------------

def action_of(request_type):
    """Graph's ``action`` for ARM's ``requestType``: ``SelfActivate`` -> ``selfActivate``."""
    text = str(request_type or "")
    return text[:1].lower() + text[1:] if text else None


def request_type(action):
    """ARM's ``requestType`` for Graph's ``action``: ``selfDeactivate`` -> ``SelfDeactivate``."""
    text = str(action or "")
    return text[:1].upper() + text[1:]


def normalize(row):
    """One flattened ARM instance, schedule or request (``{"id", "name", **properties}``) as the core reads
    it: the role by GUID, ``action`` and ``createdDateTime`` as Graph names them. The original full role
    definition id stays in ``roleDefinitionFullId``; nothing else changes."""
    out = dict(row)
    full = row.get("roleDefinitionId")
    out["roleDefinitionFullId"] = full
    out["roleDefinitionId"] = role_guid(full)
    if row.get("requestType") and not row.get("action"):
        out["action"] = action_of(row["requestType"])
    if row.get("createdOn") and not row.get("createdDateTime"):
        out["createdDateTime"] = row["createdOn"]
    return out


def principals_of(rows):
    """The principals ARM names in its rows' ``expandedProperties.principal`` (``{id, displayName, email,
    type}``), as the core's principal objects (Graph's ``@odata.type`` and ``userPrincipalName``): no
    directory read is needed to name who holds what."""
    found = {}
    for row in rows:
        principal = (row.get("expandedProperties") or {}).get("principal") or {}
        pid = principal.get("id") or row.get("principalId")
        if not pid or not (principal.get("displayName") or principal.get("email")):
            continue
        kind = principal.get("type") or row.get("principalType") or ""
        found[str(pid).lower()] = {
            "id": pid, "displayName": principal.get("displayName"),
            "userPrincipalName": principal.get("email") if str(kind).lower() == "user" else None,
            "@odata.type": "#microsoft.graph." + action_of(kind) if kind else None,
        }
    return found


def roles_of(rows, definitions=()):
    """Role definitions by GUID, for names: ``definitions`` read from ARM (``{"id", "name", "roleName"}``
    or ``displayName``), completed by the names ARM puts in the rows' ``expandedProperties.roleDefinition``."""
    found = {}
    for row in rows:
        role = (row.get("expandedProperties") or {}).get("roleDefinition") or {}
        guid = role_guid(role.get("id") or row.get("roleDefinitionFullId") or row.get("roleDefinitionId"))
        if guid and role.get("displayName"):
            found[guid] = {"displayName": role["displayName"], "type": role.get("type")}
    for definition in definitions:
        guid = role_guid(definition.get("name") or definition.get("id"))
        name = definition.get("roleName") or definition.get("displayName")
        if guid and name:
            found[guid] = {"displayName": name, "type": definition.get("roleType") or definition.get("type")}
    return found


def arm_request(body, full_role_id, linked_eligibility=None):
    """The ARM ``properties`` of a self-service roleAssignmentScheduleRequest from the core's Graph-shaped
    ``activation_body``: ``requestType`` for ``action``, the full role definition id, and the eligibility
    the activation draws on (``linkedRoleEligibilityScheduleId``, which ARM asks of a SelfActivate)."""
    props = {"principalId": body["principalId"], "roleDefinitionId": full_role_id,
             "requestType": request_type(body["action"])}
    if linked_eligibility:
        props["linkedRoleEligibilityScheduleId"] = linked_eligibility
    if body.get("justification"):
        props["justification"] = body["justification"]
    info = body.get("scheduleInfo")
    if info:
        expiration = dict(info.get("expiration") or {})
        expiration["type"] = EXPIRATION_TYPES.get(str(expiration.get("type")).lower(), expiration.get("type"))
        props["scheduleInfo"] = {"startDateTime": info.get("startDateTime"), "expiration": expiration}
    if body.get("ticketInfo"):
        props["ticketInfo"] = body["ticketInfo"]
    return props


def linked_eligibility(rows, role, scope):
    """The caller's eligibility that an activation of ``role`` at ``scope`` draws on: the one at the scope,
    else the nearest one above it (an eligibility on a subscription covers its resource groups); ``None``.
    ``rows``: normalised eligible instances read at ``scope``."""
    mine = [r for r in rows if str(r.get("roleDefinitionId")).lower() == str(role).lower()]
    at = [r for r in mine if same_scope(r.get("scope"), scope)]
    if at:
        return at[0]
    above = [r for r in mine if relation(r.get("scope"), scope) == "above"]
    # The nearest: inside the subscription, the longest id (the resource group before the subscription); then the
    # management groups, whose ids say nothing of their depth (ARM's own linking accepts any eligibility above).
    above.sort(key=lambda r: (not below(scope, r.get("scope")), -len(str(r.get("scope") or ""))))
    return above[0] if above else None


# ---- what pim_azure_activation_info returns -----------------------------------------------------

def inheritance(row, at):
    """``(scope, inherited_from)`` of a row read at ``at``: a row held above ``at`` (or marked
    ``Inherited`` by ARM) applies at ``at``, inherited from where it is held; any other row is where it is
    held, and not inherited."""
    held = row.get("scope")
    if relation(held, at) == "above" or str(row.get("memberType")).lower() == "inherited":
        return at, held if not same_scope(held, at) else None
    return held, None


def shape_rows(listings, kind, roles, principals, surface):
    """The rows of ``kind`` (eligible or active) of every scope read: ``listings`` is ``[(at, rows)]``,
    each scope with the normalised instances ARM listed there. Each row says where it applies (``scope``)
    and whether it is held there or ``inherited`` from a scope above (``inherited_from``). A row read at
    two scopes is one row per scope it applies to (a subscription's eligibility, read at the subscription
    and one of its resource groups, is held at the one and inherited at the other)."""
    out, seen = [], set()
    for at, rows in listings:
        for row in rows:
            scope, source = inheritance(row, at)
            key = (row.get("id"), str(scope).lower())
            if key in seen:
                continue
            seen.add(key)
            item = shape_instance(dict(row, scope=scope), kind, roles, principals, surface)
            item["inherited"] = bool(source) or item["member_type"] == "inherited"
            item["inherited_from"] = source
            out.append(item)
    return out


def shape_pending(listings, roles, principals, surface):
    """The requests waiting for approval among those read at each scope, once each (by id)."""
    out, seen = [], set()
    for _at, rows in listings:
        for row in rows:
            if row.get("status") != "PendingApproval" or row.get("id") in seen:
                continue
            seen.add(row.get("id"))
            out.append(shape_request(row, roles, principals, surface))
    return out


def instance_filter(mine=False, principal_ids=None):
    """The ``$filter`` of an instance (or request) list at a scope: ``asTarget()`` for the caller's own rows,
    ``principalId eq`` for one principal, else none (what is at, above and below the scope). ARM documents
    one function or one ``eq`` per list, so roles and further principals are kept client-side."""
    if mine:
        return "asTarget()"
    if principal_ids and len(principal_ids) == 1:
        return "principalId eq '" + str(principal_ids[0]).replace("'", "''") + "'"
    return None


# ---- a signed-in user's scopes and roles, from their own rows -------------------------------------------------
# An eligible user without any Azure role of their own sees no subscription, resource group or role definition
# (ARM answers 403, or lists nothing), yet may activate: the portal's "My roles" lists the user's own rows with
# $filter=asTarget() at the tenant root, each naming its scope and role in expandedProperties. These helpers
# resolve what the user wrote against those rows when the ordinary resolution (``_arm_scopes``) cannot see it.

def held_scopes(rows):
    """``{lower id: {"id", "displayName", "type"}}``: the scopes ``rows`` are held at, as ARM names them."""
    out = {}
    for row in rows:
        scope = (row.get("expandedProperties") or {}).get("scope") or {}
        sid = scope.get("id") or row.get("scope")
        if sid:
            out.setdefault(str(sid).rstrip("/").lower(), {"id": sid, "displayName": scope.get("displayName"),
                                                          "type": str(scope.get("type") or "").lower() or None})
    return out


def held_roles(rows):
    """The role definitions ``rows`` name, in the shape ``_arm_scopes.match_role_definitions`` matches
    (``{"id", "name": GUID, "roleName"}``), once each."""
    out = {}
    for row in rows:
        role = (row.get("expandedProperties") or {}).get("roleDefinition") or {}
        full = role.get("id") or row.get("roleDefinitionFullId") or row.get("roleDefinitionId")
        guid = role_guid(full)
        if guid and guid not in out:
            out[guid] = {"id": full, "name": guid, "roleName": role.get("displayName")}
    return list(out.values())


def scope_from_held(parsed, held, mg_prefix="/providers/Microsoft.Management/managementGroups/"):
    """Pure: the ARM id ``parsed`` (``_arm_scopes.parse_scope``) means, told from ``held`` (``held_scopes``) alone,
    with its display name when known: ``(id, display_name)``, or ``(None, why)``.

    An ARM id means itself (whether it exists is for ARM to say). A management group or subscription given by
    name must be one of the user's scopes; a resource group or resource below it is then taken by name (ARM says
    whether it exists)."""
    if parsed.get("resource_id"):
        rid = parsed["resource_id"]
        known = held.get(rid.rstrip("/").lower()) or {}
        return known.get("id") or rid, known.get("displayName")
    kinds = [h for h in held.values() if h.get("type") in ("managementgroup", "subscription")]
    if parsed["kind"] == "managementGroup":
        name = str(parsed["management_group"]).lower()
        hits = [h for h in kinds if h["type"] == "managementgroup" and
                name in (resource_name(h["id"]).lower(), str(h.get("displayName") or "").lower())]
        if len(hits) == 1:
            return hits[0]["id"], hits[0].get("displayName")
        return None, f"management group {parsed['management_group']!r}"
    sub = str(parsed["subscription"])
    if is_guid(sub):
        sub_id, sub_name = f"/subscriptions/{sub}", None
    else:
        hits = [h for h in kinds if h["type"] == "subscription" and str(h.get("displayName") or "").lower() ==
                sub.lower()]
        if len(hits) != 1:
            return None, f"subscription {sub!r}"
        sub_id, sub_name = hits[0]["id"], hits[0].get("displayName")
    if parsed["kind"] == "subscription":
        return sub_id, sub_name
    rg_id = f"{sub_id}/resourceGroups/{parsed['resource_group']}"
    if parsed["kind"] == "resourceGroup":
        known = held.get(rg_id.lower()) or {}
        return known.get("id") or rg_id, known.get("displayName") or parsed["resource_group"]
    hits = [h for h in held.values() if below(h["id"], rg_id) and
            str(h.get("displayName") or resource_name(h["id"])).lower() == str(parsed["resource"]).lower()]
    if len(hits) == 1:
        return hits[0]["id"], hits[0].get("displayName")
    return None, f"resource {parsed['resource']!r} (give its resource id)"

