"""roleEligibilityScheduleRequests and roleAssignmentScheduleRequests: stored shape, cancel, upkeep, purge."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ..contract import Caller, GraphRequest, iso
from . import approvals, audit, schedules
from .durations import format_duration, from_epoch
from .errors import invalid_request, request_not_found
from .surfaces import DIRECTORY, SURFACES, Surface, of_collection
from .validation import Submission

if TYPE_CHECKING:
    from .engine import PimEngine

ELIG_REQ, ASSIGN_REQ = DIRECTORY.elig_req, DIRECTORY.assign_req
CANCELLABLE = {"Granted", "PendingApproval", "PendingAdminDecision", "PendingProvisioning",
               "PendingScheduleCreation", "ScheduleCreated"}


def created_by(caller: Caller) -> dict:
    if caller.is_app_only:
        return {"application": {"displayName": None, "id": caller.app_id}, "device": None, "user": None}
    return {"application": None, "device": None, "user": {"displayName": None, "id": caller.user_id}}


def new_request(eng: PimEngine, rid: str, sub: Submission, caller: Caller, status: str, start, end,
                sf: Surface = DIRECTORY) -> dict:
    """A request object in the documented shape and key order (Graph docs: unifiedRoleEligibilityScheduleRequest;
    privilegedAccessGroupEligibilityScheduleRequest names its target accessId, groupId, principalId)."""
    exp = {"type": sub.exp_type,
           "endDateTime": iso(sub.end) if sub.exp_type == "afterDateTime" else None,
           "duration": format_duration(sub.duration) if sub.duration is not None else None}
    now = eng.now()
    req = {
        "id": rid, "status": status, "createdDateTime": iso(now), "completedDateTime": None,
        "approvalId": None, "customData": sub.custom_data, "action": sub.action,
        **sf.target(sub.principal_id, sub.role_id, sub.dir_scope, sub.app_scope),
        "isValidationOnly": sub.validation_only, "targetScheduleId": None,
        "justification": sub.justification, "createdBy": created_by(caller),
        "scheduleInfo": {"startDateTime": iso(start), "recurrence": None, "expiration": exp}
        if sub.raw_schedule is not None else None,
        "ticketInfo": sub.ticket,
        "_created": now.timestamp(), "_start": start.timestamp() if start else None,
        "_end": end.timestamp() if end else None,
    }
    va = eng.visible_after()
    if va:
        req["_visible_after"] = va
    return req


def complete(req: dict, when, schedule_id: str | None) -> None:
    """Provisioned now, or Granted until a future start (then completedDateTime is that start, per doc)."""
    start = from_epoch(req["_start"]) or when
    req["status"] = "Granted" if start > when else "Provisioned"
    req["completedDateTime"] = iso(max(start, when))
    req["targetScheduleId"] = schedule_id


def sweep(eng: PimEngine) -> None:
    """Lazy upkeep: Granted requests whose start has come are Provisioned; old requests are purged."""
    now = eng.now().timestamp()
    for coll in [c for sf in SURFACES for c in (sf.elig_req, sf.assign_req)]:
        for r in eng.tenant.coll(coll).values():
            if r["status"] == "Granted" and r.get("_start") and r["_start"] <= now and r.get("targetScheduleId"):
                r["status"] = "Provisioned"
    purge(eng, timedelta(days=eng.options["request_retention_days"]))


def upkeep(eng: PimEngine) -> None:
    """Expiry and request purge happen lazily, on the emulated clock, before each PIM call."""
    schedules.sweep(eng)
    sweep(eng)


def purge_requests(eng: PimEngine, older_than: timedelta | None = None) -> int:
    """Drop schedule requests older than ``older_than`` (default: the retention option) now; schedules stay."""
    schedules.sweep(eng)
    return purge(eng, older_than if older_than is not None else timedelta(days=eng.options["request_retention_days"]))


def purge(eng: PimEngine, older_than: timedelta) -> int:
    """Drop requests older than ``older_than`` (cancelled ones after 30 days, per the cancel doc);
    schedules and instances stay, which is the trap the collection must survive."""
    now = eng.now().timestamp()
    dropped = 0
    for coll in [c for sf in SURFACES for c in (sf.elig_req, sf.assign_req)]:
        store = eng.tenant.coll(coll)
        for rid in list(store):
            r = store[rid]
            limit = min(older_than, timedelta(days=30)) if r["status"] == "Canceled" else older_than
            if r["_created"] <= now - limit.total_seconds():
                del store[rid]
                dropped += 1
    return dropped


def cancel(eng: PimEngine, req: GraphRequest, coll: str, rid: str) -> tuple[int, None]:
    sf = of_collection(coll)
    r = eng.tenant.coll(coll).get(rid)
    if r is None:
        raise request_not_found()
    if r["status"] not in CANCELLABLE:
        # Graph answers 400 for Provisioned/Failed/... requests; the exact code is undocumented.
        raise invalid_request(f"A request with status '{r['status']}' cannot be canceled.")
    target = r.get("targetScheduleId")
    if target and r["status"] == "Granted":  # a future-start schedule that never began
        sched_coll = sf.elig if coll == sf.elig_req else sf.assign
        schedules.remove(eng, sched_coll, target)
    if r.get("approvalId"):
        approvals.cancel(eng, r["approvalId"], sf)
    # "After calling this action, the status of the canceled unifiedRoleAssignmentScheduleRequest changes to
    # Canceled" (unifiedRoleAssignmentScheduleRequest: cancel); not Revoked, which is adminRemove's status.
    r["status"] = "Canceled"
    r["completedDateTime"] = iso(eng.now())
    audit.write_for(eng, sf, req.caller, cancel_activity(r, coll == sf.elig_req), "Update", r,
                    details={"RequestId": rid}, correlation_id=rid)
    return 204, None


def cancel_activity(r: dict, eligible: bool) -> str:
    """The "... canceled ..." name of Microsoft's audit activity reference (PIM, RoleManagement) for the
    request's action."""
    what = "eligible member" if eligible else "member"
    action = r.get("action")
    if action == "selfActivate":
        return "Add member to role canceled (PIM activation)"
    if action in ("selfRenew", "adminRenew"):
        return f"Add {what} to role in PIM canceled (renew)"
    if action in ("selfExtend", "adminExtend"):
        return f"Update {what} in PIM canceled (extend)"
    if action == "adminAssign":
        return f"Add {what} to role in PIM canceled {'(permanent)' if r.get('_end') is None else '(timebound)'}"
    if action == "adminRemove":
        return "Cancel request for role removal"
    return "Cancel request for role update"
