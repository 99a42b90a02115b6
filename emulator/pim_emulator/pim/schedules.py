"""Eligibility and assignment schedules (stored) and their instances (derived from schedules + clock).

Stored collections, per surface (``surfaces.Surface``): roleEligibilitySchedules, roleAssignmentSchedules (PIM)
and roleAssignments (classic assignments made outside PIM) for directory roles; groupEligibilitySchedules and
groupAssignmentSchedules for PIM for Groups, whose assignments outside PIM are the plain members and owners of
a PIM-managed group (``classic_items``). Internal fields: ``_start``/``_end`` (epoch seconds, ``_end`` None =
permanent), ``_ordinal`` (instance id disambiguator), ``_activatedUsing`` (eligibility schedule id of an
activation). Expired schedules move to ``_expiredSchedules`` (kept so that adminRenew can revive them).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ..contract import Tenant, iso
from . import audit, directory
from .durations import from_epoch
from .ids import (
    arm_instance_name, arm_origin_assignment_name, group_instance_id, group_outside_pim_id, group_schedule_id,
    group_schedule_instance_id, instance_id, is_guid,
)
from .surfaces import AZURE, DIRECTORY, GROUP_POLICY_ASSIGNMENTS, GROUPS, SURFACES, Surface, of_collection

if TYPE_CHECKING:
    from ..contract import GraphRequest
    from .engine import PimEngine

ELIG, ASSIGN, CLASSIC, EXPIRED = DIRECTORY.elig, DIRECTORY.assign, DIRECTORY.classic, DIRECTORY.expired
NEVER_MODIFIED = "0001-01-01T08:00:00Z"  # what Graph's samples show for a schedule never modified


def managed_groups(tenant: Tenant) -> set[str]:
    """Groups PIM manages: those with a policy (created by their first schedule request, or seeded)."""
    return {a["scopeId"] for a in tenant.coll(GROUP_POLICY_ASSIGNMENTS).values()}


def classic_items(eng: PimEngine, sf: Surface = DIRECTORY, group_id: str | None = None) -> list[dict]:
    """Active assignments made outside PIM. Directory roles: stored roleAssignments. Groups: the plain members
    and owners of every PIM-managed group (group membership made through the groups API, which PIM shows as a
    permanent active assignment without a schedule, as it does a directory assignment made outside PIM)."""
    if sf.classic:
        return list(eng.tenant.coll(sf.classic).values())
    groups = eng.tenant.coll("groups")
    out = []
    managed = managed_groups(eng.tenant)
    for gid in sorted(managed if group_id is None else managed & {group_id}):
        g = groups.get(gid)
        if g is None:
            continue
        for access, key in (("member", "_members"), ("owner", "_owners")):
            for pid in g.get(key) or []:
                out.append({"id": group_outside_pim_id(gid, access, pid), "accessId": access, "groupId": gid,
                            "principalId": pid, "_createdDateTime": g.get("createdDateTime")})
    return out


def remove_classic(eng: PimEngine, sf: Surface, obj: dict) -> None:
    if sf.classic:
        eng.tenant.coll(sf.classic).pop(obj["id"], None)
        return
    g = eng.tenant.coll("groups").get(obj["groupId"]) or {}
    key = "_members" if obj["accessId"] == "member" else "_owners"
    g[key] = [p for p in g.get(key) or [] if p != obj["principalId"]]


def find(eng: PimEngine, coll: str, principal: str, role: str, dir_scope: str | None, app_scope: str | None,
         assignment_type: str | None = None) -> dict | None:
    """``coll`` names the surface (surfaces.of_collection); ``assignment_type`` is spelled as for directory
    roles (Assigned, Activated) and compared in the surface's own spelling."""
    sf = of_collection(coll)
    key = (principal, role, dir_scope, app_scope)
    wanted = sf.enum(assignment_type)
    items = classic_items(eng, sf) if coll == sf.classic else eng.tenant.coll(coll).values()
    for s in items:
        if sf.key(s) == key and (wanted is None or s.get("assignmentType") == wanted):
            return s
    return None


def find_classic(eng: PimEngine, sf: Surface, principal: str, role: str, dir_scope: str | None,
                 app_scope: str | None) -> dict | None:
    key = (principal, role, dir_scope, app_scope)
    return next((c for c in classic_items(eng, sf, dir_scope if sf is GROUPS else None) if sf.key(c) == key), None)


def find_active(eng: PimEngine, principal: str, role: str, dir_scope: str | None, app_scope: str | None,
                sf: Surface = DIRECTORY):
    """The PIM assignment schedule or classic assignment that makes the principal active there."""
    return find(eng, sf.assign, principal, role, dir_scope, app_scope) or find_classic(
        eng, sf, principal, role, dir_scope, app_scope)


