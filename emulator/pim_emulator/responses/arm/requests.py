"""``{scope}/providers/Microsoft.Authorization/role{Eligibility,Assignment}ScheduleRequests``: create (PUT with a
client-chosen GUID name), get, list with ``$filter``, ``cancel`` and ``validate`` (ARM Microsoft.Authorization
2020-10-01, "Role Eligibility Schedule Requests" and "Role Assignment Schedule Requests"), on the same engine as the
Graph surfaces: ``pim.actions.carry_out`` runs the nine request types and evaluates the (role, scope) policy with
the directory roles' code; this module only translates ARM bodies, names, enums and error codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import GraphError, GraphRequest
from ...pim import approvals, directory, requests
from ...pim.actions import carry_out
from ...pim.errors import invalid_request
from ...pim.ids import is_guid
from ...pim.validation import Submission, parse_schedule
from . import pim_state
from .pim_shared import (
    SF, Lineage, arm_id, arm_type, caller_object_id, expanded, full_role_id, parse_filter, principal_type,
    principals_of, role_guid, visible,
)

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

# requestType (2020-10-01 RequestType) <-> the engine's action names (Graph's unifiedRoleScheduleRequestActions).
REQUEST_TYPES = {t.lower(): t[0].lower() + t[1:] for t in (
    "AdminAssign", "AdminRemove", "AdminUpdate", "AdminExtend", "AdminRenew", "SelfActivate", "SelfDeactivate",
    "SelfExtend", "SelfRenew")}
ARM_REQUEST_TYPE = {v: v[0].upper() + v[1:] for v in REQUEST_TYPES.values()}
# scheduleInfo.expiration.type (2020-10-01 Type) <-> the engine's (Graph's expirationPatternType).
EXPIRATION_TYPES = {"afterduration": "afterDuration", "afterdatetime": "afterDateTime", "noexpiration": "noExpiration"}
ARM_EXPIRATION = {v: v[0].upper() + v[1:] for v in EXPIRATION_TYPES.values()}


def _coll(eligible: bool) -> str:
    return SF.elig_req if eligible else SF.assign_req


def _kind(eligible: bool) -> str:
    return "elig_req" if eligible else "assign_req"


def _guid_name(name: str, eligible: bool) -> str:
    """The request's name: "The role {eligibility|assignment} schedule request name to create. It can be any valid
    GUID." (2020-10-01 spec, parameter roleEligibilityScheduleRequestName / roleAssignmentScheduleRequestName)."""
    if not is_guid(name):
        # ARM's code for a name that is no GUID is undocumented here; it is the role assignments' code (their
        # name must be a GUID too), with our wording (unsure).
        what = "eligibility" if eligible else "assignment"
        raise GraphError(400, "InvalidRoleAssignmentId",
                         f"The role {what} schedule request name '{name}' is not valid. It must be a GUID.")
    return name.lower()


def arm_error(err: GraphError) -> GraphError:
    """The engine's (Graph's) error as ARM answers it: same code and message where both APIs share them (the PIM
    backend is one service), ARM's status and code where they differ.

    - RoleAssignmentExists: 409 Conflict, as ARM answers a duplicate role assignment (its activity log shows
      "Conflict (HTTP Status Code: 409)" with {"code":"RoleAssignmentExists"}: openshift/cloud-credential-operator
      commit ec23983); that PIM's schedule requests answer the same status is our reading (unsure);
    - an unknown role or principal: ARM's RoleDefinitionDoesNotExist / PrincipalNotFound (the RBAC role
      assignment errors, "Troubleshoot Azure RBAC"), where Graph answers RoleNotFound / SubjectNotFound.
    """
    if err.code == "RoleAssignmentExists":
        return GraphError(409, err.code, err.message)
    if err.code == "RoleNotFound":
        return GraphError(404, "RoleDefinitionDoesNotExist", "The specified role definition does not exist.")
    if err.code == "SubjectNotFound":
        return GraphError(400, "PrincipalNotFound", "The principal does not exist in the directory.")
    return err


