"""The nine schedule request actions (Graph docs: unifiedRoleAssignmentScheduleRequest, action;
privilegedAccessGroupAssignmentScheduleRequest, action) for eligibilities and active assignments, on either PIM
surface (surfaces.DIRECTORY, surfaces.GROUPS): one copy, the surface names the stores, the target and the policy."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ..contract import GraphError, GraphRequest, iso
from . import approvals, audit, directory, policies, schedules
from .durations import from_epoch
from .errors import denied, does_not_exist, exists, invalid_request, last_admin, policy_failed, too_short
from .evaluation import Verdict, evaluate
from .ids import GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN, new_id
from .requests import complete, new_request
from .schedules import ASSIGN, CLASSIC, ELIG
from .surfaces import AZURE, DIRECTORY, GROUPS, Surface, of_collection
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


def _key(sub: Submission) -> tuple:
    return sub.principal_id, sub.role_id, sub.dir_scope, sub.app_scope


def _check_principal(eng: PimEngine, sub: Submission, eligible: bool, sf: Surface) -> None:
    obj, kind = directory.find_principal(eng.tenant, sub.principal_id)
    if eligible and kind == "servicePrincipal":
        raise invalid_request("Service principals can only be assigned active roles.")
    if sf is GROUPS:
        # "Role-assignable groups can't have other groups nested as members" (Entra docs: "Use Microsoft Entra
        # groups to manage role assignments"); PIM for Groups takes users and groups as principals otherwise.
        target = eng.tenant.coll("groups").get(sub.dir_scope or "", {})
        if kind == "group" and (target.get("isAssignableToRole") or sub.principal_id == sub.dir_scope):
            raise invalid_request("A group cannot be nested in a role-assignable group or in itself.")
    elif sf is DIRECTORY and kind == "group" and not obj.get("isAssignableToRole"):
        # Directory roles only: Azure RBAC takes any security group ("Assign Azure roles using the Azure portal").
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


def _raise_failures(eng: PimEngine, req: GraphRequest, sub: Submission, v: Verdict, activity: str,
                    sf: Surface) -> None:
    if v.failed:
        rules = v.ordered_failures()
        audit.write_for(eng, sf, req.caller, activity, "Add", _key(sub), result="failure",
                        reason="RoleAssignmentRequestPolicyValidationFailed: " + ",".join(rules),
                        details=_details(sub, "", v.start, v.end))
        raise policy_failed(rules)


def submit(eng: PimEngine, req: GraphRequest, coll: str) -> tuple[int, dict]:
    """A schedule request posted to ``coll`` (a request collection of a Graph surface)."""
    sf = of_collection(coll)
    r = carry_out(eng, req, coll, parse(eng.tenant, req.body, sf))
    return 201, eng.entity(req, f"{sf.ctx}/{sf.graph_name(coll)}", eng.clone(r))


def carry_out(eng: PimEngine, req: GraphRequest, coll: str, sub: Submission, rid: str | None = None) -> dict:
    """Evaluate and carry out a parsed schedule request on ``coll``'s surface: the stored request (kept unless
    validation-only). ``rid``: the request's id when the client names it (ARM's PUT), else a new one."""
    caller = req.caller
    sf = of_collection(coll)
    eligible = coll == sf.elig_req
    if sub.is_self:
        if caller.is_app_only or caller.user_id != sub.principal_id:
            raise invalid_request("Self actions are for the signed-in user's own principalId.")
        if eligible and sub.action in ("selfActivate", "selfDeactivate"):
            raise invalid_request(f"Activation is requested with {sf.graph_name(sf.assign_req)}.")
    elif (sf is not AZURE and not caller.is_app_only and eng.options["delegated_admin_requires_role"]
          and not schedules.holds_role(eng, caller.user_id, {GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN})):
        # A signed-in admin needs Privileged Role Administrator or Global Administrator (Graph docs: PIM API overview).
        # Azure resource roles are governed by Azure RBAC on the scope instead, which the ARM route layer checks.
        raise denied()
    if sub.action in ("adminAssign", "adminUpdate", "adminExtend", "adminRenew"):
        _check_principal(eng, sub, eligible, sf)
    rid = rid or new_id()
    handler = {"adminAssign": _assign, "adminUpdate": _update, "adminExtend": _update, "adminRenew": _update,
               "adminRemove": _remove, "selfActivate": _activate, "selfDeactivate": _deactivate,
               "selfExtend": _self_extend, "selfRenew": _self_extend}[sub.action]
    r = handler(eng, req, sub, eligible, rid, sf)
    if not sub.validation_only:
        eng.tenant.coll(coll)[r["id"]] = r
        if sf is GROUPS:
            # A group's policies come with its first schedule request that PIM carries out: from then on PIM
            # manages the group (until then its requests are evaluated against the group defaults, which is
            # what the new policies hold). A refused or validation-only request leaves the group unmanaged.
            policies.seed_group_policies(eng.tenant, sub.dir_scope or "")
    return r


def _validation_answer(eng: PimEngine, sub, caller, rid, v: Verdict, sf: Surface) -> dict:
    # isValidationOnly: rules are evaluated, nothing is committed. Graph's status for it is undocumented;
    # we answer "Granted" (the request would be allowed) and keep no request, schedule or audit record.
    r = new_request(eng, rid, sub, caller, "Granted", v.start, v.end, sf)
    return r


def _expired(eng: PimEngine, sf: Surface, coll: str, key: tuple) -> dict | None:
    return next((s for s in eng.tenant.coll(sf.expired).values() if s["_kind"] == coll and sf.key(s) == key), None)


def _assign(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str, sf: Surface) -> dict:
    level = "eligibility" if eligible else "assignment"
    if (schedules.find(eng, sf.elig, *_key(sub)) if eligible else schedules.find_active(eng, *_key(sub), sf=sf)):
        raise exists()
    v = evaluate(eng, req.caller, sub, level, sf=sf)
    what = "eligible member" if eligible else "member"
    _raise_failures(eng, req, sub, v, f"Add {what} to role in PIM requested {_perm(v.end)}", sf)
    if sub.validation_only:
        return _validation_answer(eng, sub, req.caller, rid, v, sf)
    r = new_request(eng, rid, sub, req.caller, "Provisioned", v.start, v.end, sf)
    # The new schedule takes the request's id: targetScheduleId == id on adminAssign (doc samples); a group
    # schedule's id is {groupId}_{accessId}_{requestId} (schedules.create).
    s = schedules.create(eng, sf.elig if eligible else sf.assign, rid, *_key(sub), v.start, v.end, rid,
                         assignment_type="Assigned")
    complete(r, eng.now(), s["id"])
    details = _details(sub, rid, v.start, v.end)
    _requested_and_completed(eng, req, sub, f"Add {what} to role in PIM", f" {_perm(v.end)}", "Add", details, rid,
                             sf)
    return r


def _update(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str, sf: Surface) -> dict:
    coll = sf.elig if eligible else sf.assign
    key = _key(sub)
    target = schedules.find(eng, coll, *key, assignment_type=None if eligible else "Assigned")
    classic = None if eligible or target else schedules.find_classic(eng, sf, *key)
    expired = None
    if target is None and classic is None and sub.action == "adminRenew":
        # Renew is for an expired assignment: revive the schedule PIM retired.
        expired = _expired(eng, sf, coll, key)
    if target is None and classic is None and expired is None:
        raise does_not_exist()
    # Extending keeps the original start; an update may move it.
    keep = from_epoch(target["_start"]) if target and sub.action == "adminExtend" else None
    v = evaluate(eng, req.caller, sub, "eligibility" if eligible else "assignment", keep_start=keep, sf=sf)
    what = "eligible member" if eligible else "member"
    requested, completed = _update_names(sub.action, what, _perm(v.end))
    _raise_failures(eng, req, sub, v, requested, sf)
    if sub.validation_only:
        return _validation_answer(eng, sub, req.caller, rid, v, sf)
    r = new_request(eng, rid, sub, req.caller, "Provisioned", v.start, v.end, sf)
    if target is not None:
        sid = schedules.reschedule(eng, target, v.start, v.end, rid)
    else:
        # A classic (outside PIM) assignment becomes a PIM schedule; a revived one keeps its old id.
        old = classic or eng.tenant.coll(sf.expired).pop(expired["id"])
        if classic:
            schedules.remove_classic(eng, sf, classic)
        # (On a surface whose schedules take the request's id, a revived one does too.)
        revived_id = rid if classic or sf.new_schedule_on_update else old["id"]
        sid = schedules.create(eng, coll, revived_id, *key, v.start, v.end, rid, assignment_type="Assigned")["id"]
    complete(r, eng.now(), sid)
    details = _details(sub, rid, v.start, v.end)
    for who, name in ((req.caller, requested), (None, completed)):
        audit.write_for(eng, sf, who, name, "Update", key, details=details, correlation_id=rid)
    return r


def _requested_and_completed(eng: PimEngine, req: GraphRequest, sub: Submission, activity: str, suffix: str,
                             operation: str, details: dict, rid: str, sf: Surface) -> None:
    """PIM's pair of audit records for an admin operation: "<activity> requested<suffix>" by the caller,
    then "<activity> completed<suffix>" by the service itself (initiatedBy MS-PIM)."""
    for who, stage in ((req.caller, "requested"), (None, "completed")):
        audit.write_for(eng, sf, who, f"{activity} {stage}{suffix}", operation, _key(sub), details=details,
                        correlation_id=rid)


def _revoked(r: dict) -> dict:
    # adminRemove/selfDeactivate: "Revoked", these fields null (Graph docs: Create roleEligibilityScheduleRequests).
    r.update(status="Revoked", completedDateTime=None, targetScheduleId=None, scheduleInfo=None, justification=None)
    return r


def _remove(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str, sf: Surface) -> dict:
    key = _key(sub)
    coll = sf.elig if eligible else sf.assign
    target = schedules.find(eng, coll, *key)
    classic = None
    if target is None and not eligible:
        classic = target = schedules.find_classic(eng, sf, *key)
        coll = CLASSIC if sf is DIRECTORY else ""
    if target is None:
        raise does_not_exist()
    _guard_last_admin(eng, req, sub, coll, target["id"])
    end = from_epoch(target.get("_end"))
    r = new_request(eng, rid, sub, req.caller, "Revoked", None, None, sf)
    if sub.validation_only:
        return _revoked(r)
    if classic is not None:
        schedules.remove_classic(eng, sf, classic)  # a group's plain member leaves the group
    else:
        schedules.remove(eng, coll, target["id"])
    what = "eligible member" if eligible else "member"
    details = {"RequestId": rid, "Justification": sub.justification, "ScheduleId": target["id"]}
    _requested_and_completed(eng, req, sub, f"Remove {what} from role in PIM", f" {_perm(end)}", "Delete", details,
                             rid, sf)
    return _revoked(r)


def _activate(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str, sf: Surface) -> dict:
    key = _key(sub)
    if schedules.find_active(eng, *key, sf=sf):
        raise exists()
    for pending in eng.tenant.coll(sf.assign_req).values():
        if pending["status"] == "PendingApproval" and sf.key(pending) == key:
            # Graph's own PIM error table ("Create governanceRoleAssignmentRequest", beta privilegedAccess API,
            # which shares the PIM backend) lists 400 PendingRoleAssignmentRequest "There already exists a
            # pending governanceRoleAssignmentRequest in the system." The v1.0 pages give no table; the
            # code is kept (it is Graph's, not only ARM's) with the documented message.
            raise GraphError(400, "PendingRoleAssignmentRequest",
                             "There already exists a pending governanceRoleAssignmentRequest in the system.")
    elig = schedules.eligibility_for(eng, *key, sf=sf, also_scopes=sub.inherit_from)
    v = evaluate(eng, req.caller, sub, "activation", sf=sf)
    if elig is None:
        v.fail("EligibilityRule")
    elif elig["_end"] is not None and v.end is not None and v.end.timestamp() > elig["_end"]:
        v.end = from_epoch(elig["_end"])  # an activation never outlives the eligibility it uses
    _raise_failures(eng, req, sub, v, "Add member to role requested (PIM activation)", sf)
    if sub.validation_only:
        return _validation_answer(eng, sub, req.caller, rid, v, sf)
    r = new_request(eng, rid, sub, req.caller, "PendingApproval" if v.approval else "Granted", v.start, v.end, sf)
    r["_activatedUsing"] = elig["id"]
    r["_memberType"] = "Direct" if elig["principalId"] == sub.principal_id else "Group"
    details = _details(sub, rid, v.start, v.end)
    audit.write_for(eng, sf, req.caller, "Add member to role requested (PIM activation)", "Add", key,
                    details=details, correlation_id=rid)
    if v.approval:
        r["approvalId"] = approvals.create(eng, r, v.approval, sf)
        audit.write_for(eng, sf, req.caller, "Add member to role approval requested (PIM activation)", "Add", key,
                        details=details, correlation_id=rid)
        return r
    provision_activation(eng, r, sf)
    return r


def provision_activation(eng: PimEngine, r: dict, sf: Surface = DIRECTORY) -> None:
    """Create the Activated assignment of a (granted or just approved) activation request."""
    now = eng.now()
    start = max(from_epoch(r["_start"]), now) if r["status"] == "PendingApproval" else from_epoch(r["_start"])
    end = from_epoch(r["_end"])
    if r["status"] == "PendingApproval" and end is not None:
        # On approval the activation runs for its requested length from the approval time.
        end = start + (from_epoch(r["_end"]) - from_epoch(r["_start"]))
        elig = eng.tenant.coll(sf.elig).get(r["_activatedUsing"])
        if elig and elig["_end"] is not None:
            end = min(end, from_epoch(elig["_end"]))
        r["_start"], r["_end"] = start.timestamp(), end.timestamp()
    s = schedules.create(eng, sf.assign, r["id"], *sf.key(r), start, end, r["id"], assignment_type="Activated",
                         activated_using=r["_activatedUsing"], member_type=r.get("_memberType", "Direct"))
    complete(r, now, s["id"])
    audit.write_for(eng, sf, None, "Add member to role completed (PIM activation)", "Add", r,
                    details={"RequestId": r["id"], "Justification": r["justification"],
                             "StartTime": iso(start), "ExpirationTime": iso(end)}, correlation_id=r["id"])


def _deactivate(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str, sf: Surface) -> dict:
    key = _key(sub)
    target = schedules.find(eng, sf.assign, *key, assignment_type="Activated")
    if target is None:
        raise does_not_exist()
    if eng.now().timestamp() - target["_start"] < timedelta(minutes=5).total_seconds():
        raise too_short()
    r = new_request(eng, rid, sub, req.caller, "Revoked", None, None, sf)
    if sub.validation_only:
        return _revoked(r)
    schedules.remove(eng, sf.assign, target["id"])
    details = {"RequestId": rid, "Justification": sub.justification, "ScheduleId": target["id"]}
    _requested_and_completed(eng, req, sub, "Remove member from role", " (PIM deactivate)", "Delete", details, rid,
                             sf)
    return _revoked(r)


def _self_extend(eng: PimEngine, req: GraphRequest, sub: Submission, eligible: bool, rid: str, sf: Surface) -> dict:
    """selfExtend/selfRenew ask an administrator to extend: they wait in PendingAdminDecision and change
    nothing until an admin* request does (PIM's portal flow)."""
    key = _key(sub)
    coll = sf.elig if eligible else sf.assign
    target = schedules.find(eng, coll, *key, assignment_type=None if eligible else "Assigned")
    if target is None and sub.action == "selfRenew":
        target = _expired(eng, sf, coll, key)
    if target is None:
        raise does_not_exist()
    r = new_request(eng, rid, sub, req.caller, "PendingAdminDecision", sub.start or eng.now(), sub.end, sf)
    r["targetScheduleId"] = target["id"]
    what = "eligible member" if eligible else "member"
    name = f"Update {what} in PIM requested (extend)" if sub.action == "selfExtend" else \
        f"Add {what} to role in PIM requested (renew)"
    audit.write_for(eng, sf, req.caller, name, "Update", key, details=_details(sub, rid, sub.start, sub.end),
                    correlation_id=rid)
    return r
