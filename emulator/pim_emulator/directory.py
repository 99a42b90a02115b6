"""Directory objects, the model: users, groups, service principals, applications, administrative units;
their permission sets, errors, visibility and lookups. The Graph routes that read them are in
``routes/graph_directory.py``, their handlers in ``responses/graph_directory/directory_objects.py``.

Only reads are emulated through Graph: the collection resolves names to ids, it never writes the
directory. Tests create principals through the admin API (``create_object``), which is how a principal
made seconds before a run is emulated: with the read-after-write lag on, a new object is left out of every
read (lists, ``/{id}``, ``getByIds``) until the emulated clock passes its creation time plus the lag,
and, when asked, for its next N reads (deterministic, for tests). Entra ID replicates directory writes
asynchronously ("Best practices for working with Microsoft Graph": a read right after a write may not
see it yet; kayasax/EasyPIM issue 22 is a principal created just before a PIM run).
Permission failures answer as the directory service does (403 ``Authorization_RequestDenied``),
which differs from the PIM service's JSON-in-a-string errors.
"""

from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime, timezone

from . import odata
from .contract import GraphError, GraphRequest, Tenant, iso

DIR_RW = {"Directory.Read.All", "Directory.ReadWrite.All"}
USERS_READ = DIR_RW | {"User.Read.All", "User.ReadWrite.All", "User.ReadBasic.All"}
GROUPS_READ = DIR_RW | {"Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", "GroupMember.ReadWrite.All"}
APPS_READ = DIR_RW | {"Application.Read.All", "Application.ReadWrite.All"}
AU_READ = DIR_RW | {"AdministrativeUnit.Read.All", "AdministrativeUnit.ReadWrite.All"}
ORG_READ = DIR_RW | {"Organization.Read.All", "Organization.ReadWrite.All", "User.Read"}
ROLEDEF_READ = DIR_RW | {"RoleManagement.Read.Directory", "RoleManagement.Read.All",
                         "RoleManagement.ReadWrite.Directory"}
TYPE_READ = {"user": USERS_READ, "group": GROUPS_READ, "serviceprincipal": APPS_READ, "application": APPS_READ,
             "administrativeunit": AU_READ}