# ---- parsing ------------------------------------------------------------------------------------------------

def _enum(value: object, table: dict[str, str], name: str) -> str:
    hit = table.get(value.lower()) if isinstance(value, str) else None
    if hit is None:
        allowed = ", ".join(v[0].upper() + v[1:] for v in table.values())
        raise invalid_request(f"'{value}' is not a valid {name}; valid values: {allowed}.")
    return hit


def parse(eng: PimEngine, req: GraphRequest, scope: str, eligible: bool, validation_only: bool) -> Submission:
    """An ARM request body ({"properties": {...}}) as the engine's Submission, with the role as its GUID and the
    scope in its stored casing (the path's scope: ``properties.scope`` is read-only in the 2020-10-01 schema)."""
    body = req.body
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise invalid_request("The request body must carry 'properties'.")
    action = _enum(props.get("requestType"), REQUEST_TYPES, "requestType")
    principal = props.get("principalId")
    if not isinstance(principal, str) or not is_guid(principal):
        raise invalid_request("properties.principalId must be the object id (a GUID) of a principal.")
    guid, role_sub = role_guid(props.get("roleDefinitionId"))
    if guid is None:
        raise invalid_request("properties.roleDefinitionId must be a role definition id "
                              "('/subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid}').")
    scope_sub = pim_state.subscription_of(scope)
    if role_sub and (scope_sub is None or role_sub.lower() != scope_sub.lower()):
        # A role definition id of another subscription than the scope's: refused (the code and wording are ours;
        # ARM documents no answer for it).
        raise invalid_request(f"The role definition id '{props.get('roleDefinitionId')}' does not belong to the "
                              f"scope '{scope}'.")
    if pim_state.role_info(eng, guid) is None:
        raise GraphError(404, "RoleDefinitionDoesNotExist",
                         f"The specified role definition with ID '{guid}' does not exist.")
    sched = props.get("scheduleInfo")
    # No expiration on an admin request is read as NoExpiration: an eligibility PUT without a schedule fails the
    # ExpirationRule where expiry is required (terraform-provider-azurerm issue 22766 shows ARM's answer). A
    # self-activation without one gets the policy's maximum (ours: undocumented).
    start, end, duration, exp_type = parse_schedule(
        sched, "notSpecified" if action.startswith("self") else "noExpiration",
        lambda value: _enum(value, EXPIRATION_TYPES, "expiration type"), where="properties.")
    if exp_type == "afterDateTime" and end is None:
        raise invalid_request("expiration.endDateTime is required for AfterDateTime.")
    if exp_type == "afterDuration" and duration is None:
        raise invalid_request("expiration.duration is required for AfterDuration.")
    ticket = props.get("ticketInfo") or {}
    if not isinstance(ticket, dict):
        raise invalid_request("properties.ticketInfo must be an object.")
    if eligible and action in ("selfActivate", "selfDeactivate"):
        raise invalid_request("Activation is requested with roleAssignmentScheduleRequests.")
    if directory.find_principal(eng.tenant, principal)[0] is None:
        raise GraphError(400, "PrincipalNotFound",
                         f"Principal {principal.replace('-', '')} does not exist in the directory {eng.tenant.id}.")
    return Submission(
        action=action, principal_id=principal, role_id=guid, dir_scope=scope, app_scope=None,
        justification=props.get("justification") or None, start=start, exp_type=exp_type, end=end,
        duration=duration,
        ticket={"ticketNumber": ticket.get("ticketNumber"), "ticketSystem": ticket.get("ticketSystem")},
        validation_only=validation_only, custom_data=None, raw_schedule=sched if sched is not None else (
            {} if action not in ("adminRemove", "selfDeactivate") else None),
        policy_rules=pim_state.policy_rules(eng, guid, scope),
        inherit_from=tuple(pim_state.ancestors(eng, scope)),
    )


