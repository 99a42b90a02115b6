"""roleManagementPolicies (list, get, PATCH) and roleManagementPolicyAssignments (list, get) at a scope,
Microsoft.Authorization 2020-10-01 (RoleManagementPolicy.json, RoleManagementPolicyAssignment.json).

Every role assignable at a scope has a policy there (``pim.arm_policies``); the caller needs
``Microsoft.Authorization/roleManagementPolicies/read`` (``.../roleManagementPolicyAssignments/read``) to read and
``Microsoft.Authorization/roleManagementPolicies/write`` to PATCH, at the scope or above.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...pim import arm_policies, arm_state
from ...pim.arm_errors import ArmError
from .common import PIM_VERSIONS, ArmRequest, check_api_version, page, require, scope_of

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

POLICY_READ = "Microsoft.Authorization/roleManagementPolicies/read"
POLICY_WRITE = "Microsoft.Authorization/roleManagementPolicies/write"
ASSIGNMENT_READ = "Microsoft.Authorization/roleManagementPolicyAssignments/read"


def _roles(eng: PimEngine, scope_rec: dict) -> list[dict]:
    return sorted(arm_state.role_definitions_at(eng.tenant, scope_rec["id"]), key=lambda r: r["roleName"].lower())


def _not_found(kind: str, name: str, scope: str) -> ArmError:
    # Unsure: ARM's code and text for an unknown policy name are not in the 2020-10-01 examples.
    return ArmError(404, f"{kind}NotFound", f"The {kind} '{name}' could not be found at scope '{scope}'.")


def _open(eng: PimEngine, req: ArmRequest, scope: str, action: str) -> dict:
    check_api_version(req, PIM_VERSIONS)
    rec = scope_of(eng, scope)
    require(eng, req, rec["id"], action)
    return rec


def list_policies(eng: PimEngine, req: ArmRequest, scope: str) -> tuple[int, dict]:
    rec = _open(eng, req, scope, POLICY_READ)
    return 200, page(req, [arm_policies.policy_view(eng.tenant, rec, rd) for rd in _roles(eng, rec)])


def _policy_role(eng: PimEngine, rec: dict, name: str, kind: str = "RoleManagementPolicy") -> dict:
    rd = arm_policies.find_by_name(eng.tenant, rec, name, _roles(eng, rec))
    if rd is None:
        raise _not_found(kind, name, rec["id"])
    return rd


def get_policy(eng: PimEngine, req: ArmRequest, scope: str, name: str) -> tuple[int, dict]:
    rec = _open(eng, req, scope, POLICY_READ)
    return 200, arm_policies.policy_view(eng.tenant, rec, _policy_role(eng, rec, name))


def _who(eng: PimEngine, req: ArmRequest) -> dict:
    """lastModifiedBy, a Principal {id, displayName, type, email}."""
    t = eng.tenant
    user = t.coll("users").get(req.principal_id)
    if user is not None:
        return {"id": user["id"], "displayName": user.get("displayName"), "type": "User", "email": user.get("mail")}
    sp = t.coll("servicePrincipals").get(req.principal_id) or {}
    return {"id": req.principal_id, "displayName": sp.get("displayName"), "type": "ServicePrincipal", "email": None}


def patch_policy(eng: PimEngine, req: ArmRequest, scope: str, name: str) -> tuple[int, dict]:
    rec = _open(eng, req, scope, POLICY_WRITE)
    rd = _policy_role(eng, rec, name)
    return 200, arm_policies.patch(eng.tenant, rec, rd, req.body, _who(eng, req), req.now)


def list_policy_assignments(eng: PimEngine, req: ArmRequest, scope: str) -> tuple[int, dict]:
    rec = _open(eng, req, scope, ASSIGNMENT_READ)
    return 200, page(req, [arm_policies.assignment_view(eng.tenant, rec, rd) for rd in _roles(eng, rec)])


def get_policy_assignment(eng: PimEngine, req: ArmRequest, scope: str, name: str) -> tuple[int, dict]:
    rec = _open(eng, req, scope, ASSIGNMENT_READ)
    rd = _policy_role(eng, rec, name, "RoleManagementPolicyAssignment")
    return 200, arm_policies.assignment_view(eng.tenant, rec, rd)
