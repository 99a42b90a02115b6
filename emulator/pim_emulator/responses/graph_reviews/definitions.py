"""identityGovernance/accessReviews/definitions (v1.0): accessReviewScheduleDefinition CRUD, the instances of a
series and their decisions. Pages: "List definitions", "Create definitions", "Get accessReviewScheduleDefinition",
"Update accessReviewScheduleDefinition" (PUT), "Delete accessReviewScheduleDefinition", "List instances",
"Get accessReviewInstance", "List decisions", "Update accessReviewInstanceDecisionItem"."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...contract import Collection, GraphError, GraphRequest
from ...pim import access_reviews as ar

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

CTX = "identityGovernance/accessReviews/definitions"
# The List page filters on a cast scope ("contains(scope/microsoft.graph.accessReviewQueryScope/query,
# './members')"): the OData layer reads plain property paths, so the cast segment is dropped; a scope of
# another type has no query, so it still does not match.
_CAST = re.compile(r"/microsoft\.graph\.\w+(?=/)", re.IGNORECASE)


def _filter_casts(req: GraphRequest) -> None:
    if req.query.get("$filter"):
        req.query["$filter"] = _CAST.sub("", req.query["$filter"])


def _definition(eng: PimEngine, req: GraphRequest, definition_id: str) -> dict:
    defn = ar.get(eng, definition_id)
    ar.require_read(eng, req.caller, defn)
    return defn


def list_definitions(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
    _filter_casts(req)
    readable = []
    for defn in eng.tenant.coll(ar.COLL).values():
        try:
            ar.require_read(eng, req.caller, defn)
        except GraphError:
            continue  # a delegated caller without a reader role sees the reviews it created or reviews
        readable.append(defn)
    items = [ar.view(eng, d) for d in readable]
    items.sort(key=lambda d: (d.get("createdDateTime") or "", d["id"]))
    return 200, Collection(items, CTX)


def create_definition(eng: PimEngine, req: GraphRequest) -> tuple[int, object]:
    ar.require_write(eng, req.caller, req.body.get("scope") if isinstance(req.body, dict) else None)
    defn = ar.create(eng, req.body, ar.created_by(eng, req.caller))
    return 201, eng.entity(req, CTX, ar.view(eng, defn))


def get_definition(eng: PimEngine, req: GraphRequest, definition_id: str) -> tuple[int, object]:
    return 200, eng.entity(req, CTX, ar.view(eng, _definition(eng, req, definition_id)))


def update_definition(eng: PimEngine, req: GraphRequest, definition_id: str) -> tuple[int, object]:
    """PUT with the full object ("Update accessReviewScheduleDefinition": 204 No Content)."""
    defn = ar.get(eng, definition_id)
    ar.require_write(eng, req.caller, defn["scope"])
    ar.update(eng, defn, req.body)
    return 204, None


def delete_definition(eng: PimEngine, req: GraphRequest, definition_id: str) -> tuple[int, object]:
    ar.require_write(eng, req.caller, ar.get(eng, definition_id)["scope"])
    ar.delete(eng, definition_id)
    return 204, None


def _instance_view(inst: dict) -> dict:
    return {k: v for k, v in inst.items() if not k.startswith("_")}


def list_instances(eng: PimEngine, req: GraphRequest, definition_id: str) -> tuple[int, object]:
    defn = _definition(eng, req, definition_id)
    items = [_instance_view(i) for i in ar.instances(eng, defn)]
    return 200, Collection(items, f"{CTX}('{definition_id}')/instances")


def get_instance(eng: PimEngine, req: GraphRequest, definition_id: str, instance_id: str) -> tuple[int, object]:
    defn = _definition(eng, req, definition_id)
    inst = ar.find_instance(eng, defn, instance_id)
    return 200, eng.entity(req, f"{CTX}('{definition_id}')/instances", _instance_view(inst))


def list_decisions(eng: PimEngine, req: GraphRequest, definition_id: str, instance_id: str) -> tuple[int, object]:
    defn = _definition(eng, req, definition_id)
    inst = ar.find_instance(eng, defn, instance_id)
    items = ar.decisions(eng, defn, inst, req.base_url)
    return 200, Collection(items, f"{CTX}('{definition_id}')/instances('{instance_id}')/decisions")


def get_decision(eng: PimEngine, req: GraphRequest, definition_id: str, instance_id: str,
                 decision_id: str) -> tuple[int, object]:
    defn = _definition(eng, req, definition_id)
    inst = ar.find_instance(eng, defn, instance_id)
    item = next((d for d in ar.decisions(eng, defn, inst, req.base_url) if d["id"] == decision_id), None)
    if item is None:
        raise ar.not_found("accessReviewInstanceDecisionItem", decision_id)
    return 200, eng.entity(req, f"{CTX}('{definition_id}')/instances('{instance_id}')/decisions", item)


def update_decision(eng: PimEngine, req: GraphRequest, definition_id: str, instance_id: str,
                    decision_id: str) -> tuple[int, object]:
    """PATCH decision + justification (Update accessReviewInstanceDecisionItem: 204 No Content)."""
    defn = ar.get(eng, definition_id)
    inst = ar.find_instance(eng, defn, instance_id)
    ar.record_decision(eng, req.caller, defn, inst, decision_id, req.body)
    return 204, None
