# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure resource role policies (ARM) <-> the Graph rule dicts ``_policy`` reads and writes.

Private to the collection (leading underscore): may change in any release.

Pure: no I/O. PIM for Azure resources has the same 17 rules as a directory role's policy, with the same ids
(``Expiration_EndUser_Assignment``, ``Approval_EndUser_Assignment``, ``Notification_Admin_Admin_Eligibility``
...) and the same settings; only the wire differs (Microsoft.Authorization 2020-10-01 "Role Management
Policies - Update", Microsoft Graph v1.0 "unifiedRoleManagementPolicyRule"):

- ARM's ``ruleType: RoleManagementPolicyExpirationRule`` is Graph's
  ``@odata.type: #microsoft.graph.unifiedRoleManagementPolicyExpirationRule`` (and so for every kind);
- an ARM approver ``{id, userType: User|Group, isBackup, description}`` is Graph's subject set
  ``{@odata.type: #microsoft.graph.singleUser, userId}`` / ``{@odata.type: #microsoft.graph.groupMembers, groupId}``;
- ``target`` (ARM: ``operations: [All]``, ``targetObjects``) is kept as ARM wrote it.

So ``_policy`` stays the one copy of the settings vocabulary, the checks and the planning: a policy read from
ARM is turned into Graph-shaped rules (``rules_to_graph``), planned, and the changed rules go back
(``rules_to_arm``) with everything ARM said that Graph has no word for kept as it was (``isBackup``,
``description`` of an approver, ``targetObjects``, unknown properties).
"""

from __future__ import annotations

import copy

from ._policy import NS

ARM_PREFIX = "RoleManagementPolicy"  # ARM's ruleType is "RoleManagementPolicy" + the kind ("ExpirationRule")
SINGLE_USER = "#microsoft.graph.singleUser"
GROUP_MEMBERS = "#microsoft.graph.groupMembers"
_APPROVER_LISTS = ("primaryApprovers", "escalationApprovers")
# Kept on a Graph-shaped approver so it goes back to ARM as ARM said it (Graph has no word for them).
_ARM_APPROVER_KEYS = ("isBackup", "description")


def rule_to_graph(rule):
    """One ARM rule -> the Graph-shaped rule ``_policy`` reads (a deep copy; ``ruleType`` becomes ``@odata.type``)."""
    out = copy.deepcopy(rule)
    rule_type = str(out.pop("ruleType", "") or "")
    kind = rule_type[len(ARM_PREFIX):] if rule_type.startswith(ARM_PREFIX) else rule_type
    if kind:
        out["@odata.type"] = NS + kind
    for stage in ((out.get("setting") or {}).get("approvalStages") or []):
        for key in _APPROVER_LISTS:
            if stage.get(key) is not None:
                stage[key] = [approver_to_graph(a) for a in stage[key]]
    return out


def rule_to_arm(rule):
    """One Graph-shaped rule (as read, or a body ``_policy.plan`` built) -> the ARM rule to send."""
    out = copy.deepcopy(rule)
    odata_type = str(out.pop("@odata.type", "") or "")
    if odata_type.startswith(NS):
        out["ruleType"] = ARM_PREFIX + odata_type[len(NS):]
    for stage in ((out.get("setting") or {}).get("approvalStages") or []):
        for key in _APPROVER_LISTS:
            if stage.get(key) is not None:
                stage[key] = [approver_to_arm(a) for a in stage[key]]
    return out


def rules_to_graph(rules):
    return [rule_to_graph(r) for r in rules or []]


def rules_to_arm(rules):
    return [rule_to_arm(r) for r in rules or []]


def approver_to_graph(approver):
    """ARM ``UserSet`` ``{id, userType, isBackup, description}`` -> a Graph subject set (``singleUser`` /
    ``groupMembers``), keeping ``isBackup`` and ``description`` for the way back."""
    kind = str(approver.get("userType") or "User").lower()
    oid = approver.get("id")
    if kind == "group":
        out = {"@odata.type": GROUP_MEMBERS, "groupId": oid}
    else:
        out = {"@odata.type": SINGLE_USER, "userId": oid}
    out.update({k: approver[k] for k in _ARM_APPROVER_KEYS if k in approver})
    return out


def approver_to_arm(subject):
    """A Graph subject set (as read back, or one ``_policy`` built for a new approver) -> ARM's ``UserSet``."""
    odata_type = str(subject.get("@odata.type") or "")
    if odata_type.endswith("groupMembers"):
        out = {"userType": "Group", "id": subject.get("groupId") or subject.get("id")}
    else:
        out = {"userType": "User", "id": subject.get("userId") or subject.get("id")}
    out["isBackup"] = bool(subject.get("isBackup", False))
    if subject.get("description") is not None:
        out["description"] = subject["description"]
    return out


def patch_body(bodies):
    """The PATCH body of a policy from ``_policy.plan``'s ``{rule_id: Graph-shaped body}``: only the changed rules,
    in ARM's shape."""
    return {"properties": {"rules": rules_to_arm(bodies.values())}}


# ---- pairing the roles of a scope with their policies (pure) -----------------------------------------

def role_guid_of(role_definition_id):
    return str(role_definition_id or "").rstrip("/").rsplit("/", 1)[-1].lower()


def policies_by_role(assignments, policies):
    """A scope's policy assignments and policies (as listed) -> {role GUID: {"policy_id", "rules" (Graph-shaped),
    "scope"}}.

    ARM links a policy to its role only through the policy assignment (``roleDefinitionId`` -> ``policyId``,
    "Role Management Policy Assignments - List For Scope"); the policy carries the rules. An assignment whose
    policy is not in the list is left out (there is nothing to read or write)."""
    by_id = {str(p.get("id") or "").lower(): p for p in policies or []}
    out = {}
    for assignment in assignments or []:
        policy = by_id.get(str(assignment.get("policyId") or "").lower())
        if policy is None:
            continue
        out[role_guid_of(assignment.get("roleDefinitionId"))] = {
            "policy_id": policy["id"], "rules": rules_to_graph(policy.get("rules")),
            "scope": policy.get("scope") or assignment.get("scope")}
    return out


def azure_target(role, scope):
    """One role at one resolved scope as a settings target: ``id`` (unique per scope and role) and ``displayName``
    are what the shared pairing, merge and messages key by."""
    guid = role_guid_of(role.get("id") or role.get("name"))
    name = role.get("roleName") or guid
    where = scope.get("display_name") or scope["id"]
    return {"id": f"{scope['id'].lower()}/{guid}", "displayName": f"{name} at {where}", "role": role,
            "role_guid": guid, "scope": scope}


def pair_roles(roles, scope, policies):
    """``[(target, policy)]`` for ``roles`` at ``scope``, and the names of the roles without a policy (the caller
    decides whether that is an error: a role named explicitly, or a fact: 'all')."""
    pairs, missing, seen = [], [], set()
    for role in roles:
        target = azure_target(role, scope)
        if target["id"] in seen:
            continue
        seen.add(target["id"])
        policy = policies.get(target["role_guid"])
        if policy is None:
            missing.append(target["displayName"])
        else:
            pairs.append((target, policy))
    return pairs, missing


def identity(target):
    """A target's fields in results: which role, which scope."""
    role, scope = target["role"], target["scope"]
    return {"role": role.get("roleName"), "role_id": target["role_guid"],
            "role_definition_id": role.get("id"), "scope": scope["id"], "scope_name": scope.get("display_name")}


def error_identity(target):
    return {"role": target["role"].get("roleName"), "scope": target["scope"]["id"]}


def settings_entries_of(entries, sections):
    """pim_azure_role_setting_info's ``[{scope, role_id, settings}]`` -> ``role_settings`` entries, one per scope
    and distinct settings, in the order first seen (roles by GUID, scopes as ARM ids), so an export is applied
    back in one call."""
    groups = []
    for entry in entries:
        settings = {key: entry["settings"][key] for key in sections if key in entry["settings"]}
        for group in groups:
            if group["scope"] == entry["scope"] and group["settings"] == settings:
                group["roles"].append(entry["role_id"])
                break
        else:
            groups.append({"scope": entry["scope"], "roles": [entry["role_id"]], "settings": settings})
    return [dict({"roles": g["roles"], "scope": g["scope"]}, **g["settings"]) for g in groups]
