"""roleManagement/directory/role{Eligibility,Assignment}ScheduleRequests: list, create, get, cancel,
filterByCurrentUser(on='principal')."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import Collection, GraphRequest
from ...pim import requests
from ...pim.actions import submit
from ...pim.errors import request_not_found
from ...pim.permissions import require, require_read_role
from .schedules import FILTER_BY_ME, _me, expand_links, is_filter_by_me, typed

if TYPE_CHECKING:
    from ...pim.engine import PimEngine


def _eligible(coll: str) -> bool:
    return coll == requests.ELIG_REQ


def _ctx(coll: str) -> str:
    return f"roleManagement/directory/{coll}"


def _require_list(eng: PimEngine, req: GraphRequest, coll: str) -> None:
    # The route table asks for the read permission; listing eligibility requests was observed to demand
    # ReadWrite (engine option request_list_requires_readwrite, off by default).
    if _eligible(coll) and eng.options["request_list_requires_readwrite"]:
        require(req.caller, "eligibility.write")


def _list(eng: PimEngine, req: GraphRequest, coll: str) -> tuple[int, object]:
    requests.upkeep(eng)
    _require_list(eng, req, coll)
    require_read_role(eng, req.caller)
    items = eng.clone(list(eng.tenant.coll(coll).values()))
    expand_links(eng, items, req.query.get("$expand"), "request", _eligible(coll))
    items = typed(items, "unifiedRole{}ScheduleRequest".format("Eligibility" if _eligible(coll) else "Assignment"))
    return 200, Collection(items, _ctx(coll))


def _mine(eng: PimEngine, req: GraphRequest, coll: str, on: str) -> tuple[int, object]:
    requests.upkeep(eng)
    _require_list(eng, req, coll)
    is_filter_by_me(f"{FILTER_BY_ME}on={on})")  # 400 for an ``on`` other than 'principal'
    me = _me(req.caller)
    items = eng.clone([r for r in eng.tenant.coll(coll).values() if r["principalId"] == me])
    expand_links(eng, items, req.query.get("$expand"), "request", _eligible(coll))
    items = typed(items, "unifiedRole{}ScheduleRequest".format("Eligibility" if _eligible(coll) else "Assignment"))
    return 200, Collection(items, _ctx(coll))


def _get(eng: PimEngine, req: GraphRequest, coll: str, request_id: str) -> tuple[int, object]:
    requests.upkeep(eng)
    _require_list(eng, req, coll)
    r = eng.tenant.coll(coll).get(request_id)
    if r is None or not eng.is_visible(r):
        require_read_role(eng, req.caller)
        raise request_not_found()
    require_read_role(eng, req.caller, owner=r["principalId"])
    item = eng.clone(r)
    expand_links(eng, [item], req.query.get("$expand"), "request", _eligible(coll))
    return 200, eng.entity(req, _ctx(coll), item)


def _create(eng: PimEngine, req: GraphRequest, coll: str) -> tuple[int, object]:
    requests.upkeep(eng)
    return submit(eng, req, coll)


def _cancel(eng: PimEngine, req: GraphRequest, coll: str, request_id: str) -> tuple[int, object]:
    requests.upkeep(eng)
    return requests.cancel(eng, req, coll, request_id)


def list_eligibility_requests(eng, req):
    return _list(eng, req, requests.ELIG_REQ)


def my_eligibility_requests(eng, req, on):
    return _mine(eng, req, requests.ELIG_REQ, on)


def get_eligibility_request(eng, req, request_id):
    return _get(eng, req, requests.ELIG_REQ, request_id)


def create_eligibility_request(eng, req):
    return _create(eng, req, requests.ELIG_REQ)


def cancel_eligibility_request(eng, req, request_id):
    return _cancel(eng, req, requests.ELIG_REQ, request_id)


def list_assignment_requests(eng, req):
    return _list(eng, req, requests.ASSIGN_REQ)


def my_assignment_requests(eng, req, on):
    return _mine(eng, req, requests.ASSIGN_REQ, on)


def get_assignment_request(eng, req, request_id):
    return _get(eng, req, requests.ASSIGN_REQ, request_id)


def create_assignment_request(eng, req):
    return _create(eng, req, requests.ASSIGN_REQ)


def cancel_assignment_request(eng, req, request_id):
    return _cancel(eng, req, requests.ASSIGN_REQ, request_id)
