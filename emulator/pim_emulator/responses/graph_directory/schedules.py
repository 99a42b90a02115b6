"""Handlers of the schedule and instance reads (their rows: ``routes/graph_directory.py``), and the $expand
relationships of PIM objects. ``handle`` serves the four lists alike by name; its permission and method checks
repeat what the route table has checked before it (it kept its body when it moved here from pim/views.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import Collection, GraphRequest
from ...pim import directory, requests, schedules
from ...pim.errors import bad_request, method_not_allowed, not_found
from ...pim.expand import expand
from ...pim.permissions import require, require_read_role

if TYPE_CHECKING:
    from ...pim.engine import PimEngine


FILTER_BY_ME = "filterByCurrentUser("


def typed(items: list[dict], type_name: str) -> list[dict]:
    """filterByCurrentUser is a function returning ``Collection(microsoft.graph.<type>)``, not an entity set,
    and Graph types each item: the published examples of unifiedRoleAssignmentScheduleInstance,
    unifiedRoleEligibilityScheduleInstance and unifiedRoleEligibilityScheduleRequest: filterByCurrentUser
    carry ``@odata.type`` on every item (emulator/tests/published_examples)."""
    return [{"@odata.type": f"#microsoft.graph.{type_name}", **item} for item in items]


def is_filter_by_me(segment: str) -> bool:
    """``filterByCurrentUser(on='principal')``; other ``on`` values are not supported here (400)."""
    if not segment.startswith(FILTER_BY_ME):
        return False
    on = segment[len(FILTER_BY_ME):].rstrip(")").replace("%27", "'").replace(" ", "")
    if on.lower() not in ("on='principal'", "on=principal"):
        raise bad_request(f"Unsupported filterByCurrentUser option '{on}'.")
    return True


def _me(caller) -> str:
    if caller.is_app_only:
        # filterByCurrentUser needs a signed-in user; an app token has none.
        raise bad_request("filterByCurrentUser is only supported for a signed-in user.")
    return caller.user_id or ""


def _strip(obj: dict | None) -> dict | None:
    return None if obj is None else {k: v for k, v in obj.items() if not k.startswith("_")}


def _schedule_by_id(eng: PimEngine, sid: str | None) -> dict | None:
    if not sid:
        return None
    for coll in (schedules.ELIG, schedules.ASSIGN):
        s = eng.tenant.coll(coll).get(sid)
        if s is not None:
            return _strip(schedules.schedule_view(s))
    c = eng.tenant.coll(schedules.CLASSIC).get(sid)
    return _strip(schedules.classic_schedule_view(c)) if c else None


def expand_links(eng: PimEngine, items: list[dict], text: str | None, what: str, eligible: bool) -> None:
    """``what``: request | schedule | instance | roleAssignment."""
    if not text:
        return
    t = eng.tenant
    resolvers = {
        "principal": lambda i, _o: directory.principal_view(t, i["principalId"]),
        "roleDefinition": lambda i, _o: directory.public(directory.find_role(t, i["roleDefinitionId"])),
        "directoryScope": lambda i, _o: directory.scope_view(t, i.get("directoryScopeId")),
        "appScope": lambda i, _o: None,  # app scopes are not modelled as objects
    }
    if what == "request":
        resolvers["targetSchedule"] = lambda i, _o: _schedule_by_id(eng, i.get("targetScheduleId"))
    if not eligible and what in ("request", "schedule"):
        resolvers["activatedUsing"] = lambda i, _o: _schedule_by_id(eng, i.get("_activatedUsing"))
    if not eligible and what == "instance":
        def activated_using(i, _o):
            sid = i.get("_activatedUsing")
            return next((_strip(e) for e in schedules.instances(eng, True) if sid and
                         e["roleEligibilityScheduleId"] == sid and e["memberType"] == "Direct"), None)
        resolvers["activatedUsing"] = activated_using
    type_name = {"request": "unifiedRole{}ScheduleRequest", "schedule": "unifiedRole{}Schedule",
                 "instance": "unifiedRole{}ScheduleInstance", "roleAssignment": "unifiedRoleAssignment"}[what]
    expand(items, text, resolvers, type_name.format("Eligibility" if eligible else "Assignment"))


def handle(eng: PimEngine, req: GraphRequest, name: str, rest: list[str]) -> tuple[int, object]:
    """/roleManagement/directory/role{Eligibility,Assignment}Schedule{s,Instances}[/{id}|/filterByCurrentUser]."""
    eligible = name.startswith("roleEligibility")
    is_instance = name.endswith("Instances")
    require(req.caller, "eligibility.read" if eligible else "assignment.read")
    if req.method != "GET":
        raise method_not_allowed()
    what = "instance" if is_instance else "schedule"
    ctx = f"roleManagement/directory/{name}"

    def build() -> list[dict]:
        items = schedules.instances(eng, eligible) if is_instance else schedules.schedules(eng, eligible)
        items = eng.clone(items)
        expand_links(eng, items, req.query.get("$expand"), what, eligible)
        return items

    if not rest:  # the whole list: built once per query, its pages read from it (schedules.paged_list)
        require_read_role(eng, req.caller)
        return 200, Collection(schedules.paged_list(eng, req, name, build), ctx)
    items = schedules.instances(eng, eligible) if is_instance else schedules.schedules(eng, eligible)
    if is_filter_by_me(rest[0]):
        me = _me(req.caller)
        items = [i for i in items if i["principalId"] == me]
        items = eng.clone(items)
        expand_links(eng, items, req.query.get("$expand"), what, eligible)
        items = typed(items, "unifiedRole{}Schedule{}".format("Eligibility" if eligible else "Assignment",
                                                               "Instance" if is_instance else ""))
        return 200, Collection(items, ctx)
    item = next((i for i in items if i["id"] == rest[0] and eng.is_visible(i)), None)
    if item is None or len(rest) > 1:
        require_read_role(eng, req.caller)  # a user without a role learns nothing from a 404 either
        raise not_found("schedule instance" if is_instance else "schedule")
    require_read_role(eng, req.caller, owner=item["principalId"])
    item = eng.clone(item)
    expand_links(eng, [item], req.query.get("$expand"), what, eligible)
    return 200, eng.entity(req, ctx, item)


# ---- the routes' handlers: handle() serves the four lists alike, by name --------------------------------------


def _lists(name: str):
    def list_all(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
        requests.upkeep(eng)
        return handle(eng, req, name, [])

    def mine(eng: PimEngine, req: GraphRequest, on: str) -> tuple[int, object]:
        requests.upkeep(eng)
        return handle(eng, req, name, [f"{FILTER_BY_ME}on={on})"])

    def get(eng: PimEngine, req: GraphRequest, item_id: str) -> tuple[int, object]:
        requests.upkeep(eng)
        return handle(eng, req, name, [item_id])

    for fn, verb in ((list_all, "list"), (mine, "filter_by_current_user"), (get, "get")):
        fn.__name__ = fn.__qualname__ = f"{verb}_{name}"
    return list_all, mine, get


list_eligibility_schedules, my_eligibility_schedules, get_eligibility_schedule = _lists("roleEligibilitySchedules")
list_assignment_schedules, my_assignment_schedules, get_assignment_schedule = _lists("roleAssignmentSchedules")
list_eligibility_instances, my_eligibility_instances, get_eligibility_instance = _lists(
    "roleEligibilityScheduleInstances")
list_assignment_instances, my_assignment_instances, get_assignment_instance = _lists(
    "roleAssignmentScheduleInstances")
