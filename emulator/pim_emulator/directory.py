"""Directory objects: users, groups, service principals, applications, administrative units,
role definitions, ``directoryObjects/getByIds`` and ``/me``.

Only reads are emulated through Graph: the collection resolves names to ids here, it never writes the
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

import re
import uuid
from datetime import datetime, timezone

from . import odata
from .contract import Caller, Collection, GraphError, GraphRequest, Tenant, iso, pim_permission_error

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
ODATA_TYPE = {"users": "#microsoft.graph.user", "groups": "#microsoft.graph.group",
              "servicePrincipals": "#microsoft.graph.servicePrincipal", "applications": "#microsoft.graph.application",
              "administrativeUnits": "#microsoft.graph.administrativeUnit"}
TYPE_NAMES = {"user": "users", "group": "groups", "serviceprincipal": "servicePrincipals",
              "application": "applications", "administrativeunit": "administrativeUnits"}


def denied() -> GraphError:
    return GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def require(caller: Caller, allowed: set[str]) -> None:
    if not caller.permissions & allowed:
        raise denied()


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


def _visible_items(items: list[dict], req: GraphRequest) -> list[dict]:
    """A list read: lagging objects that the request's ``$filter`` selects are left out (and use up a hidden
    read); objects it does not select are not "read" and keep their count."""
    if not any(_lagging(o) for o in items):
        return items
    now = _now_ts(req)
    selected = {id(o) for o in odata.apply_filter(items, req.query.get("$filter"))}
    return [o for o in items if not _lagging(o) or id(o) not in selected or visible(o, now)]


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
    if _find_any(tenant, oid, None) is not None:
        raise ValueError(f"an object with id {oid} exists already")
    created = iso(datetime.fromtimestamp(now, timezone.utc))
    if coll == "users":
        upn = doc.get("userPrincipalName") or f"{name.lower().replace(' ', '.')}@{domain}"
        if _find_user(tenant, upn) is not None:
            raise ValueError(f"userPrincipalName {upn} exists already")
        given, _, sur = name.partition(" ")
        obj = {"id": oid, "displayName": name, "userPrincipalName": upn, "mail": upn, "givenName": given,
               "surname": sur or None, "jobTitle": doc.get("jobTitle"), "accountEnabled": True,
               "userType": "Member", "onPremisesImmutableId": None, "onPremisesSyncEnabled": None,
               "businessPhones": [], "mobilePhone": None, "officeLocation": None, "preferredLanguage": None,
               "createdDateTime": created, "_mfa": bool(doc.get("mfa", True))}
    elif coll == "groups":
        members = [_member_id(tenant, m) for m in doc.get("members") or []]
        assignable = bool(doc.get("isAssignableToRole"))
        obj = {"id": oid, "displayName": name, "description": doc.get("description"),
               "isAssignableToRole": assignable, "securityEnabled": True, "mailEnabled": False,
               "mailNickname": re.sub(r"[^a-z0-9-]", "", name.lower()) or "group", "groupTypes": [],
               "visibility": "Private" if assignable else None, "createdDateTime": created, "_members": members}
    else:
        app_id = str(doc.get("appId") or uuid.uuid4())
        obj = {"id": oid, "appId": app_id, "displayName": name, "appDisplayName": name,
               "servicePrincipalType": "Application", "accountEnabled": True, "servicePrincipalNames": [app_id],
               # v1.0 servicePrincipal has no createdDateTime (servicePrincipal resource type; msgraph-sdk's model):
               # kept internal only.
               "appOwnerOrganizationId": None, "tags": [], "_createdDateTime": created}
    if lag_ms > 0:
        obj["_visible_after"] = now + lag_ms / 1000.0
    if hidden:
        obj["_hidden_reads"] = hidden
    tenant.coll(coll)[oid] = obj
    return {k: v for k, v in obj.items() if not k.startswith("_") or k in ("_visible_after", "_hidden_reads")}


def _member_id(tenant: Tenant, ref) -> str:
    ref = str(ref)
    user = _find_user(tenant, ref)
    if user is not None:
        return user["id"]
    if _find_any(tenant, ref, None) is not None:
        return ref
    raise ValueError(f"unknown member {ref!r}: give an object id or a user principal name")


def typed(coll: str, obj: dict, select: str | None = None) -> dict:
    """A directory object in a polymorphic answer (members, getByIds): ``@odata.type`` first."""
    return {"@odata.type": ODATA_TYPE[coll], **plain(coll, obj, select)}


def plain(coll: str, obj: dict, select: str | None = None) -> dict:
    """A directory object in a typed answer (/users...): no ``@odata.type``; users trimmed to the
    default property set unless a ``$select`` asks for more."""
    if coll == "users" and not select:
        return {k: obj.get(k) for k in USER_DEFAULT}
    return dict(obj)


def _users_view(tenant: Tenant, req: GraphRequest) -> list[dict]:
    # Full objects: $filter may use any property; graph.py trims to USER_DEFAULT when there is no $select.
    return [plain("users", u, "*") for u in _visible_items(list(tenant.coll("users").values()), req)]


def _find_user(tenant: Tenant, ref: str) -> dict | None:
    users = tenant.coll("users")
    if ref in users:
        return users[ref]
    low = ref.lower()
    return next((u for u in users.values() if u.get("userPrincipalName", "").lower() == low), None)


def _readable(obj: dict | None, req: GraphRequest) -> dict | None:
    """One object read by id: None (404) while it lags."""
    if obj is None or not _lagging(obj):
        return obj
    return obj if visible(obj, _now_ts(req)) else None


def _members(tenant: Tenant, group: dict, transitive: bool, seen: set[str] | None = None) -> list[tuple[str, dict]]:
    seen = seen if seen is not None else set()
    out: list[tuple[str, dict]] = []
    for mid in group.get("_members", []):
        if mid in seen:
            continue
        seen.add(mid)
        for coll in ("users", "groups", "servicePrincipals"):
            obj = tenant.coll(coll).get(mid)
            if obj is not None:
                out.append((coll, obj))
                if transitive and coll == "groups":
                    out.extend(_members(tenant, obj, True, seen))
                break
    return out


def _one_or_many(coll: str, tenant: Tenant, rest: list[str], req: GraphRequest, context: str):
    objects = tenant.coll(coll)
    if not rest:
        items = [plain(coll, o, "*") for o in _visible_items(list(objects.values()), req)]
        return 200, Collection(items, context)
    obj = objects.get(rest[0])
    if len(rest) == 1:
        obj = _readable(obj, req)
    if obj is None:
        raise not_found(rest[0])
    if len(rest) == 1:
        return 200, {"@odata.context": f"{req.base_url}/$metadata#{context}/$entity",
                     **plain(coll, obj, req.query.get("$select"))}
    return None


def handle(tenant: Tenant, req: GraphRequest):
    """Answer a directory route, or return None when the path is not one."""
    segs = [s for s in req.path.split("/") if s]
    if not segs:
        return None
    head = segs[0].lower()
    caller = req.caller
    if head == "me":
        if caller.is_app_only:
            raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        _get_only(req)
        user = tenant.coll("users").get(caller.user_id or "")
        if user is None:
            raise not_found(caller.user_id or "me")
        return 200, {"@odata.context": f"{req.base_url}/$metadata#users/$entity",
                     **plain("users", user, req.query.get("$select"))}
    if head == "users":
        _get_only(req)
        require(caller, USERS_READ)
        if len(segs) == 1:
            return 200, Collection(_users_view(tenant, req), "users")
        user = _find_user(tenant, segs[1])
        if len(segs) == 2:
            user = _readable(user, req)
        if user is None:
            raise not_found(segs[1])
        if len(segs) == 2:
            return 200, {"@odata.context": f"{req.base_url}/$metadata#users/$entity",
                         **plain("users", user, req.query.get("$select"))}
        return None
    if head == "groups":
        _get_only(req)
        require(caller, GROUPS_READ)
        answer = _one_or_many("groups", tenant, segs[1:], req, "groups")
        if answer is not None:
            return answer
        if len(segs) == 3 and segs[2].lower() in ("members", "transitivemembers"):
            group = tenant.coll("groups")[segs[1]]
            members = _members(tenant, group, transitive=segs[2].lower() == "transitivemembers")
            return 200, Collection([typed(c, o, req.query.get("$select")) for c, o in members], "directoryObjects")
        return None
    if head in ("serviceprincipals", "applications"):
        _get_only(req)
        require(caller, APPS_READ)
        coll = "servicePrincipals" if head == "serviceprincipals" else "applications"
        if len(segs) == 2 and segs[1].startswith("(appId="):
            # /servicePrincipals(appId='...') alternate key addressing
            app_id = re.sub(r"^\(appId='?|'?\)$", "", segs[1])
            obj = _readable(next((o for o in tenant.coll(coll).values() if o.get("appId") == app_id), None), req)
            if obj is None:
                raise not_found(app_id)
            return 200, {"@odata.context": f"{req.base_url}/$metadata#{coll}/$entity", **plain(coll, obj)}
        return _one_or_many(coll, tenant, segs[1:], req, coll)
    if head == "directory" and len(segs) >= 2 and segs[1].lower() == "administrativeunits":
        _get_only(req)
        require(caller, AU_READ)
        answer = _one_or_many("administrativeUnits", tenant, segs[2:], req, "directory/administrativeUnits")
        if answer is not None:
            return answer
        if len(segs) == 4 and segs[3].lower() == "members":
            au = tenant.coll("administrativeUnits")[segs[2]]
            members = _members(tenant, au, transitive=False)
            return 200, Collection([typed(c, o) for c, o in members], "directoryObjects")
        return None
    if head == "organization":
        _get_only(req)
        require(caller, ORG_READ)
        org = {"id": tenant.id, "displayName": tenant.name.capitalize(), "tenantType": "AAD",
               "verifiedDomains": [{"name": f"{tenant.name}.onmicrosoft.com", "isDefault": True, "isInitial": True,
                                    "type": "Managed", "capabilities": "Email, OfficeCommunicationsOnline"}]}
        return 200, Collection([org], "organization")
    if head == "directoryobjects":
        return _directory_objects(tenant, req, segs)
    if [s.lower() for s in segs[:3]] == ["rolemanagement", "directory", "roledefinitions"]:
        return _role_definitions(tenant, req, segs[3:])
    return None


def _get_only(req: GraphRequest) -> None:
    if req.method != "GET":
        raise method_not_allowed()


def _find_any(tenant: Tenant, oid: str, types: list[str] | None) -> tuple[str, dict] | None:
    colls = [TYPE_NAMES[t] for t in types] if types else list(TYPE_NAMES.values())
    for coll in colls:
        obj = tenant.coll(coll).get(oid)
        if obj is not None:
            return coll, obj
    return None


def _directory_objects(tenant: Tenant, req: GraphRequest, segs: list[str]):
    caller = req.caller
    if len(segs) == 2 and segs[1].lower() == "getbyids":
        if req.method != "POST":
            raise method_not_allowed()
        body = req.body if isinstance(req.body, dict) else {}
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids:
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'ids' of resource "
                             "'GetByIdsRequest'.")
        if len(ids) > 1000:
            raise GraphError(400, "Request_BadRequest", "Too many ids specified. The maximum is 1000.")
        types = [str(t).lower().rpartition(".")[2] for t in body.get("types") or []]
        unknown = [t for t in types if t not in TYPE_NAMES]
        if unknown:
            raise GraphError(400, "Request_BadRequest", f"Invalid value '{unknown[0]}' specified for property "
                             "'types' of resource 'GetByIdsRequest'.")
        # Directory.Read.All always works; otherwise each requested type needs its own read permission.
        if not caller.permissions & DIR_RW:
            if not types or any(not caller.permissions & TYPE_READ[t] for t in types):
                raise denied()
        found = []
        for oid in ids:
            hit = _find_any(tenant, str(oid), types or None)
            if hit is not None and _readable(hit[1], req) is not None:
                found.append(typed(hit[0], hit[1]))
        return 200, {"@odata.context": f"{req.base_url}/$metadata#directoryObjects", "value": found}
    if len(segs) == 2:
        _get_only(req)
        require(caller, DIR_RW)
        hit = _find_any(tenant, segs[1], None)
        if hit is None or _readable(hit[1], req) is None:
            raise not_found(segs[1])
        return 200, {"@odata.context": f"{req.base_url}/$metadata#directoryObjects/$entity",
                     **typed(hit[0], hit[1], req.query.get("$select"))}
    return None


def _role_definitions(tenant: Tenant, req: GraphRequest, rest: list[str]):
    _get_only(req)
    # roleDefinitions is served by the same RBAC service as PIM, so a missing permission is answered in
    # PIM's style; the fact sheet does not record this case, it is our reading of that service split.
    if not req.caller.permissions & ROLEDEF_READ:
        raise pim_permission_error(["RoleManagement.Read.Directory"])
    defs = tenant.coll("roleDefinitions")
    if not rest:
        return 200, Collection(list(defs.values()), "roleManagement/directory/roleDefinitions")
    rd = defs.get(rest[0]) or next((d for d in defs.values() if d.get("templateId") == rest[0]), None)
    if rd is None:
        raise GraphError(404, "Request_ResourceNotFound", f"Resource '{rest[0]}' does not exist or one of its "
                         "queried reference-property objects are not present.")
    if len(rest) == 1:
        return 200, {"@odata.context": f"{req.base_url}/$metadata#roleManagement/directory/roleDefinitions/$entity",
                     **rd}
    return None
