# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PIM role settings <-> the 17 rules of a role management policy.

Private to the collection (leading underscore): may change in any release.

Pure: no I/O. The modules read the policies, resolve approver names, and hand the rules here:

- ``rules_to_settings`` turns a policy's rules into the user-facing settings (every field,
  normalised: canonical ISO durations, sorted lists), the shape ``pim_role_setting`` accepts;
- ``validate`` checks user input before any Graph call;
- ``plan`` compares desired (partial) settings with the rules as read and returns, per rule that
  really changes, the complete rule body Graph's ``PATCH`` expects.

Every user-facing field is one ``_Field`` below: where it lives in the settings, which rule holds
it, how to read it from the rule and how to write it back. Adding a field is adding one line.
"""

from __future__ import annotations

import copy
import re

from ._schedule import ScheduleError, normalize_duration, parse_duration

NS = "#microsoft.graph.unifiedRoleManagementPolicy"
EXPIRATION = NS + "ExpirationRule"
ENABLEMENT = NS + "EnablementRule"
NOTIFICATION = NS + "NotificationRule"
APPROVAL = NS + "ApprovalRule"
AUTHENTICATION_CONTEXT = NS + "AuthenticationContextRule"

# Graph's words for the three moments a notification is sent, and who receives it
# (rule ids are Notification_{recipient}_{moment}).
NOTIFICATION_EVENTS = {
    "eligible_assignment": "Admin_Eligibility",
    "active_assignment": "Admin_Assignment",
    "activation": "EndUser_Assignment",
}
NOTIFICATION_RECIPIENTS = {"admin": "Admin", "requestor": "Requestor", "approver": "Approver"}

MFA, JUSTIFICATION, TICKETING = "MultiFactorAuthentication", "Justification", "Ticketing"
# The role setting "Activation maximum duration": "This value can be from one to 24 hours" (Microsoft
# Learn, "Configure Microsoft Entra role settings in Privileged Identity Management"). The portal's
# slider moves in half hours from 0.5, and Graph's own how-to sets PT1H45M ("Update rules in PIM using
# Microsoft Graph", example 1), so values below one hour are not refused here; below half an hour
# (the smallest the portal offers) is. Graph refuses longer than 24 hours too.
ACTIVATION_MAX_SECONDS = 24 * 3600
ACTIVATION_MIN_SECONDS = 30 * 60
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PolicyError(ValueError):
    """Desired settings that cannot be applied to a policy; the message names the option."""


def _rule_catalogue():
    """rule id -> (@odata.type, caller, level), in the order Graph returns the 17 rules."""
    out = {}
    for level_key, (caller, level) in (("Admin_Eligibility", ("Admin", "Eligibility")),
                                       ("Admin_Assignment", ("Admin", "Assignment")),
                                       ("EndUser_Assignment", ("EndUser", "Assignment"))):
        out[f"Expiration_{level_key}"] = (EXPIRATION, caller, level)
        out[f"Enablement_{level_key}"] = (ENABLEMENT, caller, level)
        if level_key == "EndUser_Assignment":
            out["Approval_EndUser_Assignment"] = (APPROVAL, caller, level)
            out["AuthenticationContext_EndUser_Assignment"] = (AUTHENTICATION_CONTEXT, caller, level)
        for recipient in NOTIFICATION_RECIPIENTS.values():
            out[f"Notification_{recipient}_{level_key}"] = (NOTIFICATION, caller, level)
    return out


RULES = _rule_catalogue()


def documented_default_rules():
    """The 17 rules of a directory role as Microsoft documents their defaults (Graph docs: List rules, sample).

    What a fresh tenant holds, so a baseline can be compared with "untouched" and tests start from it.
    """
    def target(caller, level):
        return {"caller": caller, "operations": ["all"], "level": level,
                "inheritableSettings": [], "enforcedSettings": []}

    values = {
        "Expiration_Admin_Eligibility": {"isExpirationRequired": False, "maximumDuration": "P365D"},
        "Enablement_Admin_Eligibility": {"enabledRules": []},
        "Expiration_Admin_Assignment": {"isExpirationRequired": False, "maximumDuration": "P180D"},
        "Enablement_Admin_Assignment": {"enabledRules": [JUSTIFICATION]},
        "Expiration_EndUser_Assignment": {"isExpirationRequired": True, "maximumDuration": "PT8H"},
        "Enablement_EndUser_Assignment": {"enabledRules": [MFA, JUSTIFICATION]},
        "Approval_EndUser_Assignment": {"setting": {
            "isApprovalRequired": False, "isApprovalRequiredForExtension": False,
            "isRequestorJustificationRequired": True, "approvalMode": "SingleStage",
            "approvalStages": [_default_stage()]}},
        "AuthenticationContext_EndUser_Assignment": {"isEnabled": False, "claimValue": None},
    }
    rules = []
    for rule_id, (odata_type, caller, level) in RULES.items():
        rule = {"@odata.type": odata_type, "id": rule_id, "target": target(caller, level)}
        if odata_type == NOTIFICATION:
            rule.update(notificationType="Email", recipientType=rule_id.split("_")[1], notificationLevel="All",
                        isDefaultRecipientsEnabled=True, notificationRecipients=[])
        else:
            rule.update(copy.deepcopy(values[rule_id]))
        rules.append(rule)
    return rules


def _default_stage():
    return {"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True,
            "escalationTimeInMinutes": 0, "isEscalationEnabled": False,
            "primaryApprovers": [], "escalationApprovers": []}


# ---- reading and writing one field of one rule ------------------------------------------------

def _canonical_duration(value):
    if value in (None, ""):
        return None
    try:
        return normalize_duration(value)
    except ScheduleError:
        return str(value)  # keep what Graph said; a later comparison then sees a difference and fixes it


def _has(values, wanted):
    return any(str(v).lower() == wanted.lower() for v in values or [])


def _with(values, wanted, present):
    """``values`` with ``wanted`` present or absent, keeping the order and every other entry."""
    kept = [v for v in values or [] if str(v).lower() != wanted.lower()]
    return kept + [wanted] if present else kept


def _approval(rule):
    return rule.setdefault("setting", {})


def _first_stage(rule):
    stages = _approval(rule).setdefault("approvalStages", [])
    if not stages:
        stages.append(_default_stage())
    return stages[0]


def approver_key(subject):
    """A subject set as ('user'|'group', lower-case id); responses use ``id``, requests userId/groupId."""
    odata_type = str(subject.get("@odata.type", ""))
    if odata_type.endswith("groupMembers"):
        return ("group", str(subject.get("groupId") or subject.get("id") or "").lower())
    return ("user", str(subject.get("userId") or subject.get("id") or "").lower())


def _subject_set(key):
    kind, oid = key
    if kind == "group":
        return {"@odata.type": "#microsoft.graph.groupMembers", "groupId": oid}
    return {"@odata.type": "#microsoft.graph.singleUser", "userId": oid}


def _read_approvers(rule):
    stages = (rule.get("setting") or {}).get("approvalStages") or []
    if not stages:
        return ()
    return tuple(sorted({approver_key(s) for s in stages[0].get("primaryApprovers") or []}))


def _write_approvers(rule, keys):
    stage = _first_stage(rule)
    current = {approver_key(s): s for s in stage.get("primaryApprovers") or []}
    # Approvers that stay are sent back as Graph answered them; only new ones are built here.
    stage["primaryApprovers"] = [current.get(k) or _subject_set(k) for k in sorted(keys)]


def _write_approval_required(rule, value):
    setting = _approval(rule)
    setting["isApprovalRequired"] = value
    if value:
        _first_stage(rule)
        if str(setting.get("approvalMode", "")).lower() in ("", "noapproval"):
            setting["approvalMode"] = "SingleStage"


def _recipients(values):
    return tuple(sorted({str(v).strip().lower() for v in values or [] if str(v).strip()}))


class _Field:
    """One user-facing setting: its path in the settings, its rule, and how to read/write it."""

    def __init__(self, path, rule_id, read, write, kind):
        self.path = path
        self.rule_id = rule_id
        self.read = read  # rule -> normalised value
        self.write = write  # (rule body, normalised value, value as the user gave it) -> None
        self.kind = kind  # bool | duration | str | approvers | emails

    @property
    def option(self):
        return ".".join(self.path)


def _flag(key, invert=False):
    def read(rule):
        value = bool(rule.get(key))
        return not value if invert else value

    def write(rule, value, _raw):
        rule[key] = (not value) if invert else value
    return read, write


def _duration(key):
    def read(rule):
        return _canonical_duration(rule.get(key))

    def write(rule, value, _raw):
        rule[key] = value
    return read, write


def _enabled(rule_value):
    def read(rule):
        return _has(rule.get("enabledRules"), rule_value)

    def write(rule, value, _raw):
        rule["enabledRules"] = _with(rule.get("enabledRules"), rule_value, value)
    return read, write


def _approval_flag(key):
    def read(rule):
        return bool((rule.get("setting") or {}).get(key))

    def write(rule, value, _raw):
        _approval(rule)[key] = value
    return read, write


def _fields():
    fields = []

    def add(path, rule_id, accessors, kind):
        fields.append(_Field(tuple(path.split(".")), rule_id, accessors[0], accessors[1], kind))

    add("activation.max_duration", "Expiration_EndUser_Assignment", _duration("maximumDuration"), "duration")
    add("activation.require_mfa", "Enablement_EndUser_Assignment", _enabled(MFA), "bool")
    add("activation.require_justification", "Enablement_EndUser_Assignment", _enabled(JUSTIFICATION), "bool")
    add("activation.require_ticket", "Enablement_EndUser_Assignment", _enabled(TICKETING), "bool")
    add("activation.authentication_context.enabled", "AuthenticationContext_EndUser_Assignment",
        _flag("isEnabled"), "bool")
    add("activation.authentication_context.claim_value", "AuthenticationContext_EndUser_Assignment",
        (lambda rule: rule.get("claimValue") or None,
         lambda rule, value, _raw: rule.__setitem__("claimValue", value)), "str")
    add("activation.require_approval", "Approval_EndUser_Assignment",
        (_approval_flag("isApprovalRequired")[0], lambda rule, value, _raw: _write_approval_required(rule, value)),
        "bool")
    add("activation.approvers", "Approval_EndUser_Assignment",
        (_read_approvers, lambda rule, value, _raw: _write_approvers(rule, value)), "approvers")
    add("activation.approval_for_extension", "Approval_EndUser_Assignment",
        _approval_flag("isApprovalRequiredForExtension"), "bool")
    for section, level_key in (("eligible_assignment", "Admin_Eligibility"),
                               ("active_assignment", "Admin_Assignment")):
        add(f"{section}.allow_permanent", f"Expiration_{level_key}", _flag("isExpirationRequired", True), "bool")
        add(f"{section}.max_duration", f"Expiration_{level_key}", _duration("maximumDuration"), "duration")
        add(f"{section}.require_mfa", f"Enablement_{level_key}", _enabled(MFA), "bool")
        add(f"{section}.require_justification", f"Enablement_{level_key}", _enabled(JUSTIFICATION), "bool")
    for event, level_key in NOTIFICATION_EVENTS.items():
        for recipient, graph_recipient in NOTIFICATION_RECIPIENTS.items():
            rule_id = f"Notification_{graph_recipient}_{level_key}"
            base = f"notifications.{event}.{recipient}"
            add(f"{base}.recipients", rule_id,
                (lambda rule: _recipients(rule.get("notificationRecipients")),
                 lambda rule, value, raw: rule.__setitem__(
                     "notificationRecipients", sorted({str(r).strip() for r in raw}, key=str.lower))),
                "emails")
            add(f"{base}.default_recipients", rule_id, _flag("isDefaultRecipientsEnabled"), "bool")
            # Graph also knows level None, which the portal does not offer: it reads as "not critical
            # only" and is left alone unless critical_only is set to a value that differs.
            add(f"{base}.critical_only", rule_id,
                (lambda rule: str(rule.get("notificationLevel", "")).lower() == "critical",
                 lambda rule, value, _raw: rule.__setitem__("notificationLevel", "Critical" if value else "All")),
                "bool")
    return fields


FIELDS = _fields()
FIELDS_BY_PATH = {f.path: f for f in FIELDS}


def settings_skeleton():
    """The nested shape of the settings, every leaf ``None``: the argument spec's structure."""
    out = {}
    for field in FIELDS:
        node = out
        for part in field.path[:-1]:
            node = node.setdefault(part, {})
        node[field.path[-1]] = None
    return out


