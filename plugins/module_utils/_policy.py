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


def _subject_keys(subjects):
    return tuple(sorted({approver_key(s) for s in subjects or []}))


def _subjects(current, keys):
    """Subject sets for ``keys``: those that stay are sent back as Graph answered them, new ones are built."""
    held = {approver_key(s): s for s in current or []}
    return [held.get(k) or _subject_set(k) for k in sorted(keys)]


def _read_approvers(rule):
    stages = (rule.get("setting") or {}).get("approvalStages") or []
    if not stages:
        return ()
    return _subject_keys(stages[0].get("primaryApprovers"))


def _write_approvers(rule, keys):
    stage = _first_stage(rule)
    stage["primaryApprovers"] = _subjects(stage.get("primaryApprovers"), keys)


# ---- every approval stage ----------------------------------------------------------------------
# ``activation.approval_stages``: the stages of Approval_EndUser_Assignment, in order, each read into
# one flat dict (approver keys as in ``approver_key``). Graph's approvalSettings: "If approval is
# required, the one or two elements of this collection define each of the stages of approval"; each
# element is a unifiedApprovalStage (primaryApprovers, isApproverJustificationRequired,
# approvalStageTimeOutInDays, isEscalationEnabled, escalationApprovers, escalationTimeInMinutes; Graph
# v1.0 docs "approvalSettings resource type", "unifiedApprovalStage resource type").
STAGES = ("activation", "approval_stages")
MAX_STAGES = 2
# User-facing key -> (internal key, Graph property, default of a new stage as Graph's documented rule holds it).
_STAGE_KEYS = {
    "approvers": ("approvers", "primaryApprovers", ()),
    "require_justification": ("require_justification", "isApproverJustificationRequired", True),
    "timeout_days": ("timeout_days", "approvalStageTimeOutInDays", 1),
}
_ESCALATION_KEYS = {
    "enabled": ("escalation_enabled", "isEscalationEnabled", False),
    "approvers": ("escalation_approvers", "escalationApprovers", ()),
    "after_minutes": ("escalation_after_minutes", "escalationTimeInMinutes", 0),
}
_STAGE_FIELDS = tuple(_STAGE_KEYS.values()) + tuple(_ESCALATION_KEYS.values())
_APPROVER_FIELDS = ("approvers", "escalation_approvers")


def _read_stage(stage):
    out = {}
    for key, graph_key, default in _STAGE_FIELDS:
        value = stage.get(graph_key, default)
        if key in _APPROVER_FIELDS:
            out[key] = _subject_keys(value)
        elif isinstance(default, bool):
            out[key] = bool(value)
        else:
            out[key] = value if isinstance(value, int) and not isinstance(value, bool) else default
    return out


def _read_stages(rule):
    return tuple(_read_stage(s) for s in (rule.get("setting") or {}).get("approvalStages") or [])


def _is_plain(stages):
    """Whether the stages say no more than ``activation.approvers`` does: none, or one stage with Graph's
    defaults apart from its approvers. Exports leave ``approval_stages`` out then, so they keep the shape
    they had before stages could be set."""
    if not stages:
        return True
    if len(stages) > 1:
        return False
    return all(stages[0][key] == default for key, _graph_key, default in _STAGE_FIELDS if key != "approvers")


def _write_stages(rule, stages):
    setting = _approval(rule)
    current = setting.get("approvalStages") or []
    out = []
    for index, wanted in enumerate(stages):
        # A stage that stays keeps what Graph answered (e.g. its @odata.type); only the settings are set.
        stage = copy.deepcopy(current[index]) if index < len(current) else _default_stage()
        for key, graph_key, _default in _STAGE_FIELDS:
            if key in _APPROVER_FIELDS:
                stage[graph_key] = _subjects(stage.get(graph_key), wanted[key])
            else:
                stage[graph_key] = wanted[key]
        out.append(stage)
    setting["approvalStages"] = out


def _settle_mode(rule):
    """``approvalMode`` to match the stages: SingleStage for one, Serial for two (stages run one after
    another). A ``Parallel`` rule keeps its mode, and a rule that requires no approval keeps NoApproval."""
    setting = _approval(rule)
    stages = setting.get("approvalStages") or []
    mode = str(setting.get("approvalMode") or "").lower()
    if (mode == "parallel" and len(stages) > 1) or (mode == "noapproval" and not setting.get("isApprovalRequired")):
        return
    if not stages:
        setting["approvalMode"] = "NoApproval"
    else:
        setting["approvalMode"] = "Serial" if len(stages) > 1 else "SingleStage"


