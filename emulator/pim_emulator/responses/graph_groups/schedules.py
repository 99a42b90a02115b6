"""identityGovernance/privilegedAccess/group/{eligibility,assignment}Schedule{s,Instances}: list (filtered by
group or principal), get, filterByCurrentUser(on='principal'). Schedules are stored, instances derived from
them and the clock (``pim.schedules``, the models of directory roles, with the groups surface)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import Collection, GraphRequest
from ...pim import requests, schedules
from ...pim.errors import not_found
from .common import SF, check_on, expand_links, me, pinned, require_reader, scope_terms, typed

if TYPE_CHECKING:
    from ...pim.engine import PimEngine


def _items(eng: PimEngine, eligible: bool, instance: bool, group_id: str | None = None) -> list[dict]:
    if instance:
        return schedules.instances(eng, eligible, SF, group_id)
    return schedules.schedules(eng, eligible, SF, group_id)


def _lists(eligible: bool, instance: bool):
    what = "Instance" if instance else "Schedule"
    name = ("eligibility" if eligible else "assignment") + ("ScheduleInstances" if instance else "Schedules")
    ctx = f"{SF.ctx}/{name}"

    def list_all(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
        requests.upkeep(eng)
        terms = scope_terms(req)
        require_reader(eng, req, terms)
        # A groupId term pins one group: only its items are built (one read per group, as the collection
        # scans many groups). Ids compare as Graph compares them in $filter, without case.
        wanted, groups = terms.get("groupid", ""), eng.tenant.coll("groups")
        group = wanted if wanted in groups else next((g for g in groups if g.lower() == wanted.lower()), None)
        if "groupid" in terms and group is None:
            items = []
        else:
            items = eng.clone(pinned(_items(eng, eligible, instance, group), terms))
        expand_links(eng, items, req.query.get("$expand"), eligible, what)
        return 200, Collection(items, ctx)

    def mine(eng: PimEngine, req: GraphRequest, on: str) -> tuple[int, object]:
        requests.upkeep(eng)
        check_on(on)
        user = me(req)
        items = eng.clone([i for i in _items(eng, eligible, instance) if i["principalId"] == user])
        expand_links(eng, items, req.query.get("$expand"), eligible, what)
        return 200, Collection(typed(items, SF.type_name(eligible, what)), ctx)

    def get(eng: PimEngine, req: GraphRequest, item_id: str) -> tuple[int, object]:
        requests.upkeep(eng)
        item = next((i for i in _items(eng, eligible, instance) if i["id"] == item_id and eng.is_visible(i)), None)
        if item is None:
            require_reader(eng, req)
            raise not_found("schedule instance" if instance else "schedule")
        require_reader(eng, req, owner=item["principalId"], group_id=item["groupId"])
        item = eng.clone(item)
        expand_links(eng, [item], req.query.get("$expand"), eligible, what)
        return 200, eng.entity(req, ctx, item)

    for fn, verb in ((list_all, "list"), (mine, "filter_by_current_user"), (get, "get")):
        fn.__name__ = fn.__qualname__ = f"{verb}_group_{name}"
    return list_all, mine, get


list_eligibility_schedules, my_eligibility_schedules, get_eligibility_schedule = _lists(True, False)
list_assignment_schedules, my_assignment_schedules, get_assignment_schedule = _lists(False, False)
list_eligibility_instances, my_eligibility_instances, get_eligibility_instance = _lists(True, True)
list_assignment_instances, my_assignment_instances, get_assignment_instance = _lists(False, True)
