"""roleManagementPolicies and roleManagementPolicyAssignments: one policy per directory role."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from ..contract import Collection, GraphRequest, Tenant, iso
from . import audit
from .errors import bad_request, method_not_allowed, missing_provider, not_found
from .expand import expand, parse_expand
from .ids import policy_assignment_id, policy_id
from .permissions import require, require_read_role
from .rules import default_rules, validate_patch

if TYPE_CHECKING:
    from .engine import PimEngine

POLICIES, ASSIGNMENTS = "roleManagementPolicies", "roleManagementPolicyAssignments"
_POLICY_KEYS = ("id", "displayName", "description", "isOrganizationDefault", "scopeId", "scopeType",
                "lastModifiedDateTime", "lastModifiedBy")
_FILTER_TERM = re.compile(r"\b(scopeId|scopeType)\s+eq\s+'([^']*)'", re.IGNORECASE)


def seed_policy(tenant: Tenant, role_id: str) -> None:
    pid = policy_id(tenant.id, role_id)
    tenant.coll(POLICIES)[pid] = {
        "id": pid, "displayName": "DirectoryRole", "description": "DirectoryRole", "isOrganizationDefault": False,
        "scopeId": "/", "scopeType": "DirectoryRole", "lastModifiedDateTime": None,
        "lastModifiedBy": {"displayName": None, "id": None},
        "_roleDefinitionId": role_id, "_rules": default_rules(),
    }
    aid = policy_assignment_id(tenant.id, role_id)
    tenant.coll(ASSIGNMENTS)[aid] = {"id": aid, "policyId": pid, "scopeId": "/", "scopeType": "DirectoryRole",
                                     "roleDefinitionId": role_id}


def rules_for_role(tenant: Tenant, role_id: str) -> dict[str, dict]:
    """The role's rules by id; a role without a policy (e.g. created after seeding) gets the defaults."""
    policy = tenant.coll(POLICIES).get(policy_id(tenant.id, role_id))
    if policy is None:
        seed_policy(tenant, role_id)
        policy = tenant.coll(POLICIES)[policy_id(tenant.id, role_id)]
    return {r["id"]: r for r in policy["_rules"]}


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


def _find_policy(store: dict, pid: str) -> tuple[dict | None, bool]:
    """A policy by its DirectoryRole_ id or by the Directory_ twin of that id."""
    if pid in store:
        return store[pid], False
    if pid.startswith("Directory_"):
        return store.get("DirectoryRole_" + pid[len("Directory_"):]), True
    return None, False


def _require_scope_filter(query: dict[str, str], mandatory: bool) -> str | None:
    """Graph requires scopeId and scopeType in the filter of policy assignments; returns the scopeType."""
    terms = {k.lower(): v for k, v in _FILTER_TERM.findall(query.get("$filter") or "")}
    if "scopetype" not in terms or "scopeid" not in terms:
        if mandatory:
            # Graph's answer to a missing scope filter is the same opaque provider error (microsoft-graph-docs #20060).
            raise missing_provider()
        return None
    if terms["scopetype"].lower() not in ("directory", "directoryrole", "group"):
        raise missing_provider()
    return terms["scopetype"]


def handle_policies(eng: PimEngine, req: GraphRequest, parts: list[str]) -> tuple[int, object]:
    """/policies/roleManagementPolicies[/{id}[/rules|effectiveRules[/{ruleId}]]]."""
    store = eng.tenant.coll(POLICIES)
    write = req.method in ("PATCH", "POST", "DELETE", "PUT")
    require(req.caller, "policy.write" if write else "policy.read")
    if not write:
        require_read_role(eng, req.caller)
    if len(parts) == 2:
        if req.method != "GET":
            raise method_not_allowed()
        # "This method requires the $filter (eq) query parameter to scope the request to a scopeId and a
        # scopeType" (List roleManagementPolicies); Graph's answer without it is the opaque provider error.
        scope_type = _require_scope_filter(req.query, mandatory=True).lower()
        items = list(store.values()) if scope_type in ("directoryrole", "directory") else []
        directory = scope_type == "directory"
        return 200, Collection([_policy_view(eng, p, req.query, directory) for p in items],
                               "policies/roleManagementPolicies")
    policy, directory = _find_policy(store, parts[2])
    if policy is None:
        raise not_found("policy")
    if len(parts) == 3:
        if req.method == "GET":
            return 200, eng.entity(req, "policies/roleManagementPolicies",
                                   _policy_view(eng, policy, req.query, directory))
        if req.method == "PATCH":
            return _patch_policy(eng, req, policy)
        raise method_not_allowed()
    if parts[3] not in ("rules", "effectiveRules"):
        raise not_found("resource")
    rules = {r["id"]: r for r in policy["_rules"]}
    ctx = f"policies/roleManagementPolicies('{policy['id']}')/{parts[3]}"
    if len(parts) == 4:
        if req.method != "GET":
            raise method_not_allowed()  # the 17 rule ids are fixed: no POST
        return 200, Collection(eng.clone(policy["_rules"]), ctx)
    rule = rules.get(parts[4])
    if rule is None:
        raise not_found("rule")
    if req.method == "GET":
        return 200, eng.entity(req, ctx, eng.clone(rule))
    if req.method != "PATCH" or parts[3] != "rules":
        raise method_not_allowed()
    new = validate_patch(eng.tenant, rule, req.body)
    _apply(eng, req, policy, [new])
    if eng.options["rule_patch_status"] == 200:
        return 200, eng.entity(req, ctx, eng.clone(new))
    return 204, None


