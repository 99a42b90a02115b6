"""Access reviews (Graph v1.0 ``identityGovernance/accessReviews``): schedule definitions, the instances their
recurrence makes, and the decisions of each instance. Not to be confused with ``reviews.py``, which is an
approver's review of a PIM activation request.

Stored: one ``accessReviewScheduleDefinitions`` object per definition (Graph JSON, plus ``_snapshots``: the
principals each instance reviews, fixed the first time the instance is read, and ``_decisions``: what reviewers
recorded). Instances are derived from the definition's recurrence and the emulated clock, as schedule instances
are: "Each recurrence of the schedule definition creates an instance. Instances also represent each unique
resource being reviewed. If a schedule definition reviews multiple resources ..., each resource has a unique
instance per each recurrence" (accessReviewScheduleDefinition resource type, v1.0).

Shapes follow the v1.0 resource pages (accessReviewScheduleDefinition, accessReviewInstance,
accessReviewInstanceDecisionItem, accessReviewScheduleSettings, patternedRecurrence) and the answers of the
tutorial "Review access to privileged roles" (learn.microsoft.com/graph/tutorial-accessreviews-privilegedroles).
Scopes understood are those of "Configure the scope of your access review definition"
(learn.microsoft.com/graph/accessreviews-scope-concept): a group's (transitive) members, a directory role's
active and eligible assignments (``/roleManagement/directory/roleDefinitions/{id}``), its eligible or active
assignments only (``roleEligibilityScheduleInstances`` / ``roleAssignmentScheduleInstances`` with a
``roleDefinitionId eq '{id}'`` filter), and a principalResourceMembershipsScope over those resources.
"""

from __future__ import annotations

import re
import uuid
from calendar import monthrange
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from .. import directory as objects
from ..contract import Caller, GraphError, iso
from . import directory, schedules
from .errors import denied
from .ids import GLOBAL_ADMIN, GLOBAL_READER, PRIVILEGED_ROLE_ADMIN, SECURITY_ADMIN, SECURITY_READER, new_id

if TYPE_CHECKING:
    from .engine import PimEngine

COLL = "accessReviewScheduleDefinitions"
_NS = uuid.UUID("0c5b8f0e-3f1d-4a57-9a43-6f0d2a7b9e21")
ZERO_ID = "00000000-0000-0000-0000-000000000000"
QUERY_SCOPE = "#microsoft.graph.accessReviewQueryScope"
MEMBERSHIPS_SCOPE = "#microsoft.graph.principalResourceMembershipsScope"
INACTIVE_SCOPE = "#microsoft.graph.accessReviewInactiveUsersQueryScope"

# accessReviewScheduleSettings: "defaultDecision ... Possible values: Approve, Deny, or Recommendation"; the
# Create page's examples also send "None" (with defaultDecisionEnabled false).
DEFAULT_DECISIONS = {"none": "None", "approve": "Approve", "deny": "Deny", "recommendation": "Recommendation"}
# accessReviewInstanceDecisionItem.decision: "Approve, Deny, NotReviewed, or DontKnow" (Update
# accessReviewInstanceDecisionItem takes Approve, Deny, DontKnow; NotReviewed is what an unreviewed item shows).
DECISIONS = {"approve": "Approve", "deny": "Deny", "dontknow": "DontKnow", "notreviewed": "NotReviewed"}
PATTERNS = {"daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"}
RANGES = {"noEnd", "endDate", "numbered"}
# The writable properties of the Create page's request body table, plus what a GET answers (a PUT sends the
# object back, "Update accessReviewScheduleDefinition": "expects the full object").
WRITABLE = {"displayName", "descriptionForAdmins", "descriptionForReviewers", "scope", "instanceEnumerationScope",
            "reviewers", "fallbackReviewers", "settings", "stageSettings", "additionalNotificationRecipients"}
READ_ONLY = {"id", "createdBy", "createdDateTime", "lastModifiedDateTime", "status", "instances", "@odata.context",
             "@odata.type", "@odata.etag"}
SETTINGS = {"mailNotificationsEnabled", "reminderNotificationsEnabled", "justificationRequiredOnApproval",
            "defaultDecisionEnabled", "defaultDecision", "instanceDurationInDays", "autoApplyDecisionsEnabled",
            "recommendationsEnabled", "recurrence", "applyActions", "decisionHistoriesForReviewersEnabled",
            "recommendationLookBackDuration", "recommendationInsightSettings", "@odata.type"}


# ---- errors --------------------------------------------------------------------------------------------------
# Microsoft documents no error codes or messages for the access reviews API: "Microsoft Graph error responses"
# lists 400 BadRequest ("Cannot process the request because it is malformed or incorrect") and 404 NotFound
# ("The requested resource doesn't exist") as the generic answers; the messages below are ours and name the
# property at fault.