_ARG_TYPES = {
    "bool": {"type": "bool"},
    "duration": {"type": "str"},
    "str": {"type": "str"},
    "approvers": {"type": "list", "elements": "str"},
    "emails": {"type": "list", "elements": "str"},
}


def settings_argument_spec():
    """The argument spec of the settings options, built from the same table as the mapping.

    No defaults anywhere: an option left out stays as the policy holds it.
    """
    def build(shape, prefix):
        spec = {}
        for key, sub in shape.items():
            path = prefix + (key,)
            if isinstance(sub, dict):
                spec[key] = {"type": "dict", "options": build(sub, path)}
            else:
                spec[key] = dict(_ARG_TYPES[FIELDS_BY_PATH[path].kind])
        return spec
    return build(settings_skeleton(), ())


# ---- settings <-> rules -----------------------------------------------------------------------

def _by_id(rules):
    return {r.get("id"): r for r in rules or []}


def read_state(rules):
    """Every field's normalised value as the rules hold it (missing rules give ``None``)."""
    by_id = _by_id(rules)
    return {f.path: (f.read(by_id[f.rule_id]) if f.rule_id in by_id else None) for f in FIELDS}


def approver_ids(rules):
    """Object ids of the approvers the rules name, for one bulk name lookup."""
    rule = _by_id(rules).get("Approval_EndUser_Assignment") or {}
    return [key[1] for key in _read_approvers(rule)]


