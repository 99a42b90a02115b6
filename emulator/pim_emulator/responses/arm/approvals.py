"""Approvals of Azure resource role activations: ``/providers/Microsoft.Authorization/roleAssignmentApprovals``
(and the same below a scope), api-version 2021-01-01-preview, the only version azure-mgmt-authorization 4.0.0
has for them (``role_assignment_approval``, ``role_assignment_approval_step(s)`` and their ``scope_`` twins).

An activation whose policy requires approval waits in ``PendingApproval`` (2020-10-01 Status); an approver
lists what waits for them (``$filter=asApprover()``) and reviews the stage in progress (PUT or PATCH of a stage
with ``{"reviewResult": "Approve"|"Deny", "justification"}``, 200 with the stage). The engine's approvals and
reviews are the directory roles' and groups' (``pim.approvals``, ``pim.reviews``): one stage record per approval
stage, the last approval provisions the activation for its requested length from the approval time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...pim import approvals, requests
from ...pim.arm_errors import ArmError
from ...pim.reviews import review
from . import common, pim_state
from .pim_shared import SF, caller_object_id

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

VERSIONS = ("2021-01-01-preview",)
BASE = "/providers/Microsoft.Authorization/roleAssignmentApprovals"


def _approval(eng: PimEngine, approval_id: str) -> dict:
    appr = eng.tenant.coll(SF.approvals).get(approval_id.lower())
    if appr is None:
        # The code and wording are ours: the preview API documents no 404 body (unsure).
        raise ArmError(404, "RoleAssignmentApprovalNotFound", f"The approval '{approval_id}' could not be found.")
    return appr


def _step_view(eng: PimEngine, appr: dict, step: dict, me: str) -> dict:
    stage = appr["_stages"][step["_stage"]]
    who = step.get("reviewedBy") or {}
    user = eng.tenant.coll("users").get(who.get("id") or "", {})
    return {"id": f"{BASE}/{appr['id']}/stages/{step['id']}", "name": step["id"],
            "type": "Microsoft.Authorization/roleAssignmentApprovals/stages",
            "properties": {"displayName": step.get("displayName"), "status": step["status"],
                           "assignedToMe": bool(me) and me in approvals.approvers(eng, stage),
                           "reviewedDateTime": step.get("reviewedDateTime"), "reviewResult": step["reviewResult"],
                           "justification": step.get("justification"),
                           "reviewedBy": {"principalId": who.get("id"), "principalType": "User" if who else None,
                                          "principalName": who.get("displayName"),
                                          "userPrincipalName": user.get("userPrincipalName")} if who else None}}


def _view(eng: PimEngine, appr: dict, me: str) -> dict:
    return {"id": f"{BASE}/{appr['id']}", "name": appr["id"], "type": "Microsoft.Authorization/roleAssignmentApprovals",
            "properties": {"stages": [_step_view(eng, appr, s, me) for s in appr["steps"]]}}


def _mine(eng: PimEngine, appr: dict, me: str) -> bool:
    return any(s["status"] == "InProgress" and me in approvals.approvers(eng, appr["_stages"][s["_stage"]])
               for s in appr["steps"])


def list_approvals(eng: PimEngine, req, scope: str | None = None) -> tuple[int, object]:
    """``asApprover()``: those with a stage in progress the caller may review; ``asTarget()`` / ``asCreatedBy()``:
    those of the caller's own requests; no filter: every approval (ours: the preview page does not say who may
    list them all, so the scope's read right is asked for)."""
    requests.upkeep(eng)
    common.check_api_version(req, VERSIONS)
    me = caller_object_id(eng, req) or ""
    flt = (req.query.get("$filter") or "").replace(" ", "").lower()
    if scope not in (None, "/"):
        scope = pim_state.canonical(eng, scope)
    reqs = eng.tenant.coll(SF.assign_req)
    out = []
    for appr in eng.tenant.coll(SF.approvals).values():
        r = reqs.get(appr["_requestId"]) or {}
        if scope not in (None, "/") and str(r.get("scope", "")).lower() != scope.lower():
            continue
        if flt == "asapprover()" and not _mine(eng, appr, me):
            continue
        if flt == "astarget()" and str(r.get("principalId", "")).lower() != me.lower():
            continue
        if flt == "ascreatedby()" and str(r.get("_requestorId", "")).lower() != me.lower():
            continue
        if flt not in ("asapprover()", "astarget()", "ascreatedby()"):
            if flt:
                raise ArmError(400, "BadRequest", f"The $filter '{req.query.get('$filter')}' is not supported.")
            pim_state.require_read(eng, req, scope if scope not in (None, "/") else r.get("scope", "/"))
        out.append(_view(eng, appr, me))
    return 200, common.page(req, out)


def get_approval(eng: PimEngine, req, approval_id: str, scope: str | None = None) -> tuple[int, object]:
    del scope
    requests.upkeep(eng)
    common.check_api_version(req, VERSIONS)
    return 200, _view(eng, _approval(eng, approval_id), caller_object_id(eng, req) or "")


def list_stages(eng: PimEngine, req, approval_id: str, scope: str | None = None) -> tuple[int, object]:
    del scope
    requests.upkeep(eng)
    common.check_api_version(req, VERSIONS)
    appr = _approval(eng, approval_id)
    me = caller_object_id(eng, req) or ""
    return 200, common.page(req, [_step_view(eng, appr, s, me) for s in appr["steps"]])


def _step(appr: dict, stage_id: str) -> dict | None:
    return next((s for s in appr["steps"] if s["id"].lower() == stage_id.lower()), None)


def get_stage(eng: PimEngine, req, approval_id: str, stage_id: str, scope: str | None = None) -> tuple[int, object]:
    del scope
    requests.upkeep(eng)
    common.check_api_version(req, VERSIONS)
    appr = _approval(eng, approval_id)
    step = _step(appr, stage_id)
    if step is None:
        raise ArmError(404, "RoleAssignmentApprovalStageNotFound", f"The stage '{stage_id}' could not be found.")
    return 200, _step_view(eng, appr, step, caller_object_id(eng, req) or "")


def review_stage(eng: PimEngine, req, approval_id: str, stage_id: str, scope: str | None = None) -> tuple[int, object]:
    """PUT/PATCH a stage: the caller, an approver of it (never the requestor), approves or denies (the engine's
    review: 409 when already reviewed, 403 for someone else)."""
    del scope
    requests.upkeep(eng)
    common.check_api_version(req, VERSIONS)
    appr = _approval(eng, approval_id)
    step = _step(appr, stage_id)
    review(eng, req, appr, step, SF)
    return 200, _step_view(eng, appr, step, caller_object_id(eng, req) or "")
