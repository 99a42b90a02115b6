"""Role management policies of Azure resource roles (Microsoft.Authorization 2020-10-01): one policy per role
per scope, its 17 rules with Azure's defaults, PATCH validation, and the policy assignments.

Models layer, beside ``arm_state`` (which it uses). API for the route handlers and E2's request engine:

    ``policy_name(tenant, scope, role_guid)``     the policy's stable GUID name (uuid5 of tenant, scope, role)
    ``policy_rules(tenant, scope, role_guid)``    {rule id: ARM rule} in force for a role at a scope
    ``graph_rules(tenant, scope, role_guid)``     the same rules as Graph-shaped rule dicts (``@odata.type``,
                                                  singleUser/groupMembers approvers), for the shared engine's
                                                  policy evaluation (pim/evaluation.py speaks Graph rules)
    ``policy_view(tenant, scope_rec, rd)``        the roleManagementPolicy resource
    ``assignment_view(tenant, scope_rec, rd)``    the roleManagementPolicyAssignment resource
    ``find_by_name(tenant, scope_rec, name)``     the role definition whose policy (or policy assignment) at the
                                                  scope has this name, or None
    ``patch(tenant, scope_rec, rd, body, who, now)`` validate and apply a PATCH body; the updated policy

Policies are generated on read and stored only once PATCHed (collection ``POLICIES``, keyed by name, holding
the rules and lastModified*), so every (role, scope) answers one at no cost and ids never change.

Defaults: "Configure Azure resource role settings in Privileged Identity Management"
(learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-resource-roles-configure-role-settings)
documents each setting, the 1 to 24 hours range of the activation maximum duration, and that "role settings
configured on a higher level, such as 'Subscription' for example, aren't inherited on a lower level, such as
'Resource Group'": so ``effectiveRules`` equal ``rules`` at every scope. The page does not list the default
value of each setting; the defaults below are those of a new Azure resource role in the portal as reported
(activation 8 hours with MFA and justification, eligible assignments expire after 1 year, active assignments
after 6 months, no approval) — unsure, the same values Graph documents for directory roles but for the
expiry requirement. The rule shapes (``ruleType``, ``target`` with ``operations: ["All"]``, approvers
``{id, description, isBackup, userType}``) are those of GetRoleManagementPolicyByName.json (azure-rest-api-specs,
Microsoft.Authorization stable 2020-10-01 examples).
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .arm_errors import ArmError, bad_request
from .arm_state import ROLE_DEFINITIONS, find_scope, key, role_definition_id, role_definitions_at, scope_ref
from .durations import parse_duration

if TYPE_CHECKING:
    from ..contract import Tenant

POLICIES = "armRoleManagementPolicies"
NS = uuid.UUID("3b1f7f2e-7c1a-4a55-9a55-0e7a2c7c0b11")
PREFIX = "RoleManagementPolicy"
EXPIRATION, ENABLEMENT, APPROVAL = PREFIX + "ExpirationRule", PREFIX + "EnablementRule", PREFIX + "ApprovalRule"
AUTH_CONTEXT, NOTIFICATION = PREFIX + "AuthenticationContextRule", PREFIX + "NotificationRule"
RULE_TYPES = (EXPIRATION, ENABLEMENT, APPROVAL, AUTH_CONTEXT, NOTIFICATION)
FIELDS = {
    EXPIRATION: {"isExpirationRequired", "maximumDuration"},
    ENABLEMENT: {"enabledRules"},
    APPROVAL: {"setting"},
    AUTH_CONTEXT: {"isEnabled", "claimValue"},
    NOTIFICATION: {"notificationType", "recipientType", "notificationLevel", "isDefaultRecipientsEnabled",
                   "notificationRecipients"},
}
# EnablementRules enum of the 2020-10-01 spec: MultiFactorAuthentication, Justification, Ticketing.
ENABLEMENT_VALUES = ("MultiFactorAuthentication", "Justification", "Ticketing")
# "Activation maximum duration (hours)": "This value can be from one to 24 hours" (the configure page above).
MAX_ACTIVATION = timedelta(hours=24)
POLICY_TYPE = "Microsoft.Authorization/RoleManagementPolicies"  # as GetRoleManagementPolicyByName.json spells it
ASSIGNMENT_TYPE = "Microsoft.Authorization/RoleManagementPolicyAssignment"  # GetRoleManagementPolicyAssignmentByName


def _target(caller: str, level: str) -> dict:
    return {"caller": caller, "operations": ["All"], "level": level, "targetObjects": None,
            "inheritableSettings": None, "enforcedSettings": None}


def _notifications(suffix: str, caller: str, level: str) -> list[dict]:
    return [{"notificationType": "Email", "recipientType": recipient, "isDefaultRecipientsEnabled": True,
             "notificationLevel": "All", "notificationRecipients": None, "id": f"Notification_{recipient}_{suffix}",
             "ruleType": NOTIFICATION, "target": _target(caller, level)}
            for recipient in ("Admin", "Requestor", "Approver")]


def default_rules() -> list[dict]:
    """The 17 rules in the order GetRoleManagementPolicyByName.json lists them."""
    adm_e, adm_a, usr_a = ("Admin", "Eligibility"), ("Admin", "Assignment"), ("EndUser", "Assignment")
    return [
        {"enabledRules": [], "id": "Enablement_Admin_Eligibility", "ruleType": ENABLEMENT, "target": _target(*adm_e)},
        {"isExpirationRequired": True, "maximumDuration": "P365D", "id": "Expiration_Admin_Eligibility",
         "ruleType": EXPIRATION, "target": _target(*adm_e)},
        *_notifications("Admin_Eligibility", *adm_e),
        {"enabledRules": ["Justification", "MultiFactorAuthentication"], "id": "Enablement_Admin_Assignment",
         "ruleType": ENABLEMENT, "target": _target(*adm_a)},
        {"isExpirationRequired": True, "maximumDuration": "P180D", "id": "Expiration_Admin_Assignment",
         "ruleType": EXPIRATION, "target": _target(*adm_a)},
        *_notifications("Admin_Assignment", *adm_a),
        {"setting": {"isApprovalRequired": False, "isApprovalRequiredForExtension": False,
                     "isRequestorJustificationRequired": True, "approvalMode": "SingleStage",
                     "approvalStages": [{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True,
                                         "escalationTimeInMinutes": 0, "primaryApprovers": [],
                                         "isEscalationEnabled": False, "escalationApprovers": None}]},
         "id": "Approval_EndUser_Assignment", "ruleType": APPROVAL, "target": _target(*usr_a)},
        {"isEnabled": False, "claimValue": "", "id": "AuthenticationContext_EndUser_Assignment",
         "ruleType": AUTH_CONTEXT, "target": _target(*usr_a)},
        {"enabledRules": ["MultiFactorAuthentication", "Justification"], "id": "Enablement_EndUser_Assignment",
         "ruleType": ENABLEMENT, "target": _target(*usr_a)},
        {"isExpirationRequired": True, "maximumDuration": "PT8H", "id": "Expiration_EndUser_Assignment",
         "ruleType": EXPIRATION, "target": _target(*usr_a)},
        *_notifications("EndUser_Assignment", *usr_a),
    ]


_DEFAULTS = default_rules()


# ---- lookup --------------------------------------------------------------------------------------------------

def policy_name(tenant: Tenant, scope: str, role_guid: str) -> str:
    return str(uuid.uuid5(NS, f"{tenant.id}/{key(scope)}/{role_guid.lower()}"))


def _stored(tenant: Tenant, scope: str, role_guid: str) -> dict | None:
    return tenant.coll(POLICIES).get(policy_name(tenant, scope, role_guid))


def _rules(tenant: Tenant, scope: str, role_guid: str) -> list[dict]:
    stored = _stored(tenant, scope, role_guid)
    return stored["rules"] if stored else _DEFAULTS


def policy_rules(tenant: Tenant, scope: str, role_guid: str) -> dict[str, dict]:
    """The rules in force (a copy): a policy governs its own scope only (no inheritance, see above)."""
    return {r["id"]: copy.deepcopy(r) for r in _rules(tenant, scope, role_guid)}


def graph_rules(tenant: Tenant, scope: str, role_guid: str) -> dict[str, dict]:
    """The rules as Graph-shaped rule dicts, so the Graph engine's evaluation reads them unchanged."""
    out = {}
    for rid, r in policy_rules(tenant, scope, role_guid).items():
        g = {k: v for k, v in r.items() if k != "ruleType"}
        g["@odata.type"] = "#microsoft.graph.unifiedRoleManagementPolicy" + r["ruleType"][len(PREFIX):]
        if r["ruleType"] == APPROVAL:
            g["setting"] = copy.deepcopy(r["setting"])
            for st in g["setting"].get("approvalStages") or []:
                for k in ("primaryApprovers", "escalationApprovers"):
                    st[k] = [_graph_approver(a) for a in st.get(k) or []]
        if r["ruleType"] == NOTIFICATION:
            g["notificationRecipients"] = list(r.get("notificationRecipients") or [])
        out[rid] = g
    return out