def _write_approval_required(rule, value):
    setting = _approval(rule)
    setting["isApprovalRequired"] = value
    if value:
        _first_stage(rule)
        if str(setting.get("approvalMode", "")).lower() in ("", "noapproval"):
            setting["approvalMode"] = "Serial" if len(setting["approvalStages"]) > 1 else "SingleStage"


def _recipients(values):
    return tuple(sorted({str(v).strip().lower() for v in values or [] if str(v).strip()}))


class _Field:
    """One user-facing setting: its path in the settings, its rule, and how to read/write it."""

    def __init__(self, path, rule_id, read, write, kind, optional=False):
        self.path = path
        self.rule_id = rule_id
        self.read = read  # rule -> normalised value
        self.write = write  # (rule body, normalised value, value as the user gave it) -> None
        self.kind = kind  # bool | duration | str | approvers | emails | stages
        # Optional fields appear in an export only when they say more than the other fields do.
        self.optional = optional

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

    def add(path, rule_id, accessors, kind, optional=False):
        fields.append(_Field(tuple(path.split(".")), rule_id, accessors[0], accessors[1], kind, optional))

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
    add("activation.approval_stages", "Approval_EndUser_Assignment",
        (_read_stages, lambda rule, value, _raw: _write_stages(rule, value)), "stages", optional=True)
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


def settings_skeleton(optional=False):
    """The nested shape of the settings, every leaf ``None``: what every export holds, and with
    ``optional`` the optional fields too (``activation.approval_stages``): the argument spec's structure."""
    out = {}
    for field in FIELDS:
        if field.optional and not optional:
            continue
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
    "stages": {"type": "list", "elements": "dict", "options": {
        "approvers": {"type": "list", "elements": "str"},
        "require_justification": {"type": "bool"},
        "timeout_days": {"type": "int"},
        "escalation": {"type": "dict", "options": {
            "enabled": {"type": "bool"},
            "approvers": {"type": "list", "elements": "str"},
            "after_minutes": {"type": "int"},
        }},
    }},
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
                spec[key] = copy.deepcopy(_ARG_TYPES[FIELDS_BY_PATH[path].kind])
        return spec
    return build(settings_skeleton(optional=True), ())


# ---- settings <-> rules -----------------------------------------------------------------------

def _by_id(rules):
    return {r.get("id"): r for r in rules or []}


def read_state(rules):
    """Every field's normalised value as the rules hold it (missing rules give ``None``)."""
    by_id = _by_id(rules)
    return {f.path: (f.read(by_id[f.rule_id]) if f.rule_id in by_id else None) for f in FIELDS}


def approver_ids(rules):
    """Object ids of the approvers the rules name (every stage's primary and escalation approvers),
    for one bulk name lookup."""
    rule = _by_id(rules).get("Approval_EndUser_Assignment") or {}
    keys = {k for stage in _read_stages(rule) for field in _APPROVER_FIELDS for k in stage[field]}
    return sorted({key[1] for key in keys})


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
    if field.kind == "stages":
        return [_display_stage(stage, principal_names) for stage in value]
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


def _display_stage(stage, principal_names):
    """One stage in the shape ``activation.approval_stages`` takes."""
    def shown(key):
        value = stage[key]
        if key in _APPROVER_FIELDS:
            return sorted(_approver_name(k, principal_names) for k in value)
        return value
    out = {name: shown(key) for name, (key, _graph_key, _default) in _STAGE_KEYS.items()}
    out["escalation"] = {name: shown(key) for name, (key, _graph_key, _default) in _ESCALATION_KEYS.items()}
    return out


def state_to_settings(state, principal_names=None):
    return _nest({f.path: _display(f, state.get(f.path), principal_names) for f in FIELDS
                  if not (f.optional and _is_plain(state.get(f.path)))})


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
    """The approver names/ids the user wrote (every stage's too), for one bulk resolution."""
    activation = (desired or {}).get("activation") or {}
    refs = list(activation.get("approvers") or [])
    stages = activation.get("approval_stages")
    for stage in stages if isinstance(stages, (list, tuple)) else []:
        if not isinstance(stage, dict):
            continue
        escalation = stage.get("escalation")
        refs += list(stage.get("approvers") or [])
        refs += list((escalation if isinstance(escalation, dict) else {}).get("approvers") or [])
    return list(dict.fromkeys(r for r in refs if isinstance(r, str)))


