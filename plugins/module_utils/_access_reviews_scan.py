# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which directory roles an access review covers, how often it recurs, and what its last instance did.

Private to the collection (leading underscore): may change in any release.

The compliance scan (``pim_activation_info`` with ``access_reviews``) reads every access review definition
(``GET /identityGovernance/accessReviews/definitions``, Graph v1.0) and the instances of those that review a
directory role, and CIS Microsoft 365 Foundations 5.3.3 is evaluated from what this module makes of them.
Everything here is pure: Graph objects in, plain dicts out, unit-tested without network.

A review names the role it covers in its ``scope`` (Microsoft Graph, "Configure the scope of your access
review using the Microsoft Graph API", examples 8, 9 and 12; "Review access to administrative roles using
the access reviews APIs"), in one of these documented shapes:

- ``accessReviewQueryScope`` with ``query`` ``/roleManagement/directory/roleDefinitions/{id}``: every active and
  eligible assignment of the role;
- ``accessReviewQueryScope`` with ``query`` on ``roleEligibilityScheduleInstances`` (or ``roleEligibilitySchedules``)
  or ``roleAssignmentScheduleInstances`` (or ``roleAssignmentSchedules``) and ``$filter=... roleDefinitionId eq
  '{id}'``: the eligible, or the active, assignments, of the principal type an ``isof(principal, ...)`` term
  names (every type without one);
- ``principalResourceMembershipsScope``: ``resourceScopes`` queries as above (what the Entra admin center and
  Microsoft's tutorial create: ``/roleManagement/directory/roleDefinitions/{id}``), ``principalScopes`` naming
  ``/users`` and ``/groups`` (an instance's copy of the scope carries version prefixes, ``/v1.0/users``,
  ``/beta/roleManagement/...``, which are ignored).

Group membership reviews (``/groups/{id}/transitiveMembers``) and every other scope cover no directory role.
"""

from __future__ import annotations

import re

from ._access_reviews import ALL_PRINCIPALS, query_path, recurrence_summary, scope_parts

# Graph v1.0, "List definitions" (accessReviewSet) and "List instances" (accessReviewScheduleDefinition);
# both need AccessReview.Read.All (application) or AccessReview.ReadWrite.All.
ACCESS_REVIEW_DEFINITIONS = "/identityGovernance/accessReviews/definitions"
READ_PERMISSION = "AccessReview.Read.All"

ELIGIBLE, ACTIVE = "eligible", "active"
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def scope_roles(scope):
    """An access review's ``scope`` -> the directory roles it covers, merged per role:
    ``[{"role_id", "kinds", "principals"}]`` sorted by role id (``_access_reviews.scope_parts``, the one reader
    of review scopes, in the scan's words)."""
    roles = scope_parts(scope)["roles"]
    return [{"role_id": rid, "kinds": sorted(v["kinds"]), "principals": sorted(v["principals"])}
            for rid, v in sorted(roles.items())]


# -- recurrence ------------------------------------------------------------------------------
def recurs_within(recurrence, months):
    """Whether a review (``recurrence_summary``) recurs at least every ``months`` calendar months: a month
    counts as 31 days against daily and weekly patterns, so "monthly or more often" admits every 4 weeks, not
    every 5. A review that does not recur (no pattern) never does."""
    kind = str((recurrence or {}).get("pattern") or "").lower()
    interval = (recurrence or {}).get("interval") or 1
    if kind == "daily":
        return interval <= 31 * months
    if kind == "weekly":
        return 7 * interval <= 31 * months
    if kind.endswith("monthly"):
        return interval <= months
    if kind.endswith("yearly"):
        return 12 * interval <= months
    return False


def ends_never(recurrence):
    """``range.type`` noEnd, or an end date in year 9999 (Graph's own examples list such a series)."""
    recurrence = recurrence or {}
    if str(recurrence.get("range") or "").lower() == "noend":
        return True
    return str(recurrence.get("end") or "").startswith("9999")


# -- reviewers -------------------------------------------------------------------------------
def reviewer_words(reviewers, names=None):
    """``reviewers`` (accessReviewReviewerScope queries) -> words: a user's or group's name (``names``: object
    id -> name), "managers" for ``./manager``, "group owners" for ``./owners``; the query itself otherwise.
    An empty list is a self-review (Graph: "If none are specified, the review is a self-review")."""
    names = names or {}
    out = []
    for reviewer in reviewers or []:
        query = str((reviewer or {}).get("query") or "")
        path, _rest = query_path(query)
        match = re.match(r"^/(users|groups)/(" + _GUID + r")", path, re.IGNORECASE)
        if match:
            oid = match.group(2).lower()
            label = names.get(oid) or oid
            out.append(f"group:{label}" if match.group(1).lower() == "groups" else label)
        elif path.lower().startswith("/manager") or query.strip().startswith("./manager"):
            out.append("managers")
        elif query.strip().startswith("./owners"):
            out.append("group owners")
        elif query:
            out.append(query)
    return out


def reviewer_ids(definitions):
    """Object ids of the users and groups named as reviewers, to name them with the principals."""
    ids = set()
    for definition in definitions or []:
        for reviewer in definition.get("reviewers") or []:
            path, _rest = query_path((reviewer or {}).get("query"))
            match = re.match(r"^/(?:users|groups)/(" + _GUID + r")", path, re.IGNORECASE)
            if match:
                ids.add(match.group(1).lower())
    return ids


# -- definitions and instances ---------------------------------------------------------------
def reviews_roles(definition):
    """Whether a definition reviews at least one directory role (only those get their instances read)."""
    return bool(scope_roles((definition or {}).get("scope")))


def last_instance(instances):
    """The latest instance (by start) -> ``{"id", "start", "end", "status"}``; None when there is none."""
    latest = None
    for inst in instances or []:
        if latest is None or str(inst.get("startDateTime") or "") > str(latest.get("startDateTime") or ""):
            latest = inst
    if latest is None:
        return None
    return {"id": latest.get("id"), "start": latest.get("startDateTime"), "end": latest.get("endDateTime"),
            "status": latest.get("status")}


def review_summary(definition, instances=None, role_names=None, principal_names=None, instances_read=True):
    """One access review definition (and its instances) -> what the scan returns and CIS 5.3.3 evaluates.

    ``role_names``: role id or template id -> display name; ``principal_names``: object id -> name (reviewers).
    ``instances_read``: False when Graph refused the instances, so ``last_instance`` is unknown (``None``) rather
    than "never ran".
    """
    definition = definition or {}
    settings = definition.get("settings") or {}
    role_names = {str(k).lower(): v for k, v in (role_names or {}).items()}
    roles = [dict(r, role=role_names.get(r["role_id"]) or r["role_id"]) for r in scope_roles(definition.get("scope"))]
    reviewers = definition.get("reviewers") or []
    return {
        "name": definition.get("displayName"),
        "id": definition.get("id"),
        "status": definition.get("status"),
        "roles": roles,
        "recurrence": recurrence_summary(settings.get("recurrence")),
        "reviewers": reviewer_words(reviewers, principal_names),
        "self_review": not reviewers,
        "settings": {
            "duration_days": settings.get("instanceDurationInDays"),
            "auto_apply": settings.get("autoApplyDecisionsEnabled"),
            "default_decision": settings.get("defaultDecision"),
            "mail_notifications": settings.get("mailNotificationsEnabled"),
            "reminders": settings.get("reminderNotificationsEnabled"),
            "justification_required": settings.get("justificationRequiredOnApproval"),
        },
        "last_instance": last_instance(instances) if instances_read else None,
        "instances_read": bool(instances_read),
    }


# -- CIS Microsoft 365 Foundations 5.3.3 -----------------------------------------------------------
# CIS Microsoft 365 Foundations Benchmark v7.0.0, 5.3.3 "Ensure 'Access reviews' for privileged roles are
# configured" (E5 Level 1, Automated), Additional Information: "The 6 privileged directory roles".
CIS_5_3_3_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
}
CIS_MAX_DURATION_DAYS = 14


def cis_shortfalls(review, today, months=1, full=True):
    """What keeps one review from counting for CIS 5.3.3 (v7.0.0 audit procedure), as words; [] when it counts.

    ``months``: how often it must recur at least (CIS: "Monthly or more frequently", so 1; the baseline's own
    control asks its configured cadence). ``full``: also CIS's settings criteria (reviewers other than self, mail
    notifications, reminders, reason on approval, at most 14 days, auto-apply, "No change" for non-response,
    users and groups in scope); False checks only that it runs, recurs that often and does not end.
    ``today``: ``YYYY-MM-DD``, for "recurrence.range.startDate is in the past relative to the audit date".
    """
    out = []
    rec = review.get("recurrence") or {}
    settings = review.get("settings") or {}
    if review.get("status") != "InProgress":
        out.append(f"status is {review.get('status') or 'unknown'}, not InProgress (Review status Active)")
    if not recurs_within(rec, months):
        need = "monthly or more often" if months == 1 else f"at least every {months} months"
        out.append(f"recurs {rec.get('every') or 'never'} ({need} asked)")
    if not ends_never(rec):
        ends = f"{rec.get('range') or 'no range'} {rec.get('end') or ''}".rstrip()
        out.append(f"its series ends ({ends}; End: Never asked)")
    start = str(rec.get("start") or "")[:10]
    if not start or start > str(today)[:10]:
        out.append(f"starts {start or 'at no date'}, not in the past")
    if not full:
        return out
    if review.get("self_review") or not review.get("reviewers"):
        out.append("no reviewers: the principals review themselves (reviewers other than self asked)")
    for key, words in (("mail_notifications", "mail notifications"), ("reminders", "reminders"),
                       ("justification_required", "reason required on approval"),
                       ("auto_apply", "auto apply results")):
        if settings.get(key) is not True:
            out.append(f"{words} off")
    duration = settings.get("duration_days")
    if not isinstance(duration, int) or duration > CIS_MAX_DURATION_DAYS or duration < 1:
        out.append(f"lasts {duration} days (at most {CIS_MAX_DURATION_DAYS} asked)")
    if str(settings.get("default_decision") or "") != "None":
        out.append(f"unreviewed access: {settings.get('default_decision')} (No change asked)")
    return out


def _principals_ok(entry):
    principals = set(entry.get("principals") or [])
    return ALL_PRINCIPALS in principals or {"users", "groups"} <= principals


def _evidence(review):
    rec = review.get("recurrence") or {}
    last = review.get("last_instance")
    if last:
        ran = f"last instance {last.get('start')} to {last.get('end')} ({last.get('status')})"
    else:
        ran = "last instance unknown (instances not read)" if not review.get("instances_read", True) else \
            "no instance yet"
    return f"review {review.get('name')!r}: {rec.get('every') or 'not recurring'}, {ran}"


def review_coverage(reviews, roles, today, months=1, full=True):
    """Per role, whether recurring access reviews cover it: ``(covered, findings)``.

    ``reviews``: ``review_summary`` entries; ``roles``: ``{role id: name}`` (template ids, as review scopes name
    them). A role counts as covered when the reviews without shortfalls (``cis_shortfalls``) that cover it
    with users and groups in scope review its eligible and active assignments between them (one review of both,
    or one of each). Findings: ``{"status", "role", "setting", "expected", "actual", "detail"}`` with the
    reviews as evidence, or what each one covering the role lacks.
    """
    covered, findings = [], []
    for role_id, name in roles.items():
        rid = str(role_id).lower()
        kinds, good, short = set(), [], []
        for review in reviews or []:
            entry = next((r for r in review.get("roles") or [] if r.get("role_id") == rid), None)
            if entry is None:
                continue
            problems = cis_shortfalls(review, today, months, full)
            if full and not _principals_ok(entry):
                problems.append(f"reviews {', '.join(entry.get('principals') or [])} only (users and groups asked)")
            if problems:
                short.append(f"{_evidence(review)}; falls short: " + "; ".join(problems))
            else:
                kinds.update(entry.get("kinds") or [])
                good.append(review)
        missing = sorted({ACTIVE, ELIGIBLE} - kinds)
        if not missing:
            covered.append(name)
            findings.append({"status": "pass", "role": name, "setting": "access review",
                             "actual": "; ".join(_evidence(r) for r in good)})
            continue
        if good:
            detail = "; ".join(_evidence(r) for r in good) + f"; no qualifying review of its {' and '.join(missing)}" \
                " assignments"
        elif short:
            detail = " | ".join(short)
        else:
            detail = "no access review covers this role"
        findings.append({"status": "fail", "role": name, "setting": "access review",
                         "expected": "a recurring review of its eligible and active assignments",
                         "actual": "not covered", "detail": detail})
    return covered, findings