def invalid(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def not_found(what: str, oid: str) -> GraphError:
    return GraphError(404, "NotFound", f"The {what} '{oid}' does not exist.")


# ---- scope ---------------------------------------------------------------------------------------------------

_ROLE_DEF = re.compile(r"^/roleManagement/directory/roleDefinitions/([^/?]+)$", re.IGNORECASE)
_ROLE_INSTANCES = re.compile(r"^/roleManagement/directory/role(Eligibility|Assignment)ScheduleInstances(\?.*)?$",
                             re.IGNORECASE)
_GROUP_MEMBERS = re.compile(r"^/groups/([^/?]+)/(transitiveMembers|members)(/microsoft\.graph\.(\w+))?/?(\?.*)?$",
                            re.IGNORECASE)
_ROLE_FILTER = re.compile(r"roleDefinitionId\s+eq\s+'([^']+)'", re.IGNORECASE)
_ISOF = re.compile(r"isof\(\s*principal\s*,\s*'microsoft\.graph\.(\w+)'\s*\)", re.IGNORECASE)
_ASSIGNED_ONLY = re.compile(r"assignmentType\s+eq\s+'Assigned'", re.IGNORECASE)
_TYPES = {"user": "users", "group": "groups", "serviceprincipal": "servicePrincipals"}


def _path(query: object) -> str:
    """A scope query without its version prefix (instances answer "/v1.0/users", "/beta/roleManagement/...")."""
    text = str(query or "").strip()
    for prefix in ("/v1.0/", "/beta/"):
        if text.lower().startswith(prefix):
            return text[len(prefix) - 1:]
    return text


def parse_resource(query: object) -> dict | None:
    """What one resource query reviews: {kind: role|group, id, eligible, active, assigned_only, types}; None for a
    query the emulator does not serve."""
    text = _path(query)
    m = _ROLE_DEF.match(text)
    if m:
        return {"kind": "role", "id": m[1], "eligible": True, "active": True, "assigned_only": True, "types": None}
    m = _ROLE_INSTANCES.match(text)
    if m:
        role = _ROLE_FILTER.search(m[2] or "")
        if role is None:
            return None
        types = {_TYPES[t.lower()] for t in _ISOF.findall(m[2] or "") if t.lower() in _TYPES} or None
        eligible = m[1].lower() == "eligibility"
        return {"kind": "role", "id": role[1], "eligible": eligible, "active": not eligible,
                "assigned_only": bool(_ASSIGNED_ONLY.search(m[2] or "")), "types": types}
    m = _GROUP_MEMBERS.match(text)
    if m:
        typ = (m[4] or "").lower()
        return {"kind": "group", "id": m[1], "transitive": m[2].lower() == "transitivemembers",
                "types": {_TYPES[typ]} if typ in _TYPES else None}
    return None


def _principal_filter(scopes: list) -> tuple[set[str] | None, bool]:
    """principalScopes -> (collections allowed, guests only). "/users", "/groups", "/servicePrincipals", and
    "/users?$filter=(userType eq 'Guest')" (scope concept page, examples 13 and 14)."""
    if not scopes:
        return None, False
    colls: set[str] = set()
    guests = True
    for s in scopes:
        text = _path(s.get("query") if isinstance(s, dict) else None)
        head, _, rest = text.partition("?")
        coll = {"/users": "users", "/groups": "groups", "/serviceprincipals": "servicePrincipals"}.get(
            head.rstrip("/").lower())
        if coll is None:
            raise invalid(f"scope.principalScopes: unsupported query '{text[:200]}'; expected /users, /groups or "
                          "/servicePrincipals")
        colls.add(coll)
        guests = guests and coll == "users" and "guest" in rest.lower()
    return colls, guests


def resources_of(scope: dict) -> list[tuple[dict, dict]]:
    """[(instance scope, resource)] of a definition's scope: one per resource reviewed."""
    kind = scope.get("@odata.type") or QUERY_SCOPE
    if kind.lstrip("#").lower() in (QUERY_SCOPE.lstrip("#").lower(), INACTIVE_SCOPE.lstrip("#").lower()):
        res = parse_resource(scope.get("query"))
        if res is None:
            raise invalid(f"scope.query: unsupported query '{str(scope.get('query'))[:200]}'. Supported: "
                          "/groups/{id}/transitiveMembers, /roleManagement/directory/roleDefinitions/{id}, "
                          "/roleManagement/directory/role(Eligibility|Assignment)ScheduleInstances?$filter=... "
                          "roleDefinitionId eq '{id}'")
        return [(scope, res)]
    if kind.lstrip("#").lower() == MEMBERSHIPS_SCOPE.lstrip("#").lower():
        resource_scopes = scope.get("resourceScopes") or []
        if not isinstance(resource_scopes, list) or not resource_scopes:
            raise invalid("scope.resourceScopes: at least one resource scope is required")
        out = []
        for rs in resource_scopes:
            res = parse_resource(rs.get("query") if isinstance(rs, dict) else None)
            if res is None:
                raise invalid(f"scope.resourceScopes: unsupported query '{str(rs)[:200]}'")
            out.append(({**scope, "resourceScopes": [rs]}, res))
        return out
    raise invalid(f"scope: unsupported @odata.type '{kind}'; expected {QUERY_SCOPE} or {MEMBERSHIPS_SCOPE}")


# ---- recurrence ----------------------------------------------------------------------------------------------

def _as_date(value: object, where: str) -> date | None:
    if value in (None, "", "null"):
        return None
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise invalid(f"Cannot convert the literal '{text[:40]}' to the expected type 'Edm.Date' ({where})") from None


def _add_months(d: date, months: int, day: int | None = None) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(day or d.day, monthrange(year, month)[1]))