def _known_paths_errors(desired):
    errors = []
    skeleton = settings_skeleton(optional=True)

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
            errors.extend(_list_errors(option, value, field.kind))
        elif field.kind == "stages":
            errors.extend(_stages_errors(option, value))
    activation = (desired or {}).get("activation") or {}
    context = activation.get("authentication_context") or {}
    if activation.get("require_approval") is True and activation.get("approvers") == []:
        errors.append("activation.require_approval is true but activation.approvers is empty; name at least "
                      "one approving user or group")
    stages = activation.get("approval_stages")
    if activation.get("require_approval") is True and isinstance(stages, (list, tuple)):
        if not stages:
            errors.append("activation.require_approval is true but activation.approval_stages is empty; give one "
                          "or two stages")
        errors.extend(f"activation.approval_stages[{index}].approvers: empty while approval is required; name at "
                      "least one approving user or group"
                      for index, stage in enumerate(stages) if isinstance(stage, dict) and stage.get("approvers") == [])
    if activation.get("require_mfa") is True and context.get("enabled") is True:
        errors.append(_MFA_AND_CONTEXT)
    if context.get("enabled") is True and context.get("claim_value") == "":
        errors.append("activation.authentication_context.claim_value must name the Conditional Access "
                      "authentication context (e.g. c1) when the context is enabled")
    return errors


def _list_errors(option, value, kind="approvers"):
    if not isinstance(value, (list, tuple)):
        return [f"{option}: expected a list, got {value!r}"]
    errors = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            errors.append(f"{option}: {item!r} is not a name or id")
        elif kind == "emails" and not _EMAIL.match(item.strip()):
            errors.append(f"{option}: {item!r} is not an e-mail address")
    return errors


def _int_errors(option, value, smallest):
    if value is None:
        return []
    if not isinstance(value, int) or isinstance(value, bool) or value < smallest:
        return [f"{option}: expected a whole number from {smallest}, got {value!r}"]
    return []


def _dict_errors(option, value, known):
    if not isinstance(value, dict):
        return [f"{option}: expected a dictionary, got {value!r}"]
    return [f"{option}.{key}: unknown setting; known here: {', '.join(known)}" for key in value if key not in known]


def _stages_errors(option, value):
    """What is wrong with ``activation.approval_stages`` as written (approver names are resolved later)."""
    if not isinstance(value, (list, tuple)):
        return [f"{option}: expected a list of stages, got {value!r}"]
    errors = []
    if len(value) > MAX_STAGES:
        errors.append(f"{option}: {len(value)} stages given; Graph's approval settings hold one or two stages "
                      "(approvalSettings: 'the one or two elements of this collection define each of the "
                      "stages of approval')")
    for index, stage in enumerate(value):
        label = f"{option}[{index}]"
        problems = _dict_errors(label, stage, tuple(_STAGE_KEYS) + ("escalation",))
        if problems:
            errors.extend(problems)
            continue
        if stage.get("approvers") is not None:
            errors.extend(_list_errors(f"{label}.approvers", stage["approvers"]))
        if stage.get("require_justification") is not None and not isinstance(stage["require_justification"], bool):
            errors.append(f"{label}.require_justification: expected true or false, got "
                          f"{stage['require_justification']!r}")
        # approvalStageTimeOutInDays: "the number of days that a request can be pending a response before
        # it is automatically denied"; a request cannot wait for less than a day.
        errors.extend(_int_errors(f"{label}.timeout_days", stage.get("timeout_days"), 1))
        escalation = stage.get("escalation")
        if escalation is None:
            continue
        problems = _dict_errors(f"{label}.escalation", escalation, tuple(_ESCALATION_KEYS))
        if problems:
            errors.extend(problems)
            continue
        if escalation.get("enabled") is not None and not isinstance(escalation["enabled"], bool):
            errors.append(f"{label}.escalation.enabled: expected true or false, got {escalation['enabled']!r}")
        if escalation.get("approvers") is not None:
            errors.extend(_list_errors(f"{label}.escalation.approvers", escalation["approvers"]))
        errors.extend(_int_errors(f"{label}.escalation.after_minutes", escalation.get("after_minutes"), 0))
        if escalation.get("enabled") is True and escalation.get("approvers") == []:
            errors.append(f"{label}.escalation: enabled with no approvers; name the users or groups a request "
                          "escalates to")
    return errors


# The portal offers "on activation, require: none | Azure MFA | Conditional Access authentication
# context" as one choice, and Microsoft documents the context as the stronger replacement of the MFA
# check (PIM falls back to MFA when no Conditional Access policy targets the context). Setting both
# would let the portal and Graph disagree about what is enforced, so we refuse the combination.
_MFA_AND_CONTEXT = ("activation.require_mfa and activation.authentication_context.enabled cannot both be true: "
                    "PIM requires either MFA or a Conditional Access authentication context on activation; "
                    "set require_mfa: false when enabling the authentication context")


