"""identityGovernance/privilegedAccess/group/{eligibility,assignment}ScheduleRequests: list (filtered by group or
principal), create, get, cancel, filterByCurrentUser(on='principal'). The same engine as directory roles:
``pim.actions.submit`` evaluates the group's policy with the directory roles' code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contract import Collection, GraphRequest
from ...pim import requests
from ...pim.actions import submit
from ...pim.errors import request_not_found
from .common import SF, check_on, expand_links, me, pinned, require_reader, scope_terms, typed

if TYPE_CHECKING:
    from ...pim.engine import PimEngine


def _ctx(coll: str) -> str:
    return f"{SF.ctx}/{SF.graph_name(coll)}"


def _eligible(coll: str) -> bool:
    return coll == SF.elig_req


def _list(eng: PimEngine, req: GraphRequest, coll: str) -> tuple[int, object]:
    requests.upkeep(eng)
    terms = scope_terms(req)
    require_reader(eng, req, terms)
    items = eng.clone(pinned(list(eng.tenant.coll(coll).values()), terms))
    expand_links(eng, items, req.query.get("$expand"), _eligible(coll), "Request")
    return 200, Collection(items, _ctx(coll))


def _mine(eng: PimEngine, req: GraphRequest, coll: str, on: str) -> tuple[int, object]:
    requests.upkeep(eng)
    check_on(on)
    user = me(req)
    items = eng.clone([r for r in eng.tenant.coll(coll).values() if r["principalId"] == user])
    expand_links(eng, items, req.query.get("$expand"), _eligible(coll), "Request")
    return 200, Collection(typed(items, SF.type_name(_eligible(coll), "Request")), _ctx(coll))


def _get(eng: PimEngine, req: GraphRequest, coll: str, request_id: str) -> tuple[int, object]:
    requests.upkeep(eng)
    r = eng.tenant.coll(coll).get(request_id)
    if r is None or not eng.is_visible(r):
        require_reader(eng, req)
        raise request_not_found()
    require_reader(eng, req, owner=r["principalId"], group_id=r["groupId"])
    item = eng.clone(r)
    expand_links(eng, [item], req.query.get("$expand"), _eligible(coll), "Request")
    return 200, eng.entity(req, _ctx(coll), item)


def _create(eng: PimEngine, req: GraphRequest, coll: str) -> tuple[int, object]:
    requests.upkeep(eng)
    return submit(eng, req, coll)


def _cancel(eng: PimEngine, req: GraphRequest, coll: str, request_id: str) -> tuple[int, object]:
    requests.upkeep(eng)
    return requests.cancel(eng, req, coll, request_id)


def list_eligibility_requests(eng, req):
    return _list(eng, req, SF.elig_req)


def my_eligibility_requests(eng, req, on):
    return _mine(eng, req, SF.elig_req, on)


def get_eligibility_request(eng, req, request_id):
    return _get(eng, req, SF.elig_req, request_id)


def create_eligibility_request(eng, req):
    return _create(eng, req, SF.elig_req)


def cancel_eligibility_request(eng, req, request_id):
    return _cancel(eng, req, SF.elig_req, request_id)


def list_assignment_requests(eng, req):
    return _list(eng, req, SF.assign_req)


def my_assignment_requests(eng, req, on):
    return _mine(eng, req, SF.assign_req, on)


def get_assignment_request(eng, req, request_id):
    return _get(eng, req, SF.assign_req, request_id)


def create_assignment_request(eng, req):
    return _create(eng, req, SF.assign_req)


def cancel_assignment_request(eng, req, request_id):
    return _cancel(eng, req, SF.assign_req, request_id)
