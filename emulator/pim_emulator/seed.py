"""Seed data: the default three tenants, seed files, and the N x M generator.

Every seed, built-in or from a file or from the generator, is one *seed document* (format in
docs/emulator.md) that ``build_tenant`` turns into Graph-shaped directory objects, then hands the
PIM part to the engine's ``seed_tenant``.

Ids are deterministic (uuid5 of tenant name + object name), so docs and bug reports can name the
same object across runs; secrets, passwords and keys are generated at every start (or kept in the
state file), never written into the repository.
"""

from __future__ import annotations

import json
import logging
import random
import re
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from importlib import resources

from . import tls
from .contract import Clock, Tenant, iso
from .pim.arm_seed import default_azure, generated_azure, seed_azure
from .pim.seeding import seed_access_reviews, seed_tenant

log = logging.getLogger("pim_emulator")
NS = uuid.UUID("7f1c3a52-4f0e-4a43-9c55-2b6a0e3b9d10")
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"

# PIM for Groups: the least permissions of its pages (PrivilegedEligibilitySchedule / PrivilegedAssignmentSchedule
# for schedules, requests and instances, RoleManagementPolicy for the groups' policies).
GROUP_ADMIN_PERMISSIONS = ["PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
                           "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
                           "RoleManagementPolicy.ReadWrite.AzureADGroup"]
GROUP_READER_PERMISSIONS = ["PrivilegedEligibilitySchedule.Read.AzureADGroup",
                            "PrivilegedAssignmentSchedule.Read.AzureADGroup", "RoleManagementPolicy.Read.AzureADGroup"]
# Access reviews: the least permissions of every accessReviewScheduleDefinition / instance / decision page.
ADMIN_PERMISSIONS = ["RoleManagement.ReadWrite.Directory", "RoleManagementPolicy.ReadWrite.Directory",
                     "RoleEligibilitySchedule.ReadWrite.Directory", "RoleAssignmentSchedule.ReadWrite.Directory",
                     "Directory.Read.All", "AuditLog.Read.All", *GROUP_ADMIN_PERMISSIONS, "AccessReview.ReadWrite.All"]
READER_PERMISSIONS = ["RoleManagement.Read.Directory", "RoleManagementPolicy.Read.Directory",
                      "RoleEligibilitySchedule.Read.Directory", "RoleAssignmentSchedule.Read.Directory",
                      "Directory.Read.All", "AuditLog.Read.All", *GROUP_READER_PERMISSIONS, "AccessReview.Read.All"]
DELEGATED_PERMISSIONS = ["User.Read", "Directory.Read.All", "RoleManagement.Read.Directory",
                         "RoleEligibilitySchedule.ReadWrite.Directory", "RoleAssignmentSchedule.ReadWrite.Directory",
                         "RoleManagementPolicy.Read.Directory", "AuditLog.Read.All",
                         # self-activation of group membership and reviewing group approvals
                         "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
                         "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
                         "RoleManagementPolicy.Read.AzureADGroup",
                         # a reviewer records access review decisions
                         "AccessReview.ReadWrite.All"]


def builtin_roles() -> list[dict]:
    text = resources.files("pim_emulator").joinpath("data/builtin-roles.json").read_text(encoding="utf-8")
    return json.loads(text)


def _id(tenant: str, kind: str, name: str) -> str:
    return str(uuid.uuid5(NS, f"{tenant}/{kind}/{name.lower()}"))


def _password() -> str:
    return "Pw-" + secrets.token_urlsafe(12) + "9!"


# ----------------------------------------------------------------------------------------- default seed

