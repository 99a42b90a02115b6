"""Subscriptions, management groups, resource groups and role definitions: what discovery reads.

Shapes: azure-mgmt-resource's ``Subscription`` (SubscriptionClient, ``GET /subscriptions``), ``ResourceGroup``
(``GET /subscriptions/{id}/resourcegroups``), azure-mgmt-managementgroups' ``ManagementGroupInfo`` /
``ManagementGroup`` (``/providers/Microsoft.Management/managementGroups``) and azure-mgmt-authorization's
``RoleDefinition`` (2022-04-01). A caller sees what its role assignments let it read: ARM lists only the
subscriptions, groups and resource groups the caller has access to ("List subscriptions": "Gets all
subscriptions for a tenant" the caller can access).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...pim import arm_state
from ...pim.arm_errors import ArmError, management_group_not_found, role_definition_not_found
from .common import (
    MANAGEMENT_GROUP_VERSIONS, RBAC_VERSIONS, RESOURCE_GROUP_VERSIONS, SUBSCRIPTION_VERSIONS, ArmRequest,
    check_api_version, page, require, scope_of,
)

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

SUB_READ = "Microsoft.Resources/subscriptions/read"
RG_READ = "Microsoft.Resources/subscriptions/resourceGroups/read"
MG_READ = "Microsoft.Management/managementGroups/read"
RD_READ = "Microsoft.Authorization/roleDefinitions/read"


def _visible(eng: PimEngine, req: ArmRequest, rec: dict, action: str) -> bool:
    """Readable at the scope, or the caller holds some role below it (ARM lists a subscription to a caller
    with a role on one of its resource groups)."""
    t = eng.tenant
    if arm_state.is_allowed(t, req.principal_id, rec["id"], action, req.now):
        return True
    return any(arm_state.active_grants(t, req.principal_id, d["id"], req.now) for d in arm_state.descendants(t,
                                                                                                          rec["id"]))


def subscription_view(rec: dict) -> dict:
    return {"id": rec["id"], "authorizationSource": "RoleBased", "managedByTenants": [],
            "subscriptionId": rec["subscriptionId"], "tenantId": rec["tenantId"], "displayName": rec["displayName"],
            "state": rec.get("state", "Enabled"),
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                     "spendingLimit": "Off"},
            "tags": {}}


def list_subscriptions(eng: PimEngine, req: ArmRequest) -> tuple[int, dict]:
    check_api_version(req, SUBSCRIPTION_VERSIONS)
    subs = [r for r in eng.tenant.coll(arm_state.SCOPES).values() if r["kind"] == "subscription"]
    subs = sorted((r for r in subs if _visible(eng, req, r, SUB_READ)), key=lambda r: r["displayName"].lower())
    return 200, page(req, [subscription_view(r) for r in subs])


def get_subscription(eng: PimEngine, req: ArmRequest, subscription_id: str) -> tuple[int, dict]:
    check_api_version(req, SUBSCRIPTION_VERSIONS)
    rec = scope_of(eng, f"/subscriptions/{subscription_id}")
    if not _visible(eng, req, rec, SUB_READ):
        require(eng, req, rec["id"], SUB_READ)
    return 200, subscription_view(rec)


def resource_group_view(rec: dict) -> dict:
    return {"id": rec["id"], "name": rec["name"], "type": "Microsoft.Resources/resourceGroups",
            "location": rec.get("location"), "properties": {"provisioningState": "Succeeded"},
            "tags": dict(rec.get("tags") or {})}


def list_resource_groups(eng: PimEngine, req: ArmRequest, subscription_id: str) -> tuple[int, dict]:
    check_api_version(req, RESOURCE_GROUP_VERSIONS)
    sub = scope_of(eng, f"/subscriptions/{subscription_id}")
    groups = [r for r in arm_state.children(eng.tenant, sub["id"]) if r["kind"] == "resourcegroup"]
    visible = [r for r in groups if _visible(eng, req, r, RG_READ)]
    if groups and not visible:
        require(eng, req, sub["id"], RG_READ)
    return 200, page(req, [resource_group_view(r) for r in sorted(visible, key=lambda r: r["name"].lower())])


def get_resource_group(eng: PimEngine, req: ArmRequest, subscription_id: str, name: str) -> tuple[int, dict]:
    check_api_version(req, RESOURCE_GROUP_VERSIONS)
    rec = scope_of(eng, f"/subscriptions/{subscription_id}/resourceGroups/{name}")
    if not _visible(eng, req, rec, RG_READ):
        require(eng, req, rec["id"], RG_READ)
    return 200, resource_group_view(rec)


def _mg_info(rec: dict) -> dict:
    return {"id": rec["id"], "type": "Microsoft.Management/managementGroups", "name": rec["name"],
            "properties": {"tenantId": rec["tenantId"], "displayName": rec["displayName"]}}


def list_management_groups(eng: PimEngine, req: ArmRequest) -> tuple[int, dict]:
    check_api_version(req, MANAGEMENT_GROUP_VERSIONS)
    groups = [r for r in eng.tenant.coll(arm_state.SCOPES).values() if r["kind"] == "managementgroup"]
    visible = [r for r in groups if _visible(eng, req, r, MG_READ)]
    visible.sort(key=lambda r: (r.get("parent") is not None, r["displayName"].lower()))
    return 200, page(req, [_mg_info(r) for r in visible])


def get_management_group(eng: PimEngine, req: ArmRequest, group_id: str) -> tuple[int, dict]:
    check_api_version(req, MANAGEMENT_GROUP_VERSIONS)
    rec = arm_state.find_scope(eng.tenant, arm_state.MG_PREFIX + group_id)
    if rec is None:
        raise management_group_not_found(group_id)
    if not _visible(eng, req, rec, MG_READ):
        require(eng, req, rec["id"], MG_READ)
    parent = eng.tenant.coll(arm_state.SCOPES).get(rec.get("parent") or "")
    view = _mg_info(rec)
    view["properties"]["details"] = {
        "version": 1, "updatedTime": None, "updatedBy": None,
        "parent": ({"id": parent["id"], "name": parent["name"], "displayName": parent["displayName"]}
                   if parent else None)}
    if "children" in str(req.query.get("$expand", "")).lower():
        # $recurse=true expands the whole subtree ("Management Groups - Get": "$recurse ... Requires $expand=children");
        # without it, children of children stay unexpanded (null).
        recurse = str(req.query.get("$recurse", "")).lower() == "true"
        view["properties"]["children"] = _children(eng, rec, recurse)
    return 200, view


def _children(eng: PimEngine, rec: dict, recurse: bool) -> list[dict]:
    kids = []
    for c in sorted(arm_state.children(eng.tenant, rec["id"]), key=lambda r: r["displayName"].lower()):
        if c["kind"] not in ("managementgroup", "subscription"):
            continue
        group = c["kind"] == "managementgroup"
        kids.append({"type": "Microsoft.Management/managementGroups" if group else "/subscriptions", "id": c["id"],
                     "name": c["name"], "displayName": c["displayName"],
                     "children": _children(eng, c, True) if recurse and group else None})
    return kids


def list_resources(eng: PimEngine, req: ArmRequest, subscription_id: str, name: str) -> tuple[int, dict]:
    """Resources - List By Resource Group: ``{"value": [{id, name, type, location}]}``."""
    check_api_version(req, RESOURCE_GROUP_VERSIONS)
    rec = scope_of(eng, f"/subscriptions/{subscription_id}/resourceGroups/{name}")
    if not _visible(eng, req, rec, RG_READ):
        require(eng, req, rec["id"], RG_READ)
    items = [{"id": r["id"], "name": r["name"], "type": r["resourceType"], "location": r.get("location"), "tags": {}}
             for r in sorted(arm_state.children(eng.tenant, rec["id"]), key=lambda r: r["id"].lower())
             if r["kind"] == "resource"]
    return 200, page(req, items)


# ---- role definitions ----------------------------------------------------------------------------------------

_FILTER = re.compile(r"^\s*(roleName|type)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


def _check_scope(eng: PimEngine, req: ArmRequest, scope: str) -> str:
    """The scope's stored spelling; the tenant root '/' answers built-in and custom roles to anyone signed in
    (the built-in definitions are public: "List Azure role definitions")."""
    if arm_state.normalize(scope) == arm_state.ROOT:
        return arm_state.ROOT
    rec = scope_of(eng, scope)
    require(eng, req, rec["id"], RD_READ)
    return rec["id"]


def list_role_definitions(eng: PimEngine, req: ArmRequest, scope: str) -> tuple[int, dict]:
    """``$filter``: ``roleName eq '{name}'`` or ``type eq 'BuiltInRole'|'CustomRole'`` (Role Definitions - List,
    2022-04-01: "The filter to apply on the operation. Use atScopeAndBelow filter to search below the given scope
    as well"; the roleName and type filters are the ones "List Azure role definitions" shows)."""
    check_api_version(req, RBAC_VERSIONS)
    at = _check_scope(eng, req, scope)
    roles = arm_state.role_definitions_at(eng.tenant, at)
    text = req.query.get("$filter")
    if text and text.strip().lower() != "atscopeandbelow()":
        m = _FILTER.match(text)
        if m is None:
            # Unsure of ARM's text for a filter it does not take; the code is the one ARM uses for bad filters.
            raise ArmError(400, "InvalidFilterInQueryString", f"The filter '{text}' is not supported. Supported: "
                           "roleName eq '{name}', type eq 'BuiltInRole' or type eq 'CustomRole'.")
        prop, value = m[1].lower(), m[2].replace("''", "'")
        field = "roleName" if prop == "rolename" else "type"
        roles = [r for r in roles if r[field] == value]  # ARM matches roleName exactly (case included)
    roles = sorted(roles, key=lambda r: r["roleName"].lower())
    return 200, page(req, [arm_state.role_definition_view(r, at) for r in roles])


def get_role_definition(eng: PimEngine, req: ArmRequest, scope: str, role_id: str) -> tuple[int, dict]:
    check_api_version(req, RBAC_VERSIONS)
    at = _check_scope(eng, req, scope)
    rd = arm_state.role_definition(eng.tenant, role_id)
    if rd is None or rd not in arm_state.role_definitions_at(eng.tenant, at):
        raise role_definition_not_found()
    return 200, arm_state.role_definition_view(rd, at)