def _graph_approver(a: dict) -> dict:
    if str(a.get("userType", "")).lower() == "group":
        return {"@odata.type": "#microsoft.graph.groupMembers", "groupId": a.get("id"),
                "description": a.get("description")}
    return {"@odata.type": "#microsoft.graph.singleUser", "userId": a.get("id"), "description": a.get("description")}


def find_by_name(tenant: Tenant, scope_rec: dict, name: str, roles: list[dict]) -> dict | None:
    """The role (among ``roles``, those at the scope) whose policy is ``name`` (or ``{name}_{guid}``, a policy
    assignment's name)."""
    low = name.lower()
    for rd in roles:
        pname = policy_name(tenant, scope_rec["id"], rd["name"])
        if low in (pname, f"{pname}_{rd['name']}"):
            return rd
    return None


# ---- views ---------------------------------------------------------------------------------------------------

def policy_id(tenant: Tenant, scope: str, role_guid: str) -> str:
    return f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleManagementPolicies/" \
           f"{policy_name(tenant, scope, role_guid)}"


def policy_view(tenant: Tenant, scope_rec: dict, rd: dict) -> dict:
    scope = scope_rec["id"]
    stored = _stored(tenant, scope, rd["name"]) or {}
    rules = copy.deepcopy(_rules(tenant, scope, rd["name"]))
    return {
        "properties": {
            "scope": scope, "displayName": None, "description": None, "isOrganizationDefault": False,
            "lastModifiedBy": stored.get("lastModifiedBy") or {"id": None, "displayName": None, "type": None,
                                                              "email": None},
            "lastModifiedDateTime": stored.get("lastModifiedDateTime"),
            "rules": rules, "effectiveRules": copy.deepcopy(rules),
            "policyProperties": {"scope": scope_ref(scope_rec)},
        },
        "name": policy_name(tenant, scope, rd["name"]),
        "id": policy_id(tenant, scope, rd["name"]),
        "type": POLICY_TYPE,
    }