_USERS = [
    # key, display name, job title, mfa, extra
    ("breakglass1", "Break Glass 1", "Emergency access", True, {}),
    ("breakglass2", "Break Glass 2", "Emergency access", True, {}),
    ("alice.admin", "Alice Admin", "Identity lead", True, {}),
    ("bob.secops", "Bob SecOps", "Security engineer", True, {}),
    ("carol.helpdesk", "Carol Helpdesk", "Helpdesk", True, {}),
    ("dave.exchange", "Dave Exchange", "Messaging admin", True, {}),
    ("erin.identity", "Erin Identity", "IAM engineer", True, {}),
    ("frank.synced", "Frank Synced", "Infrastructure admin", True, {"synced": True}),
    ("grace.approver", "Grace Approver", "CISO", True, {}),
    ("heidi.auditor", "Heidi Auditor", "Internal audit", True, {}),
    ("ivan.intune", "Ivan Intune", "Endpoint admin", True, {}),
    ("judy.apps", "Judy Apps", "App owner", True, {}),
    ("mallory.contractor", "Mallory Contractor", "Contractor", False, {"guest": True}),
    ("niaj.sharepoint", "Niaj SharePoint", "Collaboration admin", True, {}),
    ("olivia.teams", "Olivia Teams", "Collaboration admin", True, {}),
    ("peggy.billing", "Peggy Billing", "Finance", True, {}),
    ("rupert.security", "Rupert Security", "SOC analyst", True, {}),
    ("sybil.reader", "Sybil Reader", "Analyst", True, {}),
    ("trent.dev", "Trent Dev", "Developer", True, {}),
    ("victor.ops", "Victor Ops", "Operations", True, {}),
    ("walter.pim", "Walter PIM", "Platform engineer", True, {}),
    ("wendy.nomfa", "Wendy NoMFA", "Platform engineer", False, {}),
]
_GROUPS = [
    ("PIM-Exchange-Admins", True, ["dave.exchange", "niaj.sharepoint"]),
    ("PIM-Approvers-Tier0", True, ["grace.approver", "alice.admin"]),
    ("Helpdesk-Operators", True, ["carol.helpdesk", "victor.ops"]),
    ("All-Staff", False, ["alice.admin", "bob.secops", "heidi.auditor", "group:Helpdesk-Operators"]),
]
# principal, role, kind, permanent, duration, outsidePim, scope
_COMMON = [
    ("breakglass1", "Global Administrator", "active", True, None, False, "/"),
    ("breakglass2", "Global Administrator", "active", True, None, False, "/"),
    ("alice.admin", "Global Administrator", "eligible", False, "P180D", False, "/"),
    ("bob.secops", "Security Administrator", "eligible", False, "P180D", False, "/"),
    ("carol.helpdesk", "Helpdesk Administrator", "eligible", False, "P90D", False, "/"),
    ("walter.pim", "User Administrator", "eligible", False, "P365D", False, "/"),
    ("walter.pim", "Global Reader", "eligible", True, None, False, "/"),
    ("wendy.nomfa", "User Administrator", "eligible", False, "P90D", False, "/"),
    ("grace.approver", "Privileged Role Administrator", "eligible", False, "P180D", False, "/"),
    ("heidi.auditor", "Global Reader", "active", True, None, False, "/"),
    ("sybil.reader", "Directory Readers", "active", True, None, False, "/"),
    ("ivan.intune", "Intune Administrator", "active", False, "P30D", False, "/"),
    ("group:PIM-Exchange-Admins", "Exchange Administrator", "eligible", False, "P180D", False, "/"),
    ("app:pim-admin", "Privileged Role Administrator", "active", True, None, False, "/"),
    # A custom role that shares its name's start with a built-in (see _custom_roles).
    ("victor.ops", "Helpdesk Administrator - Tier 2", "eligible", False, "P90D", False, "/"),
]
_MESSY = [  # a tenant a hardening scan should flag
    ("victor.ops", "Global Administrator", "active", True, None, False, "/"),
    ("trent.dev", "Global Administrator", "active", False, "P30D", False, "/"),
    ("erin.identity", "Global Administrator", "active", True, None, False, "/"),  # 5 GAs in total
    ("dave.exchange", "Exchange Administrator", "active", True, None, True, "/"),  # made outside PIM
    ("frank.synced", "Privileged Role Administrator", "eligible", True, None, False, "/"),  # synced + privileged
    ("frank.synced", "Hybrid Identity Administrator", "active", True, None, False, "/"),
    ("judy.apps", "Application Administrator", "active", True, None, False, "/"),
    ("mallory.contractor", "Cloud Application Administrator", "eligible", True, None, False, "/"),
    ("group:Helpdesk-Operators", "Helpdesk Administrator", "eligible", True, None, False, "/"),
    ("app:ops-automation", "Application Administrator", "active", True, None, False, "/"),
    ("carol.helpdesk", "Password Administrator", "eligible", False, "P90D", False, "au:AU-Europe"),
]
_TIDY = [
    ("erin.identity", "Privileged Authentication Administrator", "eligible", False, "P180D", False, "/"),
    ("niaj.sharepoint", "SharePoint Administrator", "eligible", False, "P365D", False, "/"),
    ("olivia.teams", "Teams Administrator", "eligible", False, "P365D", False, "/"),
    ("rupert.security", "Security Operator", "eligible", False, "P180D", False, "/"),
    ("peggy.billing", "Billing Administrator", "active", False, "P90D", False, "/"),
    ("frank.synced", "Exchange Administrator", "active", False, "P30D", False, "/"),  # synced + privileged
]


