# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access reviews of privileged access (Graph v1.0 ``accessReviewScheduleDefinition``): pure planning.

Private to the collection (leading underscore): may change in any release.

No I/O here. What the modules read from Graph comes in as Graph's JSON, and what they write goes out
as Graph's JSON; in between, a definition is described in the words of ``pim_access_review``'s options
(``roles``, ``groups``, ``assignment_kinds``, ``reviewers``, ``recurrence``, ``duration_days``...), so the
comparison that decides create / update / replace / delete compares meanings, never query strings.

The shapes written are those of Microsoft's pages:

- "Create definitions" (accessreviewset-post-definitions): the body, the reviewers ``/users/{id}``,
  ``/groups/{id}/transitiveMembers`` and ``./manager`` with ``queryRoot: decisions``, no reviewers for a
  self-review, ``settings`` with ``recurrence`` (a patternedRecurrence of ``weekly`` or ``absoluteMonthly``).
- "Configure the scope of your access review" (accessreviews-scope-concept), Example 9 "Review all users
  assigned to a privileged role": ``/roleManagement/directory/roleDefinitions/{role ID}`` (active and eligible),
  ``roleEligibilityScheduleInstances`` / ``roleAssignmentScheduleInstances`` filtered by ``roleDefinitionId``
  (one kind), Example 1 ``/groups/{id}/transitiveMembers`` (a group's members).
- The tutorial "Review access to privileged roles" (tutorial-accessreviews-privilegedroles): a
  ``principalResourceMembershipsScope`` of ``/users`` and ``/groups`` to ``roleDefinitions/{id}``, used for every
  review of roles' assignments of both kinds (one resource scope per role, and per group reviewed).
- "Update accessReviewScheduleDefinition": a PUT of the whole object; ``scope`` is not among the properties
  it accepts and ``reviewers`` "is only updatable if individual users are assigned as reviewers", so any other
  change of those is a replacement (delete, then create), which the module does only when asked to.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from ._graph_paths import GROUPS, ROLE_DEFINITIONS, SCHEDULES, USERS, group_transitive_members_path, user_path

QUERY_TYPE = "MicrosoftGraph"
QUERY_SCOPE = "#microsoft.graph.accessReviewQueryScope"
MEMBERSHIPS_SCOPE = "#microsoft.graph.principalResourceMembershipsScope"
KINDS = ("eligible", "active")
# The instance lists of Example 9, one per kind; the schedule lists are read too (a definition made elsewhere
# may name them), never written.
KIND_LISTS = {kind: (SCHEDULES[kind]["instances"], SCHEDULES[kind]["schedules"]) for kind in KINDS}
# Recurrence words -> (patternedRecurrence pattern type, interval). accessReviewScheduleSettings supports the
# types weekly and absoluteMonthly only, so a year is twelve months.
RECURRENCES = {
    "weekly": ("weekly", 1),
    "monthly": ("absoluteMonthly", 1),
    "quarterly": ("absoluteMonthly", 3),
    "semiannually": ("absoluteMonthly", 6),
    "annually": ("absoluteMonthly", 12),
}
# What reviewers do with access nobody reviewed (settings.defaultDecision; "None" with defaultDecisionEnabled
# false means it stays as it is).
DEFAULT_DECISIONS = {"none": "None", "approve": "Approve", "deny": "Deny", "recommendation": "Recommendation"}
REVIEWER_WORDS = ("managers", "self")
# descriptionForReviewers goes into the reviewers' mail: "Email notifications support up to 256 characters"
# (Create definitions); the default taken from the description is cut there, a longer option is warned about.
REVIEWER_DESCRIPTION_LIMIT = 256
DECISION_KEYS = {"Approve": "approve", "Deny": "deny", "NotReviewed": "not_reviewed", "DontKnow": "dont_know"}

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ROLE_FILTER = re.compile(r"roleDefinitionId\s+eq\s+'(" + _GUID + ")'", re.IGNORECASE)
_ROLE_PATH = re.compile(r"^" + re.escape(ROLE_DEFINITIONS) + r"/(" + _GUID + r")/?$", re.IGNORECASE)
_GROUP_PATH = re.compile(r"^/groups/(" + _GUID + r")/(?:transitiveMembers|members)/?$", re.IGNORECASE)
_USER_PATH = re.compile(r"^/users/(" + _GUID + r")/?$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class ReviewError(ValueError):
    """Options (or options with what Graph holds) that cannot make a review; the message names them."""


# -- recurrence --------------------------------------------------------------------------------------
def recurrence_pattern(word):
    """``quarterly`` -> ``{"type": "absoluteMonthly", "interval": 3}``."""
    kind, interval = RECURRENCES[word]
    return {"type": kind, "interval": interval}


def recurrence_word(recurrence):
    """A patternedRecurrence (as Graph returns it, extra zeros included) -> its word, or None when it is none of
    them (another interval) or there is no pattern (a one-time review). ``absoluteYearly`` every year counts as
    annually, whoever wrote it."""
    pattern = (recurrence or {}).get("pattern") or {}
    kind, interval = pattern.get("type"), pattern.get("interval") or 1
    if kind == "absoluteYearly" and interval == 1:
        return "annually"
    for word, (want_kind, want_interval) in RECURRENCES.items():
        if kind == want_kind and interval == want_interval:
            return word
    return None


# recurrencePattern.type (Graph): daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly, relativeYearly.
_MONTHS_WORDS = {1: "monthly", 3: "quarterly", 6: "semiannually", 12: "annually"}


def recurrence_summary(recurrence):
    """A definition's ``settings.recurrence`` -> ``{"pattern", "interval", "every", "range", "start", "end"}``
    (``every``: "weekly", "every 2 weeks", "monthly", "quarterly", ...; ``None`` when it does not recur)."""
    recurrence = recurrence or {}
    pattern = recurrence.get("pattern") or {}
    rng = recurrence.get("range") or {}
    kind = pattern.get("type")
    try:
        interval = max(int(pattern.get("interval") or 1), 1)
    except (TypeError, ValueError):
        interval = 1
    return {"pattern": kind, "interval": interval if kind else None, "every": every_words(kind, interval),
            "range": rng.get("type"), "start": rng.get("startDate"), "end": rng.get("endDate")}


def every_words(kind, interval):
    """How often, in words: ("absoluteMonthly", 3) -> "quarterly"; ("weekly", 2) -> "every 2 weeks"."""
    kind = str(kind or "").lower()
    if not kind:
        return None
    if kind == "daily":
        return "daily" if interval == 1 else f"every {interval} days"
    if kind == "weekly":
        return "weekly" if interval == 1 else f"every {interval} weeks"
    if kind.endswith("monthly"):
        return _MONTHS_WORDS.get(interval, f"every {interval} months")
    if kind.endswith("yearly"):
        return "annually" if interval == 1 else f"every {interval} years"
    return f"{kind} every {interval}"


def pattern_summary(recurrence):
    """``{"type", "interval"}`` of a recurrence, or None for a one-time review."""
    summary = recurrence_summary(recurrence)
    return {"type": summary["pattern"], "interval": summary["interval"]} if summary["pattern"] else None


def shortest_period_days(word):
    """The fewest days between two starts of a ``word`` recurrence: a week, or the shortest run of 1, 3, 6 or 12
    consecutive months of a common year (February makes a month 28 days, a quarter 89). An instance longer than
    this would still run when the next one starts."""
    kind, interval = RECURRENCES[word]
    if kind == "weekly":
        return 7 * interval
    lengths = [calendar.monthrange(2023, m)[1] for m in range(1, 13)] * 2  # 2023: a common year
    return min(sum(lengths[start:start + interval]) for start in range(12))


def start_date(value):
    """``2026-12-01`` (or a datetime of that day) -> ``2026-12-01``; None for None. ReviewError when unreadable."""
    if value is None:
        return None
    text = str(value).strip()
    if not _DATE.match(text):
        raise ReviewError(f"start {value!r} is not a date; give YYYY-MM-DD")
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise ReviewError(f"start {value!r} is not a date; give YYYY-MM-DD") from None


# -- options -----------------------------------------------------------------------------------------
def check_options(params):
    """Every problem of the options that needs no read, each naming the option (empty when none)."""
    problems = []
    if params.get("state") == "absent":
        return problems
    roles, groups = params.get("roles") or [], params.get("groups") or []
    if not roles and not groups:
        problems.append("give roles or groups: the privileged access the review covers")
    kinds = params.get("assignment_kinds")
    if kinds is not None and not kinds:
        problems.append("assignment_kinds is empty; give eligible, active or both")
    if roles and groups and kinds is not None and set(kinds) != set(KINDS):
        problems.append("assignment_kinds applies to roles only; a review of roles and groups together covers both "
                        "kinds (Graph documents the kind-filtered queries only as a review's whole scope)")
    if len(roles) + len(groups) > 1 and kinds is not None and set(kinds) != set(KINDS):
        problems.append(f"assignment_kinds {sorted(kinds)} needs a single role per review: Graph documents the "
                        "eligible-only and active-only queries as a review's whole scope; give one review per role")
    reviewers = params.get("reviewers")
    if reviewers is not None:
        if not reviewers:
            problems.append("reviewers is empty; give user or group names, or managers, or self")
        words = [r for r in reviewers if str(r).strip().lower() in REVIEWER_WORDS]
        if "self" in [w.strip().lower() for w in words] and len(reviewers) > 1:
            problems.append("reviewers: self (each principal reviews their own access, Graph's review without "
                            "reviewers) cannot be combined with other reviewers")
    if params.get("fallback_reviewers"):
        bad = [r for r in params["fallback_reviewers"] if str(r).strip().lower() in REVIEWER_WORDS]
        if bad:
            problems.append(f"fallback_reviewers {bad}: give user or group names (managers and self are not "
                            "fallbacks)")
    duration = params.get("duration_days")
    if duration is not None and duration < 1:
        problems.append(f"duration_days must be 1 or more (got {duration})")
    recurrence = params.get("recurrence")
    if duration is not None and recurrence is not None and duration > shortest_period_days(recurrence):
        problems.append(duration_problem(duration, recurrence))
    try:
        start_date(params.get("start"))
    except ReviewError as exc:
        problems.append(str(exc))
    return problems


def option_warnings(params):
    """What the options ask that Graph accepts but may not show as written."""
    text = params.get("description_for_reviewers")
    if text is not None and len(text) > REVIEWER_DESCRIPTION_LIMIT:
        # "Email notifications support up to 256 characters" (Create definitions): a note on the mail, not a limit
        # of the property, so the text is written as given and the operator told.
        return [f"description_for_reviewers has {len(text)} characters; the reviewers' mail shows at most "
                f"{REVIEWER_DESCRIPTION_LIMIT}"]
    return []


def duration_problem(duration, recurrence):
    return (f"duration_days {duration} is longer than a {recurrence} recurrence allows "
            f"({shortest_period_days(recurrence)} days at most): an instance would still run when the next starts")


def reviewer_kind(ref):
    """``managers`` / ``self`` for those words (any case), else None (a user or group to look up)."""
    word = str(ref).strip().lower()
    return word if word in REVIEWER_WORDS else None


# -- Graph shapes: scope (the one reader of review scopes: the review modules and the compliance scan) ----------
_ISOF = re.compile(r"isof\(\s*principal\s*,\s*'microsoft\.graph\.(\w+)'\s*\)", re.IGNORECASE)
_PRINCIPAL_WORD = {"user": "users", "group": "groups", "serviceprincipal": "servicePrincipals"}
_VERSION = re.compile(r"^(?:https://graph\.microsoft\.com)?/(?:v1\.0|beta)(?=/)", re.IGNORECASE)
ALL_PRINCIPALS = "all"


def _query(text):
    """A scope query without its version prefix: ``/v1.0/groups/..`` -> ``/groups/..``."""
    return _VERSION.sub("", str(text or "").strip())


def query_path(query):
    """A scope query as a path from the version root and its query string: ``/v1.0/x/y?$filter=..`` ->
    (``/x/y``, ``$filter=..``). An instance's copy of the scope carries version prefixes; they are ignored."""
    path, _sep, rest = _query(query).partition("?")
    return (path if path.startswith("/") else "/" + path), rest


def principal_types(rest):
    """The principal types an ``isof(principal, 'microsoft.graph.X')`` filter keeps; ``["all"]`` without one."""
    found = {_PRINCIPAL_WORD.get(m.lower(), m) for m in _ISOF.findall(rest or "")}
    return sorted(found) if found else [ALL_PRINCIPALS]


def principal_scope(query):
    """A ``principalScopes`` query -> the principal type it reviews (``users``, ``guests``, ``groups``, ...)."""
    path, rest = query_path(query)
    first = path.strip("/").split("/", 1)[0].lower()
    if first == "users":
        return "guests" if re.search(r"userType\s+eq\s+'Guest'", rest or "", re.IGNORECASE) else "users"
    return {"groups": "groups", "serviceprincipals": "servicePrincipals"}.get(first, first or "unknown")


def parse_query(query):
    """One scope query -> what it reviews: ``[{"role", "kinds", "principals"}]`` for directory roles (every role
    its ``roleDefinitionId eq`` terms name), ``[{"group": id}]`` for a group's members, ``[{"other": query}]``.

    ``kinds``: the assignment kinds reviewed (eligible, active); ``principals``: the principal types its
    ``isof`` terms keep (``["all"]`` without one). The role definition itself (Example 9, the tutorial) reviews
    both kinds of every principal type; a schedule or instance list one kind.
    """
    path, rest = query_path(query)
    found = _ROLE_PATH.match(path.rstrip("/"))
    if found:
        return [{"role": found.group(1).lower(), "kinds": list(KINDS), "principals": [ALL_PRINCIPALS]}]
    for kind, lists in KIND_LISTS.items():
        if path.rstrip("/").lower() in (p.lower() for p in lists):
            roles = [{"role": rid.lower(), "kinds": [kind], "principals": principal_types(rest)}
                     for rid in dict.fromkeys(r.lower() for r in _ROLE_FILTER.findall(rest or ""))]
            if roles:
                return roles
    found = _GROUP_PATH.match(path.rstrip("/"))
    if found:
        return [{"group": found.group(1).lower()}]
    return [{"other": _query(query)}]


def scope_parts(scope):
    """A definition's ``scope`` -> ``{"roles": {id: {"kinds", "principals"}} (in order), "groups", "other"}``.

    Reads the documented shapes whoever wrote them (this collection, the portal, another tool): a query scope,
    or a principalResourceMembershipsScope whose resource scopes name roles or groups and whose principal scopes
    say who is reviewed (``users``, ``guests``, ``groups``; a query scope says it with ``isof`` terms). Queries
    that name neither are kept in ``other``, so a review of something else is never mistaken for an empty one.
    """
    scope = scope or {}
    memberships = "resourceScopes" in scope or str(scope.get("@odata.type") or "").lower().endswith(
        "principalresourcemembershipsscope")
    parts = scope.get("resourceScopes") if memberships else [scope]
    who = None
    if memberships:
        who = sorted({principal_scope(p.get("query")) for p in scope.get("principalScopes") or []
                      if isinstance(p, dict)}) or [ALL_PRINCIPALS]
    roles, groups, other = {}, [], []
    for part in parts or []:
        if not isinstance(part, dict) or ("query" not in part and not memberships):
            continue
        for item in parse_query(part.get("query")):
            if "role" in item:
                have = roles.setdefault(item["role"], {"kinds": set(), "principals": set()})
                have["kinds"].update(item["kinds"])
                have["principals"].update(who or item["principals"])
            elif "group" in item:
                if item["group"] not in groups:
                    groups.append(item["group"])
            elif part.get("query") is not None:
                other.append(item["other"])
    return {"roles": roles, "groups": groups, "other": other}


def describe_scope(scope):
    """A definition's ``scope`` -> ``{"roles": [ids], "groups": [ids], "assignment_kinds": [...], "other": [...]}``
    (``scope_parts`` in the review modules' words)."""
    parts = scope_parts(scope)
    kinds = set().union(*(r["kinds"] for r in parts["roles"].values())) if parts["roles"] else set()
    return {"roles": list(parts["roles"]), "groups": parts["groups"],
            "assignment_kinds": [k for k in KINDS if k in kinds], "other": parts["other"]}


def role_query(role_id, kinds):
    """The scope query of one role (Example 9 of the scope page), for both kinds or one."""
    kinds = set(kinds)
    if kinds == set(KINDS):
        return f"{ROLE_DEFINITIONS}/{role_id}"
    if kinds == {"eligible"}:
        return (f"{KIND_LISTS['eligible'][0]}?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') "
                f"and roleDefinitionId eq '{role_id}')")
    return (f"{KIND_LISTS['active'][0]}?$expand=principal&$filter=(assignmentType eq 'Assigned' and "
            f"isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{role_id}')")


def group_query(group_id):
    return group_transitive_members_path(group_id)


def _query_scope(query):
    return {"@odata.type": QUERY_SCOPE, "query": query, "queryType": QUERY_TYPE}


def scope_body(role_ids, group_ids, kinds):
    """The ``scope`` of a review of ``role_ids`` (their ``kinds`` of assignment) and ``group_ids`` (members).

    Roles, both kinds: the tutorial "Review access to privileged roles" (learn.microsoft.com/graph/
    tutorial-accessreviews-privilegedroles): a principalResourceMembershipsScope of users and groups (a role may be
    assigned to a role-assignable group) to ``roleDefinitions/{id}``, one resource scope per role, and per group
    reviewed its ``transitiveMembers``. One role, one kind: Example 9's instance query as the whole scope. Groups
    only, one group: Example 1's ``/groups/{id}/transitiveMembers``.
    """
    if role_ids and set(kinds) != set(KINDS):
        if len(role_ids) != 1 or group_ids:
            raise ReviewError("assignment_kinds other than both needs a single role per review")
        return _query_scope(role_query(role_ids[0], kinds))
    if not role_ids and len(group_ids) == 1:
        return _query_scope(group_query(group_ids[0]))
    return {"@odata.type": MEMBERSHIPS_SCOPE,
            "principalScopes": [_query_scope(USERS), _query_scope(GROUPS)],
            "resourceScopes": [_query_scope(f"{ROLE_DEFINITIONS}/{r}") for r in role_ids] +
                              [_query_scope(group_query(g)) for g in group_ids]}


# -- Graph shapes: reviewers ---------------------------------------------------------------------------
def reviewer_scope(reviewer):
    """A resolved reviewer (``managers``, or a principal dict with ``id`` and ``type``) -> accessReviewReviewerScope."""
    if reviewer == "managers":
        # Example 3 of "Create definitions": each principal's manager, per decision.
        return {"query": "./manager", "queryType": QUERY_TYPE, "queryRoot": "decisions"}
    if reviewer["type"] == "group":
        return {"query": group_query(reviewer["id"]), "queryType": QUERY_TYPE}
    return {"query": user_path(reviewer["id"]), "queryType": QUERY_TYPE}


def reviewers_body(reviewers):
    """Resolved reviewers -> the ``reviewers`` collection; ``self`` is Graph's review without reviewers."""
    if reviewers == ["self"]:
        return []
    return [reviewer_scope(r) for r in reviewers]


def reviewer_key(scope):
    """One accessReviewReviewerScope -> ``("managers",)``, ``("user", id)``, ``("group", id)`` or ``("query", q)``."""
    text = _query((scope or {}).get("query"))
    if text.rstrip("/") in ("./manager", "./managers"):
        return ("managers",)
    path = text.split("?", 1)[0].rstrip("/")
    found = _USER_PATH.match(path)
    if found:
        return ("user", found.group(1).lower())
    found = _GROUP_PATH.match(path)
    if found:
        return ("group", found.group(1).lower())
    return ("query", text)


def reviewer_keys(reviewers):
    """A reviewers collection -> the set of its keys; an empty one is ``{("self",)}``."""
    keys = {reviewer_key(r) for r in reviewers or []}
    return keys or {("self",)}


def desired_reviewer_keys(resolved):
    if resolved == ["self"]:
        return {("self",)}
    return {("managers",) if r == "managers" else (r["type"], r["id"].lower()) for r in resolved}


# -- a definition in the words of the options ---------------------------------------------------------
def describe(definition):
    """A definition as Graph returns it -> the options' words (ids, not names: ``name_summary`` adds names)."""
    settings = definition.get("settings") or {}
    scope = describe_scope(definition.get("scope"))
    recurrence = settings.get("recurrence")
    default = settings.get("defaultDecision") if settings.get("defaultDecisionEnabled") else "None"
    default_word = next((w for w, v in DEFAULT_DECISIONS.items() if v.lower() == str(default or "None").lower()),
                        str(default))
    start = ((recurrence or {}).get("range") or {}).get("startDate")
    return {
        "id": definition.get("id"),
        "name": definition.get("displayName"),
        "description": definition.get("descriptionForAdmins"),
        "description_for_reviewers": definition.get("descriptionForReviewers"),
        "roles": scope["roles"],
        "groups": scope["groups"],
        "assignment_kinds": scope["assignment_kinds"],
        "other_scopes": scope["other"],
        "reviewers": sorted(reviewer_keys(definition.get("reviewers"))),
        "fallback_reviewers": sorted({reviewer_key(r) for r in definition.get("fallbackReviewers") or []}),
        "recurrence": recurrence_word(recurrence),
        "recurrence_pattern": pattern_summary(recurrence),
        "duration_days": settings.get("instanceDurationInDays"),
        "start": str(start)[:10] if start else None,
        "auto_apply": bool(settings.get("autoApplyDecisionsEnabled")),
        "default_decision": default_word,
        "status": definition.get("status"),
    }


def reviewer_label(key, names):
    """A reviewer key as the options write it: a UPN (users), ``group:Name``, ``managers``, ``self``; the id when
    the principal is gone (or could not be read)."""
    if key[0] in ("managers", "self"):
        return key[0]
    if key[0] == "query":
        return "query:" + key[1]
    name = names.get(key[1])
    if key[0] == "group":
        return "group:" + (name or key[1])
    return name or key[1]


def as_options(described, role_names, names):
    """A described definition in the exact shape of ``pim_access_review``'s options (for before/after)."""
    if described is None:
        return None
    return {
        "name": described["name"],
        "description": described["description"],
        "description_for_reviewers": described["description_for_reviewers"],
        "roles": [role_names.get(r, r) for r in described["roles"]],
        "groups": [names.get(g, g) for g in described["groups"]],
        "assignment_kinds": described["assignment_kinds"],
        "reviewers": sorted(reviewer_label(k, names) for k in described["reviewers"]),
        "fallback_reviewers": sorted(reviewer_label(k, names) for k in described["fallback_reviewers"]),
        "recurrence": described["recurrence"],
        "duration_days": described["duration_days"],
        "start": described["start"],
        "auto_apply": described["auto_apply"],
        "default_decision": described["default_decision"],
    }


# -- planning -------------------------------------------------------------------------------------------
def desired_state(params, role_ids, group_ids, reviewers, fallback, existing=None):
    """The review the options ask for, in ``describe``'s words, with what the options leave out taken from
    ``existing`` (or the creation defaults). ``reviewers``/``fallback``: resolved (``managers``, ``self`` or
    principal dicts); ``fallback`` None when the option is not given."""
    current = describe(existing) if existing is not None else None
    kinds = params.get("assignment_kinds")
    if kinds is None:
        kinds = list(KINDS)

    def pick(option, key, default):
        value = params.get(option)
        if value is not None:
            return value
        return current[key] if current is not None else default

    out = {
        "name": params["name"],
        "description": pick("description", "description", params["name"]),
        "roles": sorted(r.lower() for r in role_ids),
        "groups": sorted(g.lower() for g in group_ids),
        "assignment_kinds": [k for k in KINDS if k in kinds] if role_ids else [],
        "reviewers": sorted(desired_reviewer_keys(reviewers)),
        "fallback_reviewers": (sorted({(r["type"], r["id"].lower()) for r in fallback}) if fallback is not None
                               else current["fallback_reviewers"] if current is not None else []),
        "recurrence": pick("recurrence", "recurrence", "quarterly"),
        "duration_days": pick("duration_days", "duration_days", 14),
        "auto_apply": pick("auto_apply", "auto_apply", False),
        "default_decision": pick("default_decision", "default_decision", "none"),
    }
    out["description_for_reviewers"] = pick("description_for_reviewers", "description_for_reviewers",
                                            out["description"][:REVIEWER_DESCRIPTION_LIMIT])
    out["start"] = start_date(params.get("start")) or (current["start"] if current is not None else None)
    if out["recurrence"] is None:
        # An existing one-time or other-interval review and no recurrence option: nothing to check it against.
        return out
    if out["duration_days"] is not None and out["duration_days"] > shortest_period_days(out["recurrence"]):
        raise ReviewError(duration_problem(out["duration_days"], out["recurrence"]))
    return out


COMPARED = ("description", "description_for_reviewers", "roles", "groups", "assignment_kinds", "reviewers",
            "fallback_reviewers", "recurrence", "duration_days", "start", "auto_apply", "default_decision")
# What "Update accessReviewScheduleDefinition" cannot change in place.
SCOPE_KEYS = ("roles", "groups", "assignment_kinds")


def changed_keys(current, desired):
    """The compared keys whose values differ (lists compared sorted)."""
    def norm(value):
        return sorted(value) if isinstance(value, list) else value
    out = []
    for key in COMPARED:
        have = current.get(key)
        if key in ("roles", "groups"):
            have = sorted(have or [])
        if norm(have) != norm(desired.get(key)):
            out.append(key)
    return out


def users_only(keys):
    return bool(keys) and all(k[0] == "user" for k in keys)


def plan(existing, desired, state="present"):
    """``(action, changed keys, why)``: ``create``, ``update``, ``replace``, ``delete`` or ``none``.

    ``replace`` when a change cannot be made by Update (the scope; reviewers when the old or new ones are not
    all individual users); the caller decides whether it may replace.
    """
    if state == "absent":
        return ("delete", [], None) if existing is not None else ("none", [], None)
    if existing is None:
        return "create", list(COMPARED), None
    current = describe(existing)
    if current["other_scopes"]:
        return "replace", ["roles", "groups"], (
            "its scope reviews something else too (" + ", ".join(current["other_scopes"]) + ")")
    keys = changed_keys(current, desired)
    if not keys:
        return "none", [], None
    scope_change = [k for k in keys if k in SCOPE_KEYS]
    if scope_change:
        return "replace", keys, "Graph cannot change a review's scope (" + ", ".join(scope_change) + ") in place"
    if "reviewers" in keys and not (users_only(set(current["reviewers"])) and users_only(set(desired["reviewers"]))):
        return "replace", keys, ("Graph updates reviewers in place only when they are individual users, before and "
                                 "after")
    return "update", keys, None


def settings_body(desired, base=None):
    """``settings`` for a create (``base`` None: Graph's documented defaults for mail, reminders, justification
    and recommendations) or an update (``base``: the definition's settings, kept, with the options on top)."""
    out = dict(base or {"mailNotificationsEnabled": True, "reminderNotificationsEnabled": True,
                        "justificationRequiredOnApproval": True, "recommendationsEnabled": True})
    decision = DEFAULT_DECISIONS[desired["default_decision"]]
    out.update(defaultDecisionEnabled=decision != "None", defaultDecision=decision,
               instanceDurationInDays=desired["duration_days"], autoApplyDecisionsEnabled=bool(desired["auto_apply"]))
    recurrence = dict((base or {}).get("recurrence") or {})
    if desired["recurrence"] is not None and recurrence_word(recurrence) != desired["recurrence"]:
        # Only a pattern that changes is rewritten: a day of the month chosen elsewhere stays.
        recurrence["pattern"] = recurrence_pattern(desired["recurrence"])
    span = dict(recurrence.get("range") or {"type": "noEnd"})
    span = {k: v for k, v in span.items() if v is not None}
    span.setdefault("type", "noEnd")
    if desired["start"]:
        span["startDate"] = desired["start"]
    recurrence["range"] = span
    out["recurrence"] = recurrence
    return out


def create_body(desired, reviewers, fallback, today):
    """The POST body of "Create definitions" for ``desired`` (``reviewers``/``fallback`` resolved). A review
    without ``start`` starts ``today`` (YYYY-MM-DD)."""
    desired = dict(desired, start=desired["start"] or today)
    body = {
        "displayName": desired["name"],
        "descriptionForAdmins": desired["description"],
        "descriptionForReviewers": desired["description_for_reviewers"],
        "scope": scope_body(desired["roles"], desired["groups"], desired["assignment_kinds"]),
        "reviewers": reviewers_body(reviewers),
        "settings": settings_body(desired),
    }
    if fallback:
        body["fallbackReviewers"] = [reviewer_scope(r) for r in fallback]
    return body


# The properties "Update accessReviewScheduleDefinition" takes ("A PUT request expects the full object"), plus
# the id and the scopes its example sends back unchanged.
UPDATABLE = ("id", "displayName", "descriptionForAdmins", "descriptionForReviewers", "scope",
             "instanceEnumerationScope", "reviewers", "fallbackReviewers", "settings", "stageSettings")


def update_body(existing, desired, reviewers, fallback):
    """The PUT body: the definition's writable properties as they are, the options' values on top."""
    body = {k: existing[k] for k in UPDATABLE if existing.get(k) is not None}
    body.update(displayName=desired["name"], descriptionForAdmins=desired["description"],
                descriptionForReviewers=desired["description_for_reviewers"],
                settings=settings_body(desired, existing.get("settings") or {}))
    current = describe(existing)
    if current["reviewers"] != desired["reviewers"]:
        body["reviewers"] = reviewers_body(reviewers)
    if fallback is not None and current["fallback_reviewers"] != desired["fallback_reviewers"]:
        body["fallbackReviewers"] = [reviewer_scope(r) for r in fallback]
    return body


def find_by_name(definitions, name):
    """The definitions whose displayName is ``name`` (exactly; a review's name is its identity)."""
    return [d for d in definitions if d.get("displayName") == name]


# -- instances and decisions (the info module) ----------------------------------------------------------
def last_instances(instances):
    """The instances of the occurrence that started last (latest startDateTime), in id order; empty when none.

    A review of several roles or groups has one instance per resource and occurrence ("an instance represents a
    review for a specific resource ... during one occurrence", Get accessReviewScheduleDefinition), so the last
    occurrence may be several instances starting together.
    """
    dated = [i for i in instances or [] if i.get("startDateTime")]
    if not dated:
        return []
    latest = max(str(i["startDateTime"]) for i in dated)
    return sorted((i for i in dated if str(i["startDateTime"]) == latest), key=lambda i: str(i.get("id")))


def decision_counts(decisions):
    """Counts per outcome: approve, deny, not_reviewed, dont_know, and total."""
    out = {v: 0 for v in DECISION_KEYS.values()}
    for item in decisions or []:
        key = DECISION_KEYS.get(str(item.get("decision") or "NotReviewed"))
        if key is None:
            key = next((v for k, v in DECISION_KEYS.items() if k.lower() == str(item.get("decision")).lower()),
                       "not_reviewed")
        out[key] += 1
    out["total"] = len(decisions or [])
    return out


def instance_summary(instances, decisions=None):
    """The last occurrence (its instances) as one entry: start, the latest end, the status (the one they share, or
    InProgress while any is), the instance ids, and the decisions of all of them counted together."""
    if not instances:
        return None
    statuses = sorted({str(i.get("status")) for i in instances})
    status = statuses[0] if len(statuses) == 1 else "InProgress" if "InProgress" in statuses else ", ".join(statuses)
    out = {"ids": [i.get("id") for i in instances], "start": instances[0].get("startDateTime"),
           "end": max(str(i.get("endDateTime") or "") for i in instances) or None, "status": status}
    if decisions is not None:
        out["decisions"] = decision_counts(decisions)
    return out


def covers_role(described, role_ids):
    """Whether a described review covers any of ``role_ids``."""
    wanted = {r.lower() for r in role_ids}
    return any(r in wanted for r in described["roles"])
