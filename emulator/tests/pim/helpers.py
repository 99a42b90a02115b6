"""Request bodies shared by the engine tests."""

from pim_env import GA

ELIG = "/roleManagement/directory/roleEligibilityScheduleRequests"
ASSIGN = "/roleManagement/directory/roleAssignmentScheduleRequests"


def body(action, principal, role=GA, scope="/", exp=None, start=None, justification="because", **extra):
    b = {"action": action, "principalId": principal, "roleDefinitionId": role, "directoryScopeId": scope,
         "justification": justification}
    if exp is not None or start is not None:
        b["scheduleInfo"] = {"startDateTime": start, "expiration": exp or {"type": "noExpiration"}}
    b.update(extra)
    return b


def permanent():
    return {"type": "NoExpiration"}


def for_(duration):
    return {"type": "AfterDuration", "duration": duration}