# PIM for Groups in every default tenant: PIM-Exchange-Admins is PIM-managed (group, principal, access, kind,
# permanent, duration, outsidePim). PIM-Approvers-Tier0 and Helpdesk-Operators are not (no policy).
_GROUP_PIM = [
    ("PIM-Exchange-Admins", "dave.exchange", "member", "active", True, None, True),  # a plain member
    ("PIM-Exchange-Admins", "niaj.sharepoint", "member", "active", False, "P90D", False),
    ("PIM-Exchange-Admins", "olivia.teams", "member", "eligible", False, "P180D", False),
    ("PIM-Exchange-Admins", "alice.admin", "owner", "eligible", False, "P365D", False),
]


def _group_pim(group, principal, access, kind, permanent, duration, outside) -> dict:
    return {"group": group, "principal": principal, "access": access, "kind": kind, "permanent": permanent,
            "duration": duration, "outsidePim": outside}


def default_apps() -> list[dict]:
    return [
        {"name": "pim-admin", "permissions": ADMIN_PERMISSIONS},
        {"name": "pim-reader", "permissions": READER_PERMISSIONS},
        {"name": "pim-cert", "permissions": ADMIN_PERMISSIONS, "certificate": True},
        {"name": "pim-cli", "public_client": True, "delegated_permissions": DELEGATED_PERMISSIONS},
        {"name": "ops-automation", "permissions": []},
    ]


def _custom_roles(tenant: str) -> list[dict]:
    """Custom directory roles named like built-ins, which broke other PIM tools more than once
    (microsoft/Microsoft365DSC issues 5330 and 5532): a name that differs from a built-in only by case,
    and names that add a suffix to a built-in's name. Name matching must never confuse them.

    Not sure Entra lets a custom role take a built-in's name in another case (the docs do not say); the
    seed holds one anyway, so that the collection is tested against the worst a tenant could hold.
    """
    return [
        {"displayName": "exchange administrator",
         "description": "Custom role: mailbox recipients only (named like the built-in, in lower case)",
         "allowedResourceActions": ["microsoft.directory/users/basic/update"]},
        {"displayName": f"Global Administrator ({tenant.capitalize()})",
         "description": "Custom role: read the directory, reset passwords of non-admins",
         "allowedResourceActions": ["microsoft.directory/users/standard/read"]},
        {"displayName": "Helpdesk Administrator - Tier 2",
         "description": "Custom role: second-line helpdesk",
         "allowedResourceActions": ["microsoft.directory/users/invalidateAllRefreshTokens"]},
    ]


