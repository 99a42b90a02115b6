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
from .surfaces import AZURE, DIRECTORY, Surface

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
    group_id: str | None = None,
) -> dict:
    """Append one record. ``caller`` None means PIM itself (MS-PIM) did it, e.g. an expiry. ``group_id``: the
    group of a PIM for Groups operation (its target, where a directory-role record names the role)."""
    targets = []
    if group_id:
        group = eng.tenant.coll("groups").get(group_id, {})
        targets.append({"id": group_id, "displayName": group.get("displayName"), "type": "Group",
                        "userPrincipalName": None, "modifiedProperties": modified or [], "groupType": None})
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


def write_for(eng: PimEngine, sf: Surface, caller: Caller | None, activity: str, operation: str,
              target: dict | tuple, **kwargs) -> dict:
    """``write`` for the target of a schedule, request or submission key on either surface. PIM for Groups
    records use the same activity names as directory roles with the group as target; Microsoft's audit
    activity reference lists no separate names for group membership (unsure: the portal may word them
    differently)."""
    principal, role, scope, _app = sf.key(target) if isinstance(target, dict) else target
    if sf is DIRECTORY:
        return write(eng, caller, activity, operation, role, principal, **kwargs)
    if sf is AZURE:
        # An Azure resource role is no directory role: the record names the principal and carries the role
        # definition and the ARM scope in its details (unsure: PIM's resource audit words these its own way).
        details = {"RoleDefinitionId": role, "Scope": scope, **(kwargs.pop("details", None) or {})}
        return write(eng, caller, activity, operation, None, principal, details=details, **kwargs)
    details = {"AccessId": role, **(kwargs.pop("details", None) or {})}
    return write(eng, caller, activity, operation, None, principal, group_id=scope, details=details, **kwargs)