def assignment_view(tenant: Tenant, scope_rec: dict, rd: dict) -> dict:
    """``{policyName}_{roleGuid}`` (GetRoleManagementPolicyAssignmentByName.json names them so)."""
    scope = scope_rec["id"]
    stored = _stored(tenant, scope, rd["name"]) or {}
    name = f"{policy_name(tenant, scope, rd['name'])}_{rd['name']}"
    return {
        "properties": {
            "scope": scope, "roleDefinitionId": role_definition_id(scope, rd["name"]),
            "policyId": policy_id(tenant, scope, rd["name"]),
            "effectiveRules": copy.deepcopy(_rules(tenant, scope, rd["name"])),
            "policyAssignmentProperties": {
                "scope": scope_ref(scope_rec),
                "roleDefinition": {"id": role_definition_id(scope, rd["name"]), "displayName": rd["roleName"],
                                   "type": rd["type"]},
                "policy": {"id": policy_id(tenant, scope, rd["name"]),
                           "lastModifiedBy": stored.get("lastModifiedBy"),
                           "lastModifiedDateTime": stored.get("lastModifiedDateTime")},
            },
        },
        "name": name,
        "id": f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{name}",
        "type": ASSIGNMENT_TYPE,
    }


# ---- PATCH ---------------------------------------------------------------------------------------------------

def _invalid(message: str) -> ArmError:
    # Unsure: ARM's code for a rule it refuses is not documented in the 2020-10-01 spec (only the generic
    # CloudError); "InvalidRoleManagementPolicyRule"-like codes have not been seen published. BadRequest with a
    # message naming the rule is served.
    return bad_request(message)


def _bool(rule: dict, name: str, rid: str) -> None:
    if name in rule and not isinstance(rule[name], bool):
        raise _invalid(f"The value of '{name}' in rule '{rid}' must be a boolean.")


def _approvers(tenant: Tenant, items: object, rid: str) -> list[dict]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise _invalid(f"The approvers of rule '{rid}' must be a list.")
    out = []
    for a in items:
        if not isinstance(a, dict) or not a.get("id"):
            raise _invalid(f"Every approver of rule '{rid}' needs an 'id'.")
        kind = str(a.get("userType") or "User")
        if kind.lower() not in ("user", "group"):
            raise _invalid(f"The approver userType '{kind}' in rule '{rid}' is not valid; valid: User, Group.")
        coll = "groups" if kind.lower() == "group" else "users"
        if a["id"] not in tenant.coll(coll):
            raise _invalid(f"The approver '{a['id']}' in rule '{rid}' does not exist in the directory.")
        out.append({"id": a["id"], "description": a.get("description"), "isBackup": bool(a.get("isBackup", False)),
                    "userType": "Group" if kind.lower() == "group" else "User"})
    return out


