"""Azure RBAC role assignments and eligible child resources, next to PIM's schedules.

``{scope}/providers/Microsoft.Authorization/roleAssignments`` (api-version 2022-04-01, the default
azure-mgmt-authorization 4.0.0 sends for ``role_assignments``): every role assignment in force, which is each
assignment made outside PIM (the classic ones, stored) and the one PIM makes for each active assignment schedule
(assigned or activated) while it runs ("Azure RBAC": an eligible assignment becomes a role assignment for the time
it is active). List with ``$filter`` (``atScope()``, ``principalId eq``, ``assignedTo()``), get, create (PUT: an
assignment made outside PIM, which PIM then shows as an active assignment without a request) and delete.

``{scope}/providers/Microsoft.Authorization/eligibleChildResources`` (2020-10-01): "Get the child resources of a
resource on which user has eligible access", i.e. where the caller could activate a narrower scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import GraphError, iso
from ...pim import audit, requests, schedules
from ...pim.ids import arm_origin_assignment_name, is_guid
from . import pim_state
from .pim_shared import (
    SF, Lineage, arm_id, caller_object_id, full_role_id, parse_filter, principal_type, principals_of, role_guid,
    visible,
)

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

TYPE = "Microsoft.Authorization/roleAssignments"


def _in_force(eng: PimEngine) -> list[dict]:
    """Each role assignment in force as {name, scope, roleDefinitionId (GUID), principalId, record}: the classic
    ones and those PIM made for active schedules (direct rows only: a group's assignment is one assignment)."""
    classic = eng.tenant.coll(SF.classic or "")
    out = []
    for inst in schedules.instances(eng, False, SF):
        if inst["memberType"] != SF.direct or not eng.is_visible(inst):
            continue
        sid = inst[SF.assign_schedule_id_field]
        rec = classic.get(sid)
        name = sid if rec is not None else arm_origin_assignment_name(sid)
        out.append({"name": name, "scope": inst["scope"], "roleDefinitionId": inst["roleDefinitionId"],
                    "principalId": inst["principalId"], "_record": rec, "_start": inst.get("startDateTime")})
    return out


def view(eng: PimEngine, a: dict) -> dict:
    """A role assignment in the 2022-04-01 shape (RoleAssignment)."""
    rec = a.get("_record") or {}
    created = rec.get("createdOn") or rec.get("_createdDateTime") or a.get("_start")
    return {"id": arm_id(a["scope"], "roleAssignments", a["name"]), "name": a["name"], "type": TYPE,
            "properties": {
                "scope": a["scope"], "roleDefinitionId": full_role_id(a["scope"], a["roleDefinitionId"]),
                "principalId": a["principalId"],
                "principalType": rec.get("principalType") or principal_type(eng, a["principalId"]),
                "description": rec.get("description"), "condition": rec.get("condition"),
                "conditionVersion": rec.get("conditionVersion"), "createdOn": created,
                "updatedOn": rec.get("updatedOn") or created, "createdBy": rec.get("createdBy"),
                "updatedBy": rec.get("updatedBy"), "delegatedManagedIdentityResourceId": None}}


def list_for_scope(eng: PimEngine, req, scope: str) -> tuple[int, object]:
    """"List all role assignments that apply to a scope" (Role Assignments - List For Scope, 2022-04-01): no filter
    = at, above and below; ``atScope()`` at or above; ``principalId eq`` at, above or below for that principal."""
    requests.upkeep(eng)
    pim_state.rbac_version(req)
    scope = pim_state.canonical(eng, scope)
    flt = parse_filter(req)
    me = caller_object_id(eng, req)
    if not (flt.assigned_to and me and flt.assigned_to == me.lower()):
        pim_state.require_read(eng, req, scope)
    lineage = Lineage(eng, scope)
    groups = principals_of(eng, flt.assigned_to) if flt.assigned_to else None
    items = [view(eng, a) for a in _in_force(eng) if visible(lineage, flt, a, me, groups)]
    return 200, pim_state.page(eng, req, items)


def _find(eng: PimEngine, scope: str, name: str) -> dict | None:
    low = name.lower()
    return next((a for a in _in_force(eng) if a["name"].lower() == low and a["scope"].lower() == scope.lower()),
                None)


def _not_found() -> GraphError:
    # "Troubleshoot Azure RBAC" names RoleAssignmentNotFound for a missing assignment (wording ours).
    return pim_state.arm_error(404, "RoleAssignmentNotFound", "The role assignment does not exist.")


def get(eng: PimEngine, req, scope: str, name: str) -> tuple[int, object]:
    requests.upkeep(eng)
    pim_state.rbac_version(req)
    scope = pim_state.canonical(eng, scope)
    pim_state.require_read(eng, req, scope)
    a = _find(eng, scope, name)
    if a is None:
        raise _not_found()
    return 200, view(eng, a)


def create(eng: PimEngine, req, scope: str, name: str) -> tuple[int, object]:
    """PUT an assignment made outside PIM (Role Assignments - Create, 2022-04-01: 201)."""
    requests.upkeep(eng)
    pim_state.rbac_version(req)
    if not is_guid(name):
        raise pim_state.arm_error(400, "InvalidRoleAssignmentId",
                                  f"The role assignment ID '{name}' is not valid. "
                                  "The role assignment ID must be a GUID.")
    scope = pim_state.canonical(eng, scope)
    pim_state.require(eng, req, scope, "Microsoft.Authorization/roleAssignments/write")
    body = req.body if isinstance(req.body, dict) else {}
    props = body.get("properties") if isinstance(body.get("properties"), dict) else {}
    guid, _sub = role_guid(props.get("roleDefinitionId"))
    if guid is None or pim_state.role_info(eng, guid) is None:
        raise pim_state.arm_error(404, "RoleDefinitionDoesNotExist",
                                  f"The specified role definition with ID '{guid or props.get('roleDefinitionId')}'"
                                  " does not exist.")
    principal = str(props.get("principalId") or "")
    if principal_type(eng, principal) is None:
        raise pim_state.arm_error(400, "PrincipalNotFound",
                                  f"Principal {principal.replace('-', '')} does not exist in the directory "
                                  f"{eng.tenant.id}.")
    if any(a["principalId"] == principal and a["roleDefinitionId"] == guid and a["scope"] == scope
           for a in _in_force(eng)):
        # "Troubleshoot Azure RBAC": "The role assignment already exists." (RoleAssignmentExists, 409 Conflict).
        raise pim_state.arm_error(409, "RoleAssignmentExists", "The role assignment already exists.")
    now = iso(eng.now())
    me = caller_object_id(eng, req)
    name = name.lower()
    rec = {"id": name, "name": name, "principalId": principal, "principalType": principal_type(eng, principal),
           "roleDefinitionId": guid, "scope": scope, "condition": props.get("condition"),
           "conditionVersion": props.get("conditionVersion"), "description": props.get("description"),
           "createdOn": now, "updatedOn": now, "createdBy": me, "updatedBy": me, "_createdDateTime": now}
    va = eng.visible_after()
    if va:
        rec["_visible_after"] = va
    eng.tenant.coll(SF.classic or "")[name] = rec
    audit.write_for(eng, SF, req.caller, "Add member to role outside of PIM (permanent)", "Add",
                    (principal, guid, scope, None), details={"RoleAssignmentId": name})
    return 201, view(eng, {"name": name, "scope": scope, "roleDefinitionId": guid, "principalId": principal,
                           "_record": rec})


def delete(eng: PimEngine, req, scope: str, name: str) -> tuple[int, object]:
    """DELETE (Role Assignments - Delete, 2022-04-01): 200 with the deleted assignment, 204 when there is none.
    Only an assignment made outside PIM can go this way; one PIM made for a schedule is removed by an AdminRemove
    request (ARM answers such a delete with an error whose code is undocumented: ours below)."""
    requests.upkeep(eng)
    pim_state.rbac_version(req)
    scope = pim_state.canonical(eng, scope)
    pim_state.require(eng, req, scope, "Microsoft.Authorization/roleAssignments/delete")
    a = _find(eng, scope, name)
    if a is None:
        return 204, None
    if a.get("_record") is None:
        raise pim_state.arm_error(400, "RoleAssignmentManagedByPim",
                                  "The role assignment is managed by Privileged Identity Management; remove it with "
                                  "an AdminRemove roleAssignmentScheduleRequest.")
    answer = view(eng, a)
    schedules.remove_classic(eng, SF, a["_record"])
    audit.write_for(eng, SF, req.caller, "Remove permanent direct role assignment", "Delete",
                    (a["principalId"], a["roleDefinitionId"], a["scope"], None), details={"RoleAssignmentId": name})
    return 200, answer


def eligible_child_resources(eng: PimEngine, req, scope: str) -> tuple[int, object]:
    """The children of ``scope`` (subscriptions of a management group, resource groups of a subscription,
    resources of a resource group) on which the caller holds an eligibility, at the child or above it (an
    eligibility is inherited down the tree). ``$filter=resourceType eq 'subscription' or ...`` narrows the kinds.
    Items: {id, name, type}, type in lower case (GetEligibleChildResourcesByScope.json, 2020-10-01)."""
    requests.upkeep(eng)
    pim_state.pim_version(req)
    scope = pim_state.canonical(eng, scope)
    flt = parse_filter(req, child_resources=True)
    me = caller_object_id(eng, req) or ""
    mine = principals_of(eng, me) if me else set()
    now = eng.now().timestamp()
    held = [s for s in eng.tenant.coll(SF.elig).values()
            if s["principalId"].lower() in mine and s["_start"] <= now and (s["_end"] is None or s["_end"] > now)]
    items = []
    for child in pim_state.children(eng, scope):
        if flt.resource_types and child["type"].lower() not in flt.resource_types:
            continue
        lineage = Lineage(eng, child["id"])
        if any(lineage.relation(s["scope"]) in ("at", "above") for s in held):
            items.append({"id": child["id"], "name": child["name"], "type": child["type"]})
    return 200, pim_state.page(eng, req, items)