def _approver_name(key, principal_names):
    kind, oid = key
    name = (principal_names or {}).get(oid)
    if name:
        return name
    # Unknown (e.g. deleted) principals stay addressable by id; the prefix tells the resolver the kind.
    return f"{kind}:{oid}"


def _display(field, value, principal_names):
    if value is None:
        return None
    if field.kind == "approvers":
        return sorted(_approver_name(k, principal_names) for k in value)
    if field.kind == "emails":
        return list(value)
    return value


def _nest(flat):
    out = {}
    for path, value in flat.items():
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out


def state_to_settings(state, principal_names=None):
    return _nest({f.path: _display(f, state.get(f.path), principal_names) for f in FIELDS})


def rules_to_settings(rules, principal_names=None):
    """The user-facing settings of one policy, complete and normalised.

    ``principal_names`` maps approver object ids (lower case) to a name the resolver accepts
    back (a UPN, ``group:Display Name``), so the result can be applied as it is.
    """
    return state_to_settings(read_state(rules), principal_names)


def principal_name(principal):
    """The name under which a resolved principal is exported: UPN for users, ``group:Name`` for groups."""
    if principal.get("type") == "user" and principal.get("userPrincipalName"):
        return principal["userPrincipalName"]
    if principal.get("type") == "group" and principal.get("displayName"):
        return "group:" + principal["displayName"]
    return principal["id"]


