"""Reviewing an approval step of an activation (directory roles: beta approvalStep: Update; groups: v1.0
approvalStage: Update): approve or deny, move to the next stage, and provision the activation once the last
stage approves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..contract import GraphError, GraphRequest, iso
from . import approvals, audit
from .actions import provision_activation
from .errors import bad_request, denied
from .surfaces import DIRECTORY, Surface
from .validation import camel_enum

if TYPE_CHECKING:
    from .engine import PimEngine


def review(eng: PimEngine, req: GraphRequest, appr: dict, step: dict | None,
           sf: Surface = DIRECTORY) -> tuple[int, None]:
    """An approver's decision on ``step`` (None: the approval has no step in progress)."""
    caller = req.caller
    request = eng.tenant.coll(sf.assign_req).get(appr["_requestId"])
    if step is not None and step["status"] == "Completed" and request is not None:
        # "If the request has already been approved by another approver in the same approval stage, the method
        # returns 409 Conflict" (Update approvalStep, beta); the page gives no code or message.
        raise GraphError(409, "Conflict", "The approval step has already been reviewed.")
    if step is None or step["status"] != "InProgress" or request is None:
        raise bad_request("The approval step is not in progress.")
    stage = appr["_stages"][step["_stage"]]
    # Only a signed-in approver may review, and never their own request (PIM forbids self-approval).
    if caller.is_app_only or caller.user_id not in approvals.approvers(eng, stage) \
            or caller.user_id == request["principalId"]:
        raise denied()
    body = req.body if isinstance(req.body, dict) else {}
    result = camel_enum(body.get("reviewResult"), ["Approve", "Deny"], "reviewResult")
    justification = body.get("justification")
    if stage.get("isApproverJustificationRequired", True) and not (justification or "").strip():
        raise bad_request("A justification is required to review this request.")
    user = eng.tenant.coll("users").get(caller.user_id, {})
    step.update(reviewResult=result, justification=justification, status="Completed",
                reviewedDateTime=iso(eng.now()),
                reviewedBy={"id": caller.user_id, "displayName": user.get("displayName")})
    details = {"RequestId": request["id"], "Justification": justification}
    if result == "Deny":
        for other in appr["steps"]:
            if other["status"] == "NotStarted":
                other["status"] = "Completed"
        request["status"] = "Denied"
        request["completedDateTime"] = iso(eng.now())
        audit.write_for(eng, sf, caller, "Add member to role request denied (PIM activation)", "Update", request,
                        details=details, correlation_id=request["id"])
        return 204, None
    following = next((s for s in appr["steps"] if s["status"] == "NotStarted"), None)
    if following is not None:
        following["status"] = "InProgress"
        return 204, None
    audit.write_for(eng, sf, caller, "Add member to role request approved (PIM activation)", "Update", request,
                    details=details, correlation_id=request["id"])
    provision_activation(eng, request, sf)
    return 204, None
