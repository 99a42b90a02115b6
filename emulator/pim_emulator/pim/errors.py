"""PIM's error answers, with Microsoft's exact codes and messages where they are known (Graph docs: Microsoft
Graph error responses and resource types; issues cited per error)."""

from __future__ import annotations

import json

from ..contract import GraphError


def exists() -> GraphError:
    return GraphError(400, "RoleAssignmentExists", "The Role assignment already exists.")


def does_not_exist() -> GraphError:
    return GraphError(400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.")


def too_short() -> GraphError:
    # The typo "Miniumum" is Microsoft's; tools match on it.
    return GraphError(
        400, "ActiveDurationTooShort", "The Active duration is too short. Miniumum Required is 5 minutes."
    )


def policy_failed(rules: list[str]) -> GraphError:
    return GraphError(
        400,
        "RoleAssignmentRequestPolicyValidationFailed",
        "The following policy rules failed: " + json.dumps(rules, separators=(",", ":")),
    )


def invalid_request(detail: str | None = None) -> GraphError:
    # Graph's message is generic; the detail is ours and only appended when it helps a test reader.
    msg = "The role assignment request is invalid."
    return GraphError(400, "InvalidRoleAssignmentRequest", msg + (f" {detail}" if detail else ""))


def role_not_found() -> GraphError:
    # Only the code is known, not the message; this wording is ours.
    return GraphError(404, "RoleNotFound", "The role is not found.")


def subject_not_found() -> GraphError:
    return GraphError(404, "SubjectNotFound", "The subject is not found.")


def request_not_found() -> GraphError:
    return GraphError(404, "RoleAssignmentRequestNotFound", "The role assignment request is not found")


def not_found(what: str = "resource") -> GraphError:
    # Not-found answers for schedules, instances, policies and rules are undocumented.
    return GraphError(404, "ResourceNotFound", f"The {what} is not found.")


def bad_request(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def bad_datetime(value: object) -> GraphError:
    # The Edm conversion error Graph raises while deserialising (msgraph-sdk-python #566).
    return bad_request(f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset'")


def bad_duration(value: object) -> GraphError:
    return bad_request(f"Cannot convert the literal '{value}' to the expected type 'Edm.Duration'")


def unknown_property(prop: str, type_name: str) -> GraphError:
    return bad_request(
        f"The property '{prop}' does not exist on type '{type_name}'. "
        "Make sure to only use property names that are defined by the type."
    )


def missing_provider() -> GraphError:
    inner = {"errorCode": "MissingProvider", "message": "The provider is missing.", "instanceAnnotations": []}
    return GraphError(400, "UnknownError", json.dumps(inner, separators=(",", ":")))


def last_admin() -> GraphError:
    # PIM's HTTP answer is undocumented: the code is seen only as an audit resultReason.
    return GraphError(
        400, "CannotDeleteLastAdminAssignment", "The last Global Administrator assignment cannot be removed."
    )


def method_not_allowed() -> GraphError:
    return GraphError(405, "MethodNotAllowed", "The requested method is not allowed on this resource.")


def denied() -> GraphError:
    return GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