def _validate(tenant: Tenant, current: dict, sent: dict) -> dict:
    rid, rtype = current["id"], current["ruleType"]
    if sent.get("ruleType") != rtype:
        raise _invalid(f"The rule '{rid}' is of type '{rtype}', not '{sent.get('ruleType')}'.")
    unknown = set(sent) - FIELDS[rtype] - {"id", "ruleType", "target"}
    if unknown:
        raise _invalid(f"The rule '{rid}' ({rtype}) has no property '{sorted(unknown)[0]}'.")
    target = sent.get("target")
    if target is not None:
        if not isinstance(target, dict):
            raise _invalid(f"The target of rule '{rid}' must be an object.")
        for k in ("caller", "level"):
            if k in target and str(target[k]).lower() != current["target"][k].lower():
                raise _invalid(f"The target {k} of rule '{rid}' cannot be changed.")
    new = copy.deepcopy(current)
    if rtype == EXPIRATION:
        _bool(sent, "isExpirationRequired", rid)
        if "maximumDuration" in sent:
            td = parse_duration(sent["maximumDuration"])
            if td is None or td.total_seconds() <= 0:
                raise _invalid(f"The maximumDuration '{sent['maximumDuration']}' of rule '{rid}' is not a valid "
                               "ISO 8601 duration.")
            if rid == "Expiration_EndUser_Assignment" and td > MAX_ACTIVATION:
                raise _invalid(f"The maximumDuration of rule '{rid}' must be between PT1H and PT24H.")
    elif rtype == ENABLEMENT:
        rules = sent.get("enabledRules", current["enabledRules"])
        if not isinstance(rules, list) or not all(isinstance(x, str) for x in rules):
            raise _invalid(f"The enabledRules of rule '{rid}' must be a list of strings.")
        canon = []
        for x in rules:
            match = next((v for v in ENABLEMENT_VALUES if v.lower() == x.lower()), None)
            if match is None or (match == "Ticketing" and rid != "Enablement_EndUser_Assignment"):
                raise _invalid(f"The enabled rule '{x}' is not valid for rule '{rid}'.")
            canon.append(match)
        sent = {**sent, "enabledRules": canon}
    elif rtype == APPROVAL:
        setting = sent.get("setting")
        if setting is not None:
            if not isinstance(setting, dict):
                raise _invalid(f"The setting of rule '{rid}' must be an object.")
            for k in ("isApprovalRequired", "isApprovalRequiredForExtension", "isRequestorJustificationRequired"):
                _bool(setting, k, rid)
            mode = setting.get("approvalMode", "SingleStage")
            if mode not in ("SingleStage", "Serial", "Parallel", "NoApproval"):
                raise _invalid(f"The approvalMode '{mode}' of rule '{rid}' is not valid.")
            stages = setting.get("approvalStages") or []
            if not isinstance(stages, list):
                raise _invalid(f"The approvalStages of rule '{rid}' must be a list.")
            out_stages = []
            for st in stages:
                if not isinstance(st, dict):
                    raise _invalid(f"Every approval stage of rule '{rid}' must be an object.")
                out_stages.append({
                    "approvalStageTimeOutInDays": st.get("approvalStageTimeOutInDays", 1),
                    "isApproverJustificationRequired": st.get("isApproverJustificationRequired", True),
                    "escalationTimeInMinutes": st.get("escalationTimeInMinutes", 0),
                    "primaryApprovers": _approvers(tenant, st.get("primaryApprovers"), rid),
                    "isEscalationEnabled": st.get("isEscalationEnabled", False),
                    "escalationApprovers": _approvers(tenant, st.get("escalationApprovers"), rid) or None})
            merged = {**current["setting"], **setting, "approvalMode": mode}
            merged["approvalStages"] = out_stages or current["setting"]["approvalStages"]
            if merged.get("isApprovalRequired") and not any(s["primaryApprovers"] for s in merged["approvalStages"]):
                # The portal refuses "Require approval to activate" without an approver; unsure of ARM's text.
                raise _invalid(f"Rule '{rid}' requires approval but names no approver.")
            sent = {**sent, "setting": merged}
    elif rtype == AUTH_CONTEXT:
        _bool(sent, "isEnabled", rid)
        enabled = sent.get("isEnabled", current.get("isEnabled"))
        claim = sent.get("claimValue", current.get("claimValue"))
        if claim is not None and not isinstance(claim, str):
            raise _invalid(f"The claimValue of rule '{rid}' must be a string.")
        if enabled and not claim:
            raise _invalid(f"Rule '{rid}' is enabled but has no claimValue.")
    elif rtype == NOTIFICATION:
        if "recipientType" in sent and str(sent["recipientType"]).lower() != current["recipientType"].lower():
            raise _invalid(f"The recipientType of rule '{rid}' cannot be changed.")
        if "notificationType" in sent and sent["notificationType"] != "Email":
            raise _invalid(f"The notificationType of rule '{rid}' must be 'Email'.")
        if "notificationLevel" in sent and sent["notificationLevel"] not in ("None", "Critical", "All"):
            raise _invalid(f"The notificationLevel '{sent['notificationLevel']}' of rule '{rid}' is not valid; "
                           "valid: None, Critical, All.")
        _bool(sent, "isDefaultRecipientsEnabled", rid)
        recips = sent.get("notificationRecipients")
        if recips is not None and (not isinstance(recips, list) or not all(isinstance(x, str) for x in recips)):
            raise _invalid(f"The notificationRecipients of rule '{rid}' must be a list of strings.")
    for k in FIELDS[rtype]:
        if k in sent:
            new[k] = copy.deepcopy(sent[k])
    return new


