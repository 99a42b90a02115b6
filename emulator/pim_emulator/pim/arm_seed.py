"""The Azure part of a seed: management groups, subscriptions, resource groups, resources, Azure role definitions
and role assignments (classic and through PIM). Seed documents carry it as ``"azure"`` (format in
docs/emulator.md, "Azure resources"); ``default_azure()`` is the default seed's, ``generated_azure(n)`` the
generator's. ``seed_azure`` builds it into a tenant's collections (``arm_state``).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from ..contract import Clock, Tenant, iso
from .arm_state import (
    ASSIGN_SCHEDULES, CLASSIC, ELIG_SCHEDULES, MG_PREFIX, ROLE_DEFINITIONS, add_scope, find_scope, key, normalize,
)
from .durations import parse_duration

log = logging.getLogger("pim_emulator")
NS = uuid.UUID("5a0d6a39-2f7e-4b8e-8d0c-6f0b1c2d3e4f")

# Azure built-in roles with their real ids ("Azure built-in roles", learn.microsoft.com/azure/role-based-access-
# control/built-in-roles, and its per-category pages). Real definitions list many actions; these carry the ones
# that decide what PIM and the emulator's RBAC check look at (the control-plane actions and notActions of the
# General roles are the documented ones).
_READ = ["*/read"]
BUILTIN_ROLES = [
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
     "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
     ["*"], []),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
     "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage "
     "assignments in Azure Blueprints, or share image galleries.",
     ["*"], ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
             "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
             "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
             "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete"]),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", "View all resources, but does not allow you to make any "
     "changes.", _READ, []),
    ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator",
     "Lets you manage user access to Azure resources.", ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
     []),
    ("f58310d9-a9f6-439a-9e8d-f62e7b41a168", "Role Based Access Control Administrator",
     "Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage "
     "access using other ways, such as Azure Policy.",
     ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete", "*/read",
      "Microsoft.Support/*"], []),
    ("00482a5a-887f-4fb3-b363-3b7fe8e74483", "Key Vault Administrator",
     "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and "
     "secrets.", ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*",
                  "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
                  "Microsoft.Support/*", "Microsoft.KeyVault/checkNameAvailability/read",
                  "Microsoft.KeyVault/deletedVaults/read", "Microsoft.KeyVault/locations/*/read",
                  "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read"], []),
    ("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "Key Vault Secrets Officer",
     "Perform any action on the secrets of a key vault, except manage permissions.",
     ["Microsoft.Authorization/*/read", "Microsoft.KeyVault/vaults/*/read"], []),
    ("21090545-7ca7-4776-b22c-e363652d74d2", "Key Vault Reader",
     "Read metadata of key vaults and its certificates, keys, and secrets.",
     ["Microsoft.Authorization/*/read", "Microsoft.KeyVault/vaults/*/read"], []),
    ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Storage Blob Data Owner",
     "Provides full access to Azure Storage blob containers and data, including assigning POSIX access control.",
     ["Microsoft.Storage/storageAccounts/blobServices/containers/*",
      "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"], []),
    ("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "Storage Blob Data Reader",
     "Read and list Azure Storage containers and blobs.",
     ["Microsoft.Storage/storageAccounts/blobServices/containers/read"], []),
    ("17d1049b-9a84-46fb-8f53-869881c3d3ab", "Storage Account Contributor",
     "Permits management of storage accounts.",
     ["Microsoft.Authorization/*/read", "Microsoft.Storage/storageAccounts/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read"], []),
    ("9980e02c-c2be-4d73-94e8-173b1dc7cf3c", "Virtual Machine Contributor",
     "Create and manage virtual machines, manage disks, install and run software.",
     ["Microsoft.Authorization/*/read", "Microsoft.Compute/virtualMachines/*", "Microsoft.Compute/disks/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read"], []),
    ("4d97b98b-1d4f-4787-a291-c67834d212e7", "Network Contributor",
     "Lets you manage networks, but not access to them.",
     ["Microsoft.Authorization/*/read", "Microsoft.Network/*", "Microsoft.Resources/subscriptions/resourceGroups/read"],
     []),
    ("fb1c8493-542b-48eb-b624-b4c8fea62acd", "Security Admin",
     "View and update permissions for Microsoft Defender for Cloud.",
     ["Microsoft.Authorization/*/read", "Microsoft.Authorization/policyAssignments/*", "Microsoft.Security/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read"], []),
    ("39bc4728-0917-49c7-9d2c-d95423bc2eb4", "Security Reader", "View permissions for Microsoft Defender for Cloud.",
     ["Microsoft.Authorization/*/read", "Microsoft.Security/*/read",
      "Microsoft.Resources/subscriptions/resourceGroups/read"], []),
    ("43d0d8ad-25c7-4714-9337-8ba259a9fe05", "Monitoring Reader", "Can read all monitoring data.",
     ["*/read"], []),
    ("749f88d5-cbae-40b8-bcfc-e573ddc772fa", "Monitoring Contributor",
     "Can read all monitoring data and update monitoring settings.",
     ["*/read", "Microsoft.Insights/*", "Microsoft.AlertsManagement/*"], []),
    ("73c42c96-874c-492b-b04d-ab87d138a893", "Log Analytics Reader",
     "Log Analytics Reader can view and search all monitoring data as well as view monitoring settings.",
     ["*/read", "Microsoft.OperationalInsights/workspaces/search/action"], []),
    ("92aaf0da-9dab-42b6-94a3-d43ce8d16293", "Log Analytics Contributor",
     "Log Analytics Contributor can read all monitoring data and edit monitoring settings.",
     ["*/read", "Microsoft.OperationalInsights/*", "Microsoft.Insights/diagnosticSettings/*"], []),
]
OWNER, CONTRIBUTOR, READER = BUILTIN_ROLES[0][0], BUILTIN_ROLES[1][0], BUILTIN_ROLES[2][0]
UAA, RBAC_ADMIN = BUILTIN_ROLES[3][0], BUILTIN_ROLES[4][0]

# Least privilege for the admin app: read what PIM holds, write policies and schedule requests, cancel them
# ("Understand the Privileged Identity Management APIs" / the Microsoft.Authorization operations list).
PIM_AUTOMATION = {
    "roleName": "PIM Automation",
    "description": "Custom role: manage PIM role settings and schedule requests of Azure resource roles.",
    "actions": ["Microsoft.Authorization/*/read",
                "Microsoft.Authorization/roleManagementPolicies/write",
                "Microsoft.Authorization/roleEligibilityScheduleRequests/write",
                "Microsoft.Authorization/roleEligibilityScheduleRequests/cancel/action",
                "Microsoft.Authorization/roleAssignmentScheduleRequests/write",
                "Microsoft.Authorization/roleAssignmentScheduleRequests/cancel/action",
                "Microsoft.Resources/subscriptions/read",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                "Microsoft.Management/managementGroups/read"],
    "assignableScopes": ["root"],
}


def _sid(tenant: str, kind: str, name: str) -> str:
    return str(uuid.uuid5(NS, f"{tenant}/{kind}/{name.lower()}"))


# ---- seed documents ------------------------------------------------------------------------------------------

def default_azure() -> dict:
    """The Azure part of every default tenant (names the collection's tests and docs rely on)."""
    return {
        "managementGroups": [{"name": "mg-landingzones", "displayName": "Landing Zones", "parent": "root"}],
        "subscriptions": [
            {"displayName": "Production", "managementGroup": "mg-landingzones", "resourceGroups": [
                {"name": "rg-app", "location": "westeurope", "resources": [
                    {"type": "Microsoft.Storage/storageAccounts", "name": "stappdata"},
                    {"type": "Microsoft.KeyVault/vaults", "name": "kv-app"}]},
                {"name": "rg-network", "location": "westeurope", "resources": [
                    {"type": "Microsoft.Network/virtualNetworks", "name": "vnet-hub"}]}]},
            {"displayName": "Development", "managementGroup": "mg-landingzones", "resourceGroups": [
                {"name": "rg-dev", "location": "northeurope", "resources": []}]},
            {"displayName": "Sandbox", "managementGroup": "root", "resourceGroups": [
                {"name": "rg-sandbox", "location": "westus2", "resources": []}]},
        ],
        "customRoles": [PIM_AUTOMATION],
        "assignments": [
            # principal, role, scope, kind, permanent, duration, outsidePim
            _a("alice.admin", "Owner", "Production", "active", True, None, True),
            _a("frank.synced", "User Access Administrator", "Development", "active", True, None, False),
            _a("breakglass1", "Owner", "root", "active", True, None, False),
            _a("trent.dev", "Contributor", "Development", "eligible", False, "P180D", False),
            _a("victor.ops", "Contributor", "Production/rg-app", "eligible", False, "P90D", False),
            _a("bob.secops", "Owner", "Production", "eligible", False, "P365D", False),
            _a("app:pim-admin", "PIM Automation", "root", "active", True, None, True),
            _a("app:pim-admin", "Reader", "root", "active", True, None, True),
            _a("app:pim-cert", "PIM Automation", "root", "active", True, None, True),
            _a("app:pim-cert", "Reader", "root", "active", True, None, True),
            _a("app:pim-reader", "Reader", "root", "active", True, None, True),
        ],
    }


def generated_azure(subscriptions: int, users: list[str]) -> dict:
    """``subscriptions`` subscriptions under the root group, one resource group each, and a standing Owner, an
    eligible Contributor and an eligible Owner per subscription drawn from ``users`` (deterministic)."""
    subs, assignments = [], []
    for n in range(1, subscriptions + 1):
        name = f"Subscription-{n:03d}"
        subs.append({"displayName": name, "managementGroup": "root", "resourceGroups": [
            {"name": f"rg-{n:03d}", "location": "westeurope", "resources": []}]})
        if users:
            pick = [users[(n * 7 + k) % len(users)] for k in range(3)]
            assignments += [_a(pick[0], "Owner", name, "active", True, None, True),
                            _a(pick[1], "Contributor", name, "eligible", False, "P180D", False),
                            _a(pick[2], "Owner", name, "eligible", False, "P90D", False)]
    for app, roles in (("pim-admin", ("PIM Automation", "Reader")), ("pim-cert", ("PIM Automation", "Reader")),
                       ("pim-reader", ("Reader",))):
        assignments += [_a(f"app:{app}", role, "root", "active", True, None, True) for role in roles]
    return {"managementGroups": [], "subscriptions": subs, "customRoles": [PIM_AUTOMATION],
            "assignments": assignments}


def _a(principal, role, scope, kind, permanent, duration, outside) -> dict:
    return {"principal": principal, "role": role, "scope": scope, "kind": kind, "permanent": permanent,
            "duration": duration, "outsidePim": outside}


# ---- building ------------------------------------------------------------------------------------------------

def seed_azure(tenant: Tenant, clock: Clock, spec: dict | None) -> None:
    """Build the Azure part of ``tenant`` from a seed document's ``azure`` entry (nothing if None)."""
    if spec is None:
        return
    # Day-stable (midnight), so two emulators started minutes apart seed equal states (tests/reliability compares).
    created = iso(clock.now() - timedelta(days=400))[:10] + "T00:00:00Z"
    root_id = MG_PREFIX + tenant.id
    add_scope(tenant, {"id": root_id, "kind": "managementgroup", "name": tenant.id, "displayName": "Tenant Root Group",
                       "parent": None, "tenantId": tenant.id})
    refs = {"root": root_id}
    for mg in spec.get("managementGroups", []):
        mid = MG_PREFIX + mg["name"]
        parent = refs.get(mg.get("parent") or "root", root_id)
        add_scope(tenant, {"id": mid, "kind": "managementgroup", "name": mg["name"],
                           "displayName": mg.get("displayName") or mg["name"], "parent": key(parent),
                           "tenantId": tenant.id})
        refs[mg["name"]] = refs["mg:" + mg["name"]] = mid
    for sub in spec.get("subscriptions", []):
        sid = sub.get("id") or _sid(tenant.name, "subscription", sub["displayName"])
        sub_scope = f"/subscriptions/{sid}"
        parent = refs.get(sub.get("managementGroup") or "root", root_id)
        add_scope(tenant, {"id": sub_scope, "kind": "subscription", "name": sid, "displayName": sub["displayName"],
                           "parent": key(parent), "subscriptionId": sid, "tenantId": tenant.id, "state": "Enabled"})
        refs[sub["displayName"]] = refs[sid] = sub_scope
        for rg in sub.get("resourceGroups", []):
            rg_scope = f"{sub_scope}/resourceGroups/{rg['name']}"
            add_scope(tenant, {"id": rg_scope, "kind": "resourcegroup", "name": rg["name"], "displayName": rg["name"],
                               "parent": key(sub_scope), "subscriptionId": sid,
                               "location": rg.get("location", "westeurope"), "tags": rg.get("tags") or {}})
            refs[f"{sub['displayName']}/{rg['name']}"] = rg_scope
            for res in rg.get("resources", []):
                res_scope = f"{rg_scope}/providers/{res['type']}/{res['name']}"
                add_scope(tenant, {"id": res_scope, "kind": "resource", "name": res["name"],
                                   "displayName": res["name"], "parent": key(rg_scope), "subscriptionId": sid,
                                   "resourceType": res["type"], "location": rg.get("location", "westeurope")})
                refs[f"{sub['displayName']}/{rg['name']}/{res['name']}"] = res_scope
    roles = tenant.coll(ROLE_DEFINITIONS)
    by_name: dict[str, str] = {}
    for guid, name, desc, actions, not_actions in BUILTIN_ROLES:
        roles[guid] = {"name": guid, "roleName": name, "type": "BuiltInRole", "description": desc,
                       "assignableScopes": ["/"],
                       "permissions": [{"actions": list(actions), "notActions": list(not_actions),
                                        "dataActions": [], "notDataActions": []}],
                       "createdOn": "2015-02-02T21:55:09.880642Z", "updatedOn": created, "createdBy": None,
                       "updatedBy": None}
        by_name[name.lower()] = guid
    for cr in spec.get("customRoles", []):
        guid = cr.get("id") or _sid(tenant.name, "customrole", cr["roleName"])
        roles[guid] = {"name": guid, "roleName": cr["roleName"], "type": "CustomRole",
                       "description": cr.get("description"),
                       "assignableScopes": [refs.get(s, normalize(s)) for s in cr.get("assignableScopes") or ["root"]],
                       "permissions": [{"actions": list(cr.get("actions") or []),
                                        "notActions": list(cr.get("notActions") or []),
                                        "dataActions": [], "notDataActions": []}],
                       "createdOn": created, "updatedOn": created, "createdBy": None, "updatedBy": None}
        by_name[cr["roleName"].lower()] = guid
    for a in spec.get("assignments", []):
        _seed_assignment(tenant, clock, a, refs, by_name, created)


def _principal(tenant: Tenant, ref: str) -> tuple[str | None, str]:
    low = ref.lower()
    if low.startswith("app:"):
        sp = next((s for s in tenant.coll("servicePrincipals").values()
                   if s.get("displayName", "").lower() == low[4:]), None)
        return (sp["id"] if sp else None), "ServicePrincipal"
    if low.startswith("group:"):
        g = next((g for g in tenant.coll("groups").values() if g.get("displayName", "").lower() == low[6:]), None)
        return (g["id"] if g else None), "Group"
    u = next((u for u in tenant.coll("users").values()
              if u.get("userPrincipalName", "").lower().split("@")[0] == low), None)
    return (u["id"] if u else None), "User"


def _seed_assignment(tenant: Tenant, clock: Clock, a: dict, refs: dict, by_name: dict, created: str) -> None:
    principal, ptype = _principal(tenant, a["principal"])
    role = by_name.get(str(a["role"]).lower())
    scope_id = refs.get(a["scope"]) or (a["scope"] if find_scope(tenant, a["scope"]) else None)
    if principal is None or role is None or scope_id is None:
        log.warning("seed %s: skipping Azure assignment %s (unknown principal, role or scope)", tenant.name, a)
        return
    scope_id = find_scope(tenant, scope_id)["id"]
    name = _sid(tenant.name, "armassignment", f"{a['kind']}/{a['principal']}/{a['role']}/{scope_id}")
    now = clock.now()
    if a["kind"] == "active" and a.get("outsidePim"):
        # A role assignment made outside PIM (Microsoft.Authorization/roleAssignments, 2022-04-01 shape).
        tenant.coll(CLASSIC)[name] = {
            "id": name, "name": name, "principalId": principal, "principalType": ptype, "roleDefinitionId": role,
            "scope": scope_id, "condition": None, "conditionVersion": None, "description": None,
            "createdOn": created, "updatedOn": created, "createdBy": None, "updatedBy": None,
            "_createdDateTime": created}
        return
    end = None
    if not a.get("permanent"):
        end = now + (parse_duration(a.get("duration") or "P90D") or timedelta(days=90))
    # The engine's schedule shape (pim/schedules.create) with ARM's target fields: seeded schedules look old,
    # their requests long purged, so createdUsing is the schedule's own name.
    coll = ELIG_SCHEDULES if a["kind"] == "eligible" else ASSIGN_SCHEDULES
    s = {"id": name, "principalId": principal, "roleDefinitionId": role, "scope": scope_id, "principalType": ptype,
         "createdUsing": name, "createdDateTime": iso(now), "modifiedDateTime": None, "status": "Provisioned",
         "memberType": "Direct",
         "scheduleInfo": {"startDateTime": iso(now), "expiration": {
             "type": "NoExpiration" if end is None else "AfterDateTime", "endDateTime": iso(end), "duration": None}},
         "_start": now.timestamp(), "_end": end.timestamp() if end else None}
    if coll == ASSIGN_SCHEDULES:
        s["assignmentType"] = "Assigned"
        s["_activatedUsing"] = None
    tenant.coll(coll)[name] = s
