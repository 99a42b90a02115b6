"""Evaluation of a role's policy against a schedule request (Graph docs: Rules in PIM - mapping guide): the
schedule window and the
names of the failed rules, in the order Graph lists them (["EligibilityRule","ExpirationRule"] ...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..contract import Caller
from .durations import parse_duration
from .errors import invalid_request
from .policies import rules_for
from .surfaces import DIRECTORY, Surface
from .validation import Submission

if TYPE_CHECKING:
    from .engine import PimEngine

RULE_ORDER = ["EligibilityRule", "ExpirationRule", "JustificationRule", "TicketingRule", "MfaRule",
              "AuthenticationContextRule"]


@dataclass
class Verdict:
    start: datetime
    end: datetime | None
    failed: list[str] = field(default_factory=list)
    approval: dict | None = None  # the approval setting when the request must be approved

    def fail(self, rule: str) -> None:
        if rule not in self.failed:
            self.failed.append(rule)

    def ordered_failures(self) -> list[str]:
        return sorted(self.failed, key=RULE_ORDER.index)


def window(now: datetime, sub: Submission, maximum: timedelta, bounded: bool,
           keep_start: datetime | None = None) -> tuple[datetime, datetime | None]:
    """The schedule a request asks for. A past (or missing) start becomes the provisioning time, as Graph
    rewrites it. ``notSpecified`` means the policy maximum where expiry is required, else permanent."""
    start = sub.start or keep_start or now
    if start < now and keep_start is None:
        start = now
    if sub.exp_type == "afterDateTime":
        end = sub.end
    elif sub.exp_type == "afterDuration":
        end = start + sub.duration
    elif sub.exp_type == "notSpecified" and bounded:
        end = start + maximum
    else:
        end = None
    if end is not None and end <= max(start, now):
        raise invalid_request("The schedule ends before it starts.")
    return start, end


def evaluate(eng: PimEngine, caller: Caller, sub: Submission, level: str,
             keep_start: datetime | None = None, sf: Surface = DIRECTORY) -> Verdict:
    """``level``: "eligibility" (admin), "assignment" (admin) or "activation" (end user); ``sf``: the surface,
    whose policy for the target (a role's, or a group's member/owner policy) is evaluated by the same rules."""
    rules = sub.policy_rules if sub.policy_rules is not None else rules_for(eng.tenant, sf, sub.role_id, sub.dir_scope)
    suffix = {"eligibility": "Admin_Eligibility", "assignment": "Admin_Assignment",
              "activation": "EndUser_Assignment"}[level]
    exp_rule, enable_rule = rules[f"Expiration_{suffix}"], rules[f"Enablement_{suffix}"]
    maximum = parse_duration(exp_rule["maximumDuration"]) or timedelta(days=365)
    # Activations are always bounded. For admin levels the maximum applies only when expiry is required:
    # with "allow permanent" on, the portal greys out the maximum, so any end date is accepted.
    bounded = level == "activation" or exp_rule["isExpirationRequired"]
    now = eng.now()
    start, end = window(now, sub, maximum, bounded, keep_start)
    v = Verdict(start, end)
    if bounded and (end is None or end - max(start, now) > maximum + timedelta(seconds=1)):
        v.fail("ExpirationRule")
    enabled = set(enable_rule["enabledRules"])
    if "Justification" in enabled and not (sub.justification or "").strip():
        v.fail("JustificationRule")
    if "Ticketing" in enabled and not (sub.ticket.get("ticketNumber") or "").strip():
        v.fail("TicketingRule")
    # An app-only token carries no authentication method, so it cannot satisfy an MFA rule: with "require
    # MFA on active assignment" (Enablement_Admin_Assignment) or its eligibility twin on, PIM refuses an
    # application's adminAssign with MfaRule. Microsoft documents no exemption for applications (the rules
    # overview, "identity-governance-pim-rules-overview", names no caller type), and public reports of
    # service-principal automation blocked by exactly this rule agree (kayasax/EasyPIM issue 113). See
    # docs/emulator.md, "MFA rules and applications".
    if "MultiFactorAuthentication" in enabled and not caller.has_mfa:
        v.fail("MfaRule")
    if level == "activation":
        ctx = rules["AuthenticationContext_EndUser_Assignment"]
        if ctx["isEnabled"] and ctx.get("claimValue") not in caller.acrs:
            v.fail("AuthenticationContextRule")
        setting = rules["Approval_EndUser_Assignment"]["setting"]
        if setting.get("isApprovalRequired") and setting.get("approvalMode") != "NoApproval":
            v.approval = setting
    return v
