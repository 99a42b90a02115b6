"""The Graph routes of access reviews (v1.0 ``identityGovernance/accessReviews/definitions``, their instances and
decisions), joined with the other APIs' in ``graph.GRAPH``. Same shape as ``graph_directory.py``: one row per
(method, path), the permission a caller needs and the handler in ``responses.graph_reviews``. docs/emulator.md
lists these rows too ("Graph routes") and tests/test_route_table.py keeps both equal and proves every row is
served.

Permissions: every page of these routes names AccessReview.Read.All as the least permission to read and
AccessReview.ReadWrite.All to write (List/Get/Create/Update/Delete accessReviewScheduleDefinition, List/Get
accessReviewInstance, List decisions, Update accessReviewInstanceDecisionItem; delegated and application alike).
Microsoft documents no wording for the 403 of this API; the emulator answers Graph's common
Authorization_RequestDenied "Insufficient privileges to complete the operation." (an assumption, stated).
"""

from __future__ import annotations

from ..pim.errors import denied
from ..pim.errors import method_not_allowed as not_allowed
from ..responses.graph_reviews import definitions as d
from ..routing import Permission, Route

AR = "/identityGovernance/accessReviews/definitions"
DEF = f"{AR}/{{definition_id}}"
INST = f"{DEF}/instances/{{instance_id}}"
READ_ALL = "AccessReview.Read.All"
READWRITE_ALL = "AccessReview.ReadWrite.All"
READ = Permission(frozenset({READ_ALL, READWRITE_ALL}), denied, READ_ALL)
WRITE = Permission(frozenset({READWRITE_ALL}), denied, READWRITE_ALL)


def _ar(method, template, permission, handler) -> Route:
    return Route(method, template, permission, handler, not_allowed)


ROUTES: list[Route] = [
    _ar("GET", AR, READ, d.list_definitions),
    _ar("POST", AR, WRITE, d.create_definition),
    _ar("GET", DEF, READ, d.get_definition),
    _ar("PUT", DEF, WRITE, d.update_definition),
    _ar("DELETE", DEF, WRITE, d.delete_definition),
    _ar("GET", f"{DEF}/instances", READ, d.list_instances),
    _ar("GET", INST, READ, d.get_instance),
    _ar("GET", f"{INST}/decisions", READ, d.list_decisions),
    _ar("GET", f"{INST}/decisions/{{decision_id}}", READ, d.get_decision),
    _ar("PATCH", f"{INST}/decisions/{{decision_id}}", WRITE, d.update_decision),
]
