"""Id formats Graph uses for PIM objects (the samples of Graph's PIM API reference pages)."""

from __future__ import annotations

import base64
import uuid

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMIN = "e8611ab8-c189-46e8-94e1-60213ab1f814"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
SECURITY_ADMIN = "194ae4cb-b126-40b2-bd5b-6091b380977d"
SECURITY_OPERATOR = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"
SECURITY_READER = "5d6b6bb7-de71-4623-b4af-96380a352509"

# A fixed namespace so that seeded policy ids are stable across restarts and seeds.
_NS = uuid.UUID("5d1f0c3e-7a4b-4c1e-9f4e-2b8f5a0c9d11")


def new_id() -> str:
    return str(uuid.uuid4())


def is_guid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _guid_bytes(value: str) -> bytes:
    # Custom role ids are GUIDs too; anything else is hashed so that the encoder never fails.
    try:
        return uuid.UUID(value).bytes_le
    except ValueError:
        return uuid.uuid5(_NS, value).bytes_le


def b64_pair(role_definition_id: str, principal_id: str) -> str:
    """base64url(roleDefinitionId.bytes_le + principalId.bytes_le) without padding.

    Verified against the doc samples: Attribute Definition Administrator (8424c6f0-...) encodes to
    ``8MYkhImhnkm70CbBdTyW1...`` and Global Administrator (62e90394-...) to ``lAPpYvVpN0KRkAEhdxReEA...``.
    """
    raw = _guid_bytes(role_definition_id) + _guid_bytes(principal_id)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_pair(encoded: str) -> tuple[str, str]:
    """Inverse of ``b64_pair`` (the part before the first ``-<ordinal>`` suffix)."""
    raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    return str(uuid.UUID(bytes_le=raw[:16])), str(uuid.UUID(bytes_le=raw[16:32]))


def instance_id(role_definition_id: str, principal_id: str, ordinal: int = 1, eligible: bool = False) -> str:
    """Graph's instance id: ``<b64>-1`` (active, = classic roleAssignment id) or ``<b64>-1-e`` (eligible).

    Graph documents only ordinal 1. When one principal holds the same role at two scopes the plain
    id would collide, so the second one gets ordinal 2, and so on (our choice, undocumented).
    """
    return f"{b64_pair(role_definition_id, principal_id)}-{ordinal}" + ("-e" if eligible else "")


def group_instance_id(role_definition_id: str, member_id: str, group_id: str, ordinal: int, eligible: bool) -> str:
    """Id of an instance a group member inherits. Graph's format for these is undocumented; ours
    embeds the group so that it never collides with the member's direct instance."""
    group_part = base64.urlsafe_b64encode(_guid_bytes(group_id)).rstrip(b"=").decode()
    return f"{b64_pair(role_definition_id, member_id)}-{group_part}-{ordinal}" + ("-e" if eligible else "")


def policy_guid(tenant_id: str, role_definition_id: str) -> str:
    return str(uuid.uuid5(_NS, f"policy/{tenant_id}/{role_definition_id}"))


def policy_id(tenant_id: str, role_definition_id: str) -> str:
    return f"DirectoryRole_{tenant_id}_{policy_guid(tenant_id, role_definition_id)}"


def policy_assignment_id(tenant_id: str, role_definition_id: str) -> str:
    return f"{policy_id(tenant_id, role_definition_id)}_{role_definition_id}"


def group_schedule_id(group_id: str, access_id: str, request_id: str) -> str:
    """A group schedule's id, ``{groupId}_{accessId}_{requestGuid}`` (the samples of "List eligibilitySchedules"
    and "List assignmentSchedules" of PIM for Groups, e.g. ``2b5ed229-..._member_f8bd9e2d-...``)."""
    return f"{group_id}_{access_id}_{request_id}"


def group_outside_pim_id(group_id: str, access_id: str, principal_id: str) -> str:
    """Id of the assignment a plain member (or owner) of a PIM-managed group shows as. Graph's format for these
    is undocumented; ours follows the schedule ids with the principal in place of a request id."""
    return f"{group_id}_{access_id}_{principal_id}"


def group_schedule_instance_id(schedule_id: str) -> str:
    """Id of the current instance of a group schedule: of the schedules' form with a GUID of its own, as the
    "List assignmentScheduleInstances" (PIM for Groups, v1.0) example shows (instance
    ``2b5ed229-..._member_365163ce-...`` of schedule ``2b5ed229-..._member_f13739ce-...``). Ours is derived from
    the schedule id, so it is stable across reads."""
    head, _, _tail = schedule_id.rpartition("_")
    return f"{head}_{uuid.uuid5(_NS, f'group-instance/{schedule_id}')}"


def group_policy_id(group_id: str, access_id: str) -> str:
    """``Group_{groupId}_{guid}``: the form of the group policy ids in "List roleManagementPolicies" (PIM for
    Groups example); one policy per access (member, owner)."""
    return f"Group_{group_id}_{uuid.uuid5(_NS, f'group-policy/{group_id}/{access_id}')}"


def group_policy_assignment_id(group_id: str, access_id: str) -> str:
    """``{policyId}_{accessId}``, as the PIM for Groups example of "List roleManagementPolicyAssignments" shows."""
    return f"{group_policy_id(group_id, access_id)}_{access_id}"


def arm_instance_name(schedule_id: str, member: str | None = None) -> str:
    """The GUID name of the current instance of an Azure resource role schedule (``member``: the instance a group
    member holds through the group's schedule). ARM names instances with GUIDs of their own (the 2020-10-01
    examples of "Role Assignment Schedule Instances - List For Scope"); how they relate to the schedule's name is
    undocumented, so ours is derived from it and stable across reads."""
    return str(uuid.uuid5(_NS, f"arm-instance/{schedule_id}/{member or ''}"))


def arm_origin_assignment_name(schedule_id: str) -> str:
    """The GUID name of the RBAC role assignment PIM makes for an active Azure resource role schedule (an
    instance's ``originRoleAssignmentId``); ours is derived from the schedule so that it is stable."""
    return str(uuid.uuid5(_NS, f"arm-role-assignment/{schedule_id}"))
