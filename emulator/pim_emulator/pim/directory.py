"""Read-only lookups in the directory objects the HTTP layer owns."""

from __future__ import annotations

from ..contract import Tenant
from .surfaces import GROUPS

_KINDS = (("users", "user"), ("groups", "group"), ("servicePrincipals", "servicePrincipal"))


def find_principal(tenant: Tenant, principal_id: str) -> tuple[dict | None, str | None]:
    for coll, kind in _KINDS:
        obj = tenant.coll(coll).get(principal_id)
        if obj is not None:
            return obj, kind
    return None, None


def find_role(tenant: Tenant, role_id: str) -> dict | None:
    roles = tenant.coll("roleDefinitions")
    role = roles.get(role_id)
    if role is None:  # Graph accepts the template id of a built-in too
        role = next((r for r in roles.values() if r.get("templateId") == role_id), None)
    return role


def service_principal_by_app_id(tenant: Tenant, app_id: str) -> dict | None:
    return next((sp for sp in tenant.coll("servicePrincipals").values() if sp.get("appId") == app_id), None)


def pim_holders(tenant: Tenant, group_id: str | None, access_id: str, now: float) -> list[tuple[str, str]]:
    """(group, principal) pairs that PIM for Groups makes a member (owner) of a group right now: active
    assignment schedules, assigned or activated, whose window holds ``now``. Active membership IS group
    membership (PIM for Groups: "Activate your group membership or ownership"), for the window only."""
    out = []
    for s in tenant.coll(GROUPS.assign).values():
        if s["accessId"] != access_id or (group_id is not None and s["groupId"] != group_id):
            continue
        if s["_start"] <= now and (s["_end"] is None or s["_end"] > now):
            out.append((s["groupId"], s["principalId"]))
    return out


def pim_member_index(tenant: Tenant, now: float, access_id: str = "member") -> dict[str, list[str]]:
    """group -> principals PIM makes members (owners) right now: one pass over the schedules for many groups."""
    index: dict[str, list[str]] = {}
    for gid, pid in pim_holders(tenant, None, access_id, now):
        index.setdefault(gid, []).append(pid)
    return index


def group_members(tenant: Tenant, group_id: str, now: float | None = None, access_id: str = "member",
                  index: dict[str, list[str]] | None = None) -> list[str]:
    """A group's members (or owners): its plain ones and, with ``now``, those PIM makes active right now
    (``index``: a ``pim_member_index`` of the same ``now`` and access, when many groups are asked)."""
    key = "_members" if access_id == "member" else "_owners"
    plain = list(tenant.coll("groups").get(group_id, {}).get(key) or [])
    if now is None:
        return plain
    held = index.get(group_id, []) if index is not None else \
        [p for _g, p in pim_holders(tenant, group_id, access_id, now)]
    return plain + [p for p in held if p not in plain]


def groups_of(tenant: Tenant, principal_id: str, now: float | None = None) -> list[str]:
    plain = [gid for gid, g in tenant.coll("groups").items() if principal_id in (g.get("_members") or [])]
    if now is None:
        return plain
    return plain + [g for g, p in pim_holders(tenant, None, "member", now) if p == principal_id and g not in plain]


def public(obj: dict | None, odata_type: str | None = None) -> dict | None:
    """A directory object as Graph would embed it in an $expand: no internal keys, typed."""
    if obj is None:
        return None
    out = {k: v for k, v in obj.items() if not k.startswith("_")}
    if odata_type and "@odata.type" not in out:
        out = {"@odata.type": f"#microsoft.graph.{odata_type}", **out}
    return out


def principal_view(tenant: Tenant, principal_id: str) -> dict | None:
    obj, kind = find_principal(tenant, principal_id)
    return public(obj, kind)


def scope_view(tenant: Tenant, scope_id: str | None) -> dict | None:
    """directoryScope / appScope expansion. "/" (the tenant) expands to nothing, as in Graph samples."""
    if not scope_id or scope_id == "/":
        return None
    if scope_id.startswith("/administrativeUnits/"):
        return public(tenant.coll("administrativeUnits").get(scope_id.split("/")[2]), "administrativeUnit")
    app_id = scope_id.strip("/")
    return public(tenant.coll("applications").get(app_id), "application")


def scope_exists(tenant: Tenant, scope_id: str) -> bool:
    if scope_id == "/":
        return True
    if scope_id.startswith("/administrativeUnits/"):
        return scope_id.split("/")[2] in tenant.coll("administrativeUnits")
    # An application scope "/{applicationObjectId}"; accept unknown ones when no applications are modelled.
    apps = tenant.coll("applications")
    return not apps or scope_id.strip("/") in apps
