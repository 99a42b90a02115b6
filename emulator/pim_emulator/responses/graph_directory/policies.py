"""policies/roleManagementPolicies[/{id}[/rules|effectiveRules[/{ruleId}]]] and
policies/roleManagementPolicyAssignments[/{id}] (read-only)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...contract import Collection, GraphRequest
from ...odata import parse_expand
from ...pim.errors import missing_provider, not_found
from ...pim.expand import expand
from ...pim.permissions import require, require_read_role
from ...pim.surfaces import GROUP_POLICIES, GROUP_POLICY_ASSIGNMENTS
from ...pim.policies import ASSIGNMENTS, POLICIES, find_policy, update_rule, update_rules

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

CTX = "policies/roleManagementPolicies"
ASSIGNMENTS_CTX = "policies/roleManagementPolicyAssignments"
_POLICY_KEYS = ("id", "displayName", "description", "isOrganizationDefault", "scopeId", "scopeType",
                "lastModifiedDateTime", "lastModifiedBy")
_FILTER_TERM = re.compile(r"\b(scopeId|scopeType)\s+eq\s+'([^']*)'", re.IGNORECASE)


def _policy_view(eng: PimEngine, policy: dict, opts: dict[str, str], directory: bool = False) -> dict:
    view = {k: policy[k] for k in _POLICY_KEYS}
    view["lastModifiedBy"] = dict(policy["lastModifiedBy"])  # the only non-scalar key
    if directory:
        # "To retrieve policies in PIM for Microsoft Entra roles, the scopeId must be / and scopeType can be
        # either Directory or DirectoryRole" (List roleManagementPolicies); the page's scopeType 'Directory'
        # example answers the same policies as "Directory_{tenant}_{guid}", named and typed Directory.
        view.update(id=_as_directory(policy["id"]), displayName="Directory", description="Directory",
                    scopeType="Directory")

    def rule_resolver(_item: dict, _opts: dict) -> list[dict]:
        return eng.clone(policy["_rules"])

    expand([view], opts.get("$expand"), {"rules": rule_resolver, "effectiveRules": rule_resolver},
           "unifiedRoleManagementPolicy")
    return view


def _as_directory(pid: str) -> str:
    return "Directory_" + pid[len("DirectoryRole_"):] if pid.startswith("DirectoryRole_") else pid


def _scope_terms(query: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in _FILTER_TERM.findall(query.get("$filter") or "")}


def _require_scope_filter(query: dict[str, str], mandatory: bool) -> str | None:
    """Graph requires scopeId and scopeType in the filter of policy assignments; returns the scopeType."""
    terms = _scope_terms(query)
    if "scopetype" not in terms or "scopeid" not in terms:
        if mandatory:
            # Graph's answer to a missing scope filter is the same opaque provider error
            # (microsoft-graph-docs #20060).
            raise missing_provider()
        return None
    if terms["scopetype"].lower() not in ("directory", "directoryrole", "group"):
        raise missing_provider()
    return terms["scopetype"]


def _require_surface(req: GraphRequest, group: bool, write: bool = False) -> None:
    """The policy routes let either surface's scopes through (routes/graph_directory.py); a policy of a group
    needs RoleManagementPolicy.*.AzureADGroup, a directory role's the .Directory scopes ("Permissions" tables of
    the policy pages, "For PIM for Microsoft Entra roles" and "For PIM for groups")."""
    require(req.caller, ("group." if group else "") + ("policy.write" if write else "policy.read"))


def _policy(eng: PimEngine, req: GraphRequest, pid: str, write: bool = False) -> tuple[dict, bool]:
    policy, directory = find_policy(eng.tenant, pid)
    if policy is None:
        raise not_found("policy")
    _require_surface(req, policy["scopeType"] == "Group", write)
    return policy, directory


def _group_items(eng: PimEngine, req: GraphRequest, coll: str) -> list[dict]:
    """The group's two policies (or policy assignments), none for a group PIM does not manage yet; "the
    scopeId is the group ID" with scopeType 'Group' (List roleManagementPolicies, PIM for Groups example)."""
    _require_surface(req, True)
    gid = _scope_terms(req.query)["scopeid"]
    return [p for p in eng.tenant.coll(coll).values() if p["scopeId"].lower() == gid.lower()]


