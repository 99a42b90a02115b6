"""The nine schedule request actions (Graph docs: unifiedRoleAssignmentScheduleRequest, action) for eligibilities
and active assignments."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ..contract import GraphError, GraphRequest, iso
from . import approvals, audit, directory, schedules
from .durations import from_epoch
from .errors import denied, does_not_exist, exists, invalid_request, last_admin, policy_failed, too_short
from .evaluation import Verdict, evaluate
from .ids import GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN, new_id
from .requests import ELIG_REQ, complete, new_request
from .schedules import ASSIGN, CLASSIC, ELIG, EXPIRED
from .validation import Submission, parse

if TYPE_CHECKING:
    from .engine import PimEngine

# Activity names come from Microsoft's "Microsoft Entra audit log activity reference" (section Privileged
# Identity Management, category RoleManagement). It has no update-specific pair for adminUpdate, so an update,
# which replaces the schedule, is logged as the new assignment it makes; extend and renew have their own.


def _update_names(action: str, what: str, perm: str) -> tuple[str, str]:
    """(requested, completed) activity names of adminUpdate/adminExtend/adminRenew."""
    completed = f"Add {what} to role in PIM completed {perm}"
    if action == "adminExtend":
        return f"Update {what} in PIM requested (extend)", completed
    if action == "adminRenew":
        return f"Add {what} to role in PIM requested (renew)", completed
    return f"Add {what} to role in PIM requested {perm}", completed


def _perm(end) -> str:
    return "(permanent)" if end is None else "(timebound)"


def _details(sub: Submission, rid: str, start, end) -> dict:
    return {"RequestId": rid, "Justification": sub.justification, "StartTime": iso(start),
            "ExpirationTime": iso(end), "TicketNumber": sub.ticket.get("ticketNumber"),
            "TicketSystem": sub.ticket.get("ticketSystem")}


def _check_principal(eng: PimEngine, sub: Submission, eligible: bool) -> None:
    obj, kind = directory.find_principal(eng.tenant, sub.principal_id)
    if eligible and kind == "servicePrincipal":
        raise invalid_request("Service principals can only be assigned active roles.")
    if kind == "group" and not obj.get("isAssignableToRole"):
        raise invalid_request("Only role-assignable groups can be assigned roles.")


def _guard_last_admin(eng: PimEngine, req: GraphRequest, sub: Submission, coll: str, target_id: str) -> None:
    if not eng.options["last_admin_protection"] or sub.role_id != GLOBAL_ADMIN:
        return
    holders = [(c, s["id"]) for c in (ELIG, ASSIGN, CLASSIC) for s in eng.tenant.coll(c).values()
               if s["roleDefinitionId"] == GLOBAL_ADMIN]
    if holders and all(h == (coll, target_id) for h in holders):
        audit.write(eng, req.caller, "Remove member from role in PIM completed (permanent)", "Delete", sub.role_id,
                    sub.principal_id, result="failure", reason="CannotDeleteLastAdminAssignment")
        raise last_admin()


def _raise_failures(eng: PimEngine, req: GraphRequest, sub: Submission, v: Verdict, activity: str) -> None:
    if v.failed:
        rules = v.ordered_failures()
        audit.write(eng, req.caller, activity, "Add", sub.role_id, sub.principal_id, result="failure",
                    reason="RoleAssignmentRequestPolicyValidationFailed: " + ",".join(rules),
                    details=_details(sub, "", v.start, v.end))
        raise policy_failed(rules)


def submit(eng: PimEngine, req: GraphRequest, coll: str) -> tuple[int, dict]:
    caller = req.caller
    sub = parse(eng.tenant, req.body)
    eligible = coll == ELIG_REQ
    if sub.is_self:
        if caller.is_app_only or caller.user_id != sub.principal_id:
            raise invalid_request("Self actions are for the signed-in user's own principalId.")
        if eligible and sub.action in ("selfActivate", "selfDeactivate"):
            raise invalid_request("Activation is requested with roleAssignmentScheduleRequests.")
    elif (not caller.is_app_only and eng.options["delegated_admin_requires_role"]
          and not schedules.holds_role(eng, caller.user_id, {GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN})):
        # A signed-in admin needs Privileged Role Administrator or Global Administrator (Graph docs: PIM API overview).
        raise denied()
    if sub.action in ("adminAssign", "adminUpdate", "adminExtend", "adminRenew"):
        _check_principal(eng, sub, eligible)
    rid = new_id()
    handler = {"adminAssign": _assign, "adminUpdate": _update, "adminExtend": _update, "adminRenew": _update,
               "adminRemove": _remove, "selfActivate": _activate, "selfDeactivate": _deactivate,
               "selfExtend": _self_extend, "selfRenew": _self_extend}[sub.action]
    r = handler(eng, req, sub, eligible, rid)
    if not sub.validation_only:
        eng.tenant.coll(coll)[r["id"]] = r
    return 201, eng.entity(req, f"roleManagement/directory/{coll}", eng.clone(r))


def _validation_answer(eng: PimEngine, sub, caller, rid, v: Verdict) -> dict:
    # isValidationOnly: rules are evaluated, nothing is committed. Graph's status for it is undocumented;
    # we answer "Granted" (the request would be allowed) and keep no request, schedule or audit record.
    r = new_request(eng, rid, sub, caller, "Granted", v.start, v.end)
    return r


def _assign(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str) -> dict:
    level = "eligibility" if eligible else "assignment"
    if (schedules.find(eng, ELIG, sub.principal_id, sub.role_id, sub.dir_scope, sub.app_scope) if eligible
            else schedules.find_active(eng, sub.principal_id, sub.role_id, sub.dir_scope, sub.app_scope)):
        raise exists()
    v = evaluate(eng, req.caller, sub, level)
    what = "eligible member" if eligible else "member"
    _raise_failures(eng, req, sub, v, f"Add {what} to role in PIM requested {_perm(v.end)}")
    if sub.validation_only:
        return _validation_answer(eng, sub, req.caller, rid, v)
    r = new_request(eng, rid, sub, req.caller, "Provisioned", v.start, v.end)
    # The new schedule takes the request's id: targetScheduleId == id on adminAssign (doc samples).
    schedules.create(eng, ELIG if eligible else ASSIGN, rid, sub.principal_id, sub.role_id, sub.dir_scope,
                     sub.app_scope, v.start, v.end, rid, assignment_type="Assigned")
    complete(r, eng.now(), rid)
    details = _details(sub, rid, v.start, v.end)
    _requested_and_completed(eng, req, sub, f"Add {what} to role in PIM", f" {_perm(v.end)}", "Add", details, rid)
    return r


def _update(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str) -> dict:
    coll = ELIG if eligible else ASSIGN
    key = (sub.principal_id, sub.role_id, sub.dir_scope, sub.app_scope)
    target = schedules.find(eng, coll, *key, assignment_type=None if eligible else "Assigned")
    classic = None if eligible or target else schedules.find(eng, CLASSIC, *key)
    expired = None
    if target is None and classic is None and sub.action == "adminRenew":
        # Renew is for an expired assignment: revive the schedule PIM retired.
        expired = next((s for s in eng.tenant.coll(EXPIRED).values() if s["_kind"] == coll and
                        (s["principalId"], s["roleDefinitionId"], s["directoryScopeId"], s["appScopeId"]) == key),
                       None)
    if target is None and classic is None and expired is None:
        raise does_not_exist()
    # Extending keeps the original start; an update may move it.
    keep = from_epoch(target["_start"]) if target and sub.action == "adminExtend" else None
    v = evaluate(eng, req.caller, sub, "eligibility" if eligible else "assignment", keep_start=keep)
    what = "eligible member" if eligible else "member"
    requested, completed = _update_names(sub.action, what, _perm(v.end))
    _raise_failures(eng, req, sub, v, requested)
    if sub.validation_only:
        return _validation_answer(eng, sub, req.caller, rid, v)
    r = new_request(eng, rid, sub, req.caller, "Provisioned", v.start, v.end)
    if target is not None:
        schedules.reschedule(eng, target, v.start, v.end)
        sid = target["id"]
    else:
        # A classic (outside PIM) assignment becomes a PIM schedule; a revived one keeps its old id.
        old = classic or eng.tenant.coll(EXPIRED).pop(expired["id"])
        if classic:
            schedules.remove(eng, CLASSIC, classic["id"])
        sid = rid if classic else old["id"]
        schedules.create(eng, coll, sid, *key, v.start, v.end, rid, assignment_type="Assigned")
    complete(r, eng.now(), sid)
    details = _details(sub, rid, v.start, v.end)
    for who, name in ((req.caller, requested), (None, completed)):
        audit.write(eng, who, name, "Update", sub.role_id, sub.principal_id, details=details, correlation_id=rid)
    return r


def _requested_and_completed(eng: PimEngine, req: GraphRequest, sub: Submission, activity: str, suffix: str,
                             operation: str, details: dict, rid: str) -> None:
    """PIM's pair of audit records for an admin operation: "<activity> requested<suffix>" by the caller,
    then "<activity> completed<suffix>" by the service itself (initiatedBy MS-PIM)."""
    for who, stage in ((req.caller, "requested"), (None, "completed")):
        audit.write(eng, who, f"{activity} {stage}{suffix}", operation, sub.role_id, sub.principal_id,
                    details=details, correlation_id=rid)


def _revoked(r: dict) -> dict:
    # adminRemove/selfDeactivate: "Revoked", these fields null (Graph docs: Create roleEligibilityScheduleRequests).
    r.update(status="Revoked", completedDateTime=None, targetScheduleId=None, scheduleInfo=None, justification=None)
    return r


def _remove(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str) -> dict:
    key = (sub.principal_id, sub.role_id, sub.dir_scope, sub.app_scope)
    target = schedules.find(eng, ELIG, *key) if eligible else schedules.find(eng, ASSIGN, *key)
    coll = ELIG if eligible else ASSIGN
    if target is None and not eligible:
        target, coll = schedules.find(eng, CLASSIC, *key), CLASSIC
    if target is None:
        raise does_not_exist()
    _guard_last_admin(eng, req, sub, coll, target["id"])
    end = from_epoch(target.get("_end"))
    r = new_request(eng, rid, sub, req.caller, "Revoked", None, None)
    if sub.validation_only:
        return _revoked(r)
    schedules.remove(eng, coll, target["id"])
    what = "eligible member" if eligible else "member"
    details = {"RequestId": rid, "Justification": sub.justification, "ScheduleId": target["id"]}
    _requested_and_completed(eng, req, sub, f"Remove {what} from role in PIM", f" {_perm(end)}", "Delete", details,
                             rid)
    return _revoked(r)


def _activate(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str) -> dict:
    key = (sub.principal_id, sub.role_id, sub.dir_scope, sub.app_scope)
    if schedules.find_active(eng, *key):
        raise exists()
    for pending in eng.tenant.coll("roleAssignmentScheduleRequests").values():
        if pending["status"] == "PendingApproval" and (pending["principalId"], pending["roleDefinitionId"],
                                                       pending["directoryScopeId"], pending["appScopeId"]) == key:
            # Graph's own PIM error table ("Create governanceRoleAssignmentRequest", beta privilegedAccess API,
            # which shares the PIM backend) lists 400 PendingRoleAssignmentRequest "There already exists a
            # pending governanceRoleAssignmentRequest in the system." The v1.0 pages give no table; the
            # code is kept (it is Graph's, not only ARM's) with the documented message.
            raise GraphError(400, "PendingRoleAssignmentRequest",
                             "There already exists a pending governanceRoleAssignmentRequest in the system.")
    elig = schedules.eligibility_for(eng, *key)
    v = evaluate(eng, req.caller, sub, "activation")
    if elig is None:
        v.fail("EligibilityRule")
    elif elig["_end"] is not None and v.end is not None and v.end.timestamp() > elig["_end"]:
        v.end = from_epoch(elig["_end"])  # an activation never outlives the eligibility it uses
    _raise_failures(eng, req, sub, v, "Add member to role requested (PIM activation)")
    if sub.validation_only:
        return _validation_answer(eng, sub, req.caller, rid, v)
    r = new_request(eng, rid, sub, req.caller, "PendingApproval" if v.approval else "Granted", v.start, v.end)
    r["_activatedUsing"] = elig["id"]
    r["_memberType"] = "Direct" if elig["principalId"] == sub.principal_id else "Group"
    details = _details(sub, rid, v.start, v.end)
    audit.write(eng, req.caller, "Add member to role requested (PIM activation)", "Add", sub.role_id,
                sub.principal_id, details=details, correlation_id=rid)
    if v.approval:
        r["approvalId"] = approvals.create(eng, r, v.approval)
        audit.write(eng, req.caller, "Add member to role approval requested (PIM activation)", "Add", sub.role_id,
                    sub.principal_id, details=details, correlation_id=rid)
        return r
    provision_activation(eng, r)
    return r


def provision_activation(eng: PimEngine, r: dict) -> None:
    """Create the Activated assignment of a (granted or just approved) activation request."""
    now = eng.now()
    start = max(from_epoch(r["_start"]), now) if r["status"] == "PendingApproval" else from_epoch(r["_start"])
    end = from_epoch(r["_end"])
    if r["status"] == "PendingApproval" and end is not None:
        # On approval the activation runs for its requested length from the approval time.
        end = start + (from_epoch(r["_end"]) - from_epoch(r["_start"]))
        elig = eng.tenant.coll(ELIG).get(r["_activatedUsing"])
        if elig and elig["_end"] is not None:
            end = min(end, from_epoch(elig["_end"]))
        r["_start"], r["_end"] = start.timestamp(), end.timestamp()
    schedules.create(eng, ASSIGN, r["id"], r["principalId"], r["roleDefinitionId"], r["directoryScopeId"],
                     r["appScopeId"], start, end, r["id"], assignment_type="Activated",
                     activated_using=r["_activatedUsing"], member_type=r.get("_memberType", "Direct"))
    complete(r, now, r["id"])
    audit.write(eng, None, "Add member to role completed (PIM activation)", "Add", r["roleDefinitionId"],
                r["principalId"], details={"RequestId": r["id"], "Justification": r["justification"],
                                           "StartTime": iso(start), "ExpirationTime": iso(end)},
                correlation_id=r["id"])


def _deactivate(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str) -> dict:
    key = (sub.principal_id, sub.role_id, sub.dir_scope, sub.app_scope)
    target = schedules.find(eng, ASSIGN, *key, assignment_type="Activated")
    if target is None:
        raise does_not_exist()
    if eng.now().timestamp() - target["_start"] < timedelta(minutes=5).total_seconds():
        raise too_short()
    r = new_request(eng, rid, sub, req.caller, "Revoked", None, None)
    if sub.validation_only:
        return _revoked(r)
    schedules.remove(eng, ASSIGN, target["id"])
    details = {"RequestId": rid, "Justification": sub.justification, "ScheduleId": target["id"]}
    _requested_and_completed(eng, req, sub, "Remove member from role", " (PIM deactivate)", "Delete", details, rid)
    return _revoked(r)


def _self_extend(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str) -> dict:
    """selfExtend/selfRenew ask an administrator to extend: they wait in PendingAdminDecision and change
    nothing until an admin* request does (PIM's portal flow)."""
    key = (sub.principal_id, sub.role_id, sub.dir_scope, sub.app_scope)
    coll = ELIG if eligible else ASSIGN
    target = schedules.find(eng, coll, *key, assignment_type=None if eligible else "Assigned")
    if target is None and sub.action == "selfRenew":
        target = next((s for s in eng.tenant.coll(EXPIRED).values() if s["_kind"] == coll and
                       (s["principalId"], s["roleDefinitionId"], s["directoryScopeId"], s["appScopeId"]) == key),
                      None)
    if target is None:
        raise does_not_exist()
    r = new_request(eng, rid, sub, req.caller, "PendingAdminDecision", sub.start or eng.now(), sub.end)
    r["targetScheduleId"] = target["id"]
    what = "eligible member" if eligible else "member"
    name = f"Update {what} in PIM requested (extend)" if sub.action == "selfExtend" else \
        f"Add {what} to role in PIM requested (renew)"
    audit.write(eng, req.caller, name,
                "Update", sub.role_id, sub.principal_id, details=_details(sub, rid, sub.start, sub.end),
                correlation_id=rid)
    return r