def _period(pattern: dict) -> tuple[str, int]:
    kind = pattern.get("type")
    interval = int(pattern.get("interval") or 1)
    if kind == "daily":
        return "days", interval
    if kind == "weekly":
        return "days", 7 * interval
    if kind in ("absoluteMonthly", "relativeMonthly"):
        return "months", interval
    return "months", 12 * interval


def occurrence_starts(defn: dict, until: datetime) -> list[datetime]:
    """Start of each occurrence of the series up to ``until`` (and the first one, even in the future).

    An occurrence starts on the range's start date (plus the pattern's period, n times) at the time of day the
    definition was created: the tutorial's instance starts at 15:31:14 on its startDate, as created.
    """
    settings = defn.get("settings") or {}
    rec = settings.get("recurrence") or {}
    rng = rec.get("range") or {}
    pattern = rec.get("pattern")
    created = _dt(defn["createdDateTime"])
    first = _as_date(rng.get("startDate"), "settings.recurrence.range.startDate") or created.date()
    at = datetime.combine(first, created.timetz())
    if not pattern:
        return [at]  # a one-time review
    unit, step = _period(pattern)
    end_date = _as_date(rng.get("endDate"), "settings.recurrence.range.endDate") if rng.get("type") == "endDate" \
        else None
    count = int(rng.get("numberOfOccurrences") or 0) if rng.get("type") == "numbered" else 0
    out: list[datetime] = []
    n = 0
    while True:
        if unit == "days":
            start = at + timedelta(days=step * n)
        else:
            day = pattern.get("dayOfMonth") or None
            start = datetime.combine(_add_months(first, step * n, day), created.timetz())
        if (end_date and start.date() > end_date) or (count and n >= count):
            break
        if out and start > until:
            break
        out.append(start)
        n += 1
        if n > 10000:  # a daily series decades long: the emulator keeps its answers bounded
            break
    return out


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


# ---- validation and the stored object -------------------------------------------------------------------------

