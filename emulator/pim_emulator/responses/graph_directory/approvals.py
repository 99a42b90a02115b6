"""Beta roleManagement/directory/roleAssignmentApprovals: approvals of directory-role activations (beta only,
Graph docs: approval resource type), their steps, and reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import Caller, Collection, GraphRequest
from ...pim import approvals, requests
from ...pim.errors import not_found
from ...pim.reviews import review

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

CTX = approvals.CTX


def _view(eng: PimEngine, appr: dict, caller: Caller) -> dict:
    steps = []
    for step in appr["steps"]:
        stage = appr["_stages"][step["_stage"]]
        view = {k: v for k, v in step.items() if not k.startswith("_")}
        view["assignedToMe"] = bool(caller.user_id) and caller.user_id in approvals.approvers(eng, stage)
        steps.append(view)
    return {"id": appr["id"], "steps": steps}


def _approval(eng: PimEngine, approval_id: str) -> dict:
    requests.upkeep(eng)
    appr = eng.tenant.coll(approvals.APPROVALS).get(approval_id)
    if appr is None:
        raise not_found("approval")
    return appr


def _step(appr: dict, step_id: str) -> dict | None:
    return next((s for s in appr["steps"] if s["id"] == step_id), None)


def list_approvals(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
    requests.upkeep(eng)
    items = [_view(eng, a, req.caller) for a in eng.tenant.coll(approvals.APPROVALS).values()]
    return 200, Collection(items, CTX)


def my_approvals(eng: PimEngine, req: GraphRequest, on: str) -> tuple[int, object]:
    """filterByCurrentUser(on='approver'): approvals with a step in progress the caller may review. ``on`` is
    not checked: approver is the only value the beta page documents."""
    _, doc = list_approvals(eng, req)
    items = [a for a in doc.items if any(s["assignedToMe"] and s["status"] == "InProgress" for s in a["steps"])]
    return 200, Collection(items, CTX)


def get_approval(eng: PimEngine, req: GraphRequest, approval_id: str) -> tuple[int, object]:
    appr = _approval(eng, approval_id)
    return 200, eng.entity(req, CTX, _view(eng, appr, req.caller))


def list_steps(eng: PimEngine, req: GraphRequest, approval_id: str) -> tuple[int, object]:
    appr = _approval(eng, approval_id)
    return 200, Collection(_view(eng, appr, req.caller)["steps"], f"{CTX}('{appr['id']}')/steps")


def get_step(eng: PimEngine, req: GraphRequest, approval_id: str, step_id: str) -> tuple[int, object]:
    appr = _approval(eng, approval_id)
    step = _step(appr, step_id)
    if step is None:
        raise not_found("approval step")
    view = next(s for s in _view(eng, appr, req.caller)["steps"] if s["id"] == step["id"])
    return 200, eng.entity(req, f"{CTX}('{appr['id']}')/steps", view)


def review_approval(eng: PimEngine, req: GraphRequest, approval_id: str) -> tuple[int, object]:
    """PATCH on the approval reviews the step in progress."""
    appr = _approval(eng, approval_id)
    return review(eng, req, appr, next((s for s in appr["steps"] if s["status"] == "InProgress"), None))


def review_step(eng: PimEngine, req: GraphRequest, approval_id: str, step_id: str) -> tuple[int, object]:
    appr = _approval(eng, approval_id)
    return review(eng, req, appr, _step(appr, step_id))