def list_policies(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
    # "This method requires the $filter (eq) query parameter to scope the request to a scopeId and a
    # scopeType" (List roleManagementPolicies); Graph's answer without it is the opaque provider error.
    scope_type = _require_scope_filter(req.query, mandatory=True).lower()
    if scope_type == "group":
        require_read_role(eng, req.caller)
        items = _group_items(eng, req, GROUP_POLICIES)
        return 200, Collection([_policy_view(eng, p, req.query) for p in items], CTX)
    _require_surface(req, False)
    require_read_role(eng, req.caller)
    items = list(eng.tenant.coll(POLICIES).values())
    directory = scope_type == "directory"
    return 200, Collection([_policy_view(eng, p, req.query, directory) for p in items], CTX)


def get_policy(eng: PimEngine, req: GraphRequest, policy_id: str) -> tuple[int, object]:
    require_read_role(eng, req.caller)
    policy, directory = _policy(eng, req, policy_id)
    return 200, eng.entity(req, CTX, _policy_view(eng, policy, req.query, directory))


def patch_policy(eng: PimEngine, req: GraphRequest, policy_id: str) -> tuple[int, object]:
    policy, _ = _policy(eng, req, policy_id, write=True)
    update_rules(eng, req, policy, (req.body if isinstance(req.body, dict) else {}).get("rules"))
    return 200, eng.entity(req, CTX, _policy_view(eng, policy, {}))


def _rules_ctx(policy: dict, kind: str) -> str:
    return f"{CTX}('{policy['id']}')/{kind}"


def _list_rules(eng: PimEngine, req: GraphRequest, policy_id: str, kind: str) -> tuple[int, object]:
    require_read_role(eng, req.caller)
    policy, _ = _policy(eng, req, policy_id)
    return 200, Collection(eng.clone(policy["_rules"]), _rules_ctx(policy, kind))


def _rule(eng: PimEngine, req: GraphRequest, policy_id: str, rule_id: str, write: bool = False) -> tuple[dict, dict]:
    policy, _ = _policy(eng, req, policy_id, write)
    rule = next((r for r in policy["_rules"] if r["id"] == rule_id), None)
    if rule is None:
        raise not_found("rule")
    return policy, rule


def _get_rule(eng: PimEngine, req: GraphRequest, policy_id: str, rule_id: str, kind: str) -> tuple[int, object]:
    require_read_role(eng, req.caller)
    policy, rule = _rule(eng, req, policy_id, rule_id)
    return 200, eng.entity(req, _rules_ctx(policy, kind), eng.clone(rule))


def list_rules(eng: PimEngine, req: GraphRequest, policy_id: str) -> tuple[int, object]:
    return _list_rules(eng, req, policy_id, "rules")


def list_effective_rules(eng: PimEngine, req: GraphRequest, policy_id: str) -> tuple[int, object]:
    return _list_rules(eng, req, policy_id, "effectiveRules")


def get_rule(eng: PimEngine, req: GraphRequest, policy_id: str, rule_id: str) -> tuple[int, object]:
    return _get_rule(eng, req, policy_id, rule_id, "rules")


def get_effective_rule(eng: PimEngine, req: GraphRequest, policy_id: str, rule_id: str) -> tuple[int, object]:
    return _get_rule(eng, req, policy_id, rule_id, "effectiveRules")


def patch_rule(eng: PimEngine, req: GraphRequest, policy_id: str, rule_id: str) -> tuple[int, object]:
    policy, rule = _rule(eng, req, policy_id, rule_id, write=True)
    new = update_rule(eng, req, policy, rule)
    # The v1.0 page answers 204; newer text shows 200 with the rule (engine option rule_patch_status).
    if eng.options["rule_patch_status"] == 200:
        return 200, eng.entity(req, _rules_ctx(policy, "rules"), eng.clone(new))
    return 204, None


def _assignment_resolvers(eng: PimEngine) -> dict:
    def policy_resolver(item: dict, opts: dict[str, str]) -> dict | None:
        p, directory = find_policy(eng.tenant, item["policyId"])
        return _policy_view(eng, p, opts, directory) if p else None

    return {"policy": policy_resolver}


def list_policy_assignments(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
    require_read_role(eng, req.caller)
    scope_type = _require_scope_filter(req.query, mandatory=True).lower()
    if scope_type == "group":
        items = [eng.clone(a) for a in _group_items(eng, req, GROUP_POLICY_ASSIGNMENTS)]
        expand(items, req.query.get("$expand"), _assignment_resolvers(eng), "unifiedRoleManagementPolicyAssignment")
        return 200, Collection(items, ASSIGNMENTS_CTX)
    _require_surface(req, False)
    store = eng.tenant.coll(ASSIGNMENTS)
    items = [eng.clone(a) for a in store.values()]
    if scope_type == "directory":
        # "the scopeId must be / and scopeType can be either Directory or DirectoryRole" (List
        # roleManagementPolicyAssignments); its scopeType 'Directory' example answers the same assignments
        # with Directory_ ids and scopeType Directory, as List roleManagementPolicies does for policies.
        for a in items:
            a.update(id=_as_directory(a["id"]), policyId=_as_directory(a["policyId"]), scopeType="Directory")
    expand(items, req.query.get("$expand"), _assignment_resolvers(eng), "unifiedRoleManagementPolicyAssignment")
    return 200, Collection(items, ASSIGNMENTS_CTX)


def get_policy_assignment(eng: PimEngine, req: GraphRequest, assignment_id: str) -> tuple[int, object]:
    require_read_role(eng, req.caller)
    item = eng.tenant.coll(ASSIGNMENTS).get(assignment_id) or eng.tenant.coll(GROUP_POLICY_ASSIGNMENTS).get(
        assignment_id)
    if item is None:
        raise not_found("policy assignment")
    _require_surface(req, item["scopeType"] == "Group")
    item = eng.clone(item)
    if parse_expand(req.query.get("$expand")):
        expand([item], req.query.get("$expand"), _assignment_resolvers(eng), "unifiedRoleManagementPolicyAssignment")
    return 200, eng.entity(req, ASSIGNMENTS_CTX, item)
