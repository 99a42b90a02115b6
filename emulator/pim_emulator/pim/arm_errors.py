"""Azure Resource Manager's error answers: ``{"error": {"code", "message"}}`` and the codes ARM documents.

ARM wraps every failure in one envelope ("Azure Resource Manager error response": the common-types
``ErrorResponse`` of azure-rest-api-specs, ``{"error": {"code", "message", "target", "details",
"additionalInfo"}}``); unlike Graph there is no ``innerError`` with dates and request ids (those travel as the
``x-ms-request-id`` / ``x-ms-correlation-request-id`` headers). ``ArmError`` subclasses ``GraphError`` so the
code under the HTTP layer raises one kind of exception whatever API it serves; the ARM front door renders it
with ``envelope()`` below.

This module imports nothing from the engine (models layer, bottom).
"""

from __future__ import annotations

from ..contract import GraphError


class ArmError(GraphError):
    """An ARM error: ``status``, ``code``, ``message`` and optional ``headers``."""

    def envelope(self, request_id: str = "", client_request_id: str | None = None) -> dict:  # noqa: ARG002
        return {"error": {"code": self.code, "message": self.message}}


def authorization_failed(object_id: str, action: str, scope: str) -> ArmError:
    """403 when the caller's role assignments at the scope and above grant no matching action. The wording is
    ARM's ("Troubleshoot Azure RBAC", learn.microsoft.com/azure/role-based-access-control/troubleshooting:
    "The client with object id does not have authorization to perform action over scope (code:
    AuthorizationFailed)"); the full sentence is the one ARM sends."""
    return ArmError(403, "AuthorizationFailed",
                    f"The client '{object_id}' with object id '{object_id}' does not have authorization to perform "
                    f"action '{action}' over scope '{scope}' or the scope is invalid. If access was recently "
                    "granted, please refresh your credentials.")


def subscription_not_found(subscription_id: str) -> ArmError:
    # "Resolve errors for resource not found" (learn.microsoft.com/azure/azure-resource-manager/troubleshooting/
    # error-not-found) and the ARM common error list: SubscriptionNotFound.
    return ArmError(404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found.")


def resource_group_not_found(name: str) -> ArmError:
    # Same page: "Resource group '{name}' could not be found." (code ResourceGroupNotFound).
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def resource_not_found(resource_type: str, name: str, group: str) -> ArmError:
    # Same page: "The Resource '{type}/{name}' under resource group '{group}' was not found."
    return ArmError(404, "ResourceNotFound", f"The Resource '{resource_type}/{name}' under resource group "
                    f"'{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")


def management_group_not_found(group_id: str) -> ArmError:
    # Management groups answer 404 NotFound for an unknown group (Management Groups - Get, 2021-04-01 ErrorResponse);
    # unsure of the exact wording: ARM's portal shows "'{id}' not found".
    return ArmError(404, "NotFound", f"'{group_id}' not found")


def role_definition_not_found() -> ArmError:
    # "Troubleshoot Azure RBAC": RoleDefinitionDoesNotExist, "The specified role definition with ID '...' does not
    # exist." For a GET of an unknown id ARM answers 404 with that code.
    return ArmError(404, "RoleDefinitionDoesNotExist", "The specified role definition does not exist.")


def bad_request(message: str, code: str = "BadRequest") -> ArmError:
    return ArmError(400, code, message)


def invalid_resource_type(method: str, path: str) -> ArmError:
    """An ARM path naming nothing the emulator serves. ARM answers 400 InvalidResourceType ("The resource type
    '...' could not be found in the namespace '...' for api version '...'") for an unknown type, and 404 for an
    unknown route; the emulator cannot know every provider, so it names the path (unsure of ARM's exact text)."""
    return ArmError(404, "NotFound", f"No HTTP resource was found that matches the request URI '{path}' "
                    f"for method '{method}'.")


def method_not_allowed(method: str, resource_type: str) -> ArmError:
    # ARM: 405 "The requested resource does not support http method '{method}'." (code HttpMethodNotAllowed
    # is not documented; unsure).
    del resource_type
    return ArmError(405, "MethodNotAllowed", f"The requested resource does not support http method '{method}'.")
