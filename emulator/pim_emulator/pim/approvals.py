"""Approvals of directory-role activations: beta only, /beta/roleManagement/directory/roleAssignmentApprovals
(Graph docs: approval resource type, beta). One step per approval stage; stages run one after another."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from ..contract import Caller, Collection, GraphError, GraphRequest, iso
from . import audit, directory, schedules
from .errors import bad_request, denied, method_not_allowed, not_found
from .ids import GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN, new_id
from .permissions import require
from .validation import camel_enum

if TYPE_CHECKING:
    from .engine import PimEngine

APPROVALS = "roleAssignmentApprovals"
CTX = "roleManagement/directory/roleAssignmentApprovals"


def create(eng: PimEngine, request: dict, setting: dict) -> str:
    stages = copy.deepcopy(setting.get("approvalStages") or [{"primaryApprovers": [],
                                                              "isApproverJustificationRequired": True}])
    if setting.get("approvalMode") == "SingleStage":
        stages = stages[:1]
    aid = new_id()
    steps = [{"id": new_id(), "displayName": None, "reviewedBy": None, "reviewedDateTime": None,
              "reviewResult": "NotReviewed", "status": "InProgress" if n == 0 else "NotStarted",
              "justification": None, "_stage": n} for n in range(len(stages))]
    eng.tenant.coll(APPROVALS)[aid] = {"id": aid, "steps": steps, "_requestId": request["id"], "_stages": stages}
    return aid


def cancel(eng: PimEngine, aid: str) -> None:
    appr = eng.tenant.coll(APPROVALS).get(aid)
    for step in (appr or {}).get("steps", []):
        if step["status"] in ("InProgress", "NotStarted"):
            step["status"] = "Completed"


def approvers(eng: PimEngine, stage: dict) -> set[str]:
    """Users who may review a stage: the listed users and group members; nobody listed means the
    Privileged Role Administrators and Global Administrators (Entra docs: Configure Microsoft Entra role settings
    in Privileged Identity Management)."""
    users: set[str] = set()
    for subject in stage.get("primaryApprovers") or []:
        sid = subject.get("userId") or subject.get("groupId") or subject.get("id")
        if subject.get("@odata.type") == "#microsoft.graph.groupMembers":
            users.update(directory.group_members(eng.tenant, sid))
        else:
            users.add(sid)
    if not users:
        users = {i["principalId"] for i in schedules.instances(eng, False)
                 if i["roleDefinitionId"] in (GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN)}
    return users


def _view(eng: PimEngine, appr: dict, caller: Caller) -> dict:
    steps = []
    for step in appr["steps"]:
        stage = appr["_stages"][step["_stage"]]
        view = {k: v for k, v in step.items() if not k.startswith("_")}
        view["assignedToMe"] = bool(caller.user_id) and caller.user_id in approvers(eng, stage)
        steps.append(view)
    return {"id": appr["id"], "steps": steps}


def handle(eng: PimEngine, req: GraphRequest, rest: list[str]) -> tuple[int, object]:
    """rest: [] | [filterByCurrentUser(on='approver')] | [id] | [id, steps] | [id, steps, stepId]."""
    require(req.caller, "approval.write" if req.method == "PATCH" else "approval.read")
    store = eng.tenant.coll(APPROVALS)
    if not rest or rest[0].startswith("filterByCurrentUser"):
        if req.method != "GET":
            raise method_not_allowed()
        items = [_view(eng, a, req.caller) for a in store.values()]
        if rest:
            items = [a for a in items if any(s["assignedToMe"] and s["status"] == "InProgress" for s in a["steps"])]
        return 200, Collection(items, CTX)
    appr = store.get(rest[0])
    if appr is None or len(rest) == 2 and rest[1] != "steps" or len(rest) > 3:
        raise not_found("approval")
    if len(rest) == 2 and req.method == "GET":
        return 200, Collection(_view(eng, appr, req.caller)["steps"], f"{CTX}('{appr['id']}')/steps")
    if len(rest) == 3:
        step = next((s for s in appr["steps"] if s["id"] == rest[2]), None)
    else:
        step = next((s for s in appr["steps"] if s["status"] == "InProgress"), None)
    if req.method == "GET":
        if len(rest) == 1:
            return 200, eng.entity(req, CTX, _view(eng, appr, req.caller))
        if step is None:
            raise not_found("approval step")
        view = next(s for s in _view(eng, appr, req.caller)["steps"] if s["id"] == step["id"])
        return 200, eng.entity(req, f"{CTX}('{appr['id']}')/steps", view)
    if req.method != "PATCH":
        raise method_not_allowed()
    return _review(eng, req, appr, step)


def _review(eng: PimEngine, req: GraphRequest, appr: dict, step: dict | None) -> tuple[int, None]:
    from .actions import provision_activation  # actions imports this module

    caller = req.caller
    request = eng.tenant.coll("roleAssignmentScheduleRequests").get(appr["_requestId"])
    if step is not None and step["status"] == "Completed" and request is not None:
        # "If the request has already been approved by another approver in the same approval stage, the method
        # returns 409 Conflict" (Update approvalStep, beta); the page gives no code or message.
        raise GraphError(409, "Conflict", "The approval step has already been reviewed.")
    if step is None or step["status"] != "InProgress" or request is None:
        raise bad_request("The approval step is not in progress.")
    stage = appr["_stages"][step["_stage"]]
    # Only a signed-in approver may review, and never their own request (PIM forbids self-approval).
    if caller.is_app_only or caller.user_id not in approvers(eng, stage) or caller.user_id == request["principalId"]:
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
        audit.write(eng, caller, "Add member to role request denied (PIM activation)", "Update",
                    request["roleDefinitionId"], request["principalId"], details=details,
                    correlation_id=request["id"])
        return 204, None
    following = next((s for s in appr["steps"] if s["status"] == "NotStarted"), None)
    if following is not None:
        following["status"] = "InProgress"
        return 204, None
    audit.write(eng, caller, "Add member to role request approved (PIM activation)", "Update",
                request["roleDefinitionId"], request["principalId"], details=details, correlation_id=request["id"])
    provision_activation(eng, request)
    return 204, None