# ---- views --------------------------------------------------------------------------------------------------

def _schedule_scope(eng: PimEngine, coll: str, sid: str | None) -> str | None:
    if not sid:
        return None
    s = eng.tenant.coll(coll).get(sid) or eng.tenant.coll(SF.expired).get(sid)
    return s.get("scope") if s else None


def view(eng: PimEngine, r: dict, eligible: bool) -> dict:
    """A stored request in the 2020-10-01 shape (RoleEligibilityScheduleRequest / RoleAssignmentScheduleRequest)."""
    scope, guid, name = r["scope"], r["roleDefinitionId"], r["id"]
    sched = r.get("scheduleInfo")
    info = None
    if sched is not None:
        exp = sched.get("expiration") or {}
        info = {"startDateTime": sched.get("startDateTime"),
                "expiration": {"type": ARM_EXPIRATION.get(exp.get("type") or "", None),
                               "endDateTime": exp.get("endDateTime"), "duration": exp.get("duration")}}
    target = r.get("targetScheduleId")
    props = {"scope": scope, "roleDefinitionId": full_role_id(scope, guid), "principalId": r["principalId"],
             "principalType": principal_type(eng, r["principalId"]), "requestType": ARM_REQUEST_TYPE[r["action"]],
             "status": r["status"],
             "approvalId": arm_id(scope, "roleAssignmentApprovals", r["approvalId"]) if r.get("approvalId") else None,
             "scheduleInfo": info}
    # Unsure: the 2020-10-01 examples show target...ScheduleId as a bare GUID while every other reference in those
    # examples (roleEligibilityScheduleRequestId, roleAssignmentScheduleId, originRoleAssignmentId) is a full id;
    # we answer the full id, whose last segment is the GUID the examples show.
    if eligible:
        props["targetRoleEligibilityScheduleId"] = arm_id(scope, "elig", target) if target else None
        props["targetRoleEligibilityScheduleInstanceId"] = None
    else:
        props["targetRoleAssignmentScheduleId"] = arm_id(scope, "assign", target) if target else None
        props["targetRoleAssignmentScheduleInstanceId"] = None
        linked = r.get("_activatedUsing")
        linked_scope = _schedule_scope(eng, SF.elig, linked)
        props["linkedRoleEligibilityScheduleId"] = arm_id(linked_scope, "elig", linked) if linked and linked_scope \
            else r.get("_linkedRequested")
    props.update({
        "justification": r.get("justification"), "ticketInfo": r.get("ticketInfo") or
        {"ticketNumber": None, "ticketSystem": None},
        "condition": r.get("_condition"), "conditionVersion": r.get("_conditionVersion"),
        "createdOn": r.get("createdDateTime"), "requestorId": r.get("_requestorId"),
        "expandedProperties": expanded(eng, scope, guid, r["principalId"]),
    })
    return {"id": arm_id(scope, _kind(eligible), name), "name": name, "type": arm_type(_kind(eligible)),
            "properties": props}


# ---- handlers -----------------------------------------------------------------------------------------------

def _find(eng: PimEngine, scope: str, name: str, eligible: bool) -> dict | None:
    r = eng.tenant.coll(_coll(eligible)).get(name.lower())
    if r is None or not eng.is_visible(r) or r["scope"].lower() != scope.lower():
        return None
    return r


def _not_found(name: str, eligible: bool) -> GraphError:
    # Code and wording are ours: ARM's 404 for an unknown request name is undocumented (unsure).
    what = "RoleEligibilityScheduleRequest" if eligible else "RoleAssignmentScheduleRequest"
    return GraphError(404, f"{what}NotFound", f"The {what} '{name}' could not be found.")


