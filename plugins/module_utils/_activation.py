# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Eligibility, assignment and activation instances, pending requests and PIM audit records,
shaped for people and for the compliance scan; and the checks PIM applies to a self-activation.

Private to the collection (leading underscore): may change in any release.

Pure Python, no I/O: the backend (``_activation_backend``) reads Graph, this file decides.
State is read from schedule *instances*, never from requests (requests are purged after ~45
days, seen in terraform-provider-azuread issue 1306; not in Microsoft's docs). An instance's end of ``None``
means permanent.
"""

from __future__ import annotations

import re
from datetime import timedelta

from ._schedule import (
    ScheduleError, format_datetime, looks_like_duration, parse_datetime, parse_duration, to_iso_duration,
)
from ._graph_paths import MINE, odata_quote
from ._surfaces import AZURE, DIRECTORY, GROUPS

ELIGIBLE, ACTIVE = "eligible", "active"
# Request statuses after which nothing more will happen (Graph docs: request resource type, status); anything else,
# including statuses we do not know, is "in progress".
GRANTED = ("Granted", "Provisioned", "ScheduleCreated")
REFUSED = ("Denied", "Canceled", "Failed", "Revoked", "TimedOut", "FailedAsResourceIsLocked")


# How long an activation may last. The longest: 24 hours, the top of the role setting "Activation
# maximum duration" ("This value can be from one to 24 hours", Microsoft Learn, "Configure Microsoft
# Entra role settings in Privileged Identity Management"). The shortest: Microsoft documents no
# minimum for the request itself, but PIM refuses to end an activation younger than five minutes
# ("ActiveDurationTooShort: The Active duration is too short. Miniumum Required is 5 minutes.", see
# "Activate a Microsoft Entra role in PIM", Deactivate a role assignment), so five minutes is the
# shortest active duration PIM itself names; PT30S would be an activation no one can end or use.
ACTIVATION_SHORTEST = timedelta(minutes=5)
ACTIVATION_LONGEST = timedelta(hours=24)


class ActivationError(ValueError):
    """A self-activation PIM would refuse, explained before anything is sent."""


def _when(value):
    try:
        return parse_datetime(value) if value else None
    except ScheduleError:
        return None


# ---- names --------------------------------------------------------------------------------------

def principal_label(obj):
    """What a person recognises: the UPN of a user, the display name of a group or app."""
    if not obj:
        return None
    return obj.get("userPrincipalName") or obj.get("displayName") or obj.get("id")


def principal_kind(obj):
    kind = str((obj or {}).get("@odata.type") or (obj or {}).get("type") or "").rsplit(".", 1)[-1]
    return kind or None


# ---- what a row holds, in each surface's words -----------------------------------------------------

def _role_fields(obj, roles):
    """A directory row's role and scope (``roles``: role definitions by lower-case id)."""
    role = roles.get(str(obj.get("roleDefinitionId")).lower()) or {}
    return {"role": role.get("displayName"), "role_id": obj.get("roleDefinitionId"),
            "role_template_id": role.get("templateId") or obj.get("roleDefinitionId"),
            "scope": obj.get("directoryScopeId"), "app_scope": obj.get("appScopeId")}


def _group_fields(obj, groups):
    """A PIM for Groups row's group and access (``groups``: groups by lower-case id)."""
    group = groups.get(str(obj.get("groupId")).lower()) or {}
    return {"group": group.get("displayName"), "group_id": obj.get("groupId"), "access": obj.get("accessId")}


def _azure_fields(obj, roles):
    """An Azure resource role row's role and scope (``roles``: role definitions by lower-case GUID). ARM names a
    role by a full id that differs with the scope it is read at; the GUID is the same everywhere."""
    full = obj.get("roleDefinitionFullId") or obj.get("roleDefinitionId")
    guid = str(obj.get("roleDefinitionId") or "").rstrip("/").rsplit("/", 1)[-1].lower() or None
    role = roles.get(guid) or {}
    return {"role": role.get("displayName"), "role_id": guid, "role_definition_id": full, "scope": obj.get("scope")}


# Per surface: the row fields naming what is held, and the row keys that identify it ("role" and "scope"
# of the surface, as ``select``/``attribute_groups`` compare them), and the noun messages use.
HELD = {DIRECTORY.name: _role_fields, GROUPS.name: _group_fields, AZURE.name: _azure_fields}
ROW_KEYS = {DIRECTORY.name: ("role_id", "scope"), GROUPS.name: ("access", "group_id"), AZURE.name: ("role_id", "scope")}
NOUN = {DIRECTORY.name: "role", GROUPS.name: "group", AZURE.name: "role"}


def _is(value, word):
    """Graph's enum value ``value`` is ``word``, in any case: directory roles answer ``Activated`` and
    ``Direct``, PIM for Groups ``activated`` and ``direct`` (msgraph-sdk privilegedAccessGroupAssignmentType,
    privilegedAccessGroupMemberType), and the groups' own doc samples mix both."""
    return str(value).lower() == word.lower()


# ---- instances ----------------------------------------------------------------------------------

def is_outside_pim(inst, surface=DIRECTORY):
    """An active assignment made outside PIM (classic roleAssignments, or the portal's "Assigned
    roles" before PIM; for groups, a member added to the group directly): Graph reports it with no start
    and with the classic assignment's own id as its schedule id (Graph docs: unifiedRoleAssignmentScheduleInstance;
    ScubaGear tests ``StartDateTime == null``)."""
    if not _is(inst.get("assignmentType", "Assigned"), "Assigned"):
        return False
    schedule = inst.get(surface.schedule_id_fields[1])
    return not inst.get("startDateTime") or (schedule is not None and schedule == inst.get("id"))


def shape_instance(inst, kind, roles, principals, surface=DIRECTORY):
    """One eligibility or active instance -> the result item (see the modules' RETURN docs).
    ``roles``: what the surface's rows hold, by lower-case id (role definitions; groups for PIM for Groups)."""
    principal = principals.get(str(inst.get("principalId")).lower()) or {}
    end = inst.get("endDateTime")
    item = {
        "id": inst.get("id"),
        "kind": kind,
        "assignment_type": (inst.get("assignmentType") or "Assigned").lower() if kind == ACTIVE else None,
        **HELD[surface.name](inst, roles),
        "principal": principal_label(principal) or inst.get("principalId"),
        "principal_id": inst.get("principalId"),
        "principal_type": principal_kind(principal),
        "principal_display_name": principal.get("displayName"),
        "member_type": str(inst.get("memberType") or "Direct").lower(),
        "via_group": None,
        "start": inst.get("startDateTime"),
        "end": end,
        "permanent": end is None,
        "outside_pim": kind == ACTIVE and is_outside_pim(inst, surface),
        "schedule_id": inst.get(surface.schedule_id_fields[0]) or inst.get(surface.schedule_id_fields[1]),
    }
    return item


def attribute_groups(items, surface=DIRECTORY):
    """Name the group a ``member_type: group`` row comes through.

    Instances do not say which group; the group is the one holding the same role at the same
    scope directly (an activation comes through the group's *eligibility*). When several groups
    could be it, all are named, comma-separated.
    """
    role_key, scope_key = ROW_KEYS[surface.name]
    holders = {}
    for it in items:
        if it["member_type"] == "direct" and it["principal_type"] == "group":
            key = ("eligible" if it["kind"] == ELIGIBLE else it["assignment_type"], it[role_key], it[scope_key])
            holders.setdefault(key, []).append(it["principal"])
    for it in items:
        if it["member_type"] != "group":
            continue
        source = "eligible" if it["kind"] == ELIGIBLE or it["assignment_type"] == "activated" else "assigned"
        names = holders.get((source, it[role_key], it[scope_key])) or []
        it["via_group"] = ", ".join(sorted(set(names))) or None
    return items


def select(items, role_ids=None, principal_ids=None, scope=None, surface=DIRECTORY):
    """Client-side filters (Graph's own ``$filter`` takes one value per property). For PIM for Groups,
    ``role_ids`` are access ids (``member``, ``owner``) and ``scope`` a group id."""
    role_key, scope_key = ROW_KEYS[surface.name]
    roles = {r.lower() for r in role_ids or []}
    principals = {p.lower() for p in principal_ids or []}
    out = []
    for it in items:
        if roles and str(it.get(role_key)).lower() not in roles:
            continue
        if principals and str(it.get("principal_id")).lower() not in principals:
            continue
        if scope is not None and it.get(scope_key) != scope:
            continue
        out.append(it)
    return out


def instance_filter(role_ids=None, principal_ids=None, scope=None):
    """A server-side ``$filter`` for one role, one principal and/or a scope (``eq`` only, which is
    what the instance lists document); several values are filtered client-side instead."""
    clauses = []
    if role_ids and len(role_ids) == 1:
        clauses.append(f"roleDefinitionId eq '{role_ids[0]}'")
    if principal_ids and len(principal_ids) == 1:
        clauses.append(f"principalId eq '{principal_ids[0]}'")
    if scope is not None:
        clauses.append("directoryScopeId eq '" + scope.replace("'", "''") + "'")
    return " and ".join(clauses) or None


# Graph takes at most 15 values in one ``in`` over directory objects.
IN_LIMIT = 15
SYNC_SELECT = "id,onPremisesSyncEnabled,onPremisesImmutableId"


def sync_filters(user_ids):
    """``$filter`` clauses reading the given users, ``IN_LIMIT`` ids each (sorted, each id once)."""
    ids = sorted({str(i).lower() for i in user_ids if i})
    return ["id in (" + ",".join("'" + i.replace("'", "''") + "'" for i in ids[start:start + IN_LIMIT]) + ")"
            for start in range(0, len(ids), IN_LIMIT)]


def is_synced(user):
    """Synced from on-premises (Entra Connect / Cloud Sync): sync on, or an immutable id left by it."""
    return bool(user.get("onPremisesSyncEnabled")) or bool(user.get("onPremisesImmutableId"))


def mark_synced(items, users):
    """Add ``synced`` to each row of a user principal; ``None`` when the user was not read back (gone)."""
    by_id = {str(u.get("id")).lower(): u for u in users}
    for it in items:
        if it.get("principal_type") == "user":
            user = by_id.get(str(it.get("principal_id")).lower())
            it["synced"] = is_synced(user) if user is not None else None
    return items


def sort_key(item):
    """Role (or group and access), then principal, kind, type."""
    return (item.get("role") or item.get("group") or "", item.get("access") or "", item.get("principal") or "",
            item.get("kind") or "", item.get("assignment_type") or "", item.get("member_type") or "")


def group_activity_reads(group_ids=(), principal_ids=(), mine=False, pending=True, surface=GROUPS):
    """``[(key, read)]``: the reads of PIM for Groups' eligible and active instances (and pending requests)
    that ``pim_group_activation_info`` sends together (``GraphSession.read_many``); ``key`` is ``eligible``,
    ``active`` or ``pending``.

    Graph's group lists require ``$filter`` with ``groupId eq`` or ``principalId eq`` (List
    eligibilityScheduleInstances, "This method requires the $filter (eq) query parameter to scope the request
    to a principalId or a groupId"), so: the caller's own lists through ``filterByCurrentUser(on='principal')``
    with ``mine``, else one read per group when groups are named, else one per principal. Whatever else was
    asked (groups with ``mine``, principals with groups, access) is filtered client-side.
    """
    pending_only = "status eq 'PendingApproval'"
    if mine:
        reads = [(kind, {"url": surface.schedules[kind]["instances"] + MINE}) for kind in (ELIGIBLE, ACTIVE)]
        if pending:
            reads.append(("pending", {"url": surface.schedules[ACTIVE]["requests"] + MINE,
                                      "params": {"$filter": pending_only}}))
        return reads
    if group_ids:
        scopes = [f"groupId eq {odata_quote(g)}" for g in dict.fromkeys(group_ids)]
    elif principal_ids:
        scopes = [f"principalId eq {odata_quote(p)}" for p in dict.fromkeys(principal_ids)]
    else:
        raise ValueError("name groups or principals, or set mine: Graph lists PIM for Groups' membership and "
                         "ownership only per group (groupId) or per principal (principalId)")
    reads = []
    for flt in scopes:
        reads += [(kind, {"url": surface.schedules[kind]["instances"], "params": {"$filter": flt}})
                  for kind in (ELIGIBLE, ACTIVE)]
        if pending:
            reads.append(("pending", {"url": surface.schedules[ACTIVE]["requests"],
                                      "params": {"$filter": f"{flt} and {pending_only}"}}))
    return reads


# ---- requests and audit -------------------------------------------------------------------------

def shape_request(req, roles, principals, surface=DIRECTORY):
    principal = principals.get(str(req.get("principalId")).lower()) or {}
    info = req.get("scheduleInfo") or {}
    expiration = info.get("expiration") or {}
    ticket = req.get("ticketInfo") or {}
    held = HELD[surface.name](req, roles)
    held.pop("role_template_id", None)  # requests never showed these two
    held.pop("app_scope", None)
    return {
        "id": req.get("id"), "status": req.get("status"), "action": req.get("action"), **held,
        "principal": principal_label(principal) or req.get("principalId"), "principal_id": req.get("principalId"),
        "justification": req.get("justification"),
        "ticket_number": ticket.get("ticketNumber"), "ticket_system": ticket.get("ticketSystem"),
        "created": req.get("createdDateTime"), "start": info.get("startDateTime"),
        "duration": expiration.get("duration"), "end": expiration.get("endDateTime"),
        "approval_id": req.get("approvalId"),
    }


def shape_audit(rec):
    """One directoryAudit record, flattened: who did what to which role and principal, and why."""
    details = {d.get("key"): d.get("value") for d in rec.get("additionalDetails") or [] if d.get("key")}
    by = rec.get("initiatedBy") or {}
    user, app = by.get("user") or {}, by.get("app") or {}
    role = next((t for t in rec.get("targetResources") or [] if t.get("type") == "Role"), {})
    target = next((t for t in rec.get("targetResources") or [] if t.get("type") != "Role"), {})
    return {
        "id": rec.get("id"), "time": rec.get("activityDateTime"), "activity": rec.get("activityDisplayName"),
        "result": rec.get("result"), "result_reason": rec.get("resultReason") or None,
        "operation": rec.get("operationType"), "category": rec.get("category"),
        "initiated_by": user.get("userPrincipalName") or user.get("displayName") or app.get("displayName"),
        "initiated_by_id": user.get("id") or app.get("appId"),
        "role": role.get("displayName"), "role_id": role.get("id"),
        "principal": target.get("userPrincipalName") or target.get("displayName"), "principal_id": target.get("id"),
        "justification": details.get("Justification") or None, "request_id": details.get("RequestId") or None,
        "correlation_id": rec.get("correlationId"), "details": details,
    }


def audit_filter(since):
    return f"loggedByService eq 'PIM' and activityDateTime ge {format_datetime(since)}"


def audit_since(value, now):
    """``audit_since`` as a datetime: an ISO datetime, or a duration back from now (``P7D``, ``24h``)."""
    text = str(value).strip()
    if looks_like_duration(text):
        # A duration's own error (out of range, months, fractions) says more than "neither".
        return now - parse_duration(text, "audit_since")
    try:
        return parse_datetime(text, "audit_since")
    except ScheduleError as exc:
        if re.match(r"^\d{4}-\d{2}-\d{2}", text):
            raise  # a datetime with a problem of its own (no offset, out of range): that problem
        raise ScheduleError(f"audit_since: {value!r} is neither a datetime such as 2026-01-31T00:00:00Z "
                            "nor a duration back from now such as P7D or 24h") from exc


def activation_durations(duration, min_remaining):
    """``duration`` (or None) and ``min_remaining`` as timedeltas, each within what PIM allows."""
    span = f"{ACTIVATION_SHORTEST.total_seconds() / 60:.0f} minutes to 24 hours"
    parsed = None
    if duration:
        parsed = parse_duration(duration, "duration", ACTIVATION_SHORTEST, ACTIVATION_LONGEST,
                                why=f"PIM activations last {span}")
    left = parse_duration(min_remaining, "min_remaining", maximum=ACTIVATION_LONGEST,
                          why="no activation lasts longer than 24 hours")
    return parsed, left


def summarize(eligible, active, pending):
    return {"eligible": len(eligible),
            "assigned": sum(1 for a in active if a["assignment_type"] == "assigned"),
            "activated": sum(1 for a in active if a["assignment_type"] == "activated"),
            "permanent_active": sum(1 for a in active if a["assignment_type"] == "assigned" and a["permanent"]),
            "outside_pim": sum(1 for a in active if a["outside_pim"]),
            "pending_requests": None if pending is None else len(pending)}


def rows_of_roles(rows, refs):
    """Pure: the rows whose role is one of ``refs`` (role id, template id or display name, any case).

    A name no row carries simply matches nothing: this only trims what a run returns, it never
    resolves a role, so a role missing from the tenant is no error here.
    """
    wanted = {str(r).strip().lower() for r in refs if str(r).strip()}
    return [r for r in rows if any(str(r.get(key) or "").lower() in wanted
                                   for key in ("role_id", "role_template_id", "role"))]


# ---- self-activation ----------------------------------------------------------------------------

def signed_in(claims):
    """Who the token speaks for: ``{"user_id", "delegated", "mfa", "acrs"}``; ``mfa``/``acrs`` are
    None when the token could not be read (an opaque token), so no pre-check is claimed then."""
    if not claims:
        return {"user_id": None, "delegated": None, "mfa": None, "acrs": None}
    amr = claims.get("amr") or []
    acrs = claims.get("acrs") or []
    return {"user_id": claims.get("oid"), "delegated": "scp" in claims, "mfa": "mfa" in amr,
            "acrs": list(acrs) if isinstance(acrs, list) else [acrs]}


def mfa_advice(sign_in):
    """How to come back with a token that carries MFA, for the sign-in that did not."""
    if sign_in == "username_password":
        # ROPC (username and password sent by the app) has no way to ask for a second factor: its token
        # never carries 'mfa' in amr, so "sign in with MFA" would be advice this sign-in cannot follow.
        return ("auth_method username_password cannot do multifactor authentication (the password is sent "
                "without a second factor), so its token never satisfies this rule; use auth_method azure_cli "
                "after an 'az login' that completed MFA, or pass a token from an MFA sign-in in access_token")
    if sign_in == "access_token":
        return "the token passed in access_token came from a sign-in without MFA; pass one from an MFA sign-in"
    if sign_in == "azure_cli":
        return "the Azure CLI's sign-in did not complete MFA; run 'az login' again and complete MFA"
    return ("sign in with MFA: auth_method azure_cli after an 'az login' that completed MFA, or a token from an "
            "MFA sign-in in access_token")


def precheck(rules, who, justification, ticket_number, duration, sign_in=None, surface=DIRECTORY):
    """Every reason PIM's activation rules (``settings.activation`` of the role, or of the group's access)
    would refuse the request, in words, so the user fixes them all at once instead of one Graph error at a
    time. ``sign_in`` is the auth method used (``username_password``...), to give advice it can follow."""
    problems = []
    whose = f"the {NOUN[surface.name]}'s policy"
    if rules.get("require_mfa") and who.get("mfa") is False:
        problems.append(f"{whose} requires multifactor authentication on activation, and the "
                        "signed-in token carries no 'mfa' in its amr claim (PIM's MfaRule); " + mfa_advice(sign_in))
    context = rules.get("authentication_context") or {}
    if context.get("enabled") and who.get("acrs") is not None and context.get("claim_value") not in who["acrs"]:
        problems.append(f"{whose} requires authentication context {context.get('claim_value')!r}, "
                        "which the signed-in token does not carry (PIM's AuthenticationContextRule)")
    if rules.get("require_justification") and not (justification or "").strip():
        problems.append(f"{whose} requires a justification; set justification (PIM's JustificationRule)")
    if rules.get("require_ticket") and not (ticket_number or "").strip():
        problems.append(f"{whose} requires ticket information; set ticket_number (PIM's TicketingRule)")
    maximum = rules.get("max_duration")
    if maximum and duration is not None and duration > parse_duration(maximum):
        problems.append(f"duration {to_iso_duration(duration)} is longer than the {NOUN[surface.name]}'s maximum "
                        f"activation duration {maximum} (PIM's ExpirationRule)")
    return problems


ELIGIBILITY_GRANTS = ("adminAssign", "adminUpdate", "adminExtend", "adminRenew")


def request_end(req):
    """When the schedule a request asked for ends: its end date, or start + duration; None: never."""
    info = req.get("scheduleInfo") or {}
    expiration = info.get("expiration") or {}
    end = _when(expiration.get("endDateTime"))
    if end is None and expiration.get("duration"):
        start = _when(info.get("startDateTime")) or _when(req.get("createdDateTime"))
        try:
            end = start + parse_duration(expiration["duration"]) if start else None
        except ScheduleError:
            end = None
    return end


def _holds(obj, role_id, scope, surface):
    """``obj`` (an instance or a request) is of ``role_id`` at ``scope`` on ``surface``; a directory row
    without a scope is tenant-wide (``/``). ARM compares scopes without regard to case."""
    held = obj.get(surface.scope_field) or "/"
    if surface.arm_ids:
        held, scope = str(held).rstrip("/").lower(), str(scope).rstrip("/").lower()
    return str(obj.get(surface.role_field)).lower() == str(role_id).lower() and held == scope


def expired_eligibility(requests, role_id, scope, now, surface=DIRECTORY):
    """The end of the caller's latest eligibility for the role at the scope, when it has passed.

    Read from the caller's own eligibility *requests* (the instances list only current eligibility):
    the last granted request that gave one, and no removal after it. ``None`` when the requests show
    no eligibility that ended (never eligible, removed by an administrator, or requests purged after
    ~45 days, an observed lifetime that Microsoft does not document).
    """
    mine = [r for r in requests if _holds(r, role_id, scope, surface) and outcome(r.get("status")) == "granted"]
    mine.sort(key=lambda r: r.get("createdDateTime") or "")
    if not mine or mine[-1].get("action") not in ELIGIBILITY_GRANTS:
        return None  # the last word was a removal (or nothing granted): not an expiry
    end = request_end(mine[-1])
    return end if end is not None and end <= now else None


def is_activation(inst):
    """An active instance that a self-activation made (what ``selfDeactivate`` can end)."""
    return _is(inst.get("assignmentType"), "Activated")


def pick_active(instances, role_id, scope, surface=DIRECTORY):
    """The caller's active instance of the role at the scope (the access in the group): an activation
    first (the one this module can deactivate), else a standing assignment."""
    hits = [i for i in instances if _holds(i, role_id, scope, surface)]
    hits.sort(key=lambda i: 0 if is_activation(i) else 1)
    return hits[0] if hits else None


def remaining(inst, now):
    """Time left on an active instance (``None``: permanent)."""
    end = _when(inst.get("endDateTime"))
    return None if end is None else end - now


def has_enough_time(inst, now, min_remaining):
    left = remaining(inst, now)
    return left is None or left >= min_remaining


def activation_body(action, principal_id, role_id, scope, justification=None, duration=None,
                    ticket_number=None, ticket_system=None, now=None, surface=DIRECTORY):
    """A roleAssignmentScheduleRequest for the caller's own role (Graph docs: Create roleAssignmentScheduleRequests),
    or a privilegedAccessGroupAssignmentScheduleRequest for the caller's own access to a group (Create
    assignmentScheduleRequest, example 2: accessId, principalId, groupId, action, scheduleInfo)."""
    body = {"action": action, "principalId": principal_id, surface.role_field: role_id, surface.scope_field: scope}
    if justification:
        body["justification"] = justification
    if duration is not None:
        # ISO 8601 strings only: msgraph-sdk would serialise a timedelta as "1:00:00", which Graph rejects.
        body["scheduleInfo"] = {"startDateTime": format_datetime(now),
                                "expiration": {"type": "afterDuration", "duration": to_iso_duration(duration)}}
    if ticket_number or ticket_system:
        body["ticketInfo"] = {"ticketNumber": ticket_number, "ticketSystem": ticket_system}
    return body


def outcome(status):
    """granted | refused | pending for a request status; unknown statuses are pending."""
    if status in GRANTED:
        return "granted"
    if status in REFUSED:
        return "refused"
    return "pending"


def describe_active(inst, now, surface=DIRECTORY):
    if inst is None:
        return None
    left = remaining(inst, now)
    return {"assignment_type": (inst.get("assignmentType") or "Assigned").lower(),
            "member_type": str(inst.get("memberType") or "Direct").lower(),
            "start": inst.get("startDateTime"), "end": inst.get("endDateTime"),
            "permanent": inst.get("endDateTime") is None,
            "remaining": None if left is None else to_iso_duration(max(left, timedelta(0))),
            "schedule_id": inst.get(surface.schedule_id_fields[1]), "id": inst.get("id")}
