# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired vs actual eligible / active role assignments -> schedule requests. Pure: no I/O.

Private to the collection (leading underscore): may change in any release.

Actual state comes from schedule *instances* and *schedules*, never from schedule requests:
Graph purges requests after about 45 days while the assignment lives on, and keying on them
is what made other tools forget or re-create assignments. Only ``memberType: Direct``
assignments are managed; ones a principal holds through a group are reported, not touched.

One planner for every surface (``_surfaces``): directory roles, and PIM for Groups where the "role"
is a group's ``member`` or ``owner`` access and the "scope" the group. The planners key a privilege
by ``Surface.role_key``: for groups that is group and access together, so a group's member and owner
policies, and exclusive mode, stay apart while the planning code stays the same. Graph's field names
enter and leave only through the surface (``actual_state``, ``Action.request_body``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ._graph_paths import SCHEDULES
from ._inert import printable
from ._resolve import ambiguous_scope
from ._schedule import ScheduleError, format_datetime, normalize_duration, parse_datetime, parse_duration
from ._surfaces import DIRECTORY

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814"
# The roles a tenant cannot be run without: whoever holds them actively can fix everything else. Template
# ids, which are the role definition ids of built-in roles in every tenant.
GUARDED_ROLES = {GLOBAL_ADMINISTRATOR: "Global Administrator",
                 PRIVILEGED_ROLE_ADMINISTRATOR: "Privileged Role Administrator"}
# Graph rounds and rewrites times (a past start becomes the provisioning time): a difference
# below this is noise, never a reason to write.
TOLERANCE = timedelta(minutes=5)
ITEM_OPTIONS = ("principal", "role", "scope", "start", "end", "duration", "permanent", "justification",
                "ticket_number", "ticket_system", "state")


def item_options(surface=DIRECTORY):
    """The options of one item of ``assignments`` on ``surface`` (``role``/``scope`` or ``access``/``group``)."""
    return ("principal", surface.role_option, surface.scope_option) + ITEM_OPTIONS[3:]


# The kind's noun and its Graph paths ("requests", "instances", "schedules").
KINDS = {kind: dict(SCHEDULES[kind], noun=f"{kind} assignment") for kind in ("eligible", "active")}


class AssignmentError(ValueError):
    """Input that cannot be planned, or a plan a safety guard refuses; raised before any write."""


@dataclass(frozen=True)
class Schedule:
    """What the user asked for; ``None`` fields are not managed (left as Graph has them)."""

    start: datetime | None = None
    end: datetime | None = None
    duration: str | None = None  # canonical ISO 8601
    permanent: bool | None = None

    @property
    def managed(self):
        return self.end is not None or self.duration is not None or self.permanent is not None


@dataclass
class Desired:
    principal_ref: str
    role_ref: str
    scope_ref: str
    state: str = "present"
    schedule: Schedule = field(default_factory=Schedule)
    justification: str | None = None
    ticket_number: str | None = None
    ticket_system: str | None = None
    # Filled in once names are resolved:
    principal_id: str | None = None
    role_id: str | None = None
    role_name: str | None = None
    scope: str | None = None

    @property
    def key(self):
        return (self.principal_id, self.role_id, self.scope)


@dataclass
class Actual:
    """One assignment as Graph holds it, merged from its schedule and its current instance."""

    principal_id: str
    role_id: str
    scope: str
    start: datetime | None
    end: datetime | None
    permanent: bool
    duration: str | None = None
    member_type: str = "Direct"
    assignment_type: str | None = None  # active only: Assigned | Activated
    schedule_id: str | None = None
    # Azure resource roles: the parent scope an assignment with memberType Inherited was made at (never managed
    # at the child: ``managed`` is for Direct ones only).
    inherited_from: str | None = None

    @property
    def key(self):
        return (self.principal_id, self.role_id, self.scope)

    @property
    def managed(self):
        # Activations come from an eligibility and end by themselves: the eligibility is what we manage.
        # Case-blind: directory roles say Direct/Assigned, PIM for Groups direct/assigned (msgraph-sdk's
        # privileged_access_group_member_type and privileged_access_group_assignment_type).
        return str(self.member_type).lower() == "direct" and \
            (self.assignment_type is None or str(self.assignment_type).lower() == "assigned")

    def current(self, now):
        """Whether it gives access now: started (within the tolerance) and not yet expired."""
        started = self.start is None or self.start <= now + TOLERANCE
        return started and (self.end is None or self.end > now)

    def view(self):
        out = {"principal_id": self.principal_id, "role_id": self.role_id, "scope": self.scope,
               "start": format_datetime(self.start) if self.start else None,
               "end": format_datetime(self.end) if self.end else None, "permanent": self.permanent,
               "member_type": self.member_type}
        if self.inherited_from is not None:
            out["inherited_from"] = self.inherited_from
        return out


@dataclass
class Action:
    """One schedule request to send (``action`` is Graph's ``unifiedRoleScheduleRequestActions``)."""

    kind: str  # eligible | active
    action: str  # adminAssign | adminUpdate | adminExtend | adminRenew | adminRemove
    principal_id: str
    role_id: str
    scope: str
    reason: str
    desired: Desired | None = None
    before: Actual | None = None
    start: datetime | None = None
    end: datetime | None = None
    duration: str | None = None
    permanent: bool = False
    justification: str | None = None
    ticket_number: str | None = None
    ticket_system: str | None = None
    done: bool = False  # set once Graph accepted it (or a re-read showed it applied)
    error: object = None  # the GraphCallError that stopped it
    confirmed: bool = False  # Graph answered "already done" and a re-read showed it applied
    unknown: bool = False  # its answer was lost and no re-read could tell whether it was applied

    @property
    def key(self):
        return (self.principal_id, self.role_id, self.scope)

    def after(self):
        if self.action == "adminRemove":
            return None
        end = self.end
        if end is None and self.duration and not self.permanent:
            end = self.start + parse_duration(self.duration)
        return {"principal_id": self.principal_id, "role_id": self.role_id, "scope": self.scope,
                "start": format_datetime(self.start) if self.start else None,
                "end": format_datetime(end) if end else None, "permanent": self.permanent, "member_type": "Direct"}

    def request_body(self, surface=DIRECTORY):
        body = {"action": self.action, "principalId": self.principal_id,
                **surface.request_ids(self.role_id, self.scope)}
        if self.justification:
            body["justification"] = self.justification
        if self.ticket_number or self.ticket_system:
            body["ticketInfo"] = {"ticketNumber": self.ticket_number, "ticketSystem": self.ticket_system}
        if self.action != "adminRemove":
            if self.permanent:
                expiration = {"type": "noExpiration"}
            elif self.end is not None:
                expiration = {"type": "afterDateTime", "endDateTime": format_datetime(self.end)}
            else:
                expiration = {"type": "afterDuration", "duration": self.duration}
            body["scheduleInfo"] = {"startDateTime": format_datetime(self.start), "expiration": expiration}
        return body


# -- validation (before any Graph call) ------------------------------------------------------
def target_options(surface):
    """(the option an item must name, the one with a default): (role, scope) or (group, access)."""
    if surface.role_default is None:
        return surface.role_option, surface.scope_option
    return surface.scope_option, surface.role_option


def validate_items(params, now, surface=DIRECTORY):
    """The module's options -> list of Desired; every problem of every item reported together."""
    target, defaulted = target_options(surface)
    single = {k: params.get(k) for k in item_options(surface) if params.get(k) is not None}
    items = params.get("assignments")
    if items is not None and (single.get("principal") or single.get(target)):
        raise AssignmentError(f"give either principal/{target} (one assignment) or assignments (a list), not both")
    inherited = {k: params.get(k) for k in ("justification", "ticket_number", "ticket_system", defaulted, "state")
                 if params.get(k) is not None}
    raw_items = [single] if items is None else [{**inherited, **{k: v for k, v in i.items() if v is not None}}
                                                for i in items]
    if items is None and not single.get("principal") and not single.get(target) and not params.get("exclusive"):
        raise AssignmentError(f"give principal and {target}, or assignments (an empty list is allowed with exclusive "
                              "or replace_permanent_with_eligible)")
    desired, problems, seen = [], [], {}
    for index, raw in enumerate(raw_items):
        where = "" if items is None else f"assignments[{index}]: "
        try:
            item = validate_item(raw, now, surface)
        except (AssignmentError, ScheduleError) as exc:
            problems.append(f"{where}{exc}")
            continue
        ref_key = (item.principal_ref.lower(), item.role_ref.lower(), item.scope_ref.lower())
        if ref_key in seen:
            problems.append(f"{where}duplicates assignments[{seen[ref_key]}] (same principal, "
                            f"{surface.role_option} and {surface.scope_option})")
        seen.setdefault(ref_key, index)
        desired.append(item)
    if problems:
        raise AssignmentError("invalid input, nothing was changed: " + "; ".join(problems))
    return desired


def validate_item(raw, now, surface=DIRECTORY):
    options = item_options(surface)
    unknown = sorted(set(raw) - set(options))
    if unknown:
        raise AssignmentError(f"unknown option(s) {', '.join(unknown)}; allowed: {', '.join(options)}")
    principal = str(raw.get("principal") or "").strip()
    role = str(raw.get(surface.role_option) or surface.role_default or "").strip()
    if not principal:
        raise AssignmentError("principal is empty")
    if not role:
        raise AssignmentError(f"{surface.role_option} is empty")
    if surface.fixed_roles and role not in surface.fixed_roles:
        raise AssignmentError(f"{surface.role_option} must be {' or '.join(surface.fixed_roles)}, not {role!r}")
    state = raw.get("state") or "present"
    if state not in ("present", "absent"):
        raise AssignmentError(f"state must be present or absent, not {state!r}")
    permanent = raw.get("permanent")
    if permanent is not None and not isinstance(permanent, bool):
        raise AssignmentError(f"permanent must be true or false, not {permanent!r}")
    if raw.get("end") is not None and raw.get("duration") is not None:
        raise AssignmentError("end and duration are mutually exclusive")
    if permanent and (raw.get("end") is not None or raw.get("duration") is not None):
        raise AssignmentError("permanent: true cannot have an end or a duration")
    if permanent is False and raw.get("end") is None and raw.get("duration") is None:
        raise AssignmentError("permanent: false needs an end or a duration")
    start = parse_datetime(raw["start"], "start") if raw.get("start") is not None else None
    end = parse_datetime(raw["end"], "end") if raw.get("end") is not None else None
    duration = normalize_duration(raw["duration"], "duration") if raw.get("duration") is not None else None
    if start and end and end <= start:
        raise AssignmentError(f"end {format_datetime(end)} is not after start {format_datetime(start)}")
    if state == "present" and end is not None and end <= now:
        raise AssignmentError(f"end {format_datetime(end)} is already in the past")
    # Only an unset scope means the whole tenant: `scope: ""` must reach the ambiguity check, not become '/'.
    raw_scope = raw.get(surface.scope_option)
    scope = surface.scope_default if raw_scope is None else str(raw_scope)
    if surface.scope_default is None:  # a scope the item must name (a group): no word can mean "everywhere"
        scope = (scope or "").strip()
        if not scope:
            raise AssignmentError(f"{surface.scope_option} is empty")
    else:
        problem = ambiguous_scope(scope)
        if problem:
            raise AssignmentError(f"{surface.scope_option} {problem}")
    if end is not None or duration is not None:
        permanent = False
    return Desired(principal_ref=principal, role_ref=role, scope_ref=scope, state=state,
                   schedule=Schedule(start=start, end=end, duration=duration, permanent=permanent),
                   justification=raw.get("justification"), ticket_number=raw.get("ticket_number"),
                   ticket_system=raw.get("ticket_system"))


# -- actual state ------------------------------------------------------------------------------
def _dt(value):
    return parse_datetime(value) if value else None


def actual_state(instances, schedules, now, surface=DIRECTORY):
    """Instances and schedules -> one Actual per (principal, role, scope, memberType, assignmentType).

    Instances say what holds now (and include assignments made outside PIM: plain group members and
    owners show as active instances without a schedule); schedules add the ones that start in the
    future and the expiration *type* ("afterDuration P180D"). ``surface`` says which Graph fields name
    the role and the scope.
    """
    found = {}
    for sch in schedules:
        if (sch.get("status") or "Provisioned") not in ("Provisioned", "Granted", "ScheduleCreated"):
            continue
        info = sch.get("scheduleInfo") or {}
        exp = info.get("expiration") or {}
        start = _dt(info.get("startDateTime"))
        end = _dt(exp.get("endDateTime"))
        duration = exp.get("duration")
        if end is None and duration and start is not None:
            end = start + parse_duration(duration)
        permanent = exp.get("type") in ("noExpiration", None, "notSpecified") and end is None
        act = _from_graph(sch, start, end, permanent, duration, surface)
        found[(act.key, act.member_type, act.assignment_type)] = act
    for ins in instances:
        start, end = _dt(ins.get("startDateTime")), _dt(ins.get("endDateTime"))
        act = _from_graph(ins, start, end, end is None, None, surface)
        ident = (act.key, act.member_type, act.assignment_type)
        if ident in found:
            # The instance carries the effective times (after Graph's rewrite of a past start).
            sch = found[ident]
            sch.start, sch.end = start or sch.start, end if not sch.permanent else None
        else:
            found[ident] = act
    # Expired entries Graph still lists are kept: they are what adminRenew acts on.
    return sorted(found.values(), key=lambda a: (a.role_id, a.principal_id, a.scope, a.member_type))


def _from_graph(obj, start, end, permanent, duration, surface=DIRECTORY):
    # appScopeId exists on directory schedules only (an application scope); group schedules always name the group.
    return Actual(principal_id=obj.get("principalId"), role_id=surface.key_of(obj),
                  scope=obj.get(surface.scope_field) or obj.get("appScopeId") or surface.scope_default,
                  start=start, end=end, permanent=permanent, duration=duration,
                  member_type=obj.get("memberType") or "Direct", assignment_type=obj.get("assignmentType"),
                  schedule_id=next((obj[f] for f in surface.schedule_id_fields if obj.get(f)), None) or obj.get("id"))


# -- comparison -----------------------------------------------------------------------------
def schedule_differences(want, have, now):
    """What differs between a desired Schedule and an Actual, ignoring Graph's rewrites."""
    diffs = []
    if want.permanent and not have.permanent:
        diffs.append("permanent")
    if want.end is not None:
        if have.end is None or abs(have.end - want.end) > TOLERANCE:
            diffs.append("end")
    elif want.duration is not None:
        if have.end is None:
            diffs.append("duration")
        elif not (have.duration and parse_duration(have.duration) == parse_duration(want.duration)):
            begin = have.start or now
            if abs((have.end - begin) - parse_duration(want.duration)) > TOLERANCE:
                diffs.append("duration")
    if want.start is not None and have.start is not None:
        if want.start > now + TOLERANCE:
            if abs(have.start - want.start) > TOLERANCE:
                diffs.append("start")
        elif have.start > now + TOLERANCE:
            diffs.append("start")  # wanted now (or earlier), Graph holds a future start
    return diffs


def change_action(want, have, diffs, now):
    """adminRenew / adminExtend / adminUpdate for a changed schedule; never remove-and-add.

    Renew is PIM's action for an assignment that has already expired (Graph still lists it
    during the renewal window). Extend is for a still-valid time-bound assignment whose end
    only moves later: it keeps the assignment's identity and audit trail, and PIM's policy
    treats it as the routine "extend" operation. Anything else (shorter, a new start, turning
    permanent or time-bound) is an update.
    """
    if have.end is not None and have.end <= now:
        return "adminRenew"
    new_end = want.end
    if new_end is None and want.duration is not None:
        # An extension keeps the assignment's start, so a duration counts from there.
        new_end = (have.start or now) + parse_duration(want.duration)
    only_end = set(diffs) <= {"end", "duration"}
    if only_end and not have.permanent and new_end is not None and new_end > have.end:
        return "adminExtend"
    return "adminUpdate"


# -- planning -------------------------------------------------------------------------------
@dataclass
class Plan:
    actions: list = field(default_factory=list)  # in the order they must be sent
    unchanged: list = field(default_factory=list)  # (Desired, Actual | None, why)
    kept: list = field(default_factory=list)  # (Actual, why): left alone on purpose in exclusive mode


def plan(kind, desired, actual, now, requirements, exclusive_roles=(), protected=(), replace_permanent=False,
         eligible_actual=(), justification=None, service_principals=(), replace_roles=()):
    """Desired items + actual state of ``kind`` -> the schedule requests that converge them.

    ``requirements``: role id -> {"eligible": Requirement, "active": Requirement} (only the
    expiration rule is used here, to give a new assignment without a schedule what the role
    allows). ``exclusive_roles``: the roles whose unlisted direct assignments are removed.
    ``replace_permanent`` (active only) turns permanent active assignments of ``replace_roles``
    (default: ``exclusive_roles``, else the desired items' roles) into eligible ones, and touches
    nothing else: time-bound assignments stay unless exclusive mode removes them. The eligibility
    request comes first in the plan so an interruption between the two steps leaves the principal
    with access, never with none. ``protected`` principals keep theirs; ``service_principals``
    cannot be eligible (Graph refuses), so theirs are kept and reported.

    With ``replace_permanent``, a listed item that gives no schedule (no end, duration or ``permanent``)
    names a principal to convert: "replace this person's standing access". Its permanent active
    assignment is replaced like an unlisted one, and no active assignment is ever created for it (granting
    standing access when asked to remove it is the worst outcome there is). Only ``permanent: true`` keeps
    or makes one permanent, and an end or a duration makes it time-bound, as without the option. A named
    principal that cannot be converted (protected, or a service principal) raises AssignmentError.
    """
    managed = {a.key: a for a in actual if a.managed}
    present_keys = {d.key for d in desired if d.state == "present"}
    protected = set(protected)
    converting = replace_permanent and kind == "active"
    eligible = {a.key: a for a in eligible_actual if a.managed}
    result = Plan()
    replacements, refusals = [], []
    for item in desired:
        have = managed.get(item.key)
        if item.state == "absent":
            if have is None:
                result.unchanged.append((item, None, "as desired"))
            else:
                result.actions.append(_removal(kind, have, "absent", item.justification or justification, item))
            continue
        if converting and not item.schedule.managed:
            why = _convert_named(item, have, protected, service_principals, result, refusals)
            if why is None:
                replacements += _ensure_eligible(have, eligible, now, requirements,
                                                 item.justification or justification)
                result.actions.append(_removal(kind, have, "converted to an eligible assignment",
                                               item.justification or justification, item))
            continue
        if have is None:
            result.actions.append(_assignment(kind, item, now, requirements))
            continue
        diffs = schedule_differences(item.schedule, have, now) if item.schedule.managed else []
        if not diffs:
            result.unchanged.append((item, have, "as desired"))
            continue
        result.actions.append(_change(kind, item, have, diffs, now))
    if refusals:
        raise AssignmentError("replace_permanent_with_eligible cannot convert every principal named, nothing was "
                              "changed: " + "; ".join(refusals))
    concerned = set(replace_roles) or set(exclusive_roles) or {d.role_id for d in desired}
    if converting:
        for have in actual:
            if not (have.managed and have.permanent and have.role_id in concerned) or have.key in present_keys:
                continue
            if have.principal_id in protected:
                result.kept.append((have, "protected principal: its permanent active assignment is kept"))
                continue
            if have.principal_id in service_principals:
                result.kept.append((have, "a service principal cannot be eligible: kept active"))
                continue
            replacements += _ensure_eligible(have, eligible, now, requirements, justification)
            result.actions.append(_removal(kind, have, "replaced with an eligible assignment", justification))
    if exclusive_roles:
        planned = {a.key for a in result.actions} | {k.key for k, _why in result.kept}
        for have in actual:
            if not have.managed or have.role_id not in exclusive_roles or have.key in present_keys:
                continue
            if have.key in planned:
                continue
            if have.principal_id in protected:
                result.kept.append((have, "protected principal"))
                continue
            result.actions.append(_removal(kind, have, "exclusive: not in the desired list",
                                           justification or "Not in the desired list (entra.pim exclusive mode)"))
    result.actions = replacements + result.actions
    return result


def _convert_named(item, have, protected, service_principals, result, refusals):
    """Why a listed principal's active assignment is not converted (``None``: convert it). Never a new one."""
    who = f"{item.principal_ref!r} / {item.role_ref!r}"
    if have is None:
        result.unchanged.append((item, None, "no active assignment, nothing to convert (replace_permanent_with_"
                                             "eligible never creates one)"))
        return "absent"
    if not have.permanent:
        result.unchanged.append((item, have, "time-bound, nothing permanent to convert"))
        return "time-bound"
    if item.principal_id in protected:
        refusals.append(f"{who}: the principal is in protected_principals, whose permanent assignments are kept; "
                        "give permanent: true to keep it, or take it out of protected_principals to convert it")
        return "protected"
    if item.principal_id in service_principals:
        refusals.append(f"{who}: a service principal cannot be eligible, so its permanent active assignment "
                        "cannot be converted; remove it with state: absent, or give permanent: true or an end")
        return "service principal"
    return None


def _ensure_eligible(have, eligible, now, requirements, justification):
    """The request that makes ``have``'s principal eligible before its active assignment goes: none when a
    current (or future) eligibility exists, adminRenew for an expired one Graph still lists, else adminAssign."""
    existing = eligible.get(have.key)
    if existing is not None and (existing.end is None or existing.end > now):
        return []
    action = _replacement_eligibility(have, now, requirements, justification)
    if existing is not None:
        action.action, action.before = "adminRenew", existing
        action.reason = f"renews an eligibility that expired on {format_datetime(existing.end)}, to replace a " \
                        "permanent active assignment"
    return [action]


def _request_start(item, have, now):
    """Graph rewrites a past start to the provisioning time, so a past or missing start is sent as now."""
    if item is not None and item.schedule.start is not None:
        return max(item.schedule.start, now)
    if have is not None and have.start is not None and have.start > now:
        return have.start
    return now


def _assignment(kind, item, now, requirements):
    sched = item.schedule
    action = Action(kind=kind, action="adminAssign", principal_id=item.principal_id, role_id=item.role_id,
                    scope=item.scope, reason="missing", desired=item, start=_request_start(item, None, now),
                    justification=item.justification, ticket_number=item.ticket_number,
                    ticket_system=item.ticket_system)
    _apply_schedule(action, sched, requirements.get(item.role_id, {}).get(kind))
    return action


def _apply_schedule(action, sched, requirement):
    if sched.managed:
        action.permanent, action.end, action.duration = bool(sched.permanent), sched.end, sched.duration
    elif requirement is not None and requirement.expiration_required and requirement.max_duration:
        # No schedule given: the longest the role's policy allows, rather than a request it would refuse.
        action.duration = normalize_duration(requirement.max_duration)
    else:
        action.permanent = True


def _change(kind, item, have, diffs, now):
    verb = change_action(item.schedule, have, diffs, now)
    reason = "schedule differs: " + ", ".join(diffs)
    if verb == "adminRenew":
        reason = f"expired on {format_datetime(have.end)}; renewed ({reason})"
    # adminExtend keeps the assignment's original start (PIM counts the maximum duration from it).
    start = have.start if verb == "adminExtend" and have.start is not None else _request_start(item, have, now)
    action = Action(kind=kind, action=verb,
                    principal_id=item.principal_id, role_id=item.role_id, scope=item.scope,
                    reason=reason, desired=item, before=have,
                    start=start, justification=item.justification,
                    ticket_number=item.ticket_number, ticket_system=item.ticket_system)
    _apply_schedule(action, item.schedule, None)
    return action


def _removal(kind, have, reason, justification, item=None):
    return Action(kind=kind, action="adminRemove", principal_id=have.principal_id, role_id=have.role_id,
                  scope=have.scope, reason=reason, desired=item, before=have, justification=justification,
                  ticket_number=item.ticket_number if item else None,
                  ticket_system=item.ticket_system if item else None)


def _replacement_eligibility(have, now, requirements, justification):
    action = Action(kind="eligible", action="adminAssign", principal_id=have.principal_id, role_id=have.role_id,
                    scope=have.scope, reason="replaces a permanent active assignment", start=now,
                    justification=justification or "Replaces a permanent active assignment (entra.pim)")
    _apply_schedule(action, Schedule(), requirements.get(have.role_id, {}).get("eligible"))
    return action


def holds(act, current, now):
    """Whether Graph now holds what ``act`` asked for, from a re-read (``current``: the Actuals of its kind).

    Decides a write Graph answered ``RoleAssignmentExists`` / ``RoleAssignmentDoesNotExist``: when the
    first attempt had landed and only its answer was lost (a 503 or 504, then a retry), the retry gets
    that answer although the write succeeded. A removal holds when no direct assignment is left; any
    other action when the assignment exists with the schedule asked for (compared tolerantly).
    """
    have = next((a for a in current if a.managed and a.key == act.key), None)
    if act.action == "adminRemove":
        return have is None
    if have is None:
        return False
    want = act.desired.schedule if act.desired is not None else None
    if want is None or not want.managed:
        # No schedule asked for (the role's default): existing, and not expired, is all it takes.
        return have.end is None or have.end > now
    return not schedule_differences(want, have, now)


def remaining_after(actual, actions, kind):
    """The managed assignments of ``kind`` that still exist once ``actions`` have run."""
    removed = {a.key for a in actions if a.kind == kind and a.action == "adminRemove"}
    keep = [a for a in actual if a.managed and a.key not in removed]
    changed = {a.key: a for a in actions if a.kind == kind and a.action != "adminRemove"}
    out = []
    for have in keep:
        act = changed.pop(have.key, None)
        out.append(replace(have, permanent=act.permanent, end=act.end) if act else have)
    out.extend(Actual(principal_id=a.principal_id, role_id=a.role_id, scope=a.scope, start=a.start, end=a.end,
                      permanent=a.permanent, assignment_type="Assigned" if kind == "active" else None)
               for a in changed.values())
    return out


# -- diff ---------------------------------------------------------------------------------------
def schedule_text(start, end, permanent):
    """One readable line for a schedule: ``permanent, from X`` or ``from X until Y``."""
    begin = format_datetime(start) if start else "now"
    if permanent or end is None:
        return f"permanent, from {begin}"
    return f"from {begin} until {format_datetime(end)}"


def role_subject(role_names):
    """The diff label and fields of an action on a directory role: ``role / principal / kind / scope X``."""
    def subject(act, who):
        role = printable(role_names.get(act.role_id) or act.role_id)
        return (f"{role} / {who} / {act.kind} / scope {act.scope}",
                {"role": role, "principal": who, "kind": act.kind, "scope": act.scope})
    return subject


def diff_view(actions, role_names, principal_names, subject=None):
    """``--diff`` of a plan: one block per assignment the plan changes, keyed by a label naming role, principal,
    kind and scope (Ansible sorts the keys, so each assignment's before and after line up and nothing
    unrelated sits in between). Names fall back to ids; tenant-supplied names are made printable.
    ``subject(action, principal name)`` gives the label and fields of another surface (a group and access)."""
    subject = subject or role_subject(role_names)
    before, after = {}, {}
    for act in actions:
        who = printable(principal_names.get(act.principal_id) or act.principal_id)
        label, block = subject(act, who)
        if act.before is not None:
            have = act.before
            before[label] = dict(block, schedule=schedule_text(have.start, have.end, have.permanent))
        view = act.after()
        if view is not None:
            end = parse_datetime(view["end"]) if view["end"] else None
            after[label] = dict(block, schedule=schedule_text(act.start, end, act.permanent))
    return {"before": before, "after": after}