def tier0_review() -> dict:
    """contoso's one access review: quarterly, of every user and group holding Global Administrator or Privileged
    Role Administrator (active and eligible), reviewed by grace.approver. The shape of the Create request of
    Microsoft's tutorial "Review access to privileged roles" (learn.microsoft.com/graph/
    tutorial-accessreviews-privilegedroles: principalResourceMembershipsScope over /users and /groups, a
    roleDefinitions resource scope, absoluteMonthly every 3 months, no end), with both tier-0 roles as resources.
    ``{user:...}``, ``{role:...}`` and ``{today}`` are resolved by build_tenant."""
    query = {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "queryType": "MicrosoftGraph"}
    return {
        "displayName": "Quarterly review of tier-0 roles",
        "descriptionForAdmins": "Review access of users and groups to Global Administrator and Privileged Role "
                                "Administrator",
        "descriptionForReviewers": "Confirm that each person or group still needs this tier-0 role.",
        "scope": {"@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
                  "principalScopes": [{**query, "query": "/users"}, {**query, "query": "/groups"}],
                  "resourceScopes": [
                      {**query, "query": "/roleManagement/directory/roleDefinitions/{role:Global Administrator}"},
                      {**query, "query": "/roleManagement/directory/roleDefinitions/"
                                         "{role:Privileged Role Administrator}"}]},
        "reviewers": [{"query": "/users/{user:grace.approver}", "queryType": "MicrosoftGraph"}],
        "settings": {"mailNotificationsEnabled": True, "reminderNotificationsEnabled": True,
                     "justificationRequiredOnApproval": True, "defaultDecisionEnabled": False,
                     "defaultDecision": "None", "instanceDurationInDays": 14, "recommendationsEnabled": False,
                     "recurrence": {"pattern": {"type": "absoluteMonthly", "interval": 3},
                                    "range": {"type": "noEnd", "startDate": "{today}"}}},
    }


def default_seed_document() -> dict:
    tenants = []
    for name, extra in (("contoso", _MESSY), ("fabrikam", _TIDY), ("northwind", _TIDY[:3])):
        users = [{"name": key, "displayName": dn, "jobTitle": job, "mfa": mfa,
                  "onPremisesImmutableId": (_b64id(name, key) if ex.get("synced") else None),
                  "userType": "Guest" if ex.get("guest") else "Member"} for key, dn, job, mfa, ex in _USERS]
        tenants.append({
            "name": name,
            "users": users,
            "groups": [{"displayName": g, "isAssignableToRole": a, "members": m} for g, a, m in _GROUPS],
            "apps": default_apps(),
            "administrativeUnits": [{"displayName": "AU-Europe", "members": ["carol.helpdesk", "victor.ops"]},
                                    {"displayName": "AU-Americas", "members": ["trent.dev"]}],
            "customRoles": _custom_roles(name),
            "assignments": [_assignment(*a) for a in _COMMON + extra],
            "group_pim": [_group_pim(*g) for g in _GROUP_PIM],
            "access_reviews": [tier0_review()] if name == "contoso" else [],
            "azure": default_azure(),
        })
    return {"tenants": tenants}


def _b64id(tenant: str, key: str) -> str:
    import base64

    return base64.b64encode(uuid.uuid5(NS, f"{tenant}/onprem/{key}").bytes).decode()


def _assignment(principal, role, kind, permanent, duration, outside, scope) -> dict:
    return {"principal": principal, "role": role, "kind": kind, "permanent": permanent, "duration": duration,
            "outsidePim": outside, "scope": scope}


# ----------------------------------------------------------------------------------------- generator