# ---- desired settings -------------------------------------------------------------------------

def flatten(desired):
    """The leaves the user set (``None`` means "leave as it is"), by path."""
    out = {}

    def walk(node, prefix):
        for key, value in (node or {}).items():
            path = prefix + (key,)
            if isinstance(value, dict) and path not in FIELDS_BY_PATH:
                walk(value, path)
            elif value is not None:
                out[path] = value
    walk(desired, ())
    return out


def desired_approver_refs(desired):
    """The approver names/ids the user wrote, for one bulk resolution."""
    approvers = ((desired or {}).get("activation") or {}).get("approvers")
    return list(dict.fromkeys(approvers or []))


def _known_paths_errors(desired):
    errors = []
    skeleton = settings_skeleton()

    def walk(node, shape, prefix):
        if not isinstance(node, dict):
            errors.append(f"{'.'.join(prefix) or 'settings'}: expected a dictionary, got {type(node).__name__}")
            return
        for key, value in node.items():
            path = prefix + (key,)
            if key not in shape:
                errors.append(f"{'.'.join(path)}: unknown setting; known here: {', '.join(sorted(shape))}")
            elif isinstance(shape[key], dict) and value is not None:
                walk(value, shape[key], path)
    walk(desired or {}, skeleton, ())
    return errors