# Graph's default property set for users: anything else only with $select (e.g. onPremisesImmutableId).
USER_DEFAULT = ["id", "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                "officeLocation", "preferredLanguage", "surname", "userPrincipalName"]
# Graph's default property sets of the other directory types: what a read without $select answers, per the
# v1.0 pages "List groups", "List servicePrincipals", "List administrativeUnits" (their example answers) and the
# group / servicePrincipal / administrativeUnit resource types; every name is a v1.0 property (msgraph-sdk's
# generated models, checked by conformance.py). Values here are the defaults for a tenant without that data
# (null, [], false); a stored object's own value wins (seed.py, create_object). Not sent: the servicePrincipal
# example's publisherName, which msgraph-sdk's v1.0 model does not declare (conformance would flag it).
_INFO_URLS = {"termsOfServiceUrl": None, "supportUrl": None, "privacyStatementUrl": None, "marketingUrl": None,
              "logoUrl": None}
GROUP_DEFAULTS: dict = {
    "deletedDateTime": None, "classification": None, "createdDateTime": None, "description": None,
    "displayName": None, "expirationDateTime": None, "groupTypes": [], "isAssignableToRole": None, "mail": None,
    "mailEnabled": False, "mailNickname": None, "membershipRule": None, "membershipRuleProcessingState": None,
    "onPremisesDomainName": None, "onPremisesLastSyncDateTime": None, "onPremisesNetBiosName": None,
    "onPremisesSamAccountName": None, "onPremisesSecurityIdentifier": None, "onPremisesSyncEnabled": None,
    "preferredDataLocation": None, "preferredLanguage": None, "proxyAddresses": [], "renewedDateTime": None,
    "resourceBehaviorOptions": [], "resourceProvisioningOptions": [], "securityEnabled": True,
    "securityIdentifier": None, "theme": None, "uniqueName": None, "visibility": None,
    "onPremisesProvisioningErrors": [], "serviceProvisioningErrors": [],
}
SP_DEFAULTS: dict = {
    "deletedDateTime": None, "accountEnabled": True, "alternativeNames": [], "appDisplayName": None,
    "appDescription": None, "appId": None, "applicationTemplateId": None, "appOwnerOrganizationId": None,
    "appRoleAssignmentRequired": False, "description": None, "disabledByMicrosoftStatus": None,
    "displayName": None, "homepage": None, "loginUrl": None, "logoutUrl": None, "notes": None,
    "notificationEmailAddresses": [], "preferredSingleSignOnMode": None, "preferredTokenSigningKeyThumbprint": None,
    "replyUrls": [], "servicePrincipalNames": [], "servicePrincipalType": "Application",
    "signInAudience": "AzureADMyOrg", "tags": [], "tokenEncryptionKeyId": None, "samlSingleSignOnSettings": None,
    "addIns": [], "appRoles": [], "info": _INFO_URLS, "keyCredentials": [], "oauth2PermissionScopes": [],
    "passwordCredentials": [], "resourceSpecificApplicationPermissions": [], "verifiedPublisher": {
        "displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
}
AU_DEFAULTS: dict = {
    "deletedDateTime": None, "displayName": None, "description": None, "isMemberManagementRestricted": None,
    "membershipRule": None, "membershipType": None, "membershipRuleProcessingState": None, "visibility": None,
}
# A user's full object (getByIds, or a $select): the stored properties and these v1.0 ones, unset in the seed.
USER_FULL_DEFAULTS: dict = {
    "deletedDateTime": None, "accountEnabled": True, "ageGroup": None, "assignedLicenses": [], "assignedPlans": [],
    "businessPhones": [], "city": None, "companyName": None, "consentProvidedForMinor": None, "country": None,
    "createdDateTime": None, "creationType": None, "department": None, "displayName": None, "employeeId": None,
    "employeeHireDate": None, "employeeType": None, "externalUserState": None,
    "externalUserStateChangeDateTime": None, "faxNumber": None, "givenName": None, "identities": [],
    "imAddresses": [], "jobTitle": None, "legalAgeGroupClassification": None, "mail": None, "mailNickname": None,
    "mobilePhone": None, "officeLocation": None, "onPremisesDistinguishedName": None, "onPremisesDomainName": None,
    "onPremisesImmutableId": None, "onPremisesLastSyncDateTime": None, "onPremisesSamAccountName": None,
    "onPremisesSecurityIdentifier": None, "onPremisesSyncEnabled": None, "onPremisesUserPrincipalName": None,
    "otherMails": [], "passwordPolicies": None, "postalCode": None, "preferredDataLocation": None,
    "preferredLanguage": None, "provisionedPlans": [], "proxyAddresses": [], "securityIdentifier": None,
    "showInAddressList": None, "signInSessionsValidFromDateTime": None, "state": None, "streetAddress": None,
    "surname": None, "usageLocation": None, "userPrincipalName": None, "userType": "Member",
    "onPremisesProvisioningErrors": [], "serviceProvisioningErrors": [],
}
DEFAULTS = {"groups": GROUP_DEFAULTS, "servicePrincipals": SP_DEFAULTS, "administrativeUnits": AU_DEFAULTS,
            "users": USER_FULL_DEFAULTS}
ODATA_TYPE = {"users": "#microsoft.graph.user", "groups": "#microsoft.graph.group",
              "servicePrincipals": "#microsoft.graph.servicePrincipal", "applications": "#microsoft.graph.application",
              "administrativeUnits": "#microsoft.graph.administrativeUnit"}
TYPE_NAMES = {"user": "users", "group": "groups", "serviceprincipal": "servicePrincipals",
              "application": "applications", "administrativeunit": "administrativeUnits"}


def denied() -> GraphError:
    return GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def not_found(oid: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound", f"Resource '{oid}' does not exist or one of its queried "
                      "reference-property objects are not present.")


def method_not_allowed() -> GraphError:
    return GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")


# -- read-after-write lag -------------------------------------------------------------------------

def _now_ts(req: GraphRequest) -> float:
    """The emulated clock's now, as the HTTP layer passed it (real time when it did not)."""
    return req.now if req.now is not None else datetime.now(timezone.utc).timestamp()


def _lagging(obj: dict) -> bool:
    return "_visible_after" in obj or obj.get("_hidden_reads", 0) > 0


def visible(obj: dict, now: float) -> bool:
    """Whether a read answered now may return ``obj``; a read that would have returned it but may not
    uses up one of its ``_hidden_reads``."""
    va = obj.get("_visible_after")
    if va is not None and va > now:
        return False
    hidden = obj.get("_hidden_reads", 0)
    if hidden > 0:
        obj["_hidden_reads"] = hidden - 1
        return False
    return True


def visible_items(items: list[dict], req: GraphRequest) -> list[dict]:
    """A list read: lagging objects that the request's ``$filter`` selects are left out (and use up a hidden
    read); objects it does not select are not "read" and keep their count."""
    if not any(_lagging(o) for o in items):
        return items
    now = _now_ts(req)
    selected = {id(o) for o in odata.apply_filter(items, req.query.get("$filter"))}
    return [o for o in items if not _lagging(o) or id(o) not in selected or visible(o, now)]


def preselect(objects: dict[str, dict], filter_text: str | None) -> list[dict] | None:
    """The only objects of a collection a list read's ``$filter`` can select when it pins ``id`` down
    (``id eq '..'``, ``id in (..)``, possibly and-ed with other terms), in the collection's order; None when
    it does not (or does not parse: the general path then answers the 400 as before).

    The compliance scan resolves principals with ``id in`` 15 ids at a time, thousands of times on a large
    tenant: picking the candidates here keeps each read from copying and filtering every object. Only the
    keys are scanned (objects are stored under their ``id``, see create_object and seed.py), casefolded as
    ``$filter`` compares strings, so the order and a stored id's case give the same answer as a full read.
    The caller still applies the whole filter to the candidates.
    """
    if not filter_text:
        return None
    try:
        wanted = odata.pinned_values(odata.parse_filter(filter_text), "id")
    except GraphError:
        return None
    if wanted is None:
        return None
    return [objects[k] for k in objects if k.casefold() in wanted]


def create_object(tenant: Tenant, kind: str, doc: dict, now: float, lag_ms: int) -> dict:
    """Admin API: a new user, group or service principal, as if made through Graph just now.

    ``lag_ms`` (the emulator's read-after-write lag, or ``doc["lag_ms"]`` for this object only) hides it until
    the emulated clock passes now + lag; ``doc["hidden_reads"]`` hides it from its next N reads whatever the
    clock says.
    """
    lag_ms = int(doc.get("lag_ms", lag_ms) or 0)
    coll = {"users": "users", "groups": "groups", "serviceprincipals": "servicePrincipals"}.get(kind.lower())
    if coll is None:
        raise ValueError(f"kind must be users, groups or servicePrincipals, not {kind!r}")
    name = doc.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("displayName is required")
    hidden = int(doc.get("hidden_reads") or 0)
    if hidden < 0:
        raise ValueError("hidden_reads must be 0 or more")
    domain = f"{tenant.name}.onmicrosoft.com"
    oid = str(doc.get("id") or uuid.uuid4())
    if find_any(tenant, oid, None) is not None:
        raise ValueError(f"an object with id {oid} exists already")
    created = iso(datetime.fromtimestamp(now, timezone.utc))
    if coll == "users":
        upn = doc.get("userPrincipalName") or f"{name.lower().replace(' ', '.')}@{domain}"
        if find_user(tenant, upn) is not None:
            raise ValueError(f"userPrincipalName {upn} exists already")
        given, _, sur = name.partition(" ")
        obj = {"id": oid, "displayName": name, "userPrincipalName": upn, "mail": upn, "givenName": given,
               "surname": sur or None, "jobTitle": doc.get("jobTitle"), "accountEnabled": True,
               "userType": "Member", "onPremisesImmutableId": None, "onPremisesSyncEnabled": None,
               "businessPhones": [], "mobilePhone": None, "officeLocation": None, "preferredLanguage": None,
               "createdDateTime": created, "_mfa": bool(doc.get("mfa", True))}
    elif coll == "groups":
        members = [_member_id(tenant, m) for m in doc.get("members") or []]
        owners = [_member_id(tenant, m) for m in doc.get("owners") or []]
        assignable = bool(doc.get("isAssignableToRole"))
        obj = {"id": oid, "displayName": name, "description": doc.get("description"),
               "isAssignableToRole": assignable, "securityEnabled": True, "mailEnabled": False,
               "mailNickname": re.sub(r"[^a-z0-9-]", "", name.lower()) or "group", "groupTypes": [],
               "visibility": "Private" if assignable else None, "createdDateTime": created, "_members": members,
               "_owners": owners}
    else:
        app_id = str(doc.get("appId") or uuid.uuid4())
        obj = {"id": oid, "appId": app_id, "displayName": name, "appDisplayName": name,
               "servicePrincipalType": "Application", "accountEnabled": True, "servicePrincipalNames": [app_id],
               # v1.0 servicePrincipal has no createdDateTime (servicePrincipal resource type; msgraph-sdk's model):
               # kept internal only.
               "appOwnerOrganizationId": tenant.id, "tags": [], "_createdDateTime": created}
    if lag_ms > 0:
        obj["_visible_after"] = now + lag_ms / 1000.0
    if hidden:
        obj["_hidden_reads"] = hidden
    tenant.coll(coll)[oid] = obj
    return {k: v for k, v in obj.items() if not k.startswith("_") or k in ("_visible_after", "_hidden_reads")}


def _member_id(tenant: Tenant, ref) -> str:
    ref = str(ref)
    user = find_user(tenant, ref)
    if user is not None:
        return user["id"]
    if find_any(tenant, ref, None) is not None:
        return ref
    raise ValueError(f"unknown member {ref!r}: give an object id or a user principal name")


def typed(coll: str, obj: dict, select: str | None = None, full: bool = False) -> dict:
    """A directory object in a polymorphic answer (members, getByIds): ``@odata.type`` first. ``full``: every
    property the emulator has, users included (getByIds: "The directory objects returned are the full objects
    containing all their properties", directoryObject: getByIds, v1.0)."""
    return {"@odata.type": ODATA_TYPE[coll], **plain(coll, obj, select or ("*" if full else None))}


def plain(coll: str, obj: dict, select: str | None = None) -> dict:
    """A directory object in a typed answer (/users...): no ``@odata.type``; users trimmed to the
    default property set unless a ``$select`` asks for more. Every type carries its Graph default
    property set (DEFAULTS): what the stored object lacks answers its default value."""
    if coll == "users" and not select:
        return {k: obj.get(k) for k in USER_DEFAULT}
    template = _TEMPLATES.get(coll)
    if template is None:
        return dict(obj)
    # Every list read builds each object of the tenant this way (its $filter may name any property): a copy
    # of the immutable defaults, then only the lists, objects and derived values the object lacks.
    out = dict(template)
    for key in _FILLED[coll]:
        if key not in obj:
            out[key] = _default(coll, obj, key, DEFAULTS[coll][key])
    out.update(obj)
    return out


def _default(coll: str, obj: dict, key: str, default):
    """The value of a default property the stored object does not hold: derived from the object where
    Graph derives it, else a fresh copy of the static default (lists and objects must not be shared)."""
    if key == "renewedDateTime":  # a group never renewed: its creation time (List groups' example)
        return obj.get("createdDateTime")
    if key == "securityIdentifier":
        return cloud_sid(str(obj.get("id") or ""))
    if key == "mailNickname":
        return str(obj.get("userPrincipalName") or "").partition("@")[0] or None
    if key == "proxyAddresses" and coll == "users" and obj.get("mail"):
        return [f"SMTP:{obj['mail']}"]
    if key == "identities" and obj.get("userPrincipalName"):
        upn = obj["userPrincipalName"]
        return [{"signInType": "userPrincipalName", "issuer": upn.partition("@")[2],
                 "issuerAssignedId": upn}]
    return [] if default == [] else dict(default) if isinstance(default, dict) else default


# Per type: which default properties plain() must fill per object (lists, objects, derived values), and a
# template of the rest (immutable, so one copy per answer is enough).
_DERIVED = {"groups": {"renewedDateTime", "securityIdentifier"},
            "users": {"securityIdentifier", "mailNickname", "proxyAddresses", "identities"}}
_FILLED = {coll: tuple(k for k, v in defaults.items() if isinstance(v, (list, dict)) or k in _DERIVED.get(coll, ()))
           for coll, defaults in DEFAULTS.items()}
_TEMPLATES = {coll: {"id": None, **{k: (None if k in _FILLED[coll] else v) for k, v in defaults.items()}}
              for coll, defaults in DEFAULTS.items()}


@functools.lru_cache(maxsize=65536)
def cloud_sid(object_id: str) -> str | None:
    """The security identifier Entra ID gives a cloud-only user or group: ``S-1-12-1-`` and the object id's
    16 bytes read as four little-endian 32-bit numbers (as the List groups and user resource pages show
    ``S-1-12-1-...`` values). None for an id that is not a GUID."""
    try:
        raw = uuid.UUID(object_id).bytes_le
    except ValueError:
        return None
    parts = [int.from_bytes(raw[i:i + 4], "little") for i in range(0, 16, 4)]
    return "S-1-12-1-" + "-".join(str(p) for p in parts)


def find_user(tenant: Tenant, ref: str) -> dict | None:
    users = tenant.coll("users")
    if ref in users:
        return users[ref]
    low = ref.lower()
    return next((u for u in users.values() if u.get("userPrincipalName", "").lower() == low), None)


def readable(obj: dict | None, req: GraphRequest) -> dict | None:
    """One object read by id: None (404) while it lags."""
    if obj is None or not _lagging(obj):
        return obj
    return obj if visible(obj, _now_ts(req)) else None


def members_of(tenant: Tenant, group: dict, transitive: bool,
               seen: set[str] | None = None, member_ids=None) -> list[tuple[str, dict]]:
    """``member_ids(group) -> ids``: who the group's members are (default: its stored ``_members``; the PIM
    engine adds the members PIM for Groups makes active right now)."""
    seen = seen if seen is not None else set()
    out: list[tuple[str, dict]] = []
    ids = member_ids(group) if member_ids is not None else group.get("_members", [])
    for mid in ids:
        if mid in seen:
            continue
        seen.add(mid)
        for coll in ("users", "groups", "servicePrincipals"):
            obj = tenant.coll(coll).get(mid)
            if obj is not None:
                out.append((coll, obj))
                if transitive and coll == "groups":
                    out.extend(members_of(tenant, obj, True, seen, member_ids))
                break
    return out


def find_any(tenant: Tenant, oid: str, types: list[str] | None) -> tuple[str, dict] | None:
    colls = [TYPE_NAMES[t] for t in types] if types else list(TYPE_NAMES.values())
    for coll in colls:
        obj = tenant.coll(coll).get(oid)
        if obj is not None:
            return coll, obj
    return None
