"""roleManagement/directory/roleAssignments (classic: every active Direct assignment, PIM-made or not) and
auditLogs/directoryAudits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import Collection, GraphRequest
from ...pim import classic, requests
from ...pim.errors import not_found
from .schedules import expand_links

if TYPE_CHECKING:
    from ...pim.engine import PimEngine


def list_role_assignments(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
    requests.upkeep(eng)
    items = eng.clone(classic.all_direct(eng))
    expand_links(eng, items, req.query.get("$expand"), "roleAssignment", False)
    return 200, Collection(items, classic.CTX)


def get_role_assignment(eng: PimEngine, req: GraphRequest, assignment_id: str) -> tuple[int, object]:
    requests.upkeep(eng)
    item = next((i for i in classic.all_direct(eng) if i["id"] == assignment_id and eng.is_visible(i)), None)
    if item is None:
        raise classic.directory_not_found(assignment_id)
    item = eng.clone(item)
    expand_links(eng, [item], req.query.get("$expand"), "roleAssignment", False)
    return 200, eng.entity(req, classic.CTX, item)


def create_role_assignment(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
    requests.upkeep(eng)
    return classic.create(eng, req)


def delete_role_assignment(eng: PimEngine, req: GraphRequest, assignment_id: str) -> tuple[int, object]:
    requests.upkeep(eng)
    return classic.delete(eng, req, assignment_id)


AUDITS_CTX = "auditLogs/directoryAudits"


def list_directory_audits(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
    requests.upkeep(eng)  # so that lazily detected expiries are in the log when it is read
    audits = eng.tenant.coll("directoryAudits")
    # Newest first, as the audit log answers without $orderby.
    items = sorted(audits.values(), key=lambda r: (r["activityDateTime"], r.get("_seq", 0)), reverse=True)
    return 200, Collection([eng.clone(r) for r in items], AUDITS_CTX)


def get_directory_audit(eng: PimEngine, req: GraphRequest, audit_id: str) -> tuple[int, object]:
    requests.upkeep(eng)
    rec = eng.tenant.coll("directoryAudits").get(audit_id)
    if rec is None:
        raise not_found("audit record")
    return 200, eng.entity(req, AUDITS_CTX, rec)