def _put(eng: PimEngine, req: GraphRequest, scope: str, name: str, eligible: bool,
         validation_only: bool) -> tuple[int, dict]:
    requests.upkeep(eng)
    pim_state.pim_version(req)
    name = _guid_name(name, eligible)
    scope = pim_state.canonical(eng, scope)
    props = req.body.get("properties") if isinstance(req.body, dict) else None
    earlier = None if validation_only else eng.tenant.coll(_coll(eligible)).get(name)
    if earlier is not None:
        return _replay(eng, earlier, props, scope, eligible)
    request_type = str((props or {}).get("requestType") or "")
    if not request_type.lower().startswith("self"):
        # ARM authorizes before it reads the body. Self requests need no RBAC right: "To call this API, you must
        # have an eligible role assignment on the scope" ("Activate my Azure resource roles in PIM", the API
        # section); admin requests need the write action of the request type on the scope.
        kind = "roleEligibilityScheduleRequests" if eligible else "roleAssignmentScheduleRequests"
        pim_state.require(eng, req, scope, f"Microsoft.Authorization/{kind}/write")
    sub = parse(eng, req, scope, eligible, validation_only)
    try:
        r = carry_out(eng, req, _coll(eligible), sub, rid=name)
    except GraphError as err:
        raise arm_error(err) from None
    r["_requestorId"] = caller_object_id(eng, req)
    if isinstance(props.get("condition"), str):
        r["_condition"], r["_conditionVersion"] = props["condition"], props.get("conditionVersion")
    if not eligible and props.get("linkedRoleEligibilityScheduleId"):
        r["_linkedRequested"] = props["linkedRoleEligibilityScheduleId"]
    target = eng.tenant.coll(SF.elig if eligible else SF.assign).get(r.get("targetScheduleId") or "")
    if target is not None and "_condition" in r:
        target["_condition"], target["_conditionVersion"] = r["_condition"], r["_conditionVersion"]
    answer = view(eng, r, eligible)
    if validation_only:
        # "Validates a new role ... schedule request": the example answers 200 with the request as it would be made
        # (status Provisioned); nothing is kept.
        answer["properties"]["status"] = "Provisioned" if r["status"] == "Granted" else r["status"]
        return 200, answer
    return 201, answer


def _replay(eng: PimEngine, earlier: dict, props: dict | None, scope: str, eligible: bool) -> tuple[int, dict]:
    """A second PUT of a request name. ARM's PUT is idempotent ("Azure Resource Manager resource provider
    contract", PUT: repeating it must not create another resource), and azure-core's retry policy repeats a PUT
    whose answer was lost (a 5xx after the request was carried out): the same request again answers the one made,
    201 as the operation documents. Another request under a used name is refused: requests are immutable (the
    code and wording are ours, unsure)."""
    props = props or {}
    same = (str(props.get("requestType") or "").lower() == earlier["action"].lower()
            and str(props.get("principalId") or "").lower() == earlier["principalId"].lower()
            and role_guid(props.get("roleDefinitionId"))[0] == earlier["roleDefinitionId"]
            and earlier["scope"].lower() == scope.lower())
    if not same:
        raise GraphError(409, "RoleAssignmentRequestExists",
                         f"A different request named '{earlier['id']}' already exists.")
    return 201, view(eng, earlier, eligible)


def create(eng: PimEngine, req: GraphRequest, scope: str, name: str, eligible: bool) -> tuple[int, dict]:
    return _put(eng, req, scope, name, eligible, validation_only=False)


def validate(eng: PimEngine, req: GraphRequest, scope: str, name: str, eligible: bool) -> tuple[int, dict]:
    return _put(eng, req, scope, name, eligible, validation_only=True)


def _own(eng: PimEngine, req: GraphRequest, r: dict) -> bool:
    me = (caller_object_id(eng, req) or "").lower()
    return bool(me) and me in (r["principalId"].lower(), str(r.get("_requestorId") or "").lower())


