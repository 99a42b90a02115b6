# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What must hold before an assignment plan is written: the roles' policy rules and safety guards. Pure.

Private to the collection (leading underscore): may change in any release.

Graph refuses a request its role policy forbids with a bare
``RoleAssignmentRequestPolicyValidationFailed: ["ExpirationRule"]``, and only after earlier
requests of the same run were written. Checking the plan first lets us fail before any write,
naming the policy rule and the ``entra.pim.pim_role_setting`` option that would allow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ._assignments import GLOBAL_ADMINISTRATOR, GUARDED_ROLES, AssignmentError, remaining_after
from ._inert import printable
from ._schedule import ScheduleError, format_datetime, normalize_duration, parse_duration
from ._surfaces import DIRECTORY

# kind -> (rule id suffix, pim_role_setting section)
LEVELS = {"eligible": ("Admin_Eligibility", "eligible_assignment"),
          "active": ("Admin_Assignment", "active_assignment")}
NOUNS = {"eligible": "eligible assignments", "active": "active assignments"}


@dataclass(frozen=True)
class Requirement:
    """The admin rules of one role for one kind (eligible or active)."""

    expiration_required: bool = False
    max_duration: str | None = None
    enabled_rules: tuple = ()


# What a group's policy says before the group was ever used with PIM: Graph creates the group's member and
# owner policies on its first schedule request, with these documented defaults (eligibility and active
# assignments must expire, after at most 365 and 180 days). Used only to give a first request without a
# schedule one the new policy accepts; the pre-check itself is left to Graph (no policy to read yet).
# https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagement-for-groups-api-overview and the
# group policy samples of https://learn.microsoft.com/graph/api/policyroot-list-rolemanagementpolicyassignments
GROUP_DEFAULT_REQUIREMENTS = {"eligible": Requirement(expiration_required=True, max_duration="P365D"),
                              "active": Requirement(expiration_required=True, max_duration="P180D")}


def policy_requirements(policy_assignments, surface=DIRECTORY):
    """``roleManagementPolicyAssignments`` expanded with ``policy($expand=rules)`` -> role key -> kind -> Requirement
    (the role id for directory roles; group and access for PIM for Groups, see ``Surface.role_key``)."""
    out = {}
    for assignment in policy_assignments:
        rules = {r.get("id"): r for r in ((assignment.get("policy") or {}).get("rules") or [])}
        per_kind = {}
        for kind, (suffix, _section) in LEVELS.items():
            expiration = rules.get(f"Expiration_{suffix}") or {}
            enablement = rules.get(f"Enablement_{suffix}") or {}
            per_kind[kind] = Requirement(
                expiration_required=bool(expiration.get("isExpirationRequired")),
                max_duration=expiration.get("maximumDuration"),
                enabled_rules=tuple(enablement.get("enabledRules") or ()),
            )
        out[surface.role_key(assignment.get("roleDefinitionId"), assignment.get("scopeId"))] = per_kind
    return out


def policy_problems(actions, requirements, role_names, principal_names, now, surface=DIRECTORY):
    """Every request of the plan the role's policy would refuse, as messages a user can act on.

    Returns ``(problems, warnings)``; removals are never checked (policy rules do not apply).
    """
    problems, warnings = [], []
    for act in actions:
        if act.action == "adminRemove":
            continue
        req = requirements.get(act.role_id, {}).get(act.kind)
        if req is None:
            continue
        suffix, section = LEVELS[act.kind]
        role = printable(role_names.get(act.role_id) or act.role_id)
        who = _name(principal_names, act.principal_id)
        noun = NOUNS[act.kind]
        setting = f"set {section}.%s with {surface.settings_module}"
        if req.expiration_required:
            if act.permanent:
                problems.append(
                    f"{role} does not allow permanent {noun} (Expiration_{suffix}.isExpirationRequired); "
                    f"{setting % 'allow_permanent: true'} or give {who} an end date or a duration")
            elif req.max_duration:
                problem = _too_long(act, req, now, role, who, noun, suffix, setting)
                if problem:
                    problems.append(problem)
        if "Justification" in req.enabled_rules and not act.justification:
            problems.append(
                f"{role} requires a justification for {noun} (Enablement_{suffix}: Justification); "
                f"give justification for {who} or {setting % 'require_justification: false'}")
        if "Ticketing" in req.enabled_rules and not act.ticket_number:
            problems.append(f"{role} requires ticket information for {noun} (Enablement_{suffix}: Ticketing); "
                            f"give ticket_number and ticket_system for {who}")
        if "MultiFactorAuthentication" in req.enabled_rules:
            warnings.append(
                f"{role} requires multi-factor authentication for {noun} (Enablement_{suffix}: "
                f"MultiFactorAuthentication); an app-only token cannot carry it, so Graph may refuse the request "
                f"for {who} ({setting % 'require_mfa: false'} if automation must assign this role)")
    return problems, warnings