def _approver_keys(option, refs, approver_map):
    keys = set()
    for ref in refs:
        principal = (approver_map or {}).get(ref)
        if principal is None:
            raise PolicyError(f"{option}: {ref!r} was not resolved to a user or group")
        if principal.get("type") not in ("user", "group"):
            raise PolicyError(f"{option}: {ref!r} is a {principal.get('type')}; approvers are users or groups")
        keys.add((principal["type"], str(principal["id"]).lower()))
    return tuple(sorted(keys))


def _normalise_stage(option, stage, approver_map):
    """One stage as given -> the internal flat dict; ``None`` where the user left a setting out."""
    escalation = stage.get("escalation") or {}
    out = {}
    for source, names in ((stage, _STAGE_KEYS), (escalation, _ESCALATION_KEYS)):
        prefix = option if source is stage else option + ".escalation"
        for name, (key, _graph_key, _default) in names.items():
            value = source.get(name)
            if value is not None and key in _APPROVER_FIELDS:
                value = _approver_keys(f"{prefix}.{name}", value, approver_map)
            out[key] = value
    return out


def _normalise(field, value, approver_map):
    if field.kind == "duration":
        return normalize_duration(value, field.option)
    if field.kind == "approvers":
        return _approver_keys(field.option, value, approver_map)
    if field.kind == "stages":
        return tuple(_normalise_stage(f"{field.option}[{index}]", stage, approver_map)
                     for index, stage in enumerate(value))
    if field.kind == "emails":
        return _recipients(value)
    return value


APPROVERS = ("activation", "approvers")


def _fill_stages(wanted, current, approvers=None):
    """The desired stages with what the user left out taken from the stage at the same place in the
    policy (Graph's defaults for a new stage); a first stage without approvers takes ``activation.approvers``."""
    defaults = {key: default for key, _graph_key, default in _STAGE_FIELDS}
    out = []
    for index, stage in enumerate(wanted):
        base = current[index] if index < len(current) else defaults
        filled = {key: (base[key] if value is None else value) for key, value in stage.items()}
        if index == 0 and stage["approvers"] is None and approvers is not None:
            filled["approvers"] = approvers
        out.append(filled)
    return tuple(out)


def _with_first_approvers(stages, approvers):
    """``stages`` as they are once ``activation.approvers`` is written (a first stage made when none)."""
    stages = list(stages or ()) or [{key: default for key, _graph_key, default in _STAGE_FIELDS}]
    return tuple([dict(stages[0], approvers=approvers)] + stages[1:])


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
    if STAGES in wanted:
        wanted[STAGES] = _fill_stages(wanted[STAGES], current.get(STAGES) or (), wanted.get(APPROVERS))
    after = dict(current)
    after.update(wanted)
    # activation.approvers is the first stage's approvers: whichever of the two is set decides both.
    if STAGES in wanted:
        after[APPROVERS] = after[STAGES][0]["approvers"] if after[STAGES] else ()
    elif APPROVERS in wanted:
        after[STAGES] = _with_first_approvers(current.get(STAGES), wanted[APPROVERS])
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
    if STAGES in wanted and wanted[STAGES] != current.get(STAGES):
        _settle_mode(bodies[FIELDS_BY_PATH[STAGES].rule_id])
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
    problems.extend(_stage_problems(after, wanted))
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


def _stage_problems(after, wanted):
    """The stages once merged with the policy: consistent with activation.approvers, approvers in every
    stage while approval is required, escalation approvers when escalation is on."""
    problems = []
    stages = after.get(STAGES) or ()
    if STAGES in wanted and APPROVERS in wanted and (stages[0]["approvers"] if stages else ()) != wanted[APPROVERS]:
        problems.append("activation.approvers and activation.approval_stages[0].approvers name different approvers; "
                        "the first stage's approvers are activation.approvers, so give them once or alike")
    required_path = ("activation", "require_approval")
    if after.get(required_path) and (STAGES in wanted or required_path in wanted):
        # The first stage's approvers are activation.approvers, which _check_effective already checks when
        # require_approval or the approvers are set.
        first_checked = required_path in wanted or APPROVERS in wanted
        problems.extend(f"activation.approval_stages[{index}]: no approvers while approval is required; name at "
                        "least one approving user or group"
                        for index, stage in enumerate(stages)
                        if not stage["approvers"] and (index or not first_checked))
        if not stages:
            problems.append("activation.approval_stages: no stage while approval is required; give one or two")
    if STAGES in wanted:
        problems.extend(f"activation.approval_stages[{index}].escalation: enabled with no approvers; name the users "
                        "or groups a request escalates to"
                        for index, stage in enumerate(stages)
                        if stage["escalation_enabled"] and not stage["escalation_approvers"])
    return problems


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
