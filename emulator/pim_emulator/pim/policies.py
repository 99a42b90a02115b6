"""roleManagementPolicies and roleManagementPolicyAssignments: one policy per directory role."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..contract import GraphRequest, Tenant, iso
from . import audit
from .errors import bad_request
from .ids import group_policy_assignment_id, group_policy_id, policy_id
from .rules import default_rules, validate_patch
from .surfaces import ACCESS_IDS, DIRECTORY, GROUP_POLICIES, GROUP_POLICY_ASSIGNMENTS, Surface

if TYPE_CHECKING:
    from .engine import PimEngine

POLICIES, ASSIGNMENTS = "roleManagementPolicies", "roleManagementPolicyAssignments"


# The directory roles' default rules, one list shared by every seeded policy until a PATCH changes it: 123
# policies per tenant, each with its own 17 rules, were most of a 1,000-tenant emulator's start (and gigabytes of
# memory). Shared safely because a rule is never changed in place (validate_patch copies it) and _apply gives a
# policy its own list before replacing a rule in it.
_DEFAULTS: list[dict] = []


def _shared_defaults() -> list[dict]:
    if not _DEFAULTS:
        _DEFAULTS.extend(default_rules())
    return _DEFAULTS


def seed_policy(tenant: Tenant, role_id: str) -> None:
    pid = policy_id(tenant.id, role_id)
    tenant.coll(POLICIES)[pid] = {
        "id": pid, "displayName": "DirectoryRole", "description": "DirectoryRole", "isOrganizationDefault": False,
        "scopeId": "/", "scopeType": "DirectoryRole", "lastModifiedDateTime": None,
        "lastModifiedBy": {"displayName": None, "id": None},
        "_roleDefinitionId": role_id, "_rules": _shared_defaults(),
    }
    aid = f"{pid}_{role_id}"  # policy_assignment_id, without hashing the policy's uuid5 a second time
    tenant.coll(ASSIGNMENTS)[aid] = {"id": aid, "policyId": pid, "scopeId": "/", "scopeType": "DirectoryRole",
                                     "roleDefinitionId": role_id}


def seed_group_policies(tenant: Tenant, group_id: str) -> bool:
    """The member and owner policies of a group, with the group defaults, unless it has them; True when created.
    A group never used with PIM has none: "List roleManagementPolicyAssignments" with scopeType 'Group' answers
    no assignment for it until PIM manages it, i.e. its first eligible or active assignment through PIM."""
    created = False
    for access in ACCESS_IDS:
        pid = group_policy_id(group_id, access)
        if pid in tenant.coll(GROUP_POLICIES):
            continue
        created = True
        tenant.coll(GROUP_POLICIES)[pid] = {
            "id": pid, "displayName": "Group", "description": "Group", "isOrganizationDefault": False,
            "scopeId": group_id, "scopeType": "Group", "lastModifiedDateTime": None,
            "lastModifiedBy": {"displayName": None, "id": None},
            "_roleDefinitionId": access, "_rules": default_rules(group=True),
        }
        aid = group_policy_assignment_id(group_id, access)
        tenant.coll(GROUP_POLICY_ASSIGNMENTS)[aid] = {"id": aid, "policyId": pid, "scopeId": group_id,
                                                      "scopeType": "Group", "roleDefinitionId": access}
    return created


def rules_for(tenant: Tenant, sf: Surface, role_id: str, scope: str | None) -> dict[str, dict]:
    """The rules governing a target of either surface (a group's policies are created on first use)."""
    if sf is DIRECTORY:
        return rules_for_role(tenant, role_id)
    policy = tenant.coll(GROUP_POLICIES).get(group_policy_id(scope or "", role_id))
    # Not yet managed (a validation-only request, which creates nothing): the group defaults it would get.
    return {r["id"]: r for r in (policy["_rules"] if policy else default_rules(group=True))}


def rules_for_role(tenant: Tenant, role_id: str) -> dict[str, dict]:
    """The role's rules by id; a role without a policy (e.g. created after seeding) gets the defaults."""
    policy = tenant.coll(POLICIES).get(policy_id(tenant.id, role_id))
    if policy is None:
        seed_policy(tenant, role_id)
        policy = tenant.coll(POLICIES)[policy_id(tenant.id, role_id)]
    return {r["id"]: r for r in policy["_rules"]}


def find_policy(tenant: Tenant, pid: str) -> tuple[dict | None, bool]:
    """A policy by its DirectoryRole_ id or by the Directory_ twin of that id; True when found by the twin."""
    store = tenant.coll(POLICIES)
    if pid in store:
        return store[pid], False
    if pid in tenant.coll(GROUP_POLICIES):
        return tenant.coll(GROUP_POLICIES)[pid], False
    if pid.startswith("Directory_"):
        return store.get("DirectoryRole_" + pid[len("Directory_"):]), True
    return None, False


def update_rules(eng: PimEngine, req: GraphRequest, policy: dict, sent: object) -> None:
    """PATCH of a policy: its ``rules`` array replaces those rules; every other property is read-only."""
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


def update_rule(eng: PimEngine, req: GraphRequest, policy: dict, rule: dict) -> dict:
    """PATCH of one rule; the new rule."""
    new = validate_patch(eng.tenant, rule, req.body)
    _apply(eng, req, policy, [new])
    return new


def _apply(eng: PimEngine, req: GraphRequest, policy: dict, new_rules: list[dict]) -> None:
    by_id = {r["id"]: r for r in new_rules}
    modified = []
    policy["_rules"] = list(policy["_rules"])  # its own list: seeded policies share the defaults' one
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
    details = {"PolicyId": policy["id"], "Rules": ",".join(by_id)}
    if policy["scopeType"] == "Group":
        audit.write(eng, caller, "Update role setting in PIM", "Update", None, modified=modified,
                    group_id=policy["scopeId"], details={"AccessId": policy["_roleDefinitionId"], **details})
    else:
        audit.write(eng, caller, "Update role setting in PIM", "Update", policy["_roleDefinitionId"],
                    modified=modified, details=details)