def get(eng: PimEngine, req: GraphRequest, scope: str, name: str, eligible: bool) -> tuple[int, dict]:
    requests.upkeep(eng)
    pim_state.pim_version(req)
    scope = pim_state.canonical(eng, scope)
    r = _find(eng, scope, name, eligible)
    if r is None or not _own(eng, req, r):
        pim_state.require_read(eng, req, scope)
    if r is None:
        raise _not_found(name, eligible)
    return 200, view(eng, r, eligible)


def _approver_of(eng: PimEngine, r: dict, me: str) -> bool:
    appr = eng.tenant.coll(SF.approvals).get(r.get("approvalId") or "")
    if not appr or r["status"] != "PendingApproval":
        return False
    for step in appr["steps"]:
        if step["status"] == "InProgress" and me in approvals.approvers(eng, appr["_stages"][step["_stage"]]):
            return True
    return False


def list_for_scope(eng: PimEngine, req: GraphRequest, scope: str, eligible: bool) -> tuple[int, object]:
    requests.upkeep(eng)
    pim_state.pim_version(req)
    flt = parse_filter(req)
    if pim_state.arm_state.normalize(scope) == "/" and (flt.as_target or flt.as_requestor or flt.as_approver):
        # "/" stands for the tenant: the caller's own requests everywhere, listed from the tenant root group (as
        # the schedule instances do, Get-AzRoleEligibilityScheduleInstance Example 2).
        scope = pim_state.arm_state.root_group(eng.tenant)["id"]
    scope = pim_state.canonical(eng, scope)
    me = caller_object_id(eng, req)
    if not (flt.as_target or flt.as_requestor or flt.as_approver):
        pim_state.require_read(eng, req, scope)
    lineage = Lineage(eng, scope)
    groups = principals_of(eng, flt.assigned_to) if flt.assigned_to else None
    items = []
    for r in eng.tenant.coll(_coll(eligible)).values():
        if not eng.is_visible(r) or not visible(lineage, flt, r, me, groups):
            continue
        if flt.as_requestor and str(r.get("_requestorId") or "").lower() != (me or "").lower():
            continue
        if flt.as_approver and not _approver_of(eng, r, me or ""):
            continue
        items.append(view(eng, r, eligible))
    return 200, pim_state.page(eng, req, items)


def cancel(eng: PimEngine, req: GraphRequest, scope: str, name: str, eligible: bool) -> tuple[int, None]:
    """POST .../cancel: 200 without a body (the 2020-10-01 example "Cancel Role Assignment Schedule Request")."""
    requests.upkeep(eng)
    pim_state.pim_version(req)
    scope = pim_state.canonical(eng, scope)
    r = _find(eng, scope, name, eligible)
    if r is None or not _own(eng, req, r):
        kind = "roleEligibilityScheduleRequests" if eligible else "roleAssignmentScheduleRequests"
        pim_state.require(eng, req, scope, f"Microsoft.Authorization/{kind}/cancel/action")
    if r is None:
        raise _not_found(name, eligible)
    requests.cancel(eng, req, _coll(eligible), r["id"])
    return 200, None


def _bind(fn, eligible: bool, name: str):
    def handler(eng, req, **params):
        return fn(eng, req, eligible=eligible, **params)
    handler.__name__ = handler.__qualname__ = name
    handler.__doc__ = fn.__doc__
    return handler


create_eligibility_request = _bind(create, True, "create_eligibility_request")
get_eligibility_request = _bind(get, True, "get_eligibility_request")
list_eligibility_requests = _bind(list_for_scope, True, "list_eligibility_requests")
cancel_eligibility_request = _bind(cancel, True, "cancel_eligibility_request")
validate_eligibility_request = _bind(validate, True, "validate_eligibility_request")
create_assignment_request = _bind(create, False, "create_assignment_request")
get_assignment_request = _bind(get, False, "get_assignment_request")
list_assignment_requests = _bind(list_for_scope, False, "list_assignment_requests")
cancel_assignment_request = _bind(cancel, False, "cancel_assignment_request")
validate_assignment_request = _bind(validate, False, "validate_assignment_request")
