# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Approval decisions on pending activation requests, planned in pure Python (no I/O).

Private to the collection (leading underscore): may change in any release.

``pim_approval`` reads the requests waiting for approval (shaped by ``_activation.shape_request``) and the
approvals the signed-in user may review (Graph's ``filterByCurrentUser(on='approver')``), and this module
decides, request by request, whether the run approves or denies it, or skips it and why. Nothing here
talks to Graph; ``_approval_backend`` does.
"""

from __future__ import annotations

import re

DECISIONS = {"approve": "Approve", "deny": "Deny"}  # option value -> Graph's reviewResult

# Why a request the filters selected is not decided by this run (the ``reason`` of ``skipped``).
OWN = "own request: PIM refuses self-approval, another approver must decide it"
NO_TICKET = "no ticket number in the request, so ticket_number_pattern cannot match it"
TICKET_MISMATCH = "ticket number does not match ticket_number_pattern"
NOT_APPROVER = "the signed-in user is not an approver of its stage in progress"
NOT_PENDING = ("not among the pending requests the other filters select: already approved, denied, canceled or "
               "expired, or no such request")


class ApprovalInputError(ValueError):
    """A bad option, named with what would be valid; raised before anything is read or written."""


def check_options(params):
    """The validated options: ``{"decision", "justification", "pattern", "request_ids", "surface"}``.

    ``surface`` is ``groups`` when ``group`` names groups, else ``directory``. Every problem is named at
    once, so a user fixes them in one go.
    """
    problems = []
    decision = params.get("decision")
    if decision not in DECISIONS:
        problems.append(f"decision must be one of {', '.join(DECISIONS)} (got {decision!r})")
    justification = params.get("justification")
    if not isinstance(justification, str) or not justification.strip():
        problems.append("justification is required and may not be empty: PIM records it with the decision and "
                        "shows it to the requester")
    roles = list(params.get("role") or [])
    groups = list(params.get("group") or [])
    if any(not str(r).strip() for r in roles):
        problems.append("role has an empty entry; give role display names or role definition ids")
    if any(not str(g).strip() for g in groups):
        problems.append("group has an empty entry; give group display names or object ids")
    if roles and groups:
        problems.append("role and group cannot be combined: one run decides directory-role activations (role) or "
                        "PIM for Groups activations (group, access)")
    if params.get("access") and not groups:
        problems.append("access applies to PIM for Groups only: name the groups in group")
    if any(not str(r).strip() for r in params.get("requester") or []):
        problems.append("requester has an empty entry; give user principal names or object ids")
    # None: not given (no filter); []: given and empty, which selects nothing (a pipeline that found nothing
    # to decide), never everything.
    request_ids = None if params.get("request_ids") is None else [str(i).strip() for i in params["request_ids"]]
    if any(not i for i in request_ids or []):
        problems.append("request_ids has an empty entry")
    pattern = params.get("ticket_number_pattern")
    compiled = None
    if pattern is not None:
        if not str(pattern).strip():
            problems.append("ticket_number_pattern is empty; leave it out, or give a regular expression the whole "
                            "ticket number must match (for example ^INC[0-9]{7}$)")
        else:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                problems.append(f"ticket_number_pattern is not a valid regular expression ({exc}); for example "
                                "^INC[0-9]{7}$")
    if not (roles or groups or params.get("requester") or pattern or request_ids is not None):
        problems.append("name what to decide: at least one of role, group, requester, ticket_number_pattern or "
                        "request_ids (a run never decides every pending request by default)")
    if problems:
        raise ApprovalInputError("; ".join(problems))
    return {"decision": decision, "justification": justification, "pattern": compiled,
            "request_ids": request_ids, "surface": "groups" if groups else "directory"}


def stage_in_progress(approval):
    """The step (beta: ``steps``) or stage (v1.0: ``stages``) of an approval that waits for a decision."""
    stages = (approval or {}).get("steps") or (approval or {}).get("stages") or []
    return next((s for s in stages if str(s.get("status")).lower() == "inprogress"), None)


def ticket_verdict(ticket_number, pattern):
    """None when the ticket passes (or no pattern is given), else the reason it does not. The whole number
    must match (``re.fullmatch``), so ``INC[0-9]+`` does not accept ``xINC1x``."""
    if pattern is None:
        return None
    if not ticket_number or not str(ticket_number).strip():
        return NO_TICKET
    return None if pattern.fullmatch(str(ticket_number).strip()) else TICKET_MISMATCH


def _held(row):
    """What the request asks for, in the row's own words (directory role or group access)."""
    if "group_id" in row:
        return {"group": row.get("group"), "group_id": row.get("group_id"), "access": row.get("access")}
    return {"role": row.get("role"), "role_id": row.get("role_id"), "scope": row.get("scope")}


def _entry(row, **extra):
    return dict({"request_id": row.get("id"), **_held(row), "requester": row.get("principal"),
                 "requester_id": row.get("principal_id"), "ticket_number": row.get("ticket_number"),
                 "ticket_system": row.get("ticket_system"), "request_justification": row.get("justification")},
                **extra)


def plan(rows, approvals, caller_id, options, role_ids=None, group_ids=None, access=None, requester_ids=None):
    """``(decisions, skipped, refusals)`` for the pending request ``rows``.

    ``approvals``: the approvals the caller may review, by id (Graph's ``filterByCurrentUser(on='approver')``
    answer). A row the filters (``role_ids``, ``group_ids``, ``access``, ``requester_ids``, the options'
    ``request_ids``) do not select is left out altogether; a selected row is either decided (``decisions``,
    with the approval and stage to review) or ``skipped`` with its reason. ``refusals`` names the requests
    that ``request_ids`` asked for by id and that must not be decided by the caller (their own): the run fails
    on them before any write rather than report success.
    """
    named = options.get("request_ids")  # None: any id; a list (even empty): only those
    wanted_ids = {i.lower() for i in named or []}
    roles = {str(r).lower() for r in role_ids or []}
    groups = {str(g).lower() for g in group_ids or []}
    requesters = {str(p).lower() for p in requester_ids or []}
    me = str(caller_id or "").lower()
    decisions, skipped, refusals, seen = [], [], [], set()
    for row in sorted(rows, key=lambda r: (str(r.get("created") or ""), str(r.get("id")))):
        rid = str(row.get("id") or "").lower()
        if row.get("status") != "PendingApproval":
            continue
        if named is not None and rid not in wanted_ids:
            continue
        if roles and str(row.get("role_id")).lower() not in roles:
            continue
        if groups and str(row.get("group_id")).lower() not in groups:
            continue
        if access and str(row.get("access")).lower() != access:
            continue
        if requesters and str(row.get("principal_id")).lower() not in requesters:
            continue
        seen.add(rid)
        if me and str(row.get("principal_id")).lower() == me:
            skipped.append(_entry(row, reason=OWN))
            if rid in wanted_ids:
                refusals.append(row.get("id"))
            continue
        why = ticket_verdict(row.get("ticket_number"), options.get("pattern"))
        if why is not None:
            skipped.append(_entry(row, reason=why))
            continue
        approval = approvals.get(str(row.get("approval_id") or "").lower())
        stage = stage_in_progress(approval)
        if stage is None or not stage.get("assignedToMe"):
            skipped.append(_entry(row, reason=NOT_APPROVER))
            continue
        decisions.append(_entry(row, approval_id=approval.get("id"), stage_id=stage.get("id"),
                                decision=options["decision"], done=False))
    for rid in options.get("request_ids") or []:
        if rid.lower() not in seen:
            skipped.append({"request_id": rid, "reason": NOT_PENDING})
    return decisions, skipped, refusals


def review_body(decision, justification):
    """The body of Graph's Update approvalStep (beta) / Update approvalStage (v1.0)."""
    return {"reviewResult": DECISIONS[decision], "justification": justification}


def already_reviewed(approval, stage_id, caller_id, decision):
    """Whether the stage carries exactly this caller's ``decision``: a PATCH retried after a lost answer (or
    a 409 "already reviewed") that had in fact landed."""
    stages = (approval or {}).get("steps") or (approval or {}).get("stages") or []
    stage = next((s for s in stages if s.get("id") == stage_id), None)
    if stage is None:
        return False
    by = (stage.get("reviewedBy") or {}).get("id")
    return str(stage.get("reviewResult")) == DECISIONS[decision] and str(by).lower() == str(caller_id).lower()
