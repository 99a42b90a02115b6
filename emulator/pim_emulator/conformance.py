"""Schema conformance: every JSON answer and request body on a documented Graph route, checked against Microsoft's
machine-readable schema (msgraph-sdk's generated v1.0 models, msgraph-beta-sdk's for the beta approval route; see
``schema.py``).

A violation is one of:

- ``undeclared``: a property the type does not declare (what the SDK would drop into ``additional_data``);
- ``wrong-type``: a declared property whose JSON value is not of the declared type (string, boolean, number,
  DateTimeOffset, Duration, Guid, object, collection...);
- ``enum``: a value outside the declared enum;
- ``bad-odata-type``: an ``@odata.type`` that is not the type or one of its derived types;
- ``missing``: a property Microsoft's docs say is always returned (see ``ALWAYS_RETURNED``).

The route table below maps request paths to entity types by regular expression on the path, on purpose
independent of the emulator's own router. A route that is not in it is counted as unchecked, not as a violation;
error answers (status >= 400) are checked on every route against Graph's error envelope (``ODataError``).

The middleware records; it never changes an answer. ``GET /_emulator/conformance`` shows the counts and the
violations; with ``PIM_EMULATOR_CONFORMANCE_LOG`` set (a directory), each emulator process appends its
violations and counts to its own JSONL file there, and ``python -m pim_emulator.conformance DIR`` sums them
and fails on any violation that ``conformance_allow.json`` does not allow with a citation (``make test``).
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from . import schema as schema_mod

log = logging.getLogger("pim_emulator.conformance")
LOG_ENV = "PIM_EMULATOR_CONFORMANCE_LOG"
ALLOW_FILE = Path(__file__).with_name("conformance_allow.json")

# ---- routes -> types -------------------------------------------------------------------------------------------
# (version, path regex below the version, OData type, "entity" | "collection"). Paths are matched without case, as
# Graph matches segments; a segment in braces is any one segment. Request bodies of POST to a collection and PATCH
# of an entity are checked as that type (Create / Update pages of each resource).
_ID = r"[^/]+"
_RD = r"/roleManagement/directory"
_FBCU = r"filterByCurrentUser\(on='[^']*'\)"
ENTITY, COLLECTION = "entity", "collection"


def _pim_routes() -> list[tuple[str, str, str, str]]:
    routes = []
    for seg, type_name in (("roleEligibilityScheduleRequests", "unifiedRoleEligibilityScheduleRequest"),
                           ("roleAssignmentScheduleRequests", "unifiedRoleAssignmentScheduleRequest"),
                           ("roleEligibilitySchedules", "unifiedRoleEligibilitySchedule"),
                           ("roleAssignmentSchedules", "unifiedRoleAssignmentSchedule"),
                           ("roleEligibilityScheduleInstances", "unifiedRoleEligibilityScheduleInstance"),
                           ("roleAssignmentScheduleInstances", "unifiedRoleAssignmentScheduleInstance"),
                           ("roleAssignments", "unifiedRoleAssignment"),
                           ("roleDefinitions", "unifiedRoleDefinition")):
        routes += [("v1.0", f"{_RD}/{seg}", type_name, COLLECTION),
                   ("v1.0", f"{_RD}/{seg}/{_FBCU}", type_name, COLLECTION),
                   ("v1.0", f"{_RD}/{seg}/{_ID}", type_name, ENTITY)]
    return routes


_PG = r"/identityGovernance/privilegedAccess/group"


def _group_routes() -> list[tuple[str, str, str, str]]:
    """PIM for Groups (v1.0): privilegedAccessGroup* types, approvals with stages."""
    routes = [("v1.0", f"{_PG}/(?:eligibility|assignment)ScheduleRequests/{_ID}/cancel", "", ENTITY)]
    for seg, type_name in (("eligibilityScheduleRequests", "privilegedAccessGroupEligibilityScheduleRequest"),
                           ("assignmentScheduleRequests", "privilegedAccessGroupAssignmentScheduleRequest"),
                           ("eligibilitySchedules", "privilegedAccessGroupEligibilitySchedule"),
                           ("assignmentSchedules", "privilegedAccessGroupAssignmentSchedule"),
                           ("eligibilityScheduleInstances", "privilegedAccessGroupEligibilityScheduleInstance"),
                           ("assignmentScheduleInstances", "privilegedAccessGroupAssignmentScheduleInstance")):
        routes += [("v1.0", f"{_PG}/{seg}", type_name, COLLECTION),
                   ("v1.0", f"{_PG}/{seg}/{_FBCU}", type_name, COLLECTION),
                   ("v1.0", f"{_PG}/{seg}/{_ID}", type_name, ENTITY)]
    routes += [("v1.0", f"{_PG}/assignmentApprovals/{_FBCU}", "approval", COLLECTION),
               ("v1.0", f"{_PG}/assignmentApprovals/{_ID}", "approval", ENTITY),
               ("v1.0", f"{_PG}/assignmentApprovals/{_ID}/stages", "approvalStage", COLLECTION),
               ("v1.0", f"{_PG}/assignmentApprovals/{_ID}/stages/{_ID}", "approvalStage", ENTITY)]
    return routes


_AR = r"/identityGovernance/accessReviews/definitions"
_REVIEW_ROUTES = [
    ("v1.0", _AR, "accessReviewScheduleDefinition", COLLECTION),
    ("v1.0", f"{_AR}/{_ID}", "accessReviewScheduleDefinition", ENTITY),  # PUT bodies are the whole definition
    ("v1.0", f"{_AR}/{_ID}/instances", "accessReviewInstance", COLLECTION),
    ("v1.0", f"{_AR}/{_ID}/instances/{_ID}", "accessReviewInstance", ENTITY),
    ("v1.0", f"{_AR}/{_ID}/instances/{_ID}/decisions", "accessReviewInstanceDecisionItem", COLLECTION),
    ("v1.0", f"{_AR}/{_ID}/instances/{_ID}/decisions/{_ID}", "accessReviewInstanceDecisionItem", ENTITY),
]

ROUTES: list[tuple[str, str, str, str]] = [
    # cancel is an action without a body and without an answer (204): nothing to check, but it is documented.
    ("v1.0", f"{_RD}/role(?:Eligibility|Assignment)ScheduleRequests/{_ID}/cancel", "", ENTITY),
    *_pim_routes(),
    *_group_routes(),
    *_REVIEW_ROUTES,  # access reviews (v1.0)
    ("v1.0", r"/policies/roleManagementPolicies", "unifiedRoleManagementPolicy", COLLECTION),
    ("v1.0", f"/policies/roleManagementPolicies/{_ID}", "unifiedRoleManagementPolicy", ENTITY),
    ("v1.0", f"/policies/roleManagementPolicies/{_ID}/(?:effectiveR|r)ules", "unifiedRoleManagementPolicyRule",
     COLLECTION),
    ("v1.0", f"/policies/roleManagementPolicies/{_ID}/(?:effectiveR|r)ules/{_ID}", "unifiedRoleManagementPolicyRule",
     ENTITY),
    ("v1.0", r"/policies/roleManagementPolicyAssignments", "unifiedRoleManagementPolicyAssignment", COLLECTION),
    ("v1.0", f"/policies/roleManagementPolicyAssignments/{_ID}", "unifiedRoleManagementPolicyAssignment", ENTITY),
    ("v1.0", f"/policies/roleManagementPolicyAssignments/{_ID}/policy", "unifiedRoleManagementPolicy", ENTITY),
    ("v1.0", r"/auditLogs/directoryAudits", "directoryAudit", COLLECTION),
    ("v1.0", f"/auditLogs/directoryAudits/{_ID}", "directoryAudit", ENTITY),
    ("v1.0", r"/users", "user", COLLECTION),
    ("v1.0", f"/users/{_ID}", "user", ENTITY),
    ("v1.0", r"/me", "user", ENTITY),
    ("v1.0", r"/groups", "group", COLLECTION),
    ("v1.0", f"/groups/{_ID}", "group", ENTITY),
    ("v1.0", f"/groups/{_ID}/(?:transitiveM|m)embers", "directoryObject", COLLECTION),
    ("v1.0", f"/groups/{_ID}/owners", "directoryObject", COLLECTION),
    ("v1.0", r"/servicePrincipals", "servicePrincipal", COLLECTION),
    ("v1.0", f"/servicePrincipals/{_ID}", "servicePrincipal", ENTITY),
    ("v1.0", r"/servicePrincipals\(appId=[^/]+\)", "servicePrincipal", ENTITY),  # alternate key
    ("v1.0", r"/applications", "application", COLLECTION),
    ("v1.0", f"/applications/{_ID}", "application", ENTITY),
    ("v1.0", r"/directory/administrativeUnits", "administrativeUnit", COLLECTION),
    ("v1.0", f"/directory/administrativeUnits/{_ID}", "administrativeUnit", ENTITY),
    ("v1.0", f"/directory/administrativeUnits/{_ID}/members", "directoryObject", COLLECTION),
    ("v1.0", r"/organization", "organization", COLLECTION),
    ("v1.0", f"/organization/{_ID}", "organization", ENTITY),
    # getByIds: the body is the action's parameters, the answer a directoryObject collection (directoryobject-getbyids).
    ("v1.0", r"/directoryObjects/getByIds", "directoryObject", COLLECTION),
    ("v1.0", f"/directoryObjects/{_ID}", "directoryObject", ENTITY),
    # Beta: approvals of directory-role activations (approval, approvalStep; graph-rest-beta).
    ("beta", f"{_RD}/roleAssignmentApprovals", "approval", COLLECTION),
    ("beta", f"{_RD}/roleAssignmentApprovals/{_FBCU}", "approval", COLLECTION),
    ("beta", f"{_RD}/roleAssignmentApprovals/{_ID}", "approval", ENTITY),
    ("beta", f"{_RD}/roleAssignmentApprovals/{_ID}/steps", "approvalStep", COLLECTION),
    ("beta", f"{_RD}/roleAssignmentApprovals/{_ID}/steps/{_ID}", "approvalStep", ENTITY),
]
_COMPILED = [(v, re.compile(f"^{p}$", re.IGNORECASE), p, t, k) for v, p, t, k in ROUTES]
# Action request bodies that are not the route's entity type: (version, route pattern) -> SDK module, class.
ACTION_BODIES = {("v1.0", r"/directoryObjects/getByIds"):
                 ("directory_objects.get_by_ids.get_by_ids_post_request_body", "GetByIdsPostRequestBody")}

# ---- properties the docs say are always returned ---------------------------------------------------------------
# The schema does not say which properties an answer always carries; these are the ones Microsoft's pages state,
# checked only when the request had no $select:
# - "id" of every entity: the key ("Key, not nullable, read-only", entity resource type), on every entity type.
# - users: "By default, only a limited set of properties are returned (businessPhones, displayName, givenName, id,
#   jobTitle, mail, mobilePhone, officeLocation, preferredLanguage, surname, and userPrincipalName)" (List users,
#   learn.microsoft.com/graph/api/user-list).
# - "@odata.type" on each item of a collection of a polymorphic type: policy rules ("List rules" and
#   "List effectiveRules" examples show it on every rule: the rule's kind is its type) and directoryObjects
#   (group members, getByIds: the examples show "@odata.type": "#microsoft.graph.user" on each object).
ALWAYS_RETURNED: dict[str, tuple[str, ...]] = {
    "microsoft.graph.user": ("businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone",
                             "officeLocation", "preferredLanguage", "surname", "userPrincipalName"),
}
TYPED_ITEMS = {"unifiedRoleManagementPolicyRule", "directoryObject"}

# ---- $batch envelopes ------------------------------------------------------------------------------------------
# The JSON batch format is not an entity of the schema; its properties are those of "Combine multiple HTTP requests
# using JSON batching" (learn.microsoft.com/graph/json-batching).
BATCH_REQUEST_ITEM = {"id": str, "method": str, "url": str, "headers": dict, "body": object, "dependsOn": list}
BATCH_RESPONSE_ITEM = {"id": str, "status": int, "headers": dict, "body": object}

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$")
_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]*={0,2}$")
_JSON_KIND = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
              type(None): "null"}


def _json_kind(value) -> str:
    return _JSON_KIND.get(type(value), type(value).__name__)


def match_route(version: str, path: str) -> tuple[str, str, str] | None:
    """(route pattern, type, kind) for a path below the version, or None when the route is not in the table."""
    path = "/" + path.strip("/")
    for v, rx, pattern, type_name, kind in _COMPILED:
        if v == version and rx.match(path):
            return pattern, type_name, kind
    return None


class Checker:
    """Counts and violations of one emulator process. Thread-safe enough for aiohttp (one loop) and tests."""

    def __init__(self, enabled: bool = True, log_dir: str | None = None):
        self._schemas: dict | None = None  # imported by warm() or the first check: the SDKs take seconds
        self._load_lock = threading.Lock()
        self.reason = None
        if enabled and not schema_mod.available("v1.0"):
            self.reason = "msgraph-sdk is not installed: install it to check v1.0 answers"
            enabled = False
        if not schema_mod.available("beta"):
            # Without msgraph-beta-sdk the beta approval route stays unchecked (counted in "unchecked").
            log.info("msgraph-beta-sdk is not installed: beta answers are not checked")
        self.enabled = enabled
        self.checked_answers = self.checked_requests = self.unchecked = 0
        self.violations: dict[tuple, dict] = {}
        self.unchecked_routes: dict[str, int] = {}
        self.by_route: dict[str, int] = {}  # "request v1.0 POST <route pattern>" -> bodies checked
        self._lock = threading.Lock()
        self._log_path = None
        self._last_flush = 0.0
        self._flushed_counts: tuple | None = None
        if enabled and log_dir:
            os.makedirs(log_dir, exist_ok=True)
            self._log_path = os.path.join(log_dir, f"conformance-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl")

    @property
    def schemas(self) -> dict:
        with self._load_lock:  # the warm-up thread may be importing them right now
            if self._schemas is None:
                self._schemas = {v: schema_mod.load(v) for v in ("v1.0", "beta")}
            return self._schemas

    def warm(self) -> None:
        """Import the SDKs and read the routes' models (seconds on a loaded machine) before the first answer
        needs them, so that answer is not held up; run in a thread while the emulator starts."""
        try:
            for version, _rx, _pattern, type_name, _kind in _COMPILED:
                sch = self.schemas.get(version)
                if sch is not None and type_name:
                    sch.model_for(type_name)
        except Exception:  # noqa: BLE001 - a failed warm-up only means the first check does the work
            log.exception("conformance warm-up failed")

    # -- recording -----------------------------------------------------------------------------------------------

    def _record(self, kind: str, ctx: dict, where: str, type_name: str, detail: str) -> None:
        key = (kind, ctx["direction"], ctx["version"], ctx["method"], ctx["route"], where, type_name)
        with self._lock:
            entry = self.violations.get(key)
            if entry is not None:
                entry["count"] += 1
                return
            entry = {"kind": kind, "direction": ctx["direction"], "version": ctx["version"], "method": ctx["method"],
                     "route": ctx["route"], "property": where, "type": type_name, "detail": detail, "count": 1}
            self.violations[key] = entry
        self._append({"event": "violation", **entry})

    def _count(self, ctx: dict) -> None:
        if ctx["direction"] == "request":
            self.checked_requests += 1
        else:
            self.checked_answers += 1
        key = f"{ctx['direction']} {ctx['version']} {ctx['method']} {ctx['route']}"
        self.by_route[key] = self.by_route.get(key, 0) + 1

    def _append(self, doc: dict) -> None:
        if not self._log_path:
            return
        try:
            with open(self._log_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(doc, sort_keys=True) + "\n")
        except OSError as exc:  # a full disk must not take the emulator down; the summary will miss this file
            log.warning("cannot write %s: %s", self._log_path, exc)

    def flush(self, force: bool = False) -> None:
        """Append the counts (at most once a second while traffic flows, and on shutdown)."""
        now = time.monotonic()
        if not self._log_path or (not force and now - self._last_flush < 1.0):
            return
        self._last_flush = now
        counts = (self.checked_answers, self.checked_requests, self.unchecked, len(self.violations))
        if counts == self._flushed_counts:
            return
        self._flushed_counts = counts
        self._append({"event": "counts", "checked_answers": counts[0], "checked_requests": counts[1],
                      "unchecked": counts[2], "by_route": self.by_route, "pid": os.getpid()})

    def report(self) -> dict:
        allow = load_allow_list()
        violations = []
        for entry in self.violations.values():
            cite = allowed_by(entry, allow)
            violations.append({**entry, "allowed": cite} if cite else dict(entry))
        return {"enabled": self.enabled, "reason": self.reason,
                "beta_checked": schema_mod.available("beta"),
                "checked_answers": self.checked_answers, "checked_requests": self.checked_requests,
                "unchecked": self.unchecked, "unchecked_routes": dict(self.unchecked_routes),
                "by_route": dict(self.by_route),
                "violations": violations}

    # -- one HTTP exchange ---------------------------------------------------------------------------------------

    def observe(self, method: str, version: str, path: str, query: str, request_body: Any,
                status: int, answer: Any) -> None:
        """Check one Graph exchange (parsed JSON bodies; None when there is none)."""
        if not self.enabled:
            return
        if path.strip("/").lower() == "$batch":
            self._observe_batch(version, request_body, status, answer)
        else:
            self._observe_one(method, version, path, query, request_body, status, answer)
        self.flush()

    def _observe_one(self, method, version, path, query, request_body, status, answer) -> None:
        method = method.upper()
        sch = self.schemas.get(version)
        hit = match_route(version, path) if sch is not None else None
        if answer is not None and status >= 400 and self.schemas["v1.0"] is not None:
            # Graph's error envelope is the same on every route and version (ODataError).
            ctx = {"direction": "answer", "version": version, "method": method, "route": hit[0] if hit else "*"}
            self._count(ctx)
            err_schema = sch or self.schemas["v1.0"]
            self.check_object(err_schema, err_schema.error_model().cls, answer, ctx, "", top=True)
        if hit is None or not hit[1]:
            if request_body is not None or (answer is not None and status < 400):
                self.unchecked += 1
                key = f"{version} {method} {_normalise(path)}"
                self.unchecked_routes[key] = self.unchecked_routes.get(key, 0) + 1
            return
        pattern, type_name, kind = hit
        if request_body is not None and method in ("POST", "PATCH", "PUT"):
            ctx = {"direction": "request", "version": version, "method": method, "route": pattern}
            self._count(ctx)
            action = ACTION_BODIES.get((version, pattern))
            cls = sch.request_body_model(*action).cls if action else sch.model_class(type_name)
            self.check_object(sch, cls, request_body, ctx, "", top=True)
        if answer is None or status >= 400:
            return
        ctx = {"direction": "answer", "version": version, "method": method, "route": pattern}
        self._count(ctx)
        selected = any(k.lower() == "$select" for k, _ in parse_qsl(query, keep_blank_values=True))
        cls = sch.model_class(type_name)
        if kind == COLLECTION and method == "GET" or "value" in (answer if isinstance(answer, dict) else {}):
            self._check_collection(sch, cls, type_name, answer, ctx, selected)
        else:
            self.check_object(sch, cls, answer, ctx, "", top=True, selected=selected)

    def _check_collection(self, sch, cls, type_name, answer, ctx, selected) -> None:
        if not isinstance(answer, dict) or not isinstance(answer.get("value"), list):
            self._record("wrong-type", ctx, "value", type_name, f"a collection answer has no value array "
                         f"({_json_kind(answer)})")
            return
        for key in answer:
            if key != "value" and not key.startswith("@"):
                self._record("undeclared", ctx, key, f"{type_name} collection", "not part of a collection answer")
        for item in answer["value"]:
            if type_name in TYPED_ITEMS and isinstance(item, dict) and "@odata.type" not in item:
                self._record("missing", ctx, "value[].@odata.type", type_name,
                             "each item of a polymorphic collection carries its @odata.type")
            self.check_object(sch, cls, item, ctx, "value[]", top=True, selected=selected)

    def _observe_batch(self, version, request_body, status, answer) -> None:
        ctx = {"direction": "request", "version": version, "method": "POST", "route": "/$batch"}
        items: dict[str, dict] = {}
        if isinstance(request_body, dict):
            self._count(ctx)
            for key in request_body:
                if key != "requests":
                    self._record("undeclared", ctx, key, "$batch request", "not part of a JSON batch request")
            for item in request_body.get("requests") or []:
                if not isinstance(item, dict):
                    self._record("wrong-type", ctx, "requests[]", "$batch request", f"{_json_kind(item)}")
                    continue
                self._check_envelope(item, BATCH_REQUEST_ITEM, ctx, "requests[]", "$batch request")
                items[str(item.get("id"))] = item
        if not isinstance(answer, dict) or status >= 400:
            if answer is not None:
                self._observe_one("POST", version, "/$batch", "", None, status, answer)
            return
        actx = {**ctx, "direction": "answer"}
        self._count(actx)
        for key in answer:
            if key != "responses" and not key.startswith("@odata."):
                self._record("undeclared", actx, key, "$batch response", "not part of a JSON batch response")
        answered = set()
        for resp in answer.get("responses") or []:
            if not isinstance(resp, dict):
                self._record("wrong-type", actx, "responses[]", "$batch response", f"{_json_kind(resp)}")
                continue
            self._check_envelope(resp, BATCH_RESPONSE_ITEM, actx, "responses[]", "$batch response")
            req = items.get(str(resp.get("id")), {})
            answered.add(str(resp.get("id")))
            self._observe_item(version, req, resp.get("status"), resp.get("body"))
        for rid, req in items.items():  # an item without an answer still had its body checked
            if rid not in answered:
                self._observe_item(version, req, 0, None)

    def _observe_item(self, version, req: dict, status, body) -> None:
        url = str(req.get("url") or "")
        raw_path, _, query = url.partition("?")
        path = unquote(raw_path)
        if path.lower().startswith(("/v1.0/", "/beta/")):  # absolute-to-host URLs name their version
            _, item_version, path = path.split("/", 2)
            version, path = item_version, "/" + path
        body_in = req.get("body") if isinstance(req.get("body"), (dict, list)) else None
        status = status if isinstance(status, int) else 0
        self._observe_one(str(req.get("method") or "GET"), version, path, query, body_in, status,
                          body if isinstance(body, (dict, list)) else None)

    def _check_envelope(self, item: dict, spec: dict, ctx: dict, where: str, type_name: str) -> None:
        for key, value in item.items():
            if key not in spec:
                self._record("undeclared", ctx, f"{where}.{key}", type_name, "not part of the JSON batch format")
            elif spec[key] is not object and value is not None and not isinstance(value, spec[key]):
                self._record("wrong-type", ctx, f"{where}.{key}", type_name,
                             f"{_json_kind(value)} where the batch format has {spec[key].__name__}")

    # -- values --------------------------------------------------------------------------------------------------

    def check_object(self, sch, cls, obj, ctx: dict, where: str, top: bool = False, selected: bool = False) -> None:
        model = sch.model(cls)
        if not isinstance(obj, dict):
            self._record("wrong-type", ctx, where or "(body)", model.name, f"{_json_kind(obj)} where an object of "
                         f"{model.name} is declared")
            return
        odata_type = obj.get("@odata.type")
        if isinstance(odata_type, str) and odata_type:
            model = sch.model(sch.resolve(cls, odata_type))
            if _short(model.name) != _short(odata_type):
                self._record("bad-odata-type", ctx, _join(where, "@odata.type"), model.name,
                             f"{odata_type} is not {model.name} or a type derived from it")
        for key, value in obj.items():
            if key.startswith("@") or ("@" in key and key.split("@", 1)[0] in model.props):
                continue  # OData control information and property annotations (@odata.context, x@odata.type...)
            prop = model.props.get(key)
            if prop is None:
                self._record("undeclared", ctx, _join(where, key), model.name, f"{model.name} declares no {key}")
                continue
            self._check_value(sch, prop, value, ctx, _join(where, key), model.name)
        if top and not selected and ctx["direction"] == "answer":
            required = ALWAYS_RETURNED.get(model.name, ("id",) if "id" in model.props and where in ("", "value[]")
                                           else ())
            for key in required:
                if key not in obj:
                    self._record("missing", ctx, _join(where, key), model.name, "always returned, per the docs")

    def _check_value(self, sch, prop, value, ctx, where, type_name, item: bool = False) -> None:
        if value is None:
            return  # nullability is not in the SDK's models; Graph sends null for unset properties
        if prop.many and not item:
            if not isinstance(value, list):
                self._record("wrong-type", ctx, where, type_name, f"{_json_kind(value)} where a collection is declared")
                return
            for one in value:
                self._check_value(sch, prop, one, ctx, where + "[]", type_name, item=True)
            return
        kind = prop.kind
        if kind == "object":
            self.check_object(sch, prop.target, value, ctx, where)
            return
        if kind == "enum":
            allowed = sch.enum_values(prop.target)
            if not isinstance(value, str):
                self._record("wrong-type", ctx, where, type_name, f"{_json_kind(value)} where enum "
                             f"{prop.target.__name__} is declared")
            elif value not in allowed:
                self._record("enum", ctx, where, type_name, f"{value[:60]!r} is not a member of {prop.target.__name__}")
            return
        ok = _PRIMITIVE_CHECKS.get(kind, lambda v: True)(value)
        if not ok:
            shown = value[:40] if isinstance(value, str) else _json_kind(value)
            self._record("wrong-type", ctx, where, type_name, f"{shown!r} is not a {kind}")


def _is_str(rx):
    return lambda v: isinstance(v, str) and bool(rx.match(v))


_PRIMITIVE_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    # IEEE754Compatible=false: numbers as JSON numbers; NaN and infinities are strings in OData JSON.
    "float": lambda v: (isinstance(v, (int, float)) and not isinstance(v, bool)) or v in ("NaN", "INF", "-INF"),
    "datetime": _is_str(_DATETIME), "date": _is_str(_DATE), "time": _is_str(_TIME),
    "duration": _is_str(_DURATION), "uuid": _is_str(_GUID), "bytes": _is_str(_BASE64),
}


@functools.lru_cache(maxsize=1024)
def _short(type_name: str) -> str:
    """microsoft.graph.user and #microsoft.graph.User -> user (OData type names compare without case)."""
    return type_name.lstrip("#").rsplit(".", 1)[-1].lower()


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _normalise(path: str) -> str:
    """A path with ids replaced by {id}, so unchecked routes group."""
    return re.sub(r"/[0-9a-fA-F-]{36}(?=/|$)|/[A-Za-z0-9_-]{40,}(?=/|$)", "/{id}", path)