def generate_seed_document(tenants: int, principals: int, seed: int = 42, pim_groups: int | None = None,
                           subscriptions: int = 2) -> dict:
    """N tenants with M principals each and a proportional assignment mix, for scale tests.

    ``pim_groups``: how many of each tenant's groups PIM manages (default: all of them; more than the
    tenant has adds groups, e.g. 50 for the bench's group scan). A managed group keeps its members as
    active members (the first outside PIM, the others through PIM, time-bound), and gains eligible
    members and an eligible owner drawn from the other users. Its own random generator keeps every
    directory-role assignment exactly what the seed gave without groups."""
    rng = random.Random(seed)
    roles = builtin_roles()
    privileged = [r["displayName"] for r in roles if r["isPrivileged"] and r["displayName"] != "Global Administrator"]
    other = [r["displayName"] for r in roles if not r["isPrivileged"]]
    docs = []
    for t in range(1, tenants + 1):
        users = [{"name": f"user{i:05d}", "displayName": f"User {i:05d}", "mfa": rng.random() < 0.9}
                 for i in range(1, principals + 1)]
        users[:2] = [{"name": "breakglass1", "displayName": "Break Glass 1", "mfa": True},
                     {"name": "breakglass2", "displayName": "Break Glass 2", "mfa": True}][: len(users[:2])]
        ngroups = max(1, principals // 20)
        groups = [{"displayName": f"PIM-Group-{g:03d}", "isAssignableToRole": True,
                   "members": [u["name"] for u in rng.sample(users, min(5, len(users)))]}
                  for g in range(1, ngroups + 1)]
        assignments = [_assignment(u["name"], "Global Administrator", "active", True, None, False, "/")
                       for u in users[:2]]
        for u in users[2:]:
            roll = rng.random()
            role = rng.choice(privileged if rng.random() < 0.6 else other)
            if roll < 0.40:
                assignments.append(_assignment(u["name"], role, "eligible", False, rng.choice(["P90D", "P180D"]),
                                               False, "/"))
            elif roll < 0.50:
                assignments.append(_assignment(u["name"], role, "eligible", True, None, False, "/"))
            elif roll < 0.65:
                assignments.append(_assignment(u["name"], role, "active", False, "P30D", False, "/"))
            elif roll < 0.70:
                assignments.append(_assignment(u["name"], role, "active", True, None, rng.random() < 0.3, "/"))
        for g in groups:
            assignments.append(_assignment("group:" + g["displayName"], rng.choice(privileged), "eligible", False,
                                           "P180D", False, "/"))
        group_rng = random.Random(f"{seed}/groups/{t}")
        managed = len(groups) if pim_groups is None else pim_groups
        for g in range(len(groups) + 1, managed + 1):  # extra groups, with no role: PIM for Groups only
            groups.append({"displayName": f"PIM-Group-{g:03d}", "isAssignableToRole": True,
                           "members": [u["name"] for u in group_rng.sample(users, min(5, len(users)))]})
        group_pim = []
        for g in groups[:managed]:
            for n, member in enumerate(g["members"]):
                group_pim.append(_group_pim(g["displayName"], member, "member", "active", n == 0,
                                            None if n == 0 else "P90D", n == 0))
            others = [u["name"] for u in users if u["name"] not in g["members"]]
            for n, extra in enumerate(group_rng.sample(others, min(3, len(others)))):
                group_pim.append(_group_pim(g["displayName"], extra, "owner" if n == 2 else "member", "eligible",
                                            False, "P180D", False))
        docs.append({"name": f"tenant{t:03d}", "users": users, "groups": groups, "apps": default_apps(),
                     "administrativeUnits": [{"displayName": "AU-1", "members": []}], "assignments": assignments,
                     "group_pim": group_pim,
                     # Azure: subscriptions x (built-in + custom) roles policies, for the bench's Azure scan.
                     "azure": generated_azure(subscriptions, [u["name"] for u in users[2:]])})
    return {"tenants": docs}


# ----------------------------------------------------------------------------------------- building


def build_seed(settings, clock: Clock) -> list[Tenant]:
    if settings.tenants:
        doc = generate_seed_document(settings.tenants, settings.principals,
                                     pim_groups=getattr(settings, "pim_groups", None),
                                     subscriptions=getattr(settings, "subscriptions", 2))
    elif settings.seed in (None, "", "default"):
        doc = default_seed_document()
    else:
        with open(settings.seed, encoding="utf-8") as fh:
            doc = json.load(fh)
    return [build_tenant(spec, clock) for spec in doc["tenants"]]


def build_tenant(spec: dict, clock: Clock) -> Tenant:
    name = spec["name"]
    tid = spec.get("id") or _id(name, "tenant", name)
    domain = spec.get("domain") or f"{name}.onmicrosoft.com"
    tenant = Tenant(tid, name)
    created = iso(clock.now() - timedelta(days=400))
    names: dict[str, str] = {}  # seed names -> object ids
    exact_roles: dict[str, str] = {}  # role display name, case kept -> id (a custom role may differ by case only)

    for rd in builtin_roles():
        rid = rd["templateId"]
        tenant.coll("roleDefinitions")[rid] = {
            "id": rid, "templateId": rid, "displayName": rd["displayName"], "description": rd["description"],
            # isPrivileged is beta only (unifiedRoleDefinition, graph-rest-beta; not in the v1.0 resource page nor
            # msgraph-sdk's v1.0 model): kept internal, never answered on v1.0.
            "isBuiltIn": True, "isEnabled": True, "_isPrivileged": rd["isPrivileged"], "resourceScopes": ["/"],
            "version": "1", "inheritsPermissionsFrom": [],
            # Real definitions list hundreds of actions; one representative entry keeps the shape.
            "rolePermissions": [{"allowedResourceActions": [_action(rd["displayName"])], "condition": None}],
        }
        names["role:" + rd["displayName"].lower()] = rid
        exact_roles[rd["displayName"]] = rid

    for cr in spec.get("customRoles", []):
        # A custom role's shape as "Create unifiedRoleDefinition" (POST /roleManagement/directory/roleDefinitions,
        # learn.microsoft.com/graph/api/rbacapplication-post-roledefinitions) answers it: a new GUID as id,
        # templateId equal to the id, isBuiltIn false, version null. The uuid5 keeps the name's case, so
        # names that differ only by case get different ids.
        rid = cr.get("id") or str(uuid.uuid5(NS, f"{name}/customrole/{cr['displayName']}"))
        tenant.coll("roleDefinitions")[rid] = {
            "id": rid, "templateId": rid, "displayName": cr["displayName"], "description": cr.get("description"),
            "isBuiltIn": False, "isEnabled": bool(cr.get("isEnabled", True)),
            "_isPrivileged": bool(cr.get("isPrivileged", False)), "resourceScopes": ["/"], "version": None,
            "inheritsPermissionsFrom": [],
            "rolePermissions": [{"allowedResourceActions": list(cr.get("allowedResourceActions") or []),
                                 "condition": None}],
        }
        names.setdefault("role:" + cr["displayName"].lower(), rid)  # a built-in keeps its case-insensitive name
        exact_roles[cr["displayName"]] = rid

    for u in spec.get("users", []):
        key = u["name"]
        upn = u.get("userPrincipalName") or (f"{key}@{domain}" if u.get("userType") != "Guest"
                                             else f"{key}_example.com#EXT#@{domain}")
        uid = u.get("id") or _id(name, "user", key)
        given, _, sur = (u.get("displayName") or key).partition(" ")
        tenant.coll("users")[uid] = {
            "id": uid, "displayName": u.get("displayName") or key, "userPrincipalName": upn,
            "mail": upn if u.get("userType") != "Guest" else f"{key}@example.com", "givenName": given,
            "surname": sur or None, "jobTitle": u.get("jobTitle"), "accountEnabled": u.get("accountEnabled", True),
            "userType": u.get("userType", "Member"), "onPremisesImmutableId": u.get("onPremisesImmutableId"),
            "onPremisesSyncEnabled": True if u.get("onPremisesImmutableId") else None,
            "businessPhones": [], "mobilePhone": None, "officeLocation": None, "preferredLanguage": "en-US",
            "createdDateTime": created,
            "_password": u.get("password") or _password(), "_mfa": bool(u.get("mfa", True)),
        }
        names[key.lower()] = uid

    for app in spec.get("apps", []):
        aname = app["name"]
        app_id = app.get("client_id") or _id(name, "appid", aname)
        obj_id = _id(name, "application", aname)
        record = {
            "id": obj_id, "appId": app_id, "displayName": aname, "signInAudience": "AzureADMyOrg",
            "isFallbackPublicClient": bool(app.get("public_client")), "createdDateTime": created,
            "passwordCredentials": [], "keyCredentials": [],
            "_permissions": list(app.get("permissions", [])),
            "_delegated_permissions": list(app.get("delegated_permissions", [])),
            "_public_client": bool(app.get("public_client")),
        }
        if not app.get("public_client"):
            record["_secret"] = app.get("client_secret") or secrets.token_urlsafe(30)
            record["passwordCredentials"].append({
                "keyId": _id(name, "secret", aname), "displayName": "emulator", "hint": record["_secret"][:3],
                "startDateTime": created, "endDateTime": iso(clock.now() + timedelta(days=365)),
                "customKeyIdentifier": None, "secretText": None})
        if app.get("certificate"):
            key_pem, cert_pem = tls.make_client_certificate(f"{aname}.{domain}")
            record.update({"_key_pem": key_pem, "_cert_pem": cert_pem, "_cert_thumbprint": tls.thumbprint(cert_pem)})
            record["keyCredentials"].append({
                "keyId": _id(name, "cert", aname), "displayName": f"CN={aname}.{domain}", "type": "AsymmetricX509Cert",
                "usage": "Verify", "customKeyIdentifier": record["_cert_thumbprint"], "key": None,
                "startDateTime": created, "endDateTime": iso(clock.now() + timedelta(days=730))})
        tenant.coll("applications")[obj_id] = record
        sp_id = _id(name, "sp", aname)
        tenant.coll("servicePrincipals")[sp_id] = _sp(sp_id, app_id, aname, created, tid)
        names["app:" + aname.lower()] = sp_id
    graph_sp = _id(name, "sp", "microsoft graph")
    tenant.coll("servicePrincipals")[graph_sp] = _sp(graph_sp, GRAPH_APP_ID, "Microsoft Graph", created,
                                                     MICROSOFT_SERVICES_TENANT)

    for g in spec.get("groups", []):
        gid = g.get("id") or _id(name, "group", g["displayName"])
        tenant.coll("groups")[gid] = {
            "id": gid, "displayName": g["displayName"], "description": g.get("description"),
            "isAssignableToRole": bool(g.get("isAssignableToRole")), "securityEnabled": True, "mailEnabled": False,
            "mailNickname": g["displayName"].lower(), "groupTypes": [], "visibility": "Private" if
            g.get("isAssignableToRole") else None, "createdDateTime": created, "_members": [],
        }
        names["group:" + g["displayName"].lower()] = gid
    for g in spec.get("groups", []):
        group = tenant.coll("groups")[names["group:" + g["displayName"].lower()]]
        group["_members"] = [names[m.lower()] for m in g.get("members", []) if m.lower() in names]
        if g.get("owners"):
            # Owners as List group owners answers them (users or service principals); plain, not through PIM.
            group["_owners"] = [names[m.lower()] for m in g["owners"] if m.lower() in names]

    for au in spec.get("administrativeUnits", []):
        auid = au.get("id") or _id(name, "au", au["displayName"])
        tenant.coll("administrativeUnits")[auid] = {
            "id": auid, "displayName": au["displayName"], "description": au.get("description"), "visibility": None,
            "membershipType": None, "_members": [names[m.lower()] for m in au.get("members", []) if m.lower() in names],
        }
        names["au:" + au["displayName"].lower()] = auid

    assignments = []
    for a in spec.get("assignments", []):
        principal = names.get(a["principal"].lower())
        # The exact name first: "exchange administrator" (custom) is not "Exchange Administrator" (built-in).
        role = (exact_roles.get(a["role"]) or names.get("role:" + a["role"].lower())
                or (a["role"] if a["role"] in tenant.coll("roleDefinitions") else None))
        if principal is None or role is None:
            log.warning("seed %s: skipping assignment %s (unknown principal or role)", name, a)
            continue
        scope = a.get("scope", "/")
        if scope.startswith("au:"):
            scope = "/administrativeUnits/" + names[scope.lower()]
        assignments.append({"kind": a["kind"], "principalId": principal, "roleDefinitionId": role,
                            "directoryScopeId": scope, "permanent": bool(a.get("permanent")),
                            "duration": None if a.get("permanent") else a.get("duration") or "P90D",
                            "outsidePim": bool(a.get("outsidePim"))})
        user = tenant.coll("users").get(principal)
        if user is not None:
            user.setdefault("_seed_roles", []).append(f"{a['kind']}:{a['role']}")
    group_pim = []
    for e in spec.get("group_pim", []):
        gid = names.get("group:" + str(e.get("group", "")).lower())
        principal = names.get(str(e.get("principal", "")).lower()) if e.get("principal") else None
        access = str(e.get("access") or "member").lower()
        if gid is None or (e.get("principal") and principal is None) or access not in ("member", "owner") \
                or e.get("kind", "eligible") not in ("eligible", "active"):
            log.warning("seed %s: skipping group_pim entry %s (unknown group or principal, bad access or kind)",
                        name, e)
            continue
        group_pim.append({"groupId": gid, "principalId": principal, "accessId": access,
                          "kind": e.get("kind", "eligible"), "permanent": bool(e.get("permanent")),
                          "duration": None if e.get("permanent") else e.get("duration") or "P90D",
                          "outsidePim": bool(e.get("outsidePim"))})
    seed_tenant(tenant, clock, assignments, group_pim)
    seed_azure(tenant, clock, spec.get("azure"))
    if spec.get("access_reviews"):
        refs = {**names, "today": iso(clock.now())[:10]}
        seed_access_reviews(tenant, clock, [_resolve_refs(r, refs, exact_roles) for r in spec["access_reviews"]])
    return tenant


_REF = re.compile(r"\{(user|group|app|role|today)(?::([^{}]+))?\}")


def _resolve_refs(value, names: dict[str, str], exact_roles: dict[str, str]):
    """Seed names inside an access review body: {user:NAME}, {group:NAME}, {app:NAME}, {role:NAME} become ids,
    {today} the seed's date. An unknown name stays as written (the review's validation then names it)."""
    if isinstance(value, dict):
        return {k: _resolve_refs(v, names, exact_roles) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_refs(v, names, exact_roles) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match) -> str:
        kind, ref = m[1], (m[2] or "")
        if kind == "today":
            return names["today"]
        if kind == "role":
            return exact_roles.get(ref) or names.get("role:" + ref.lower(), m[0])
        key = ref.lower() if kind == "user" else f"{kind}:{ref.lower()}"
        return names.get(key, m[0])
    return _REF.sub(one, value)


# The tenant that owns Microsoft's first-party apps (Microsoft Graph's appOwnerOrganizationId in every tenant).
MICROSOFT_SERVICES_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"


def _sp(sp_id: str, app_id: str, name: str, created: str, owner_tenant: str) -> dict:
    """A service principal: the properties the seed knows; the rest of Graph's default set answers its default
    (directory.SP_DEFAULTS). appOwnerOrganizationId is the app's home tenant (servicePrincipal resource type,
    v1.0): this tenant for its own apps, Microsoft's for Microsoft Graph."""
    return {"id": sp_id, "appId": app_id, "displayName": name, "appDisplayName": name,
            "servicePrincipalType": "Application", "accountEnabled": True, "servicePrincipalNames": [app_id],
            "appOwnerOrganizationId": owner_tenant, "tags": [],
            "_createdDateTime": created}  # no v1.0 property (see below)


def _action(name: str) -> str:
    if name == "Global Administrator":
        return "microsoft.directory/*/allTasks"
    if name.endswith("Reader") or name.endswith("Readers"):
        return "microsoft.directory/*/standard/read"
    return "microsoft.directory/" + name.lower().replace(" administrator", "").replace(" ", "") + "/allTasks"


def write_seed_file(doc: dict, path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
