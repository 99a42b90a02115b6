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

from ._assignments import GLOBAL_ADMINISTRATOR, AssignmentError, remaining_after
from ._schedule import ScheduleError, normalize_duration, parse_duration

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


def policy_requirements(policy_assignments):
    """``roleManagementPolicyAssignments`` expanded with ``policy($expand=rules)`` -> role id -> kind -> Requirement."""
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
        out[assignment.get("roleDefinitionId")] = per_kind
    return out


def policy_problems(actions, requirements, role_names, principal_names, now):
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
        role = role_names.get(act.role_id, act.role_id)
        who = principal_names.get(act.principal_id, act.principal_id)
        noun = NOUNS[act.kind]
        setting = f"set {section}.%s with entra.pim.pim_role_setting"
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


def guard_last_global_admin(actions, eligible_actual, active_actual, principal_names):
    """Refuse a plan after which nobody holds Global Administrator for the directory (eligible or active)."""
    touches = [a for a in actions if a.role_id == GLOBAL_ADMINISTRATOR and a.action == "adminRemove"]
    if not touches:
        return
    remaining = [a for a in remaining_after(eligible_actual, actions, "eligible")
                 + remaining_after(active_actual, actions, "active")
                 if a.role_id == GLOBAL_ADMINISTRATOR and a.scope == "/"]
    if not remaining:
        who = ", ".join(sorted(principal_names.get(a.principal_id, a.principal_id) for a in touches))
        raise AssignmentError(
            f"refusing to remove the last Global Administrator assignment(s) ({who}): the tenant would have no "
            "eligible or active Global Administrator left; nothing was changed. Add another Global Administrator "
            "first, or list this one as desired or in protected_principals.")


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
        lost = sorted(principal_names.get(p, p) for p, _r, _s in before)
        raise AssignmentError(
            f"refusing to remove the last permanent break-glass assignment ({', '.join(lost)}): emergency access "
            "accounts must keep a permanent active assignment; nothing was changed.")