def validate(desired):
    """Every problem in the desired settings that needs no Graph read to find; [] when fine."""
    errors = _known_paths_errors(desired)
    if errors:
        return errors
    flat = flatten(desired)
    for path, value in flat.items():
        field = FIELDS_BY_PATH[path]
        option = field.option
        if field.kind == "bool" and not isinstance(value, bool):
            errors.append(f"{option}: expected true or false, got {value!r}")
        elif field.kind == "duration":
            try:
                seconds = parse_duration(value, option).total_seconds()
            except ScheduleError as exc:
                errors.append(str(exc))
                continue
            if path == ("activation", "max_duration") and seconds > ACTIVATION_MAX_SECONDS:
                errors.append(f"{option}: {value!r} is longer than the 24 hours PIM allows for an activation; "
                              "give a duration from PT30M to PT24H")
            elif path == ("activation", "max_duration") and seconds < ACTIVATION_MIN_SECONDS:
                errors.append(f"{option}: {value!r} is shorter than the half hour PIM's activation settings "
                              "start at; give a duration from PT30M to PT24H")
        elif field.kind == "str" and not isinstance(value, str):
            errors.append(f"{option}: expected a string, got {value!r}")
        elif field.kind in ("approvers", "emails"):
            if not isinstance(value, (list, tuple)):
                errors.append(f"{option}: expected a list, got {value!r}")
                continue
            for item in value:
                if not isinstance(item, str) or not item.strip():
                    errors.append(f"{option}: {item!r} is not a name or id")
                elif field.kind == "emails" and not _EMAIL.match(item.strip()):
                    errors.append(f"{option}: {item!r} is not an e-mail address")
    activation = (desired or {}).get("activation") or {}
    context = activation.get("authentication_context") or {}
    if activation.get("require_approval") is True and activation.get("approvers") == []:
        errors.append("activation.require_approval is true but activation.approvers is empty; name at least "
                      "one approving user or group")
    if activation.get("require_mfa") is True and context.get("enabled") is True:
        errors.append(_MFA_AND_CONTEXT)
    if context.get("enabled") is True and context.get("claim_value") == "":
        errors.append("activation.authentication_context.claim_value must name the Conditional Access "
                      "authentication context (e.g. c1) when the context is enabled")
    return errors


# The portal offers "on activation, require: none | Azure MFA | Conditional Access authentication
# context" as one choice, and Microsoft documents the context as the stronger replacement of the MFA
# check (PIM falls back to MFA when no Conditional Access policy targets the context). Setting both
# would let the portal and Graph disagree about what is enforced, so we refuse the combination.
_MFA_AND_CONTEXT = ("activation.require_mfa and activation.authentication_context.enabled cannot both be true: "
                    "PIM requires either MFA or a Conditional Access authentication context on activation; "
                    "set require_mfa: false when enabling the authentication context")


def _normalise(field, value, approver_map):
    if field.kind == "duration":
        return normalize_duration(value, field.option)
    if field.kind == "approvers":
        keys = set()
        for ref in value:
            principal = (approver_map or {}).get(ref)
            if principal is None:
                raise PolicyError(f"{field.option}: {ref!r} was not resolved to a user or group")
            if principal.get("type") not in ("user", "group"):
                raise PolicyError(f"{field.option}: {ref!r} is a {principal.get('type')}; approvers are users "
                                  "or groups")
            keys.add((principal["type"], str(principal["id"]).lower()))
        return tuple(sorted(keys))
    if field.kind == "emails":
        return _recipients(value)
    return value


