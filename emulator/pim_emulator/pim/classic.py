"""Classic /roleManagement/directory/roleAssignments: every active Direct assignment, PIM-made or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..contract import GraphError, GraphRequest
from . import audit, directory, schedules
from .errors import last_admin, role_not_found, subject_not_found
from .ids import GLOBAL_ADMIN

if TYPE_CHECKING:
    from .engine import PimEngine

CTX = "roleManagement/directory/roleAssignments"


def _view(inst: dict) -> dict:
    out = {"id": inst["roleAssignmentOriginId"], "principalId": inst["principalId"],
           "roleDefinitionId": inst["roleDefinitionId"], "directoryScopeId": inst["directoryScopeId"],
           "appScopeId": inst["appScopeId"]}  # no resourceScope: beta only (unifiedRoleAssignment, graph-rest-beta)
    if "_visible_after" in inst:
        out["_visible_after"] = inst["_visible_after"]
    return out


def all_direct(eng: PimEngine) -> list[dict]:
    return [_view(i) for i in schedules.instances(eng, False) if i["memberType"] == "Direct"]


def directory_not_found(rid: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound", f"Resource '{rid}' does not exist or one of its queried "
                      "reference-property objects are not present.")


def create(eng: PimEngine, req: GraphRequest) -> tuple[int, dict]:
    body = req.body if isinstance(req.body, dict) else {}
    role = directory.find_role(eng.tenant, body.get("roleDefinitionId") or "")
    if role is None:
        raise role_not_found()
    principal_id = body.get("principalId") or ""
    obj, kind = directory.find_principal(eng.tenant, principal_id)
    if obj is None:
        raise subject_not_found()
    dir_scope, app_scope = body.get("directoryScopeId"), body.get("appScopeId")
    if dir_scope is None and app_scope is None:
        dir_scope = "/"
    if kind == "group" and not obj.get("isAssignableToRole"):
        raise GraphError(400, "Request_BadRequest", "Only role-assignable groups can be assigned to a role.")
    if schedules.find_active(eng, principal_id, role["id"], dir_scope, app_scope):
        raise GraphError(400, "Request_BadRequest", "A conflicting object with one or more of the specified "
                         "property values is present in the directory.")
    c = schedules.create_classic(eng, principal_id, role["id"], dir_scope, app_scope)
    audit.write(eng, req.caller, "Add member to role outside of PIM (permanent)", "Add", role["id"], principal_id,
                details={"RoleAssignmentId": c["id"]})
    return 201, eng.entity(req, CTX, eng.clone(_view({**c, "roleAssignmentOriginId": c["id"]})))


def delete(eng: PimEngine, req: GraphRequest, rid: str) -> tuple[int, None]:
    coll, target = schedules.CLASSIC, eng.tenant.coll(schedules.CLASSIC).get(rid)
    if target is None:
        inst = next((i for i in schedules.instances(eng, False)
                     if i["roleAssignmentOriginId"] == rid and i["memberType"] == "Direct"), None)
        if inst is None:
            raise directory_not_found(rid)
        coll, target = schedules.ASSIGN, eng.tenant.coll(schedules.ASSIGN)[inst["roleAssignmentScheduleId"]]
    if eng.options["last_admin_protection"] and target["roleDefinitionId"] == GLOBAL_ADMIN:
        others = [s for c in (schedules.ELIG, schedules.ASSIGN, schedules.CLASSIC)
                  for s in eng.tenant.coll(c).values() if s["roleDefinitionId"] == GLOBAL_ADMIN and s is not target]
        if not others:
            raise last_admin()
    schedules.remove(eng, coll, target["id"])
    # Not in Microsoft's list of audit activities; mirrors the "outside of PIM" add record.
    audit.write(eng, req.caller, "Remove permanent direct role assignment", "Delete",
                target["roleDefinitionId"], target["principalId"], details={"RoleAssignmentId": rid})
    return 204, None