# ---- allow-list ------------------------------------------------------------------------------------------------

def load_allow_list(path: Path = ALLOW_FILE) -> list[dict]:
    """Entries {kind, type, property, [direction], citation}: what Graph really does beyond its schema."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    entries = doc.get("allow", []) if isinstance(doc, dict) else doc
    for entry in entries:
        if not str(entry.get("citation", "")).strip():
            raise ValueError(f"{path}: an allow-list entry without a citation: {entry}")
    return entries


def allowed_by(violation: dict, allow: list[dict]) -> str | None:
    for entry in allow:
        # ``detail`` pins an entry to one value (an enum member spelled as Microsoft's example spells it).
        if all(violation.get(k) == entry[k]
               for k in ("kind", "type", "property", "direction", "route", "version", "detail") if k in entry):
            return entry["citation"]
    return None


# ---- aiohttp wiring --------------------------------------------------------------------------------------------

def _version_and_path(raw: str) -> tuple[str, str, str]:
    raw_path, _, query = raw.partition("?")
    parts = unquote(raw_path).split("/", 2)
    if len(parts) < 3:
        return "", "", query
    return parts[1], "/" + parts[2].rstrip("/"), query


def _parse(data: bytes | None):
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None  # not JSON: the emulator answers it with 400, checked as an error answer


def install(app: web.Application, emu) -> Checker:
    """Add the checking middleware and ``GET /_emulator/conformance`` to an app that is being built."""
    enabled = bool(getattr(emu.settings, "conformance", True))
    checker = Checker(enabled, os.environ.get(LOG_ENV) or None)
    emu.conformance = checker

    @web.middleware
    async def conformance_middleware(request: web.Request, handler):
        version, path, query = _version_and_path(request.raw_path)
        if not checker.enabled or version not in ("v1.0", "beta"):
            return await handler(request)
        response = await handler(request)
        # After the handler: read() answers the bytes the handler read (aiohttp caches them); reading first would
        # leave the handler a consumed stream (can_read_body False).
        try:
            sent = await request.read()
        except Exception:  # noqa: BLE001 - a client gone before its body arrived: no body to check
            sent = b""
        body = getattr(response, "body", None)
        if isinstance(body, (bytes, bytearray)) and "json" not in (response.content_type or ""):
            body = None
        try:
            checker.observe(request.method, version, path, query, _parse(sent), response.status,
                            _parse(body) if isinstance(body, (bytes, bytearray)) else None)
        except Exception as exc:  # noqa: BLE001 - the check must never cost the client its answer
            log.exception("conformance check failed for %s %s", request.method, path)
            checker._record("checker-error", {"direction": "answer", "version": version, "method": request.method,
                                              "route": _normalise(path)}, "", "", type(exc).__name__)
        return response

    async def report(request: web.Request) -> web.Response:
        supplied = request.headers.get("Authorization", "")
        if not hmac.compare_digest(supplied.encode(), f"Bearer {emu.admin_token}".encode()):
            return web.json_response({"error": "unauthorized", "message": "admin bearer token required"},
                                     status=401, headers={"WWW-Authenticate": "Bearer"})
        return web.json_response(checker.report())

    async def on_cleanup(_app) -> None:
        checker.flush(force=True)

    if checker.enabled:
        threading.Thread(target=checker.warm, name="conformance-warm", daemon=True).start()
    app.middlewares.append(conformance_middleware)
    app.router.add_get("/_emulator/conformance", report)
    app.on_cleanup.append(on_cleanup)
    return checker


# ---- the make test gate ----------------------------------------------------------------------------------------

def summarize(log_dir: str, allow_path: Path = ALLOW_FILE) -> tuple[int, int, list[dict], list[dict], dict]:
    """(answers, requests, violations not allowed, violations allowed, checks per route) over every process's log
    in log_dir."""
    answers = requests = 0
    merged: dict[tuple, dict] = {}
    by_route: dict[str, int] = {}
    for path in sorted(Path(log_dir).glob("conformance-*.jsonl")):
        counts = None
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                doc = json.loads(line)
            except ValueError:
                continue  # a line cut by a killed process
            if doc.get("event") == "counts":
                counts = doc
            elif doc.get("event") == "violation":
                key = tuple(doc.get(k) for k in ("kind", "direction", "version", "method", "route", "property",
                                                 "type"))
                merged.setdefault(key, {**doc, "processes": 0})["processes"] += 1
        if counts:
            answers += int(counts.get("checked_answers", 0))
            requests += int(counts.get("checked_requests", 0))
            for key, n in (counts.get("by_route") or {}).items():
                by_route[key] = by_route.get(key, 0) + int(n)
    allow = load_allow_list(allow_path)
    bad, ok = [], []
    for entry in merged.values():
        cite = allowed_by(entry, allow)
        (ok if cite else bad).append({**entry, "allowed": cite} if cite else entry)
    return answers, requests, bad, ok, by_route


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m pim_emulator.conformance LOG_DIR", file=sys.stderr)
        return 2
    answers, requests, bad, ok, by_route = summarize(argv[0])
    for key, n in sorted(by_route.items()):
        if key.startswith("request "):  # the collection's own bodies (issue 13 item 3), route by route
            print(f"checked {n:6d} {key}")
    routes: dict[tuple, int] = {}
    for entry in ok:  # one line per allow-list entry that was used, not per route
        key = (entry["kind"], entry["direction"], entry["type"], entry["property"])
        routes[key] = routes.get(key, 0) + 1
    for (kind, direction, type_name, prop), count in sorted(routes.items()):
        print(f"allowed (cited in {ALLOW_FILE.name}): {kind} {direction} {type_name}.{prop} on {count} route(s)")
    for entry in bad:
        print(f"VIOLATION: {entry['kind']} {entry['direction']} {entry['version']} {entry['method']} "
              f"{entry['route']} {entry['type']}.{entry['property']}: {entry['detail']}")
    print(f"conformance: {answers} answers and {requests} requests checked, {len(bad)} violations "
          f"({len(ok)} allowed with a citation)")
    if answers + requests == 0:
        print(f"conformance: nothing was checked: no emulator logged to {argv[0]} ({LOG_ENV})", file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