def plan(current_rules, desired, approver_map=None):
    """Rule bodies to PATCH so the policy holds ``desired``: ``{rule_id: complete rule body}``.

    Only rules with a field whose effective value differs are returned; every body is the rule
    as read (``@odata.type``, ``id``, ``target``...) with the changed fields set, so it can go
    to Graph as it is. ``approver_map`` is the resolver's answer for the approver names.
    Raises ``PolicyError`` when the combination of desired and current settings is invalid.
    """
    by_id = _by_id(current_rules)
    current = read_state(current_rules)
    wanted = {path: _normalise(FIELDS_BY_PATH[path], value, approver_map)
              for path, value in flatten(desired).items()}
    after = dict(current)
    after.update(wanted)
    _check_effective(after, current, wanted)
    raw = flatten(desired)
    bodies = {}
    for path, value in wanted.items():
        if value == current.get(path):
            continue
        field = FIELDS_BY_PATH[path]
        if field.rule_id not in by_id:
            raise PolicyError(f"{field.option}: the policy has no rule {field.rule_id}")
        body = bodies.setdefault(field.rule_id, copy.deepcopy(by_id[field.rule_id]))
        field.write(body, value, raw[path])
    return bodies


def _check_effective(after, current, wanted):
    """Combinations that are only wrong once merged with what the policy already holds."""
    def path(text):
        return tuple(text.split("."))

    problems = []
    if after[path("activation.require_approval")] and not after[path("activation.approvers")] and (
            path("activation.require_approval") in wanted or path("activation.approvers") in wanted):
        problems.append("activation.require_approval is true but the role would have no approvers; "
                        "set activation.approvers")
    if after[path("activation.require_mfa")] and after[path("activation.authentication_context.enabled")] and (
            path("activation.require_mfa") in wanted or path("activation.authentication_context.enabled") in wanted):
        problems.append(_MFA_AND_CONTEXT)
    context_paths = (path("activation.authentication_context.enabled"),
                     path("activation.authentication_context.claim_value"))
    if after[context_paths[0]] and not after[context_paths[1]] and any(p in wanted for p in context_paths):
        problems.append("activation.authentication_context.claim_value is required when the authentication "
                        "context is enabled")
    if problems:
        raise PolicyError("; ".join(problems))


def apply_plan(current_rules, bodies):
    """The rules as they will be once ``bodies`` are written (for after-settings and diffs)."""
    return [copy.deepcopy(bodies.get(r.get("id"), r)) for r in current_rules or []]


def changed_paths(before_settings, after_settings):
    """Dotted names of the settings that differ, for a short 'what changed' in results."""
    before, after = flatten(before_settings), flatten(after_settings)
    return sorted(".".join(p) for p in set(before) | set(after) if before.get(p) != after.get(p))


# ---- several groups of settings in one run ----------------------------------------------------

def merge_settings(named_desired, approver_map=None):
    """Several groups' desired settings for one role -> ``(merged desired, conflicts)``.

    ``named_desired`` is ``[(group label, desired settings)]`` in the order given. A setting set
    by several groups must mean the same thing in each (compared normalised: ``PT60M`` equals
    ``1h``, lists as sets, approvers by the principal they resolve to); the first group's
    spelling is kept. Every disagreement is one string naming the setting and both groups.
    """
    merged, owner, conflicts = {}, {}, []
    for label, desired in named_desired:
        for path, value in flatten(desired).items():
            field = FIELDS_BY_PATH[path]
            try:
                normalised = _normalise(field, value, approver_map)
            except (PolicyError, ScheduleError):
                normalised = value  # validate() and plan() name the bad value itself
            if path not in owner:
                owner[path] = (label, normalised, value)
                merged[path] = value
            elif owner[path][1] != normalised:
                first_label, _normalised, first_value = owner[path]
                conflicts.append(f"{field.option}: {first_label} sets {first_value!r} but {label} sets {value!r}")
    return _nest(merged), conflicts