def next_ordinal(eng: PimEngine, eligible: bool, role: str, principal: str) -> int:
    colls = (ELIG,) if eligible else (ASSIGN, CLASSIC)
    used = {s.get("_ordinal", 1) for c in colls for s in eng.tenant.coll(c).values()
            if s["roleDefinitionId"] == role and s["principalId"] == principal}
    n = 1
    while n in used:
        n += 1
    return n


def schedule_info(start: datetime | None, end: datetime | None) -> dict:
    # Schedules show the resolved end as afterDateTime whatever the request asked (afterDuration included).
    if end is None:
        return {"startDateTime": iso(start), "recurrence": None,
                "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None}}
    return {"startDateTime": iso(start), "recurrence": None,
            "expiration": {"type": "afterDateTime", "endDateTime": iso(end), "duration": None}}


def create(eng: PimEngine, coll: str, sid: str, principal: str, role: str, dir_scope: str | None,
           app_scope: str | None, start: datetime, end: datetime | None, created_using: str,
           assignment_type: str | None = None, activated_using: str | None = None,
           member_type: str = "Direct") -> dict:
    """A new schedule. Enum arguments are spelled as for directory roles and stored in the surface's spelling.
    A group schedule given a bare request id gets Graph's ``{groupId}_{accessId}_{requestGuid}`` id."""
    sf = of_collection(coll)
    if sf is GROUPS and is_guid(sid):
        sid = group_schedule_id(dir_scope or "", role, sid)
    s = {"id": sid, **sf.target(principal, role, dir_scope, app_scope),
         "createdUsing": created_using, "createdDateTime": iso(eng.now()),
         "modifiedDateTime": NEVER_MODIFIED, "status": "Provisioned", "memberType": sf.enum(member_type),
         "scheduleInfo": schedule_info(start, end),
         "_start": start.timestamp(), "_end": end.timestamp() if end else None}
    if sf is DIRECTORY:
        s["_ordinal"] = next_ordinal(eng, coll == ELIG, role, principal)
    if coll == sf.assign:
        s["assignmentType"] = sf.enum(assignment_type or "Assigned")
        s["_activatedUsing"] = activated_using
    va = eng.visible_after()
    if va:
        s["_visible_after"] = va
    eng.tenant.coll(coll)[sid] = s
    return s


def reschedule(eng: PimEngine, s: dict, start: datetime, end: datetime | None, request_id: str | None = None) -> str:
    """adminUpdate/adminExtend/adminRenew change the existing schedule in place. Directory roles keep its id
    (so targetScheduleId of such a request is the original schedule id, not the request id); on a surface
    whose schedules take the new request's id (``new_schedule_on_update``), it moves to that id and the
    activations made with it follow. Answers the schedule's id."""
    s["scheduleInfo"] = schedule_info(start, end)
    s["_start"], s["_end"] = start.timestamp(), (end.timestamp() if end else None)
    s["modifiedDateTime"] = iso(eng.now())
    coll = next(c for sf in SURFACES for c in (sf.elig, sf.assign) if eng.tenant.coll(c).get(s["id"]) is s)
    sf = of_collection(coll)
    if request_id and sf.new_schedule_on_update:
        old = s["id"]
        store = eng.tenant.coll(coll)
        del store[old]
        s["id"] = group_schedule_id(s["groupId"], s["accessId"], request_id)
        s["createdUsing"] = request_id
        store[s["id"]] = s
        for a in [*eng.tenant.coll(sf.assign).values(), *eng.tenant.coll(sf.assign_req).values()]:
            if a.get("_activatedUsing") == old:
                a["_activatedUsing"] = s["id"]
    return s["id"]


def create_classic(eng: PimEngine, principal: str, role: str, dir_scope: str | None, app_scope: str | None) -> dict:
    ordinal = next_ordinal(eng, False, role, principal)
    cid = instance_id(role, principal, ordinal)
    c = {"id": cid, "principalId": principal, "roleDefinitionId": role, "directoryScopeId": dir_scope,
         "appScopeId": app_scope, "_ordinal": ordinal, "_createdDateTime": iso(eng.now())}
    va = eng.visible_after()
    if va:
        c["_visible_after"] = va
    eng.tenant.coll(CLASSIC)[cid] = c
    return c


def remove(eng: PimEngine, coll: str, sid: str) -> None:
    eng.tenant.coll(coll).pop(sid, None)


# ---- expiry --------------------------------------------------------------------------------------

def sweep(eng: PimEngine) -> None:
    """Expire schedules whose end has passed, writing PIM's audit record at the moment they ended."""
    now = eng.now().timestamp()
    for sf in SURFACES:
        for coll in (sf.elig, sf.assign):
            store = eng.tenant.coll(coll)
            for sid in [sid for sid, s in store.items() if s["_end"] is not None and s["_end"] <= now]:
                s = store.pop(sid)
                eng.tenant.coll(sf.expired)[sid] = {**s, "_kind": coll}
                if coll == sf.elig:
                    activity = "Remove eligible member from role in PIM completed (timebound)"
                elif s.get("assignmentType") == sf.activated:
                    activity = "Remove member from role (PIM activation expired)"
                else:
                    activity = "Remove member from role in PIM completed (timebound)"
                audit.write_for(eng, sf, None, activity, "Unassign" if coll == sf.assign else "Delete", s,
                                details={"ScheduleId": sid, "ExpirationTime": iso(from_epoch(s["_end"]))},
                                when=from_epoch(s["_end"]))


# ---- views ---------------------------------------------------------------------------------------

def schedule_view(s: dict) -> dict:
    return {k: v for k, v in s.items() if not k.startswith("_")} | (
        {"_activatedUsing": s.get("_activatedUsing")} if "assignmentType" in s else {}) | (
        {"_visible_after": s["_visible_after"]} if "_visible_after" in s else {})


def classic_schedule_view(c: dict, sf: Surface = DIRECTORY) -> dict:
    """An assignment made outside PIM, as the assignment schedules show it: id == classic id."""
    target = sf.target(c["principalId"], sf.role_of(c), *sf.key(c)[2:])
    return {"id": c["id"], **target, "createdUsing": c["id"],
            "createdDateTime": c.get("_createdDateTime"), "modifiedDateTime": NEVER_MODIFIED,
            "status": "Provisioned", "memberType": sf.direct, "assignmentType": sf.assigned,
            "scheduleInfo": {"startDateTime": None, "recurrence": None,
                             "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None}},
            "_activatedUsing": None} | ({"_visible_after": c["_visible_after"]} if "_visible_after" in c else {})


def _stored(eng: PimEngine, coll: str, group_id: str | None) -> list[dict]:
    items = eng.tenant.coll(coll).values()
    return [s for s in items if s.get("groupId") == group_id] if group_id is not None else list(items)


def schedules(eng: PimEngine, eligible: bool, sf: Surface = DIRECTORY, group_id: str | None = None) -> list[dict]:
    """``group_id`` (groups surface): only that group's (a group list reads one group: no need to build all)."""
    if eligible:
        return [schedule_view(s) for s in _stored(eng, sf.elig, group_id)]
    return [schedule_view(s) for s in _stored(eng, sf.assign, group_id)] + [
        classic_schedule_view(c, sf) for c in classic_items(eng, sf, group_id)]


def _instance(s: dict, eligible: bool, principal: str, iid: str, member_type: str, sf: Surface = DIRECTORY) -> dict:
    inst = {"id": iid, **sf.target(principal, sf.role_of(s), *sf.key(s)[2:]),
            "startDateTime": iso(from_epoch(s.get("_start"))), "endDateTime": iso(from_epoch(s.get("_end"))),
            "memberType": member_type}
    if eligible:
        inst[sf.elig_schedule_id_field] = s["id"]
    else:
        inst["assignmentType"] = s.get("assignmentType", sf.assigned)
        if sf is DIRECTORY:
            inst["roleAssignmentOriginId"] = instance_id(s["roleDefinitionId"], s["principalId"],
                                                         s.get("_ordinal", 1))
        inst[sf.assign_schedule_id_field] = s["id"]
        inst["_activatedUsing"] = s.get("_activatedUsing")
    if "_visible_after" in s:
        inst["_visible_after"] = s["_visible_after"]
    return inst


def _direct_instance_id(s: dict, eligible: bool, sf: Surface) -> str:
    if sf is DIRECTORY:
        return instance_id(s["roleDefinitionId"], s["principalId"], s.get("_ordinal", 1), eligible)
    if sf is AZURE:
        # An active instance is named as the RBAC role assignment PIM made for it (the 2020-10-01 example of
        # "Role Assignment Schedule Instances - List For Scope": name == originRoleAssignmentId's last segment).
        return arm_instance_name(s["id"]) if eligible else arm_origin_assignment_name(s["id"])
    return group_schedule_instance_id(s["id"])


def instances(eng: PimEngine, eligible: bool, sf: Surface = DIRECTORY, group_id: str | None = None) -> list[dict]:
    """Current instances: started, not ended. A group's instance is repeated for each member with
    memberType "Group" (Graph reports inherited access this way; the id format of those rows is ours)."""
    now = eng.now().timestamp()
    stored = _stored(eng, sf.elig if eligible else sf.assign, group_id)
    out = []
    for s in stored:
        if s["_start"] > now or (s["_end"] is not None and s["_end"] <= now):
            continue
        out.append(_instance(s, eligible, s["principalId"], _direct_instance_id(s, eligible, sf),
                             s.get("memberType", sf.direct), sf))
    if not eligible:
        for c in classic_items(eng, sf, group_id):
            inst = _instance({**c, "_start": None, "_end": None}, False, c["principalId"], c["id"], sf.direct, sf)
            inst[sf.assign_schedule_id_field] = c["id"]  # outside PIM: id == origin id == schedule id
            out.append(inst)
    inherited = []
    index = directory.pim_member_index(eng.tenant, now)
    for inst in out:
        if inst["principalId"] in eng.tenant.coll("groups") and inst["memberType"] == sf.direct:
            for member in directory.group_members(eng.tenant, inst["principalId"], now, index=index):
                row = dict(inst, principalId=member, memberType=sf.via_group)
                if sf is DIRECTORY:
                    row["id"] = group_instance_id(inst["roleDefinitionId"], member, inst["principalId"], 1, eligible)
                elif sf is AZURE:
                    row["id"] = arm_instance_name(inst["id"], member)
                else:
                    row["id"] = f"{inst['id']}_{member}"  # ours: Graph's id of an inherited group row is undocumented
                inherited.append(row)
    return out + inherited


def eligibility_for(eng: PimEngine, principal: str, role: str, dir_scope: str | None,
                    app_scope: str | None, sf: Surface = DIRECTORY, also_scopes: tuple = ()) -> dict | None:
    """The eligibility schedule (direct first, then via a group) that lets ``principal`` activate; at the scope
    itself first, then at ``also_scopes`` (the parent scopes an Azure resource role eligibility is inherited from)."""
    now = eng.now().timestamp()
    candidates = [principal, *directory.groups_of(eng.tenant, principal, now)]
    for scope in (dir_scope, *also_scopes):
        for pid in candidates:
            s = find(eng, sf.elig, pid, role, scope, app_scope)
            if s and s["_start"] <= now and (s["_end"] is None or s["_end"] > now):
                return s
    return None


def holds_role(eng: PimEngine, principal: str, roles: set[str]) -> bool:
    """Whether ``principal`` is active (directly or through a group) in one of ``roles`` right now."""
    return any(i["principalId"] == principal and i["roleDefinitionId"] in roles for i in instances(eng, False))


# ---- paging --------------------------------------------------------------------------------------
# A list read is built once per query and its pages are served from that snapshot. Rebuilding it for
# every page (every instance derived, cloned and expanded again, to hand 100 of them out) made reading
# N items cost O(N^2 / page size): 140 pages of 14,000 eligibility instances took 41 s of server time.
#
# The HTTP layer pages with ``$skiptoken`` = an offset into the list it is handed (graph.py), and its
# @odata.nextLink repeats the query with only the token changed. So the first page (no ``$skiptoken``)
# always builds a fresh list and keeps it, keyed by the route, the caller and the query without the
# token; a request carrying a token reads the kept list, so every offset points into the same list and
# the cursor stays valid while the tenant changes: no item is skipped or repeated because something was
# added or removed between two pages, and what changed shows on the next first page. Microsoft documents
# that a nextLink must be followed as returned and that the skip token is opaque ("Paging Microsoft
# Graph data in your app", learn.microsoft.com/graph/paging); it does not document how long one stays
# usable, so a kept list lives SNAPSHOT_TTL_S of emulated time (a token older than that is served from a
# fresh build, as before) and at most SNAPSHOT_LIMIT lists are kept per tenant.
SNAPSHOT_LIMIT = 8
SNAPSHOT_TTL_S = 600.0
_SNAPSHOTS: weakref.WeakKeyDictionary[Tenant, OrderedDict] = weakref.WeakKeyDictionary()


def paged_list(eng: PimEngine, req: GraphRequest, route: str, build: Callable[[], list[dict]]) -> list[dict]:
    """The full list for ``req``: ``build()`` on a first page, the kept list for a later page.

    The list is shared between the pages and is not copied again: the HTTP layer only reads it
    (filter, order, slice, select and strip make new objects), so ``build`` must return items
    nobody else holds (a clone, with ``$expand`` already applied).
    """
    key = (route, req.caller.app_id, req.caller.user_id, req.version,
           tuple(sorted((k, v) for k, v in req.query.items() if k != "$skiptoken")))
    kept = _SNAPSHOTS.setdefault(eng.tenant, OrderedDict())
    now = eng.now().timestamp()
    if "$skiptoken" in req.query:
        hit = kept.get(key)
        if hit is not None and 0 <= now - hit[0] <= SNAPSHOT_TTL_S:
            kept.move_to_end(key)
            return hit[1]
    items = build()
    kept[key] = (now, items)
    kept.move_to_end(key)
    while len(kept) > SNAPSHOT_LIMIT:
        kept.popitem(last=False)
    return items