def _reviewer_list(value: object, where: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(f"{where}: a collection of accessReviewReviewerScope is expected")
    out = []
    for r in value:
        if not isinstance(r, dict) or not str(r.get("query") or "").strip():
            raise invalid(f"{where}: each reviewer needs a query (e.g. /users/{{id}}, "
                          "/groups/{id}/transitiveMembers, ./manager)")
        out.append({"query": r["query"], "queryType": r.get("queryType") or "MicrosoftGraph",
                    "queryRoot": r.get("queryRoot"), **({"@odata.type": r["@odata.type"]} if "@odata.type" in r
                                                        else {})})
    return out


def _check_reviewers(eng: PimEngine, scopes: list[dict]) -> None:
    """A reviewer named by id must exist: /users/{id}, /groups/{id}/... (relative queries such as ./manager and
    ./owners are resolved per decision and are not checked). Graph's answer to an unknown reviewer is not
    documented; the emulator refuses it with 400 naming it, before anything is written."""
    for r in scopes:
        text = _path(r["query"])
        m = re.match(r"^/(users|groups)/([^/?]+)", text, re.IGNORECASE)
        if m and m[2] not in eng.tenant.coll(m[1].lower()):
            raise invalid(f"reviewers: the {m[1].lower()[:-1]} '{m[2]}' of '{text[:200]}' does not exist in this "
                          "tenant")


def _settings(value: object) -> dict:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise invalid("settings: an accessReviewScheduleSettings object is expected")
    for key in value:
        if key not in SETTINGS:
            raise invalid(f"The property '{key}' does not exist on type 'microsoft.graph.accessReviewScheduleSettings'."
                          " Make sure to only use property names that are defined by the type.")
    s = dict(value)
    s.pop("@odata.type", None)
    decision = DEFAULT_DECISIONS.get(str(s.get("defaultDecision") or "None").lower())
    if decision is None:
        raise invalid(f"settings.defaultDecision: '{s.get('defaultDecision')}' is not one of Approve, Deny, "
                      "Recommendation, None")
    duration = s.get("instanceDurationInDays", 1)
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
        raise invalid(f"settings.instanceDurationInDays: '{duration}' is not a positive number of days")
    # "Default value is false" for the boolean settings (accessReviewScheduleSettings resource type).
    out = {key: bool(s.get(key, False)) for key in (
        "mailNotificationsEnabled", "reminderNotificationsEnabled", "justificationRequiredOnApproval",
        "defaultDecisionEnabled")}
    out.update({"defaultDecision": decision, "instanceDurationInDays": duration,
                "autoApplyDecisionsEnabled": bool(s.get("autoApplyDecisionsEnabled", False)),
                "recommendationsEnabled": bool(s.get("recommendationsEnabled", False))})
    if "decisionHistoriesForReviewersEnabled" in s:
        out["decisionHistoriesForReviewersEnabled"] = bool(s["decisionHistoriesForReviewersEnabled"])
    if s.get("recommendationLookBackDuration"):
        out["recommendationLookBackDuration"] = s["recommendationLookBackDuration"]
    out["recurrence"] = _recurrence(s.get("recurrence"), duration)
    out["applyActions"] = list(s.get("applyActions") or [])
    return out


def _recurrence(value: object, duration: int) -> dict | None:
    """A patternedRecurrence as Graph answers it (Create page, example 1's response: every property present)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("settings.recurrence: a patternedRecurrence object is expected")
    pattern, rng = value.get("pattern"), value.get("range") or {}
    out_pattern = None
    if pattern is not None:
        if not isinstance(pattern, dict) or pattern.get("type") not in PATTERNS:
            raise invalid(f"settings.recurrence.pattern.type: '{(pattern or {}).get('type')}' is not one of "
                          f"{', '.join(sorted(PATTERNS))}")
        interval = pattern.get("interval", 1)
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise invalid(f"settings.recurrence.pattern.interval: '{interval}' is not a positive integer")
        unit, step = _period(pattern)
        days = step if unit == "days" else 28 * step
        if duration > days:
            # Not a documented message: a review instance longer than its recurrence would overlap the next one.
            raise invalid(f"settings.instanceDurationInDays: {duration} days is longer than the recurrence period "
                          f"({pattern['type']}, interval {interval})")
        out_pattern = {"type": pattern["type"], "interval": interval, "month": int(pattern.get("month") or 0),
                       "dayOfMonth": int(pattern.get("dayOfMonth") or 0),
                       "daysOfWeek": list(pattern.get("daysOfWeek") or []),
                       "firstDayOfWeek": pattern.get("firstDayOfWeek") or "sunday",
                       "index": pattern.get("index") or "first"}
    if not isinstance(rng, dict) or rng.get("type", "noEnd") not in RANGES:
        raise invalid(f"settings.recurrence.range.type: '{rng.get('type')}' is not one of noEnd, endDate, numbered")
    start = _as_date(rng.get("startDate"), "settings.recurrence.range.startDate")
    end = _as_date(rng.get("endDate"), "settings.recurrence.range.endDate")
    if rng.get("type") == "endDate" and end is None:
        raise invalid("settings.recurrence.range.endDate is required when the range type is endDate")
    if start and end and end < start:
        raise invalid("settings.recurrence.range.endDate is before startDate")
    return {"pattern": out_pattern, "range": {
        "type": rng.get("type", "noEnd"), "numberOfOccurrences": int(rng.get("numberOfOccurrences") or 0),
        "recurrenceTimeZone": rng.get("recurrenceTimeZone"), "startDate": start.isoformat() if start else None,
        "endDate": end.isoformat() if end else None}}


def _scope_out(scope: dict) -> dict:
    """A scope as Graph answers it: each query scope with its queryType and queryRoot (null)."""
    def one(s: dict) -> dict:
        out = dict(s)
        out.setdefault("@odata.type", QUERY_SCOPE)
        if "query" in out:
            out.setdefault("queryType", "MicrosoftGraph")
            out.setdefault("queryRoot", None)
        return out
    top = one(scope)
    for key in ("principalScopes", "resourceScopes"):
        if isinstance(top.get(key), list):
            top[key] = [one(s) if isinstance(s, dict) else s for s in top[key]]
    return top


def validate(eng: PimEngine, body: object, existing: dict | None = None) -> dict:
    """The writable part of a definition from a create (or full update) body; 400 naming what is wrong."""
    if not isinstance(body, dict):
        raise invalid("The request body must be an accessReviewScheduleDefinition object.")
    for key in body:
        if key not in WRITABLE and key not in READ_ONLY and not key.startswith("@"):
            raise invalid(f"The property '{key}' does not exist on type "
                          "'microsoft.graph.accessReviewScheduleDefinition'. Make sure to only use property names "
                          "that are defined by the type.")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise invalid("displayName is required: the name of the access review series.")
    scope = body.get("scope")
    if not isinstance(scope, dict):
        raise invalid("scope is required: an accessReviewScope naming what is reviewed.")
    scope = _scope_out(scope)
    if existing is not None and _norm_scope(scope) != _norm_scope(existing["scope"]):
        # "Update accessReviewScheduleDefinition" lists the properties that can be updated; scope is not one.
        raise invalid("scope cannot be updated; delete the access review series and create a new one.")
    for key in ("descriptionForAdmins", "descriptionForReviewers"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise invalid(f"{key}: a string is expected")
    # descriptionForReviewers: "Email notifications support up to 256 characters" (Create page) says what the
    # mail shows, not that a longer text is refused: none is.
    resources = resources_of(scope)
    if isinstance(scope.get("principalScopes"), list):
        _principal_filter(scope["principalScopes"])
    for _, res in resources:
        coll = "roleDefinitions" if res["kind"] == "role" else "groups"
        if res["id"] not in eng.tenant.coll(coll):
            raise invalid(f"scope: the {'directory role' if coll == 'roleDefinitions' else 'group'} "
                          f"'{res['id']}' does not exist in this tenant")
    reviewers = _reviewer_list(body.get("reviewers"), "reviewers")
    fallback = _reviewer_list(body.get("fallbackReviewers"), "fallbackReviewers")
    _check_reviewers(eng, reviewers + fallback)
    settings = _settings(body.get("settings"))
    return {
        "displayName": name, "descriptionForAdmins": body.get("descriptionForAdmins"),
        "descriptionForReviewers": body.get("descriptionForReviewers"),
        "instanceEnumerationScope": body.get("instanceEnumerationScope"), "scope": scope,
        "reviewers": reviewers, "fallbackReviewers": fallback,
        "settings": settings,
        **({"stageSettings": body["stageSettings"]} if body.get("stageSettings") else {}),
        "additionalNotificationRecipients": list(body.get("additionalNotificationRecipients") or []),
    }


def _norm_scope(scope: dict) -> object:
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in ("queryRoot",) and x is not None}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return _path(v) if isinstance(v, str) and v.startswith("/") else v
    return strip(scope)


def created_by(eng: PimEngine, caller: Caller) -> dict:
    """userIdentity of the creator: the signed-in user, or the calling app's service principal."""
    if caller.user_id:
        user = eng.tenant.coll("users").get(caller.user_id) or {}
        return {"id": caller.user_id, "displayName": user.get("displayName"),
                "userPrincipalName": user.get("userPrincipalName")}
    sp = next((s for s in eng.tenant.coll("servicePrincipals").values() if s.get("appId") == caller.app_id), {})
    return {"id": sp.get("id") or caller.app_id, "displayName": sp.get("displayName"), "userPrincipalName": None}


def create(eng: PimEngine, body: object, creator: dict, definition_id: str | None = None) -> dict:
    fields = validate(eng, body)
    now = iso(eng.now())
    defn = {"id": definition_id or new_id(), **fields, "createdBy": creator, "createdDateTime": now,
            "lastModifiedDateTime": now, "_snapshots": {}, "_decisions": {}}
    eng.tenant.coll(COLL)[defn["id"]] = defn
    return defn


def update(eng: PimEngine, defn: dict, body: object) -> dict:
    """"Any updates to an accessReviewScheduleDefinition only apply to future instances. Currently running
    instances cannot be updated" (Update accessReviewScheduleDefinition): the windows of the instances started
    so far are kept as they are."""
    fields = validate(eng, body, existing=defn)
    fields.pop("scope")
    fixed = defn.setdefault("_windows", {})
    for inst in instances(eng, defn):
        if inst["status"] != "NotStarted":
            fixed.setdefault(str(inst["_occurrence"]), [inst["startDateTime"], inst["endDateTime"]])
    defn.update(fields)
    defn["lastModifiedDateTime"] = iso(eng.now())
    return defn


def delete(eng: PimEngine, definition_id: str) -> None:
    eng.tenant.coll(COLL).pop(definition_id, None)


def get(eng: PimEngine, definition_id: str) -> dict:
    defn = eng.tenant.coll(COLL).get(definition_id)
    if defn is None:
        raise not_found("accessReviewScheduleDefinition", definition_id)
    return defn


# ---- instances ------------------------------------------------------------------------------------------------

def instance_id(definition_id: str, index: int, occurrence: int) -> str:
    return str(uuid.uuid5(_NS, f"{definition_id}/{index}/{occurrence}"))


def instances(eng: PimEngine, defn: dict) -> list[dict]:
    """Every instance started by now (newest last); a series that has not started shows its first instance as
    NotStarted. Internal keys: ``_resource``, ``_index``."""
    now = eng.now()
    duration = timedelta(days=int((defn.get("settings") or {}).get("instanceDurationInDays") or 1))
    starts = occurrence_starts(defn, now)
    created = _dt(defn["createdDateTime"])
    out = []
    fixed = defn.get("_windows") or {}
    for n, start in enumerate(starts):
        end = start + duration
        if str(n) in fixed:
            start, end = _dt(fixed[str(n)][0]), _dt(fixed[str(n)][1])
        if end <= created and n < len(starts) - 1:
            continue  # occurrences that ended before the series existed were never run
        if start > now and out:
            break
        status = "NotStarted" if start > now else ("InProgress" if now < end else "Completed")
        for index, (scope, res) in enumerate(resources_of(defn["scope"])):
            out.append({"id": instance_id(defn["id"], index, n), "startDateTime": iso(start),
                        "endDateTime": iso(end), "status": status, "scope": scope,
                        "reviewers": defn.get("reviewers") or [], "fallbackReviewers": defn.get("fallbackReviewers")
                        or [], "_resource": res, "_index": index, "_occurrence": n})
    return out


def definition_status(eng: PimEngine, defn: dict) -> str:
    """NotStarted before the first instance, Completed once the last one of a bounded series ended, else
    InProgress (the Create page's example 2 answers a running recurring series as InProgress)."""
    insts = instances(eng, defn)
    if not insts or insts[-1]["status"] == "NotStarted":
        return "NotStarted"
    rec = (defn.get("settings") or {}).get("recurrence") or {}
    bounded = not rec.get("pattern") or (rec.get("range") or {}).get("type") in ("endDate", "numbered")
    if bounded and insts[-1]["status"] == "Completed":
        upcoming = occurrence_starts(defn, eng.now() + timedelta(days=3660))
        if _dt(insts[-1]["startDateTime"]) >= upcoming[-1]:
            return "Completed"
    return "InProgress"


def find_instance(eng: PimEngine, defn: dict, iid: str) -> dict:
    inst = next((i for i in instances(eng, defn) if i["id"] == iid), None)
    if inst is None:
        raise not_found("accessReviewInstance", iid)
    return inst


# ---- decisions -------------------------------------------------------------------------------------------------

def _holders(eng: PimEngine, res: dict) -> list[tuple[str, dict]]:
    """(collection, object) of each principal the resource gives access to right now."""
    tenant = eng.tenant
    now = eng.now().timestamp()
    ids: list[str] = []
    if res["kind"] == "group":
        group = tenant.coll("groups").get(res["id"])
        if group is None:
            return []
        members = objects.members_of(tenant, group, res.get("transitive", True),
                                       member_ids=lambda g: _group_members(tenant, g["id"], now))
        return [(c, o) for c, o in members if res["types"] is None or c in res["types"]]
    if res["eligible"]:
        ids += [i["principalId"] for i in schedules.instances(eng, True)
                if i["roleDefinitionId"] == res["id"] and i["memberType"] == "Direct"]
    if res["active"]:
        ids += [i["principalId"] for i in schedules.instances(eng, False)
                if i["roleDefinitionId"] == res["id"] and i["memberType"] == "Direct"
                and (not res["assigned_only"] or i.get("assignmentType") != "Activated")]
    out = []
    for pid in dict.fromkeys(ids):
        for coll in ("users", "groups", "servicePrincipals"):
            obj = tenant.coll(coll).get(pid)
            if obj is not None and (res["types"] is None or coll in res["types"]):
                out.append((coll, obj))
                break
    return out


def _group_members(tenant, group_id: str, now: float) -> list[str]:
    return directory.group_members(tenant, group_id, now)


def _principal(coll: str, obj: dict) -> dict:
    if coll == "users":
        return {"@odata.type": "#microsoft.graph.userIdentity", "id": obj["id"], "displayName": obj.get("displayName"),
                "userPrincipalName": obj.get("userPrincipalName")}
    if coll == "servicePrincipals":
        return {"@odata.type": "#microsoft.graph.servicePrincipalIdentity", "id": obj["id"],
                "displayName": obj.get("displayName"), "appId": obj.get("appId")}
    return {"id": obj["id"], "displayName": obj.get("displayName")}  # a group: a plain identity, as the tutorial


def _snapshot(eng: PimEngine, defn: dict, inst: dict) -> list[dict]:
    """The principals an instance reviews, fixed the first time the instance is read (a review does not follow
    later assignment changes)."""
    snaps = defn.setdefault("_snapshots", {})
    if inst["id"] not in snaps:
        principals_scope = defn["scope"].get("principalScopes")
        colls, guests = _principal_filter(principals_scope) if isinstance(principals_scope, list) else (None, False)
        rows = []
        for coll, obj in _holders(eng, inst["_resource"]):
            if colls is not None and coll not in colls:
                continue
            if guests and obj.get("userType") != "Guest":
                continue
            rows.append({"coll": coll, "principal": _principal(coll, obj)})
        snaps[inst["id"]] = rows
    return snaps[inst["id"]]


def decision_id(instance_id_: str, principal_id: str) -> str:
    return str(uuid.uuid5(_NS, f"{instance_id_}/decision/{principal_id}"))


def _resource_view(eng: PimEngine, res: dict) -> dict:
    coll = "roleDefinitions" if res["kind"] == "role" else "groups"
    obj = eng.tenant.coll(coll).get(res["id"]) or {}
    return {"id": res["id"], "displayName": obj.get("displayName"),
            "type": "directoryRole" if res["kind"] == "role" else "group"}


def decisions(eng: PimEngine, defn: dict, inst: dict, base_url: str) -> list[dict]:
    """The decision items of an instance: one per principal reviewed, NotReviewed until a reviewer decides; once
    the instance completed, an unreviewed item takes the default decision when defaultDecisionEnabled
    (accessReviewScheduleSettings: "Decision chosen if defaultDecisionEnabled is enabled")."""
    settings = defn.get("settings") or {}
    recorded = defn.setdefault("_decisions", {}).get(inst["id"], {})
    res = inst["_resource"]
    resource = _resource_view(eng, res)
    res_link = (f"{base_url}/roleManagement/directory/roleDefinitions/{res['id']}" if res["kind"] == "role"
                else f"{base_url}/groups/{res['id']}")
    nobody = {"id": ZERO_ID, "displayName": "", "userPrincipalName": ""}
    out = []
    for row in _snapshot(eng, defn, inst):
        pid = row["principal"]["id"]
        did = decision_id(inst["id"], pid)
        rec = recorded.get(did) or {}
        decision = rec.get("decision", "NotReviewed")
        if decision == "NotReviewed" and inst["status"] == "Completed" and settings.get("defaultDecisionEnabled") \
                and settings.get("defaultDecision") in ("Approve", "Deny"):
            decision = settings["defaultDecision"]
        out.append({
            "id": did, "accessReviewId": inst["id"], "decision": decision,
            "justification": rec.get("justification", ""), "recommendation": "NoInfoAvailable",
            "applyResult": "New", "appliedDateTime": None, "reviewedDateTime": rec.get("reviewedDateTime"),
            "reviewedBy": rec.get("reviewedBy") or dict(nobody), "appliedBy": dict(nobody),
            "principalLink": f"{base_url}/{row['coll']}/{pid}", "resourceLink": res_link,
            "resource": resource, "principal": row["principal"],
        })
    return out


def record_decision(eng: PimEngine, caller: Caller, defn: dict, inst: dict, decision_id_: str, body: object) -> None:
    """Update accessReviewInstanceDecisionItem (PATCH, 204): decision Approve, Deny or DontKnow and a
    justification, while the instance is in progress."""
    if not isinstance(body, dict):
        raise invalid("The request body must be an accessReviewInstanceDecisionItem object.")
    for key in body:
        if key not in ("decision", "justification") and not key.startswith("@"):
            raise invalid(f"{key}: only decision and justification can be updated")
    item = next((d for d in decisions(eng, defn, inst, "") if d["id"] == decision_id_), None)
    if item is None:
        raise not_found("accessReviewInstanceDecisionItem", decision_id_)
    require_reviewer(eng, caller, defn, item["principal"]["id"])
    decision = DECISIONS.get(str(body.get("decision") or "").lower())
    if decision is None or decision == "NotReviewed":
        raise invalid(f"decision: '{body.get('decision')}' is not one of Approve, Deny, DontKnow")
    if inst["status"] != "InProgress":
        raise invalid(f"The access review instance is {inst['status']}: decisions can be recorded only while it is "
                      "InProgress.")
    justification = body.get("justification")
    if justification is not None and not isinstance(justification, str):
        raise invalid("justification: a string is expected")
    if decision == "Approve" and (defn.get("settings") or {}).get("justificationRequiredOnApproval") \
            and not (justification or "").strip():
        raise invalid("justification is required to approve: the review's settings set "
                      "justificationRequiredOnApproval.")
    defn.setdefault("_decisions", {}).setdefault(inst["id"], {})[decision_id_] = {
        "decision": decision, "justification": justification or "", "reviewedBy": created_by(eng, caller),
        "reviewedDateTime": iso(eng.now())}


# ---- who may read, write and decide -------------------------------------------------------------------------------
# "For delegated access ... the signed-in user must be assigned a supported Microsoft Entra role": to read access
# reviews "the creator of the access review; Global Reader, Security Reader, User Administrator, Identity
# Governance Administrator, Security Administrator" (and for a Microsoft Entra role's review the Privileged Role
# Administrator); to write reviews of a group "User Administrator, Identity Governance Administrator", of a
# Microsoft Entra role "Identity Governance Administrator, Privileged Role Administrator" (Get / Create
# accessReviewScheduleDefinition, v1.0). Global Administrator holds every permission of those roles. "The calling
# user can also read access reviews whether they're assigned as a reviewer" (Get accessReviewScheduleDefinition).
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
IDENTITY_GOVERNANCE_ADMIN = "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e"
READ_ROLES = {GLOBAL_ADMIN, GLOBAL_READER, SECURITY_READER, SECURITY_ADMIN, USER_ADMIN, IDENTITY_GOVERNANCE_ADMIN,
              PRIVILEGED_ROLE_ADMIN}
WRITE_ROLES = {"group": {GLOBAL_ADMIN, USER_ADMIN, IDENTITY_GOVERNANCE_ADMIN},
               "role": {GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN, IDENTITY_GOVERNANCE_ADMIN}}


def _delegated_checks(eng: PimEngine, caller: Caller) -> bool:
    return not caller.is_app_only and eng.options.get("delegated_admin_requires_role", True)


def require_read(eng: PimEngine, caller: Caller, defn: dict | None = None) -> None:
    if not _delegated_checks(eng, caller) or schedules.holds_role(eng, caller.user_id or "", READ_ROLES):
        return
    if defn is not None and ((defn.get("createdBy") or {}).get("id") == caller.user_id
                             or caller.user_id in reviewers_of(eng, defn)):
        return
    raise denied()


def require_write(eng: PimEngine, caller: Caller, scope: object) -> None:
    if not _delegated_checks(eng, caller):
        return
    kinds = {res["kind"] for _, res in resources_of(scope)} if isinstance(scope, dict) else {"role"}
    needed = set.intersection(*(WRITE_ROLES[k] for k in kinds)) if kinds else WRITE_ROLES["role"]
    if not schedules.holds_role(eng, caller.user_id or "", needed):
        raise denied()


def reviewers_of(eng: PimEngine, defn: dict, principal_id: str | None = None) -> set[str]:
    """The users a definition's reviewers (or, when none resolve, fallback reviewers) name: /users/{id},
    /groups/{id}/transitiveMembers (or members, owners); "./manager" resolves to nobody (the emulated directory
    holds no managers, so the fallback reviewers review); no reviewers at all is a self-review ("If none are
    specified, the review is a self-review", Create page) of ``principal_id``."""
    def resolve(scopes: list) -> set[str]:
        out: set[str] = set()
        now = eng.now().timestamp()
        for r in scopes:
            text = _path(r.get("query"))
            m = re.match(r"^/users/([^/?]+)$", text, re.IGNORECASE)
            if m:
                out.add(m[1])
                continue
            m = re.match(r"^/groups/([^/?]+)/(transitiveMembers|members|owners)", text, re.IGNORECASE)
            if m and m[1] in eng.tenant.coll("groups"):
                if m[2].lower() == "owners":
                    out.update(directory.group_members(eng.tenant, m[1], now, "owner"))
                else:
                    group = eng.tenant.coll("groups")[m[1]]
                    out.update(o["id"] for c, o in objects.members_of(
                        eng.tenant, group, True, member_ids=lambda g: _group_members(eng.tenant, g["id"], now))
                        if c == "users")
        return out
    reviewers = defn.get("reviewers") or []
    if not reviewers:
        return {principal_id} if principal_id else set()
    return resolve(reviewers) or resolve(defn.get("fallbackReviewers") or [])


def require_reviewer(eng: PimEngine, caller: Caller, defn: dict, principal_id: str) -> None:
    """"Any updates made to an accessReviewInstanceDecisionItem can only be made by calling users who are listed
    as reviewer for the parent accessReviewInstance"; the page lists no application permission, so an app token
    is refused too."""
    if caller.is_app_only or caller.user_id not in reviewers_of(eng, defn, principal_id):
        raise denied()


# ---- views ------------------------------------------------------------------------------------------------------

def view(eng: PimEngine, defn: dict) -> dict:
    """The definition as Graph answers it (no instances: "Doesn't include associated accessReviewInstance
    objects", List and Get pages)."""
    out = {k: v for k, v in defn.items() if not k.startswith("_")}
    out["status"] = definition_status(eng, defn)
    return out


def summary(eng: PimEngine) -> list[dict]:
    """What the admin API's state dump shows: each definition, its instances and their decisions, as of now."""
    out = []
    for defn in eng.tenant.coll(COLL).values():
        insts = []
        for inst in instances(eng, defn):
            items = decisions(eng, defn, inst, "")
            insts.append({"id": inst["id"], "status": inst["status"], "startDateTime": inst["startDateTime"],
                          "endDateTime": inst["endDateTime"], "resource": _resource_view(eng, inst["_resource"]),
                          "decisions": [{"principalId": d["principal"]["id"], "decision": d["decision"]}
                                        for d in items]})
        out.append({"id": defn["id"], "displayName": defn["displayName"], "status": definition_status(eng, defn),
                    "instances": insts})
    return out


def seed(eng: PimEngine, specs: list[dict]) -> None:
    """Seed-document access reviews: each a create body (Graph JSON), created as if long ago by an admin; the
    optional ``createdDateTime`` places it in time."""
    for spec in specs:
        body = {k: v for k, v in spec.items() if k not in ("id", "createdDateTime", "createdBy")}
        # A stable id per tenant and name, like every seeded object: docs and reports can name it across runs.
        oid = spec.get("id") or str(uuid.uuid5(_NS, f"{eng.tenant.id}/seed/{spec.get('displayName')}"))
        defn = create(eng, body, spec.get("createdBy") or {"id": ZERO_ID, "displayName": "Seed",
                                                           "userPrincipalName": None}, oid)
        if spec.get("createdDateTime"):
            defn["createdDateTime"] = defn["lastModifiedDateTime"] = spec["createdDateTime"]
