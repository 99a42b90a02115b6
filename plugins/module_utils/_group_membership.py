# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who really holds a directory role held by a group: the group's PIM for Groups membership and ownership.

Private to the collection (leading underscore): may change in any release.

A role-assignable group that holds (or is eligible for) a directory role passes it on to its members, and
PIM for Groups makes that membership itself eligible or active, time-bound or permanent. The compliance scan
(``pim_activation_info`` with ``group_memberships``) reads, for each group holding a role it evaluates:

- the group's eligibility and assignment schedule *instances* of PIM for Groups (Graph requires
  ``$filter=groupId eq '...'`` on these lists, "List eligibilityScheduleInstances" / "List
  assignmentScheduleInstances" of privilegedAccessGroup, so one read per group and list), and
- its members (``GET /groups/{id}/members``), so a member added outside PIM is counted even where PIM for
  Groups does not list it as an active assignment;

all of them sent together through ``GraphSession.read_many`` (20 reads per ``$batch``), then the members'
names and sync status (``getByIds``, ``/users?$filter=id in (...)``) in one more round, only for the
principals the directory-role read did not already name. 50 groups cost ceil(150 / 20) = 8 requests, and
one round for names: a scan's request count grows with the groups only by ``$batch`` paging.

The shaping (``membership_rows``, ``role_groups``) is pure and unit-tested; ``GroupMembershipReader`` is the
only part that talks to Graph.
"""

from __future__ import annotations

from ._activation import (
    SYNC_SELECT, is_synced, principal_kind, principal_label, rows_of_roles, summarize, sync_filters,
)
from ._graph_paths import (
    BY_IDS, PRINCIPAL_TYPES, USERS, by_ids_bodies, group_members_path, group_schedule_reads,
)

ELIGIBLE, ACTIVE = "eligible", "active"
# What the members read asks for: enough to know an object without getByIds.
MEMBER_SELECT = "id,displayName,userPrincipalName"


def groups_holding_roles(rows):
    """``{group id: display name}`` of the groups that hold a role directly in ``rows`` (shaped directory-role
    rows: ``principal_type: group``, ``member_type: direct``), in the order first seen."""
    out = {}
    for row in rows:
        if row.get("principal_type") == "group" and row.get("member_type", "direct") == "direct" \
                and row.get("principal_id"):
            out.setdefault(str(row["principal_id"]).lower(), row.get("principal_display_name") or row.get("principal"))
    return out


def known_principals(rows):
    """``{principal id: {"label", "type", "synced"}}`` of the principals the directory-role read already named,
    so the group read does not ask for them again."""
    out = {}
    for row in rows:
        pid = str(row.get("principal_id") or "").lower()
        if pid and row.get("principal_type"):
            out.setdefault(pid, {"label": row.get("principal"), "type": row.get("principal_type"),
                                 "synced": row.get("synced")})
    return out


def _outside_pim(inst):
    """An active membership made outside PIM (a member added to the group directly): Graph lists it as an
    assignment instance that no PIM schedule made, with no start, or whose schedule id is its own id (as
    for directory roles, ``_activation.is_outside_pim``)."""
    if str(inst.get("assignmentType") or "assigned").lower() != "assigned":
        return False
    schedule = inst.get("assignmentScheduleId")
    return not inst.get("startDateTime") or not schedule or schedule == inst.get("id")


def membership_rows(eligible, active, members, principals):
    """One group's PIM for Groups instances and members -> its membership rows, sorted.

    ``eligible`` / ``active``: the group's eligibility / assignment schedule instances; ``members``: the
    group's ``/members`` (None when not read); ``principals``: ``{id: {"label", "type", "synced"}}``.
    A member listed by ``/members`` with no active ``member`` instance is a member made outside PIM, held
    permanently as far as anything here can tell.
    """
    def row(inst, kind):
        pid = str(inst.get("principalId") or "").lower()
        who = principals.get(pid) or {}
        end = inst.get("endDateTime")
        return {
            "principal": who.get("label") or inst.get("principalId"),
            "principal_id": inst.get("principalId"),
            "principal_type": who.get("type"),
            "access": str(inst.get("accessId") or "member").lower(),
            "kind": kind,
            # Group enums are lower camel case in Graph (privilegedAccessGroupAssignmentType: assigned, activated).
            "assignment_type": str(inst.get("assignmentType") or "assigned").lower() if kind == ACTIVE else None,
            "member_type": str(inst.get("memberType") or "direct").lower(),
            "start": inst.get("startDateTime"),
            "end": end,
            "permanent": end is None,
            "outside_pim": kind == ACTIVE and _outside_pim(inst),
            "synced": who.get("synced"),
        }

    out = [row(i, ELIGIBLE) for i in eligible] + [row(i, ACTIVE) for i in active]
    if members is not None:
        seen = {str(r["principal_id"]).lower() for r in out if r["kind"] == ACTIVE and r["access"] == "member"}
        for obj in members:
            pid = str(obj.get("id") or "").lower()
            if pid and pid not in seen:
                seen.add(pid)
                out.append(row({"principalId": obj.get("id"), "accessId": "member", "assignmentType": "assigned",
                                "memberType": "direct"}, ACTIVE))
    out.sort(key=lambda r: (r["access"], r["kind"], str(r["principal"] or ""), r["assignment_type"] or ""))
    return out


def role_groups(groups, reads, principals):
    """``{group id: name}`` and each group's read outcomes ``{group id: {"eligible", "active", "members"}}`` (each
    ``{"items", "error"}``) -> the ``role_groups`` result: one entry per group, its membership rows, and
    whether PIM for Groups could be read (``pim_read``)."""
    out = []
    for gid, name in groups.items():
        got = reads[gid]
        pim_read = got[ELIGIBLE]["error"] is None and got[ACTIVE]["error"] is None
        members = got["members"]["items"] if got["members"]["error"] is None else None
        rows = membership_rows(got[ELIGIBLE]["items"] if pim_read else [], got[ACTIVE]["items"] if pim_read else [],
                               members, principals)
        if not pim_read:
            for r in rows:  # only /members was read: whether each membership ends is unknown
                r["permanent"] = None
        out.append({"group": name, "group_id": gid, "pim_read": pim_read, "members_read": members is not None,
                    "memberships": rows})
    return out


class GroupMembershipReader:
    """The PIM for Groups state and members of the groups holding directory roles, in bulk."""

    def __init__(self, graph):
        self.graph = graph

    def read(self, groups, known=None, sync_status=False):
        """``groups``: ``{group id: name}``; ``known``: principals already named (``known_principals``).
        -> (``role_groups`` entries, warnings). A read refused with 401/403 (a scanner without the
        ``*.Read.AzureADGroup`` permissions) becomes a warning, the rest of the scan stands."""
        if not groups:
            return [], []
        principals = dict(known or {})
        order = []
        reads = []
        for gid in groups:
            for kind, read in zip((ELIGIBLE, ACTIVE), (group_schedule_reads(k, [gid], ("instances",))[0]
                                                       for k in (ELIGIBLE, ACTIVE)), strict=True):
                order.append((gid, kind))
                reads.append(read)
            order.append((gid, "members"))
            reads.append({"url": group_members_path(gid), "params": {"$select": MEMBER_SELECT}})
        first = len(reads)
        extra, asked = [], set()

        def more(pages):
            ids = set()
            for index, items in pages:
                if index >= first:
                    continue
                if order[index][1] == "members":
                    for obj in items:
                        pid = str(obj.get("id") or "").lower()
                        if pid and pid not in principals:
                            principals[pid] = {"label": principal_label(obj), "type": principal_kind(obj),
                                               "synced": None}
                            ids.add(pid)  # named now; its sync status is still to read when it is a user
                else:
                    ids |= {str(i.get("principalId")).lower() for i in items if i.get("principalId")}
            ids = sorted(i for i in ids - asked if i not in (known or {}))
            asked.update(ids)
            unnamed = [i for i in ids if i not in principals]
            new = [{"method": "POST", "url": BY_IDS, "body": b} for b in by_ids_bodies(unnamed, PRINCIPAL_TYPES)]
            sync = [{"url": USERS, "params": {"$filter": f, "$select": SYNC_SELECT}}
                    for f in sync_filters(ids)] if sync_status else []
            extra.extend(["objects"] * len(new) + ["sync"] * len(sync))
            return new + sync

        outcomes = self.graph.read_many(reads, more=more)
        warnings = []
        got = {gid: {} for gid in groups}
        refused = []
        for (gid, kind), answer in zip(order, outcomes[:first], strict=True):
            err = answer["error"]
            if err is not None:
                if err.status not in (401, 403):
                    raise err
                refused.append(err)
            got[gid][kind] = answer
        synced = {}
        sync_refused = None
        for kind, answer in zip(extra, outcomes[first:], strict=True):
            err = answer["error"]
            if kind == "objects":
                if err is not None:
                    raise err
                for obj in answer["items"]:
                    principals[str(obj.get("id")).lower()] = {"label": principal_label(obj),
                                                              "type": principal_kind(obj), "synced": None}
            elif err is not None:
                if err.status not in (401, 403):
                    raise err
                sync_refused = err
            else:
                synced.update({str(u.get("id")).lower(): is_synced(u) for u in answer["items"]})
        for pid, who in principals.items():
            if pid in asked and who.get("type") == "user" and sync_status and sync_refused is None:
                who["synced"] = synced.get(pid)
        if refused:
            warnings.append(f"the PIM for Groups state of {len(refused)} read(s) of the groups holding roles was "
                            f"not read: {refused[0].describe()} (grant "
                            "PrivilegedEligibilitySchedule.Read.AzureADGroup, "
                            "PrivilegedAssignmentSchedule.Read.AzureADGroup and GroupMember.Read.All; see "
                            "docs/permissions.md); members of those groups are counted without knowing whether "
                            "their membership ends")
        if sync_refused is not None:
            warnings.append("whether the groups' members are synced from on-premises was not read: "
                            + sync_refused.describe() + " (grant User.Read.All or Directory.Read.All)")
        return role_groups(groups, got, principals), warnings


def complete_activity(module, graph, result, warnings, row_roles=None, group_memberships=False, sync_status=False):
    """What ``pim_activation_info`` and ``pim_compliance_scan`` do with ``ActivityReader.read``'s answer, in one
    place: warn, count every row (``summary``), keep the rows of ``row_roles`` only (None: all), then with
    ``group_memberships`` read the PIM for Groups membership of the groups holding the roles kept (after
    ``row_roles``, so only those groups are read: one read per group and list). Fails through ``module``."""
    for warning in warnings:
        module.warn(warning)
    result["summary"] = summarize(result["eligible"], result["active"], result["pending_requests"])
    if row_roles is not None:
        for kind in (ELIGIBLE, ACTIVE):
            result[kind] = rows_of_roles(result[kind], row_roles)
    if group_memberships:
        rows = result[ELIGIBLE] + result[ACTIVE]
        try:
            result["role_groups"], warnings = GroupMembershipReader(graph).read(
                groups_holding_roles(rows), known_principals(rows), sync_status)
        except Exception as exc:
            module.fail_graph(exc, "Reading the PIM for Groups membership of the groups holding roles")
        for warning in warnings:
            module.warn(warning)
    return result
