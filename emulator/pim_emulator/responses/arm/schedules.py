"""``{scope}/providers/Microsoft.Authorization/role{Eligibility,Assignment}Schedule{s,Instances}``: list at a scope
with ``$filter`` and get by name (ARM Microsoft.Authorization 2020-10-01). Schedules are the engine's stored ones
(assignments made outside PIM included, as their own schedule, like directory roles' classic assignments);
instances are derived from them and the clock (``pim.schedules.instances``).

Which items a scope lists: no filter = at, above and below the scope; ``atScope()`` = at or above; an item made
at a scope above the listing scope answers ``memberType: Inherited`` (``pim_shared.visible``, ``member_type``).
"Schedule instances only include assignments that are active at the current time, schedules also include
assignments that will become active in the future" ("Use Azure PIM to manage eligible access with the REST API").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import GraphError, GraphRequest
from ...pim import requests, schedules
from ...pim.ids import arm_origin_assignment_name
from . import pim_state
from .pim_shared import (
    SF, Lineage, arm_id, arm_type, caller_object_id, expanded, full_role_id, member_type, parse_filter,
    principal_type, principals_of, visible,
)

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

NEVER_MODIFIED = schedules.NEVER_MODIFIED


def _raw(eng: PimEngine, sid: str | None) -> dict:
    """The stored schedule (or classic assignment) behind an id: condition and times live there."""
    if not sid:
        return {}
    for coll in (SF.elig, SF.assign, SF.classic or ""):
        hit = eng.tenant.coll(coll).get(sid)
        if hit is not None:
            return hit
    return eng.tenant.coll(SF.expired).get(sid) or {}


def _is_classic(eng: PimEngine, sid: str | None) -> bool:
    return bool(sid) and sid in eng.tenant.coll(SF.classic or "")


def _linked(eng: PimEngine, elig_id: str | None) -> str | None:
    if not elig_id:
        return None
    s = _raw(eng, elig_id)
    return arm_id(s["scope"], "elig", elig_id) if s.get("scope") else None


def schedule_view(eng: PimEngine, s: dict, eligible: bool, lineage: Lineage | None = None) -> dict:
    """A schedule in the 2020-10-01 shape (RoleEligibilitySchedule / RoleAssignmentSchedule)."""
    raw = _raw(eng, s["id"])
    scope, guid = s["scope"], s["roleDefinitionId"]
    info = s.get("scheduleInfo") or {}
    created = s.get("createdDateTime")
    modified = s.get("modifiedDateTime")
    request_kind = "elig_req" if eligible else "assign_req"
    # A schedule made outside PIM (classic) or seeded has no request; its id then names no request (ours).
    req_id = arm_id(scope, request_kind, s["createdUsing"]) \
        if s.get("createdUsing") and not _is_classic(eng, s["id"]) else None
    props = {"scope": scope, "roleDefinitionId": full_role_id(scope, guid), "principalId": s["principalId"],
             "principalType": principal_type(eng, s["principalId"])}
    if eligible:
        props["roleEligibilityScheduleRequestId"] = req_id
    else:
        props["roleAssignmentScheduleRequestId"] = req_id
        props["linkedRoleEligibilityScheduleId"] = _linked(eng, s.get("_activatedUsing"))
        props["assignmentType"] = s.get("assignmentType")
    props.update({
        "memberType": member_type(lineage, s) if lineage else s.get("memberType"),
        "status": s.get("status", "Provisioned"),
        "startDateTime": info.get("startDateTime") or created,
        "endDateTime": (info.get("expiration") or {}).get("endDateTime"),
        "condition": raw.get("_condition"), "conditionVersion": raw.get("_conditionVersion"),
        "createdOn": created, "updatedOn": created if modified in (None, NEVER_MODIFIED) else modified,
        "expandedProperties": expanded(eng, scope, guid, s["principalId"]),
    })
    kind = "elig" if eligible else "assign"
    return {"id": arm_id(scope, kind, s["id"]), "name": s["id"], "type": arm_type(kind), "properties": props}


def instance_view(eng: PimEngine, i: dict, eligible: bool, lineage: Lineage | None = None) -> dict:
    """A current instance in the 2020-10-01 shape (RoleEligibilityScheduleInstance /
    RoleAssignmentScheduleInstance)."""
    scope, guid = i["scope"], i["roleDefinitionId"]
    sid = i[SF.elig_schedule_id_field if eligible else SF.assign_schedule_id_field]
    raw = _raw(eng, sid)
    created = raw.get("createdDateTime") or raw.get("_createdDateTime")
    kind = "elig" if eligible else "assign"
    props = {"scope": scope, "roleDefinitionId": full_role_id(scope, guid), "principalId": i["principalId"],
             "principalType": principal_type(eng, i["principalId"])}
    if eligible:
        props["roleEligibilityScheduleId"] = arm_id(scope, kind, sid)
    else:
        props["roleAssignmentScheduleId"] = arm_id(scope, kind, sid)
        # The RBAC role assignment behind the instance: the classic one itself, or the one PIM made for the
        # schedule (its name is the instance's, as in the 2020-10-01 example).
        origin = sid if _is_classic(eng, sid) else arm_origin_assignment_name(sid)
        props["originRoleAssignmentId"] = arm_id(scope, "roleAssignments", origin)
        linked = i.get("_activatedUsing")
        props["linkedRoleEligibilityScheduleId"] = _linked(eng, linked)
        props["linkedRoleEligibilityScheduleInstanceId"] = None
        props["assignmentType"] = i.get("assignmentType")
        if linked:
            elig = _raw(eng, linked)
            if elig.get("scope"):
                from ...pim.ids import arm_instance_name
                props["linkedRoleEligibilityScheduleInstanceId"] = arm_id(elig["scope"], "elig_inst",
                                                                          arm_instance_name(linked))
    props.update({
        "memberType": member_type(lineage, i) if lineage else i.get("memberType"),
        "status": "Provisioned",
        "startDateTime": i.get("startDateTime") or created, "endDateTime": i.get("endDateTime"),
        "condition": raw.get("_condition"), "conditionVersion": raw.get("_conditionVersion"),
        "createdOn": created,
        "expandedProperties": expanded(eng, scope, guid, i["principalId"]),
    })
    kind_inst = "elig_inst" if eligible else "assign_inst"
    return {"id": arm_id(scope, kind_inst, i["id"]), "name": i["id"], "type": arm_type(kind_inst),
            "properties": props}


def _items(eng: PimEngine, eligible: bool, instance: bool) -> list[dict]:
    if instance:
        return [i for i in schedules.instances(eng, eligible, SF) if eng.is_visible(i)]
    return [s for s in schedules.schedules(eng, eligible, SF) if eng.is_visible(s)]


def _not_found(what: str, name: str) -> GraphError:
    # ARM's 404 for an unknown schedule or instance name is undocumented: the code and wording are ours (unsure).
    return GraphError(404, f"{what}NotFound", f"The {what} '{name}' could not be found.")


def _lists(eligible: bool, instance: bool):
    what = ("RoleEligibility" if eligible else "RoleAssignment") + ("ScheduleInstance" if instance else "Schedule")
    render = instance_view if instance else schedule_view

    def list_for_scope(eng: PimEngine, req: GraphRequest, scope: str) -> tuple[int, object]:
        requests.upkeep(eng)
        pim_state.pim_version(req)
        scope = pim_state.canonical(eng, scope)
        flt = parse_filter(req)
        me = caller_object_id(eng, req)
        if not (flt.as_target or (flt.assigned_to and me and flt.assigned_to == me.lower())):
            pim_state.require_read(eng, req, scope)
        lineage = Lineage(eng, scope)
        groups = principals_of(eng, flt.assigned_to) if flt.assigned_to else None
        out = [render(eng, it, eligible, lineage) for it in _items(eng, eligible, instance)
               if visible(lineage, flt, it, me, groups)]
        return 200, pim_state.page(eng, req, out)

    def get(eng: PimEngine, req: GraphRequest, scope: str, name: str) -> tuple[int, object]:
        requests.upkeep(eng)
        pim_state.pim_version(req)
        scope = pim_state.canonical(eng, scope)
        low = name.lower()
        item = next((it for it in _items(eng, eligible, instance)
                     if it["id"].lower() == low and it["scope"].lower() == scope.lower()), None)
        me = (caller_object_id(eng, req) or "").lower()
        if item is None or item["principalId"].lower() != me:
            pim_state.require_read(eng, req, scope)
        if item is None:
            raise _not_found(what, name)
        return 200, render(eng, item, eligible)

    for fn, verb in ((list_for_scope, "list"), (get, "get")):
        fn.__name__ = fn.__qualname__ = f"{verb}_arm_{what[0].lower()}{what[1:]}s"
    return list_for_scope, get


list_eligibility_schedules, get_eligibility_schedule = _lists(True, False)
list_assignment_schedules, get_assignment_schedule = _lists(False, False)
list_eligibility_instances, get_eligibility_instance = _lists(True, True)
list_assignment_instances, get_assignment_instance = _lists(False, True)