def _too_long(act, req, now, role, who, noun, suffix, setting):
    try:
        limit = parse_duration(req.max_duration)
    except ScheduleError:
        return None  # a policy value we cannot read is Graph's to judge
    begin = max(act.start or now, now)
    span = (act.end - begin) if act.end is not None else parse_duration(act.duration)
    if span <= limit + timedelta(minutes=1):
        return None
    return (f"{role} allows {noun} of at most {normalize_duration(limit)} (Expiration_{suffix}.maximumDuration) "
            f"but {who} would get {normalize_duration(span)}; {setting % ('max_duration: ' + normalize_duration(span))}"
            f" or give an earlier end or a shorter duration")


def guard_last_admins(actions, eligible_actual, active_actual, principal_names, now, allow_no_active=False):
    """Refuse a plan after which the directory has no *active* Global Administrator or Privileged Role
    Administrator; returns the warnings to show when ``allow_no_active`` lets it through.

    Only plans that remove an assignment of such a role at the directory scope are judged (a run that leaves
    the roles alone cannot be blamed for their state). Active means a direct assignment (not an activation,
    which ends within hours) that gives access now or is being created by the plan; eligible holders must
    activate first, maybe with an approval nobody is left to give, which is how a tenant locks itself out.
    With ``allow_no_active`` eligible holders are enough, but a plan after which nobody at all (eligible or
    active) holds Global Administrator is always refused. ``*_actual``: the managed and unmanaged state
    of each kind, for the guarded roles at least.
    """
    problems, warnings = [], []
    for role_id, role in GUARDED_ROLES.items():
        removed = [a for a in actions if a.role_id == role_id and a.action == "adminRemove" and a.scope == "/"]
        if not removed:
            continue
        active = [a for a in remaining_after(active_actual, actions, "active")
                  if a.role_id == role_id and a.scope == "/" and a.current(now)]
        if active:
            continue
        eligible = [a for a in remaining_after(eligible_actual, actions, "eligible")
                    if a.role_id == role_id and a.scope == "/" and (a.end is None or a.end > now)]
        who = ", ".join(sorted({_name(principal_names, a.principal_id) for a in removed}))
        left = "; ".join(sorted(_holder(principal_names, a) for a in eligible))
        if not eligible and role_id == GLOBAL_ADMINISTRATOR:
            problems.append(
                f"refusing to remove the last Global Administrator assignment(s) ({who}): the tenant would have no "
                "eligible or active Global Administrator left. Add another Global Administrator first, or list this "
                "one as desired or in protected_principals")
        elif not allow_no_active:
            problems.append(
                f"refusing to remove the last active {role} assignment(s) ({who}): no active {role} would be left, "
                f"only eligible ones ({left or 'none'}), who must activate first, possibly with an approval nobody "
                f"is left to give. Keep an active {role} (a break-glass account), or set allow_no_active_admin: "
                "true if eligible ones are enough")
        else:
            warnings.append(f"no active {role} is left after this run (allow_no_active_admin: true); eligible: "
                            f"{left or 'none'}")
    if problems:
        raise AssignmentError("; ".join(problems) + "; nothing was changed.")
    return warnings


def _name(principal_names, principal_id):
    return printable(principal_names.get(principal_id) or principal_id)


def _holder(principal_names, act):
    until = f"until {format_datetime(act.end)}" if act.end is not None else "permanently"
    return f"{_name(principal_names, act.principal_id)} (eligible {until})"


def guard_break_glass(actions, active_actual, protected, principal_names):
    """Refuse a plan that removes (or makes time-bound) the last permanent active assignment of a break-glass
    account, i.e. of a principal listed in ``protected_principals``."""
    protected = set(protected)
    if not protected:
        return

    def permanent_break_glass(items):
        return {a.key for a in items if a.principal_id in protected and a.permanent}

    before = permanent_break_glass(a for a in active_actual if a.managed)
    after = permanent_break_glass(remaining_after(active_actual, actions, "active"))
    if before and not after:
        lost = sorted(_name(principal_names, p) for p, _r, _s in before)
        raise AssignmentError(
            f"refusing to remove the last permanent break-glass assignment ({', '.join(lost)}): emergency access "
            "accounts must keep a permanent active assignment; nothing was changed.")