def patch(tenant: Tenant, scope_rec: dict, rd: dict, body: object, who: dict, now: datetime) -> dict:
    """Apply ``{"properties": {"rules": [...]}}``: the rules sent replace theirs (PatchPartialRoleManagementPolicy.json
    sends a subset); all are validated before any is applied. ``who``: lastModifiedBy ({id, displayName, type,
    email}). Answers the updated policy."""
    props = body.get("properties") if isinstance(body, dict) else None
    rules = props.get("rules") if isinstance(props, dict) else None
    if not isinstance(rules, list) or not rules:
        raise bad_request("The request body must carry 'properties.rules', a non-empty list of rules.",
                          "InvalidRequestContent")
    scope = scope_rec["id"]
    current = {r["id"]: r for r in _rules(tenant, scope, rd["name"])}
    changed: dict[str, dict] = {}
    for item in rules:
        rid = item.get("id") if isinstance(item, dict) else None
        if rid not in current:
            raise _invalid(f"The rule id '{rid}' is not valid. Valid rule ids: {', '.join(sorted(current))}.")
        changed[rid] = _validate(tenant, changed.get(rid, current[rid]), item)
    name = policy_name(tenant, scope, rd["name"])
    tenant.coll(POLICIES)[name] = {
        "name": name, "scope": scope, "roleDefinitionId": rd["name"],
        "rules": [changed.get(r["id"], copy.deepcopy(r)) for r in _rules(tenant, scope, rd["name"])],
        "lastModifiedBy": who, "lastModifiedDateTime": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00",
    }
    return policy_view(tenant, scope_rec, rd)


# ---- admin API -----------------------------------------------------------------------------------------------

def summary(tenant: Tenant, scope: str | None = None) -> dict:
    """What the emulator holds for Azure (``GET /_emulator/tenants/{id}/arm``): every stored ``arm*``
    collection as a list (scopes, role definitions, classic role assignments, schedules, and whatever requests
    the request engine stores), the policies changed from their defaults, and with ``scope`` the policy of every
    role at that scope (rules in force)."""
    out: dict = {name: list(items.values()) for name, items in sorted(tenant.data.items())
                 if name.startswith("arm") and name != POLICIES}
    roles = tenant.coll(ROLE_DEFINITIONS)
    out["policies"] = [{**copy.deepcopy(p), "roleName": (roles.get(p["roleDefinitionId"]) or {}).get("roleName")}
                       for p in tenant.coll(POLICIES).values()]
    if scope is not None:
        rec = find_scope(tenant, scope)
        if rec is None:
            raise ValueError(f"unknown scope {scope!r}")
        out["policiesAtScope"] = [
            {"scope": rec["id"], "roleDefinitionId": rd["name"], "roleName": rd["roleName"],
             "name": policy_name(tenant, rec["id"], rd["name"]),
             "rules": copy.deepcopy(_rules(tenant, rec["id"], rd["name"]))}
            for rd in sorted(role_definitions_at(tenant, rec["id"]), key=lambda r: r["roleName"].lower())]
    return out
