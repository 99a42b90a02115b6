"""Parsing of a schedule request body into a ``Submission``, with Graph's 400s for malformed input."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..contract import GraphError, Tenant
from . import directory
from .durations import parse_datetime, parse_duration
from .errors import bad_datetime, bad_duration, bad_request, invalid_request, role_not_found, subject_not_found
from .ids import is_guid
from .surfaces import ACCESS_IDS, DIRECTORY, GROUPS, Surface

ACTIONS = ["adminAssign", "adminUpdate", "adminRemove", "adminExtend", "adminRenew",
           "selfActivate", "selfDeactivate", "selfExtend", "selfRenew"]
EXPIRATION_TYPES = ["notSpecified", "noExpiration", "afterDateTime", "afterDuration"]


def camel_enum(value: object, allowed: list[str], name: str) -> str:
    """Enum input is case-insensitive; output is Graph's camelCase."""
    for a in allowed:
        if isinstance(value, str) and a.lower() == value.lower():
            return a
    raise bad_request(f"Requested value '{value}' was not found for '{name}'.")


@dataclass
class Submission:
    """A parsed schedule request. On the groups surface ``role_id`` is the accessId (member, owner),
    ``dir_scope`` the groupId and ``app_scope`` None (surfaces.Surface.key)."""

    action: str
    principal_id: str
    role_id: str
    dir_scope: str | None
    app_scope: str | None
    justification: str | None
    start: datetime | None  # as sent
    exp_type: str
    end: datetime | None
    duration: timedelta | None
    ticket: dict
    validation_only: bool
    custom_data: str | None
    raw_schedule: dict | None = field(default=None)
    # Set by a route layer that evaluates a policy the engine does not store (ARM: the role management policy of
    # (role, scope), from the ARM policy store): the rules by id, in the shape ``evaluation`` reads.
    policy_rules: dict | None = field(default=None)
    # Scopes above ``dir_scope`` whose eligibility also lets the principal activate there (ARM: an eligibility
    # made at a parent scope is inherited by every child scope), nearest first.
    inherit_from: tuple = field(default=())

    @property
    def is_self(self) -> bool:
        return self.action.startswith("self")


def parse_schedule(sched: object, exp_type: str, read_type, where: str = "") -> tuple:
    """A request's ``scheduleInfo`` -> (start, end, duration, expiration type), each absent value None and the type
    ``exp_type`` unless the body names one. ``read_type(value)`` reads the expiration type as the API spells its
    enums; ``where`` prefixes the property names in messages (ARM: ``properties.``). Shared by the Graph and ARM
    route layers: both carry the same requestSchedule shape."""
    start = end = duration = None
    if sched is None:
        return start, end, duration, exp_type
    if not isinstance(sched, dict):
        raise invalid_request(f"{where}scheduleInfo must be an object.")
    if sched.get("startDateTime") is not None:
        start = parse_datetime(sched["startDateTime"])
        if start is None:
            raise bad_datetime(sched["startDateTime"])
    exp = sched.get("expiration") or {}
    if not isinstance(exp, dict):
        raise invalid_request(f"{where + 'scheduleInfo.' if where else ''}expiration must be an object.")
    if exp.get("type") is not None:
        exp_type = read_type(exp["type"])
    if exp.get("endDateTime") is not None:
        end = parse_datetime(exp["endDateTime"])
        if end is None:
            raise bad_datetime(exp["endDateTime"])
    if exp.get("duration") is not None:
        duration = parse_duration(exp["duration"])
        if duration is None:
            raise bad_duration(exp["duration"])
    return start, end, duration, exp_type


def parse(tenant: Tenant, body: object, sf: Surface = DIRECTORY) -> Submission:
    """``sf``: the surface whose request body this is (GROUPS: accessId and groupId name the target)."""
    if not isinstance(body, dict):
        raise invalid_request("The request body is missing.")
    # Deserialisation errors (types, enums, Edm values) come before any semantic check, as in Graph.
    if "action" not in body or body["action"] is None:
        raise invalid_request("The action is required.")
    action = camel_enum(body["action"], ACTIONS, "action")
    sched = body.get("scheduleInfo")
    start, end, duration, exp_type = parse_schedule(
        sched, "notSpecified", lambda value: camel_enum(value, EXPIRATION_TYPES, "type"))
    ticket = body.get("ticketInfo") or {}
    if not isinstance(ticket, dict):
        raise invalid_request("ticketInfo must be an object.")
    for key in ("principalId", sf.role_field, *sf.scope_fields[:1 if sf is GROUPS else 0]):
        if not isinstance(body.get(key), str) or not body.get(key):
            raise invalid_request(f"{key} is required.")
    if sf is GROUPS:
        # accessId is an enum (privilegedAccessGroupRelationships: owner, member); the group is the scope.
        role_id = camel_enum(body["accessId"], list(ACCESS_IDS), "accessId")
        dir_scope, app_scope = body["groupId"], None
    else:
        role_id = body["roleDefinitionId"]
        dir_scope, app_scope = body.get("directoryScopeId"), body.get("appScopeId")
        if (dir_scope is None) == (app_scope is None):
            raise invalid_request("Exactly one of directoryScopeId and appScopeId is required.")
    sub = Submission(
        action=action, principal_id=body["principalId"], role_id=role_id, dir_scope=dir_scope,
        app_scope=app_scope, justification=body.get("justification") or None, start=start, exp_type=exp_type,
        end=end, duration=duration,
        ticket={"ticketNumber": ticket.get("ticketNumber"), "ticketSystem": ticket.get("ticketSystem")},
        validation_only=bool(body.get("isValidationOnly", False)), custom_data=body.get("customData"),
        raw_schedule=sched,
    )
    if exp_type == "afterDateTime" and end is None:
        raise invalid_request("expiration.endDateTime is required for afterDateTime.")
    if exp_type == "afterDuration" and duration is None:
        raise invalid_request("expiration.duration is required for afterDuration.")
    if sched is None and action not in ("adminRemove", "selfDeactivate"):
        raise invalid_request("scheduleInfo is required.")
    if sf is GROUPS:
        if directory.find_principal(tenant, sub.principal_id)[0] is None:
            raise subject_not_found()
        if tenant.coll("groups").get(sub.dir_scope) is None:
            # Graph's answer to an unknown groupId is undocumented; the directory's not-found code is ours here.
            raise GraphError(404, "ResourceNotFound", f"The group '{sub.dir_scope}' is not found.")
        return sub
    # Graph 404s unknown roles and principals (terraform treats these as replication lag and retries).
    if not is_guid(sub.role_id) or directory.find_role(tenant, sub.role_id) is None:
        raise role_not_found()
    sub.role_id = directory.find_role(tenant, sub.role_id)["id"]
    if directory.find_principal(tenant, sub.principal_id)[0] is None:
        raise subject_not_found()
    scope = dir_scope if dir_scope is not None else app_scope
    if not isinstance(scope, str) or not scope.startswith("/") or not directory.scope_exists(tenant, scope):
        raise invalid_request(f"The scope '{scope}' is not valid.")
    return sub
