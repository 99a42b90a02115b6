"""One Graph operation, from a verified caller to a JSON answer; shared by requests and $batch items.

The order mirrors the real service: authentication (by the caller of ``run``), then throttling and
other injected faults, then latency, then the route table (``routes.GRAPH``: the route's permission check
and its handler). Handler answers that are ``Collection``s get the OData options applied here, generically.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from . import directory, odata
from .contract import Caller, Collection, GraphError, GraphRequest
from .faults import ScriptedRule, fault_error, is_write, too_many_requests
from .routes import graph_directory, graph_groups, graph_reviews
from .routing import RouteTable

if TYPE_CHECKING:
    from .emulator import Emulator

# Every route served under https://host/{v1.0|beta}/: each Graph API's rows, matched as one table.
GRAPH = RouteTable([*graph_directory.ROUTES, *graph_groups.ROUTES, *graph_reviews.ROUTES])


class Outcome:
    __slots__ = ("status", "body", "headers", "write", "server_ms")

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None, write: bool = False):
        self.status, self.body, self.headers, self.write = status, body, headers or {}, write
        self.server_ms = 0.0


async def run(emu: Emulator, caller: Caller, method: str, path: str, raw_query: str, body: Any, base: str,
              version: str, request_id: str, client_request_id: str | None,
              consistency_level: str | None = None) -> Outcome:
    """``base`` is https://host:port; ``path`` is below the version segment; ``consistency_level`` is the
    request's (or the $batch item's) ConsistencyLevel header."""
    write = is_write(method, path, body)
    if write and isinstance(body, dict) and body.get("isValidationOnly") is True:
        write = False  # a validation-only request changes nothing (a check-mode run may send these)
    emu.stats.count_operation(method, path, caller.tenant_id, write)
    after: ScriptedRule | None = None  # a fault that answers once the operation has been applied
    try:
        picked = emu.faults.pick(method, path)
        if picked is not None:
            emu.stats.count_fault(str(picked.status if isinstance(picked, ScriptedRule) else picked), caller.tenant_id)
            if picked == 429:
                status, doc, headers = too_many_requests(emu.faults.retry_after, request_id)
                return Outcome(status, doc, headers, write)
            if isinstance(picked, ScriptedRule) and picked.after:
                after = picked
            elif isinstance(picked, ScriptedRule):
                return _scripted_fault(emu, picked, request_id, client_request_id, write)
            else:
                raise fault_error(picked, emu.faults.retry_after)
        delay = emu.faults.delay_seconds()
        if delay:
            await asyncio.sleep(delay)  # never a blocking sleep: other clients keep being served
        started = time.perf_counter()
        query = odata.parse_query(raw_query)
        req = GraphRequest(method=method, path=path, query=query, body=body, caller=caller,
                           base_url=f"{base}/{version}", request_id=request_id, version=version,
                           now=emu.clock.now().timestamp())
        advanced = str(consistency_level or "").strip().lower() == "eventual"
        if req.method == "GET" and version == "v1.0" and is_directory_object_route(path):
            check_advanced_query(path, query, advanced)
        status, answer = _dispatch(emu, req)
        if isinstance(answer, Collection):
            answer = shape_collection(emu, req, answer, advanced)
        elif isinstance(answer, dict):
            if req.method == "GET" and query.get("$select") and "value" not in answer:
                keep = tuple(odata.parse_expand(query["$expand"])) if query.get("$expand") else ()
                answer = odata.apply_select(answer, odata.select_fields(query["$select"]), keep)
            answer = odata.strip_internal(answer)
        outcome = Outcome(status, answer, write=write)
        outcome.server_ms = (time.perf_counter() - started) * 1000
        if write and status < 400:
            emu.mark_dirty()
    except GraphError as err:
        outcome = Outcome(err.status, err.envelope(request_id, client_request_id), dict(err.headers), write)
    if after is not None:
        # Whatever the operation answered (it may have failed on its own), the client sees the fault.
        return _scripted_fault(emu, after, request_id, client_request_id, write)
    return outcome


def _scripted_fault(emu: Emulator, rule: ScriptedRule, request_id: str, client_request_id: str | None,
                    write: bool) -> Outcome:
    ra = rule.retry_after if rule.retry_after is not None else emu.faults.retry_after
    if rule.status == 429 and not rule.code:
        status, doc, headers = too_many_requests(ra, request_id)
        return Outcome(status, doc, headers, write)
    err = fault_error(rule.status, ra, rule.code, rule.message)
    return Outcome(err.status, err.envelope(request_id, client_request_id), dict(err.headers), write)


def _dispatch(emu: Emulator, req: GraphRequest):
    """The route table answers: the handler's (status, body), or a GraphError for an unknown route (400), a
    method the route does not take (405) or a missing permission (403)."""
    return GRAPH.dispatch(emu.engine(req.caller.tenant_id), req)


# ---- what each PIM list documents ---------------------------------------------------------------------
# Properties per type, from the v1.0 resource pages (unifiedRoleEligibilityScheduleInstance,
# unifiedRoleAssignmentScheduleInstance, unifiedRoleEligibilitySchedule, unifiedRoleAssignmentSchedule,
# unifiedRoleEligibilityScheduleRequest, unifiedRoleAssignmentScheduleRequest, unifiedRoleManagementPolicy,
# unifiedRoleManagementPolicyAssignment); the list pages document "$select, $filter and $expand" only.
_COMMON = {"id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId"}
_SCHEDULE = _COMMON | {"createdDateTime", "createdUsing", "modifiedDateTime", "status", "memberType", "scheduleInfo"}
_REQUEST = _COMMON | {"action", "approvalId", "completedDateTime", "createdBy", "createdDateTime", "customData",
                      "isValidationOnly", "justification", "scheduleInfo", "status", "targetScheduleId", "ticketInfo"}
PIM_LISTS: dict[str, tuple[str, set[str]]] = {
    "roleManagement/directory/roleEligibilityScheduleInstances": (
        "unifiedRoleEligibilityScheduleInstance",
        _COMMON | {"startDateTime", "endDateTime", "memberType", "roleEligibilityScheduleId"}),
    "roleManagement/directory/roleAssignmentScheduleInstances": (
        "unifiedRoleAssignmentScheduleInstance",
        _COMMON | {"startDateTime", "endDateTime", "memberType", "assignmentType", "roleAssignmentOriginId",
                   "roleAssignmentScheduleId"}),
    "roleManagement/directory/roleEligibilitySchedules": ("unifiedRoleEligibilitySchedule", _SCHEDULE),
    "roleManagement/directory/roleAssignmentSchedules": (
        "unifiedRoleAssignmentSchedule", _SCHEDULE | {"assignmentType"}),
    "roleManagement/directory/roleEligibilityScheduleRequests": ("unifiedRoleEligibilityScheduleRequest", _REQUEST),
    "roleManagement/directory/roleAssignmentScheduleRequests": ("unifiedRoleAssignmentScheduleRequest", _REQUEST),
    "policies/roleManagementPolicies": (
        "unifiedRoleManagementPolicy",
        {"id", "displayName", "description", "isOrganizationDefault", "scopeId", "scopeType",
         "lastModifiedDateTime"}),
    "policies/roleManagementPolicyAssignments": (
        "unifiedRoleManagementPolicyAssignment", {"id", "policyId", "roleDefinitionId", "scopeId", "scopeType"}),
}
# PIM for Groups (privilegedAccessGroup* resource pages, v1.0).
_GROUP_COMMON = {"id", "accessId", "groupId", "principalId"}
_GROUP_SCHEDULE = _GROUP_COMMON | {"createdDateTime", "createdUsing", "modifiedDateTime", "status", "memberType",
                                   "scheduleInfo"}
_GROUP_REQUEST = _GROUP_COMMON | {"action", "approvalId", "completedDateTime", "createdBy", "createdDateTime",
                                  "customData", "isValidationOnly", "justification", "scheduleInfo", "status",
                                  "targetScheduleId", "ticketInfo"}
_PG = "identityGovernance/privilegedAccess/group"
PIM_LISTS.update({
    f"{_PG}/eligibilityScheduleInstances": (
        "privilegedAccessGroupEligibilityScheduleInstance",
        _GROUP_COMMON | {"startDateTime", "endDateTime", "memberType", "eligibilityScheduleId"}),
    f"{_PG}/assignmentScheduleInstances": (
        "privilegedAccessGroupAssignmentScheduleInstance",
        _GROUP_COMMON | {"startDateTime", "endDateTime", "memberType", "assignmentType", "assignmentScheduleId"}),
    f"{_PG}/eligibilitySchedules": ("privilegedAccessGroupEligibilitySchedule", _GROUP_SCHEDULE),
    f"{_PG}/assignmentSchedules": ("privilegedAccessGroupAssignmentSchedule", _GROUP_SCHEDULE | {"assignmentType"}),
    f"{_PG}/eligibilityScheduleRequests": ("privilegedAccessGroupEligibilityScheduleRequest", _GROUP_REQUEST),
    f"{_PG}/assignmentScheduleRequests": ("privilegedAccessGroupAssignmentScheduleRequest", _GROUP_REQUEST),
})
# $top and $skiptoken stay: Graph pages these lists itself and follows its own nextLink.
PIM_OPTIONS = {"$select", "$filter", "$expand", "$top", "$skiptoken"}

# ---- directory objects and advanced queries --------------------------------------------------------------
# "Advanced query capabilities on Microsoft Entra ID objects" (learn.microsoft.com/graph/aad-advanced-queries):
# ne, not and endsWith, $search, and $filter with $orderby need the ConsistencyLevel: eventual header (and,
# but for $search, $count=true); without them Graph answers 400 Request_UnsupportedQuery, and a $count=true
# without the header is silently ignored.
_DIRECTORY_HEADS = {"users", "groups", "serviceprincipals", "applications", "directory", "directoryobjects",
                    "devices", "contacts", "me"}
_ADVANCED_OPERATORS = {"ne": "ne", "not": "not", "endswith": "endsWith"}
# $orderby that works by default (the page's sorting table); every other sort is an advanced query.
_DEFAULT_ORDERBY = {"users": {"displayname", "userprincipalname"}, "groups": {"displayname"}}


def is_directory_object_route(path: str) -> bool:
    first = next((seg for seg in path.split("/") if seg), "").lower()
    return first in _DIRECTORY_HEADS


def _unsupported(message: str) -> GraphError:
    return GraphError(400, "Request_UnsupportedQuery", message)


def check_advanced_query(path: str, query: dict[str, str], advanced: bool) -> None:
    counted = str(query.get("$count", "")).lower() == "true"
    if "$search" in query and not advanced:
        raise _unsupported("Request with $search query parameter only works through MSGraph with a special request "
                           "header: 'ConsistencyLevel: eventual'")
    for op in sorted(odata.filter_operators(query.get("$filter")) & set(_ADVANCED_OPERATORS)):
        if not (advanced and counted):
            raise _unsupported(f"Operator '{_ADVANCED_OPERATORS[op]}' is not supported because the required "
                               "parameters might be missing. Try adding $count=true query parameter and "
                               "ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries "
                               "for more information")
    if query.get("$orderby") and not (advanced and counted):
        head = next((seg for seg in path.split("/") if seg), "").lower()
        keys = {c.split()[0].lower() for c in query["$orderby"].split(",") if c.split()}
        if query.get("$filter") or not keys <= _DEFAULT_ORDERBY.get(head, set()):
            # Wording seen from Graph (microsoft-graph-docs-contrib issue 3145); the page gives no text.
            raise _unsupported("Sorting not supported for current query.")


def check_pim_list(req: GraphRequest, coll: Collection) -> None:
    spec = PIM_LISTS.get(coll.context)
    if spec is None or req.version != "v1.0":
        return
    type_name, properties = spec
    odata.check_options(req.query, PIM_OPTIONS)
    odata.check_eq_filter(req.query.get("$filter"), properties, type_name)


def shape_collection(emu: Emulator, req: GraphRequest, coll: Collection, advanced: bool = False) -> dict:
    """Apply $filter/$orderby/$count/$select/$top/$skiptoken and build the OData envelope."""
    check_pim_list(req, coll)
    q = req.query
    now = emu.clock.now().timestamp()
    items = [it for it in coll.items if not (it.get("_visible_after") and it["_visible_after"] > now)]
    items = odata.apply_filter(items, q.get("$filter"))
    items = odata.apply_orderby(items, q.get("$orderby"))
    total = len(items)
    offset = odata.read_skiptoken(q["$skiptoken"]) if "$skiptoken" in q else 0
    top = odata.parse_top(q.get("$top"))
    page = emu.settings.page_size if top is None else min(top, emu.settings.page_size) or emu.settings.page_size
    window = items[offset: offset + page]
    fields = odata.select_fields(q.get("$select"))
    if fields is None and coll.context == "users":
        fields = directory.USER_DEFAULT
    keep = tuple(odata.parse_expand(q["$expand"]).keys()) if q.get("$expand") else ()
    value = [odata.strip_internal(odata.apply_select(it, fields, keep)) for it in window]
    doc: dict[str, Any] = {"@odata.context": f"{req.base_url}/$metadata#{coll.context}"}
    if str(q.get("$count", "")).lower() == "true" and (advanced or not is_directory_object_route(req.path)):
        doc["@odata.count"] = total
    # As Graph does for directory lists, $top is the page size and a nextLink leads to the rest.
    if offset + page < total:
        opts = {k: v for k, v in q.items() if k != "$skiptoken"}
        opts["$skiptoken"] = odata.make_skiptoken(offset + page)
        doc["@odata.nextLink"] = f"{req.base_url}{req.path}?{odata.encode_query(opts)}"
    doc["value"] = value
    return doc
