"""identityGovernance/privilegedAccess/group/assignmentApprovals (v1.0): approvals of group activations, their
stages, and reviews (Graph docs: approval and approvalStage resource types, v1.0; "Update approvalStage", the
PIM for Groups case). v1.0 calls a step a *stage*: the engine keeps one record per stage for both surfaces."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import Caller, Collection, GraphRequest
from ...pim import approvals, requests
from ...pim.errors import not_found
from ...pim.reviews import review
from .common import SF, check_on

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

CTX = f"{SF.ctx}/assignmentApprovals"


def _stages(eng: PimEngine, appr: dict, caller: Caller) -> list[dict]:
    out = []
    for step in appr["steps"]:
        stage = appr["_stages"][step["_stage"]]
        view = {k: v for k, v in step.items() if not k.startswith("_")}
        view["assignedToMe"] = bool(caller.user_id) and caller.user_id in approvals.approvers(eng, stage)
        out.append(view)
    return out


def _approval(eng: PimEngine, approval_id: str) -> dict:
    requests.upkeep(eng)
    appr = eng.tenant.coll(SF.approvals).get(approval_id)
    if appr is None:
        raise not_found("approval")
    return appr


def _stage(appr: dict, stage_id: str) -> dict | None:
    return next((s for s in appr["steps"] if s["id"] == stage_id), None)


def my_approvals(eng: PimEngine, req: GraphRequest, on: str) -> tuple[int, object]:
    """filterByCurrentUser(on='approver'): approvals with a stage in progress the caller may review."""
    requests.upkeep(eng)
    check_on(on, "approver")
    items = []
    for appr in eng.tenant.coll(SF.approvals).values():
        stages = _stages(eng, appr, req.caller)
        if any(s["assignedToMe"] and s["status"] == "InProgress" for s in stages):
            items.append({"id": appr["id"], "stages": stages})
    return 200, Collection(items, CTX)


def get_approval(eng: PimEngine, req: GraphRequest, approval_id: str) -> tuple[int, object]:
    appr = _approval(eng, approval_id)
    return 200, eng.entity(req, CTX, {"id": appr["id"], "stages": _stages(eng, appr, req.caller)})


def list_stages(eng: PimEngine, req: GraphRequest, approval_id: str) -> tuple[int, object]:
    appr = _approval(eng, approval_id)
    return 200, Collection(_stages(eng, appr, req.caller), f"{CTX}('{appr['id']}')/stages")


def get_stage(eng: PimEngine, req: GraphRequest, approval_id: str, stage_id: str) -> tuple[int, object]:
    appr = _approval(eng, approval_id)
    if _stage(appr, stage_id) is None:
        raise not_found("approval stage")
    view = next(s for s in _stages(eng, appr, req.caller) if s["id"] == stage_id)
    return 200, eng.entity(req, f"{CTX}('{appr['id']}')/stages", view)


def review_stage(eng: PimEngine, req: GraphRequest, approval_id: str, stage_id: str) -> tuple[int, object]:
    """PATCH a stage with reviewResult Approve or Deny and a justification (Update approvalStage, v1.0: 204)."""
    appr = _approval(eng, approval_id)
    return review(eng, req, appr, _stage(appr, stage_id), SF)
