"""Directory reads: users, /me, groups (+ members), service principals, applications, administrative units,
organization, directoryObjects (+ getByIds) and role definitions. Only reads: the collection resolves names
to ids here, it never writes the directory (tests create principals through the admin API)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import directory
from ...pim import directory as pim_directory
from ...contract import Collection, GraphError, GraphRequest
from ...directory import (
    DIR_RW, TYPE_NAMES, TYPE_READ, denied, find_any, find_user, members_of, not_found, plain, readable, typed,
    visible_items,
)

if TYPE_CHECKING:
    from ...pim.engine import PimEngine


def _entity(req: GraphRequest, context: str, coll: str, obj: dict, select: str | None) -> dict:
    return {"@odata.context": f"{req.base_url}/$metadata#{context}/$entity", **plain(coll, obj, select)}


def _list(eng: PimEngine, req: GraphRequest, coll: str, context: str) -> tuple[int, Collection]:
    # Full objects: $filter may use any property; graph.py trims users to USER_DEFAULT when there is no $select.
    # A $filter that pins ids down reads only those objects (preselect): the whole filter still runs on them
    # (visible_items, graph.shape_collection), so the answer is that of reading every object.
    objects = eng.tenant.coll(coll)
    picked = directory.preselect(objects, req.query.get("$filter"))
    source = list(objects.values()) if picked is None else picked
    # Full objects carry every default property (directory.DEFAULTS) and cost more to build: a users read that
    # neither filters, orders nor selects is answered with the default set (graph.py) and needs no more.
    q = req.query
    full = "*" if coll != "users" or any(q.get(o) for o in ("$filter", "$orderby", "$select")) else None
    items = [plain(coll, o, full) for o in visible_items(source, req)]
    return 200, Collection(items, context)


def _one(eng: PimEngine, req: GraphRequest, coll: str, context: str, oid: str) -> tuple[int, dict]:
    obj = readable(eng.tenant.coll(coll).get(oid), req)
    if obj is None:
        raise not_found(oid)
    return 200, _entity(req, context, coll, obj, req.query.get("$select"))


def _members(eng: PimEngine, req: GraphRequest, coll: str, oid: str, transitive: bool,
             select: bool = True, access: str = "member") -> tuple[int, Collection]:
    container = eng.tenant.coll(coll).get(oid)
    if container is None:
        raise not_found(oid)
    member_ids = None
    if coll == "groups":
        # A group's members (owners) are its plain ones and those PIM for Groups makes active right now, for
        # their window only ("Activate your group membership or ownership in PIM": active membership is
        # membership); evaluated against the emulated clock at every read.
        now = eng.now().timestamp()
        member_ids = lambda g: pim_directory.group_members(eng.tenant, g["id"], now, access)  # noqa: E731
    members = members_of(eng.tenant, container, transitive=transitive, member_ids=member_ids)
    sel = req.query.get("$select") if select else None
    return 200, Collection([typed(c, o, sel) for c, o in members], "directoryObjects")


def get_me(eng: PimEngine, req: GraphRequest) -> tuple[int, dict]:
    caller = req.caller
    if caller.is_app_only:
        raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
    user = eng.tenant.coll("users").get(caller.user_id or "")
    if user is None:
        raise not_found(caller.user_id or "me")
    return 200, _entity(req, "users", "users", user, req.query.get("$select"))


def list_users(eng: PimEngine, req: GraphRequest) -> tuple[int, Collection]:
    return _list(eng, req, "users", "users")


def get_user(eng: PimEngine, req: GraphRequest, user_id: str) -> tuple[int, dict]:
    """By object id or userPrincipalName."""
    user = readable(find_user(eng.tenant, user_id), req)
    if user is None:
        raise not_found(user_id)
    return 200, _entity(req, "users", "users", user, req.query.get("$select"))


def list_groups(eng: PimEngine, req: GraphRequest) -> tuple[int, Collection]:
    return _list(eng, req, "groups", "groups")


def get_group(eng: PimEngine, req: GraphRequest, group_id: str) -> tuple[int, dict]:
    return _one(eng, req, "groups", "groups", group_id)


def list_group_members(eng: PimEngine, req: GraphRequest, group_id: str) -> tuple[int, Collection]:
    return _members(eng, req, "groups", group_id, transitive=False)


def list_group_transitive_members(eng: PimEngine, req: GraphRequest, group_id: str) -> tuple[int, Collection]:
    return _members(eng, req, "groups", group_id, transitive=True)


def list_group_owners(eng: PimEngine, req: GraphRequest, group_id: str) -> tuple[int, Collection]:
    """GET /groups/{id}/owners (List group owners, v1.0): directoryObjects, plain owners and PIM-active ones."""
    return _members(eng, req, "groups", group_id, transitive=False, access="owner")


def list_service_principals(eng: PimEngine, req: GraphRequest) -> tuple[int, Collection]:
    return _list(eng, req, "servicePrincipals", "servicePrincipals")


def get_service_principal(eng: PimEngine, req: GraphRequest, sp_id: str) -> tuple[int, dict]:
    return _one(eng, req, "servicePrincipals", "servicePrincipals", sp_id)


def _by_app_id(eng: PimEngine, req: GraphRequest, coll: str, app_id: str) -> tuple[int, dict]:
    """Alternate-key addressing, ``/servicePrincipals(appId='{appId}')`` (Get servicePrincipal) and
    ``/applications(appId='{appId}')`` (Get application)."""
    app_id = app_id.strip("'")
    obj = readable(next((o for o in eng.tenant.coll(coll).values() if o.get("appId") == app_id), None), req)
    if obj is None:
        raise not_found(app_id)
    return 200, _entity(req, coll, coll, obj, None)


def get_service_principal_by_app_id(eng: PimEngine, req: GraphRequest, app_id: str) -> tuple[int, dict]:
    return _by_app_id(eng, req, "servicePrincipals", app_id)


def list_applications(eng: PimEngine, req: GraphRequest) -> tuple[int, Collection]:
    return _list(eng, req, "applications", "applications")


def get_application(eng: PimEngine, req: GraphRequest, app_object_id: str) -> tuple[int, dict]:
    return _one(eng, req, "applications", "applications", app_object_id)


def get_application_by_app_id(eng: PimEngine, req: GraphRequest, app_id: str) -> tuple[int, dict]:
    return _by_app_id(eng, req, "applications", app_id)


AU_CTX = "directory/administrativeUnits"


def list_administrative_units(eng: PimEngine, req: GraphRequest) -> tuple[int, Collection]:
    return _list(eng, req, "administrativeUnits", AU_CTX)


def get_administrative_unit(eng: PimEngine, req: GraphRequest, au_id: str) -> tuple[int, dict]:
    return _one(eng, req, "administrativeUnits", AU_CTX, au_id)


def list_administrative_unit_members(eng: PimEngine, req: GraphRequest, au_id: str) -> tuple[int, Collection]:
    return _members(eng, req, "administrativeUnits", au_id, transitive=False, select=False)


def list_organization(eng: PimEngine, req: GraphRequest) -> tuple[int, Collection]:
    tenant = eng.tenant
    org = {"id": tenant.id, "displayName": tenant.name.capitalize(), "tenantType": "AAD",
           "verifiedDomains": [{"name": f"{tenant.name}.onmicrosoft.com", "isDefault": True, "isInitial": True,
                                "type": "Managed", "capabilities": "Email, OfficeCommunicationsOnline"}]}
    return 200, Collection([org], "organization")


def get_directory_object(eng: PimEngine, req: GraphRequest, object_id: str) -> tuple[int, dict]:
    hit = find_any(eng.tenant, object_id, None)
    if hit is None or readable(hit[1], req) is None:
        raise not_found(object_id)
    return 200, {"@odata.context": f"{req.base_url}/$metadata#directoryObjects/$entity",
                 **typed(hit[0], hit[1], req.query.get("$select"))}


def get_by_ids(eng: PimEngine, req: GraphRequest) -> tuple[int, dict]:
    """POST directoryObjects/getByIds: Directory.Read.All always works; otherwise each requested type needs its
    own read permission (the route leaves the check to this handler)."""
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
    permissions = req.caller.permissions
    if not permissions & DIR_RW:
        if not types or any(not permissions & TYPE_READ[t] for t in types):
            raise denied()
    found = []
    for oid in ids:
        hit = find_any(eng.tenant, str(oid), types or None)
        if hit is not None and readable(hit[1], req) is not None:
            found.append(typed(hit[0], hit[1], full=True))
    return 200, {"@odata.context": f"{req.base_url}/$metadata#directoryObjects", "value": found}


ROLEDEF_CTX = "roleManagement/directory/roleDefinitions"


def list_role_definitions(eng: PimEngine, req: GraphRequest) -> tuple[int, Collection]:
    return 200, Collection(list(eng.tenant.coll("roleDefinitions").values()), ROLEDEF_CTX)


def get_role_definition(eng: PimEngine, req: GraphRequest, role_id: str) -> tuple[int, dict]:
    """By id or by templateId."""
    defs = eng.tenant.coll("roleDefinitions")
    rd = defs.get(role_id) or next((d for d in defs.values() if d.get("templateId") == role_id), None)
    if rd is None:
        raise directory.not_found(role_id)
    return 200, {"@odata.context": f"{req.base_url}/$metadata#{ROLEDEF_CTX}/$entity", **rd}
