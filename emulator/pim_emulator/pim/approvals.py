"""Approvals of activations. Directory roles: beta only, /beta/roleManagement/directory/roleAssignmentApprovals
(Graph docs: approval resource type, beta, whose stages are ``steps``). PIM for Groups: v1.0
identityGovernance/privilegedAccess/group/assignmentApprovals (approval resource type, v1.0, whose stages are
``stages``). One step per approval stage, stored alike for both; stages run one after another."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from . import directory, schedules
from .ids import GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN, new_id
from .surfaces import DIRECTORY, Surface

if TYPE_CHECKING:
    from .engine import PimEngine

APPROVALS = "roleAssignmentApprovals"
CTX = "roleManagement/directory/roleAssignmentApprovals"


def create(eng: PimEngine, request: dict, setting: dict, sf: Surface = DIRECTORY) -> str:
    stages = copy.deepcopy(setting.get("approvalStages") or [{"primaryApprovers": [],
                                                              "isApproverJustificationRequired": True}])
    if setting.get("approvalMode") == "SingleStage":
        stages = stages[:1]
    aid = new_id()
    steps = [{"id": new_id(), "displayName": None, "reviewedBy": None, "reviewedDateTime": None,
              "reviewResult": "NotReviewed", "status": "InProgress" if n == 0 else "NotStarted",
              "justification": None, "_stage": n} for n in range(len(stages))]
    eng.tenant.coll(sf.approvals)[aid] = {"id": aid, "steps": steps, "_requestId": request["id"], "_stages": stages}
    return aid


def cancel(eng: PimEngine, aid: str, sf: Surface = DIRECTORY) -> None:
    appr = eng.tenant.coll(sf.approvals).get(aid)
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
        # Graph names a group approver groupMembers; ARM a UserSet with userType Group (2020-10-01 UserSet).
        if subject.get("@odata.type") == "#microsoft.graph.groupMembers" or subject.get("userType") == "Group":
            users.update(directory.group_members(eng.tenant, sid, eng.now().timestamp()))
        else:
            users.add(sid)
    if not users:
        users = {i["principalId"] for i in schedules.instances(eng, False)
                 if i["roleDefinitionId"] in (GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN)}
    return users
