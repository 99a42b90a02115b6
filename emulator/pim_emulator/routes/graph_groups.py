"""The Graph routes of PIM for Groups (v1.0 ``identityGovernance/privilegedAccess/group``), joined with the
directory API's in ``graph.GRAPH``. Same shape as ``graph_directory.py``: one row per (method, path), the
permission a caller needs (PIM's own 403 naming the least permissions, kinds ``group.*`` in
``pim.permissions.PERMS``) and the handler in ``responses.graph_groups``. docs/emulator.md lists these rows too
("Graph routes") and tests/test_route_table.py keeps both equal and proves every row is served.

The group policies are served by the directory table's ``policies/roleManagementPolicies`` and
``roleManagementPolicyAssignments`` routes (scopeType 'Group'), as Graph serves them.
"""

from __future__ import annotations

from ..responses.graph_groups import approvals, requests, schedules
from ..routing import Route
from .graph_directory import ME, _pim, pim

PG = "/identityGovernance/privilegedAccess/group"


def _schedule_routes(name: str, kind: str, handlers) -> list[Route]:
    list_all, mine, get = handlers
    return [_pim("GET", f"{PG}/{name}", pim(kind), list_all),
            _pim("GET", f"{PG}/{name}/{ME}", pim(kind), mine),
            _pim("GET", f"{PG}/{name}/{{item_id}}", pim(kind), get)]


def _request_routes(name: str, kind: str, r) -> list[Route]:
    create, listing, mine, get, cancel = r
    return [_pim("GET", f"{PG}/{name}", pim(f"{kind}.read"), listing),
            _pim("POST", f"{PG}/{name}", pim(f"{kind}.write"), create),
            _pim("GET", f"{PG}/{name}/{ME}", pim(f"{kind}.read"), mine),
            _pim("GET", f"{PG}/{name}/{{request_id}}", pim(f"{kind}.read"), get),
            _pim("POST", f"{PG}/{name}/{{request_id}}/cancel", pim(f"{kind}.write"), cancel)]


r, s, a = requests, schedules, approvals
APPROVAL = f"{PG}/assignmentApprovals/{{approval_id}}"

ROUTES: list[Route] = [
    # ---- schedule requests (all nine actions) ---------------------------------------------------------------
    *_request_routes("eligibilityScheduleRequests", "group.eligibility",
                     (r.create_eligibility_request, r.list_eligibility_requests, r.my_eligibility_requests,
                      r.get_eligibility_request, r.cancel_eligibility_request)),
    *_request_routes("assignmentScheduleRequests", "group.assignment",
                     (r.create_assignment_request, r.list_assignment_requests, r.my_assignment_requests,
                      r.get_assignment_request, r.cancel_assignment_request)),
    # ---- schedules and instances ---------------------------------------------------------------------------
    *_schedule_routes("eligibilitySchedules", "group.eligibility.read",
                      (s.list_eligibility_schedules, s.my_eligibility_schedules, s.get_eligibility_schedule)),
    *_schedule_routes("assignmentSchedules", "group.assignment.read",
                      (s.list_assignment_schedules, s.my_assignment_schedules, s.get_assignment_schedule)),
    *_schedule_routes("eligibilityScheduleInstances", "group.eligibility.read",
                      (s.list_eligibility_instances, s.my_eligibility_instances, s.get_eligibility_instance)),
    *_schedule_routes("assignmentScheduleInstances", "group.assignment.read",
                      (s.list_assignment_instances, s.my_assignment_instances, s.get_assignment_instance)),
    # ---- approvals of activations (v1.0: approval with stages) ----------------------------------------------
    _pim("GET", f"{PG}/assignmentApprovals/{ME}", pim("group.approval.read"), a.my_approvals),
    _pim("GET", APPROVAL, pim("group.approval.read"), a.get_approval),
    _pim("GET", f"{APPROVAL}/stages", pim("group.approval.read"), a.list_stages),
    _pim("GET", f"{APPROVAL}/stages/{{stage_id}}", pim("group.approval.read"), a.get_stage),
    _pim("PATCH", f"{APPROVAL}/stages/{{stage_id}}", pim("group.approval.write"), a.review_stage),
]
