"""The seam between the ARM PIM handlers (``requests``, ``schedules``, ``assignments``) and the ARM state helper
E1 owns: the scope tree, role definitions and RBAC on the caller (``pim.arm_state``), the role management
policies (``pim.arm_policies``), ARM's error class (``pim.arm_errors``), paging (``responses.arm.common``). One
place names them, so the handlers read in the engine's terms (scope ids, role GUIDs, Graph-shaped rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...pim import arm_policies, arm_state
from ...pim.arm_errors import ArmError
from . import common

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

# "To call the API, you must have access to the Microsoft.Authorization/roleAssignments/read operation at the
# specified scope. All built-in roles are granted access to this operation." ("Use Azure PIM to manage eligible
# access with the REST API", List eligible assignments.)
READ_ACTION = "Microsoft.Authorization/roleAssignments/read"


def arm_error(status: int, code: str, message: str) -> ArmError:
    return ArmError(status, code, message)


def pim_version(req) -> None:
    """The api-version of a Microsoft.Authorization PIM call (2020-10-01 and the versions of the same shapes)."""
    common.check_api_version(req, common.PIM_VERSIONS)


def rbac_version(req) -> None:
    """The api-version of a role assignments call (2022-04-01, azure-mgmt-authorization 4.0.0's default)."""
    common.check_api_version(req, common.RBAC_VERSIONS)


def canonical(eng: PimEngine, scope: str) -> str:
    """The scope in its stored casing, or ARM's 404 (SubscriptionNotFound, ResourceGroupNotFound, ...)."""
    return arm_state.require_scope(eng.tenant, scope)["id"]


def ancestors(eng: PimEngine, scope: str) -> list[str]:
    """The scopes above ``scope`` up to the tenant root group, nearest first (not the scope itself)."""
    return [r["id"] for r in arm_state.ancestors(eng.tenant, scope)[1:]]


def children(eng: PimEngine, scope: str) -> list[dict]:
    """{id, name, type} of the scopes directly below ``scope``."""
    return [{"id": r["id"], "name": r["name"], "type": r["kind"]} for r in arm_state.children(eng.tenant, scope)]


def scope_info(eng: PimEngine, scope: str) -> dict:
    rec = arm_state.find_scope(eng.tenant, scope)
    return arm_state.scope_ref(rec) if rec else {"id": scope, "displayName": None, "type": None}


def subscription_of(scope: str) -> str | None:
    parts = [p for p in arm_state.normalize(scope).split("/") if p]
    return parts[1] if len(parts) >= 2 and parts[0].lower() == "subscriptions" else None


def role_info(eng: PimEngine, guid: str) -> dict | None:
    rd = arm_state.role_definition(eng.tenant, guid)
    return {"displayName": rd["roleName"], "type": rd["type"]} if rd else None


def full_role_id(scope: str, guid: str) -> str:
    return arm_state.role_definition_id(scope, guid)


def policy_rules(eng: PimEngine, guid: str, scope: str) -> dict[str, dict]:
    """The rules of the (role, scope) policy, Graph-shaped, for ``pim.evaluation.evaluate``."""
    return arm_policies.graph_rules(eng.tenant, scope, guid)


def require(eng: PimEngine, req, scope: str, action: str) -> None:
    common.require(eng, req, scope, action)


def require_read(eng: PimEngine, req, scope: str) -> None:
    common.require(eng, req, scope, READ_ACTION)


def page(eng: PimEngine, req, items: list[dict]) -> dict:
    del eng
    return common.page(req, items)