def _patch_policy(eng: PimEngine, req: GraphRequest, policy: dict) -> tuple[int, object]:
    body = req.body if isinstance(req.body, dict) else {}
    sent = body.get("rules")
    if not isinstance(sent, list) or not sent:
        # Every other policy property is read-only; a PATCH without rules changes nothing.
        raise bad_request("The request must carry a non-empty 'rules' array.")
    rules = {r["id"]: r for r in policy["_rules"]}
    new_rules = []
    for item in sent:  # validate all first: a bad rule must not leave a half-applied policy
        rid = item.get("id") if isinstance(item, dict) else None
        if rid not in rules:
            raise bad_request(f"The rule '{rid}' does not exist in policy '{policy['id']}'.")
        new_rules.append(validate_patch(eng.tenant, rules[rid], item))
    _apply(eng, req, policy, new_rules)
    view = _policy_view(eng, policy, {})
    return 200, eng.entity(req, "policies/roleManagementPolicies", view)


def _apply(eng: PimEngine, req: GraphRequest, policy: dict, new_rules: list[dict]) -> None:
    by_id = {r["id"]: r for r in new_rules}
    modified = []
    for i, rule in enumerate(policy["_rules"]):
        if rule["id"] in by_id:
            modified.append({"displayName": rule["id"], "oldValue": json.dumps(rule), "newValue":
                             json.dumps(by_id[rule["id"]])})
            policy["_rules"][i] = by_id[rule["id"]]
    caller = req.caller
    who = eng.tenant.coll("users").get(caller.user_id or "", {}) if caller.user_id else None
    policy["lastModifiedDateTime"] = iso(eng.now())
    policy["lastModifiedBy"] = {"displayName": (who or {}).get("displayName") if who else caller.app_id,
                                "id": caller.user_id or caller.app_id}
    audit.write(eng, caller, "Update role setting in PIM", "Update", policy["_roleDefinitionId"],
                modified=modified, details={"PolicyId": policy["id"], "Rules": ",".join(by_id)})


def handle_assignments(eng: PimEngine, req: GraphRequest, parts: list[str]) -> tuple[int, object]:
    """/policies/roleManagementPolicyAssignments[/{id}] (read-only)."""
    require(req.caller, "policy.read")
    if req.method != "GET":
        raise method_not_allowed()
    require_read_role(eng, req.caller)
    store = eng.tenant.coll(ASSIGNMENTS)
    policies = eng.tenant.coll(POLICIES)
    spec = parse_expand(req.query.get("$expand"))

    def policy_resolver(item: dict, opts: dict[str, str]) -> dict | None:
        p, directory = _find_policy(policies, item["policyId"])
        return _policy_view(eng, p, opts, directory) if p else None

    resolvers = {"policy": policy_resolver}
    if len(parts) == 2:
        scope_type = _require_scope_filter(req.query, mandatory=True).lower()
        items = [eng.clone(a) for a in store.values()] if scope_type in ("directoryrole", "directory") else []
        if scope_type == "directory":
            # "the scopeId must be / and scopeType can be either Directory or DirectoryRole" (List
            # roleManagementPolicyAssignments); its scopeType 'Directory' example answers the same assignments
            # with Directory_ ids and scopeType Directory, as List roleManagementPolicies does for policies.
            for a in items:
                a.update(id=_as_directory(a["id"]), policyId=_as_directory(a["policyId"]), scopeType="Directory")
        expand(items, req.query.get("$expand"), resolvers, "unifiedRoleManagementPolicyAssignment")
        return 200, Collection(items, "policies/roleManagementPolicyAssignments")
    item = store.get(parts[2])
    if item is None:
        raise not_found("policy assignment")
    item = eng.clone(item)
    if spec:
        expand([item], req.query.get("$expand"), resolvers, "unifiedRoleManagementPolicyAssignment")
    return 200, eng.entity(req, "policies/roleManagementPolicyAssignments", item)
