"""PIM's directoryAudits records (Graph docs: directoryAudit resource type; Entra docs: View audit history for
Microsoft Entra roles in Privileged Identity Management).

Every PIM operation writes one or more records: the caller's "requested" record and, for changes
PIM carries out itself, a "completed" record initiated by the MS-PIM app, as the portal shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..contract import Caller, iso
from . import directory
from .ids import new_id

if TYPE_CHECKING:
    from .engine import PimEngine

# The first-party "MS-PIM" application that carries out PIM's own directory changes.
MS_PIM = {"appId": "01fc33a7-78ba-4d2f-a4b7-768e336e890e", "displayName": "MS-PIM",
          "servicePrincipalId": None, "servicePrincipalName": None}


def initiated_by(eng: PimEngine, caller: Caller | None) -> dict:
    if caller is None:
        return {"app": dict(MS_PIM), "user": None}
    if caller.is_app_only:
        sp = directory.service_principal_by_app_id(eng.tenant, caller.app_id) or {}
        return {"app": {"appId": caller.app_id, "displayName": sp.get("displayName"),
                        "servicePrincipalId": sp.get("id"), "servicePrincipalName": None}, "user": None}
    user = eng.tenant.coll("users").get(caller.user_id or "", {})
    return {"app": None, "user": {"id": caller.user_id, "displayName": user.get("displayName"),
                                  "userPrincipalName": user.get("userPrincipalName"), "ipAddress": "127.0.0.1"}}


def write(
    eng: PimEngine,
    caller: Caller | None,
    activity: str,
    operation: str,
    role_id: str | None,
    principal_id: str | None = None,
    *,
    result: str = "success",
    reason: str = "",
    details: dict | None = None,
    modified: list[dict] | None = None,
    correlation_id: str | None = None,
    when: datetime | None = None,
) -> dict:
    """Append one record. ``caller`` None means PIM itself (MS-PIM) did it, e.g. an expiry."""
    targets = []
    if role_id:
        role = eng.tenant.coll("roleDefinitions").get(role_id, {})
        targets.append({"id": role_id, "displayName": role.get("displayName"), "type": "Role",
                        "userPrincipalName": None, "modifiedProperties": modified or [], "groupType": None})
    if principal_id:
        obj, kind = directory.find_principal(eng.tenant, principal_id)
        targets.append({"id": principal_id, "displayName": (obj or {}).get("displayName"),
                        "type": {"user": "User", "group": "Group", "servicePrincipal": "ServicePrincipal"}.get(
                            kind or "", "Other"),
                        "userPrincipalName": (obj or {}).get("userPrincipalName"),
                        "modifiedProperties": [], "groupType": None})
    rec = {
        "id": new_id(),
        "category": "RoleManagement",
        "correlationId": correlation_id or new_id(),
        "result": result,
        "resultReason": reason,
        "activityDisplayName": activity,
        "activityDateTime": iso(when or eng.now()),
        "loggedByService": "PIM",
        "operationType": operation,
        "initiatedBy": initiated_by(eng, caller),
        "targetResources": targets,
        "additionalDetails": [{"key": k, "value": "" if v is None else str(v)} for k, v in (details or {}).items()],
    }
    audits = eng.tenant.coll("directoryAudits")
    rec["_seq"] = len(audits)  # records are never deleted, so this orders same-second records after a reload
    audits[rec["id"]] = rec
    return rec
