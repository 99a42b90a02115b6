"""What every PIM for Groups list shares: the required ``$filter``, the delegated read check, ``$expand``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...contract import GraphError, GraphRequest
from ...pim import directory, schedules
from ...pim.expand import expand
from ...pim.permissions import require_read_role
from ...pim.surfaces import GROUPS

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

SF = GROUPS
CTX = GROUPS.ctx
_TERM = re.compile(r"\b(groupId|principalId)\s+eq\s+'([^']*)'", re.IGNORECASE)


def scope_terms(req: GraphRequest) -> dict[str, str]:
    """The groupId / principalId the list's ``$filter`` pins (lower-case keys).

    "This method requires the $filter (eq) query parameter to scope the request to a principalId or a groupId"
    (List eligibilitySchedules, List assignmentScheduleInstances ... of PIM for Groups, v1.0). The status and
    wording of Graph's refusal are not documented (microsoft-graph-docs issue 21801 only says the call "does not
    work without a filter for principal or group"): a 400 BadRequest naming what is missing is our choice.
    PIM lists take ``eq`` terms joined by ``and`` only (graph.check_pim_list), so a pinned term always holds.
    """
    terms = {k.lower(): v for k, v in _TERM.findall(req.query.get("$filter") or "")}
    if not terms:
        raise GraphError(400, "BadRequest", "The $filter query parameter must scope the request with "
                                            "'groupId eq' or 'principalId eq'.")
    return terms


def pinned(items: list[dict], terms: dict[str, str]) -> list[dict]:
    """Only the items the pinned terms can select (the whole $filter still runs on them, graph.py)."""
    gid, pid = terms.get("groupid"), terms.get("principalid")
    return [i for i in items if (gid is None or str(i.get("groupId", "")).lower() == gid.lower())
            and (pid is None or str(i.get("principalId", "")).lower() == pid.lower())]


def require_reader(eng: PimEngine, req: GraphRequest, terms: dict[str, str] | None = None,
                   owner: str | None = None, group_id: str | None = None) -> None:
    """A signed-in user reads a group's PIM data when they are "an owner or member of the group or ... assigned
    a supported Microsoft Entra role" (Global Reader or Privileged Role Administrator for role-assignable groups;
    the Permissions note of every PIM for Groups page). Their own objects are theirs to read (filterByCurrentUser).
    """
    caller = req.caller
    if caller.is_app_only:
        return
    me = caller.user_id or ""
    terms = terms or {}
    if owner == me or terms.get("principalid", "").lower() == me.lower():
        return
    gid = group_id or terms.get("groupid")
    if gid:
        now = eng.now().timestamp()
        for access in ("member", "owner"):
            if me in directory.group_members(eng.tenant, gid, now, access):
                return
    require_read_role(eng, caller)


def me(req: GraphRequest) -> str:
    if req.caller.is_app_only:
        # filterByCurrentUser needs a signed-in user; an app token has none.
        raise GraphError(400, "BadRequest", "filterByCurrentUser is only supported for a signed-in user.")
    return req.caller.user_id or ""


def check_on(on: str, allowed: str = "principal") -> None:
    value = on.replace("%27", "'").strip().strip("'")
    if value.lower() != allowed:
        raise GraphError(400, "BadRequest", f"Unsupported filterByCurrentUser option 'on={on}'.")


def _strip(obj: dict | None) -> dict | None:
    return None if obj is None else {k: v for k, v in obj.items() if not k.startswith("_")}


def schedule_by_id(eng: PimEngine, sid: str | None) -> dict | None:
    if not sid:
        return None
    for coll in (SF.elig, SF.assign):
        s = eng.tenant.coll(coll).get(sid)
        if s is not None:
            return _strip(schedules.schedule_view(s))
    c = next((c for c in schedules.classic_items(eng, SF) if c["id"] == sid), None)
    return _strip(schedules.classic_schedule_view(c, SF)) if c else None


def expand_links(eng: PimEngine, items: list[dict], text: str | None, eligible: bool, what: str) -> None:
    """``what``: Request | Schedule | Instance. Navigation properties of the privilegedAccessGroup* types:
    principal and group everywhere, targetSchedule on requests, activatedUsing on assignment requests,
    schedules and instances."""
    if not text:
        return
    t = eng.tenant
    resolvers = {
        "principal": lambda i, _o: directory.principal_view(t, i["principalId"]),
        "group": lambda i, _o: directory.public(t.coll("groups").get(i["groupId"]), "group"),
    }
    if what == "Request":
        resolvers["targetSchedule"] = lambda i, _o: schedule_by_id(eng, i.get("targetScheduleId"))
    if not eligible and what in ("Request", "Schedule"):
        resolvers["activatedUsing"] = lambda i, _o: schedule_by_id(eng, i.get("_activatedUsing"))
    if not eligible and what == "Instance":
        def activated_using(i, _o):
            sid = i.get("_activatedUsing")
            return next((_strip(e) for e in schedules.instances(eng, True, SF) if sid and
                         e["eligibilityScheduleId"] == sid and e["memberType"] == SF.direct), None)
        resolvers["activatedUsing"] = activated_using
    expand(items, text, resolvers, SF.type_name(eligible, what))


def typed(items: list[dict], type_name: str) -> list[dict]:
    """filterByCurrentUser answers a function's collection, each item typed (as the directory-role ones)."""
    return [{"@odata.type": f"#microsoft.graph.{type_name}", **item} for item in items]
