"""What the ARM PIM handlers share (``requests``, ``schedules``, ``assignments``): ids and names, the
``$filter`` functions of the 2020-10-01 list operations, which items a listing scope sees (at, above, below;
``memberType`` ``Inherited``), the ``expandedProperties`` of an answer, and the seam to the ARM state (scope
tree, role definitions, role management policies, RBAC on the caller) that ``pim.arm_*`` holds.

The engine keeps an Azure resource role target as (principalId, role GUID, scope in its stored casing, None)
(``pim.surfaces.AZURE``); this module turns ARM's full ids into that form at the edge and back for answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...contract import GraphError, GraphRequest
from ...pim import directory
from ...pim.ids import is_guid
from ...pim.surfaces import AZURE

if TYPE_CHECKING:
    from ...pim.engine import PimEngine

SF = AZURE
AUTH = "/providers/Microsoft.Authorization"
# The resource type names as the 2020-10-01 examples spell them in ``type`` and ``id`` ("Put Role Eligibility
# Schedule Request" answers "Microsoft.Authorization/RoleEligibilityScheduleRequests"); ARM compares type
# segments without case, so the path a client sends may use either casing.
TYPES = {
    "elig_req": "RoleEligibilityScheduleRequests", "assign_req": "RoleAssignmentScheduleRequests",
    "elig": "RoleEligibilitySchedules", "assign": "RoleAssignmentSchedules",
    "elig_inst": "RoleEligibilityScheduleInstances", "assign_inst": "RoleAssignmentScheduleInstances",
}
_ROLE = re.compile(r"^(?:/subscriptions/([^/]+))?/providers/Microsoft\.Authorization/roleDefinitions/([^/]+)$",
                   re.IGNORECASE)


def arm_id(scope: str, kind: str, name: str) -> str:
    """``{scope}/providers/Microsoft.Authorization/{Type}/{name}``; ``kind`` a key of TYPES or a type name."""
    return f"{scope.rstrip('/')}{AUTH}/{TYPES.get(kind, kind)}/{name}"


def arm_type(kind: str) -> str:
    return f"Microsoft.Authorization/{TYPES.get(kind, kind)}"


def role_guid(value: object) -> tuple[str | None, str | None]:
    """(role GUID in lower case, the subscription its id names) of a roleDefinitionId ARM accepts: the full id
    ``/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`` (subscription, resource group
    and resource scopes) or ``/providers/Microsoft.Authorization/roleDefinitions/{guid}`` (management groups, and
    built-ins anywhere), or the bare GUID (ours: friendlier than ARM). (None, None) when it is none of these."""
    if not isinstance(value, str):
        return None, None
    if is_guid(value):
        return value.lower(), None
    m = _ROLE.match(value.strip())
    if not m or not is_guid(m.group(2)):
        return None, None
    return m.group(2).lower(), m.group(1)


def full_role_id(scope: str, guid: str) -> str:
    """The role definition id ARM answers for a role used at ``scope``: subscription-prefixed at a subscription or
    below, provider-level at a management group (the 2020-10-01 examples; terraform-provider-azurerm issue 31052
    and PR 31053 describe the same rule from the client side)."""
    from . import pim_state
    return pim_state.full_role_id(scope, guid)


# ---- $filter --------------------------------------------------------------------------------------------

@dataclass
class Filter:
    at_scope: bool = False  # atScope(): at or above the scope
    as_target: bool = False  # asTarget(): the caller's own
    as_requestor: bool = False  # asRequestor(): requests the caller made
    as_approver: bool = False  # asApprover(): requests the caller may approve
    principal: str | None = None  # principalId eq '{id}'
    assigned_to: str | None = None  # assignedTo('{id}'): the principal's own and through its groups
    role: str | None = None  # roleDefinitionId eq '{id}' (the role GUID)
    resource_types: tuple[str, ...] = ()  # eligibleChildResources: resourceType eq '...' [or ...]


_TERMS = [
    (re.compile(r"^atScope\(\)$", re.I), "at_scope"),
    (re.compile(r"^asTarget\(\)$", re.I), "as_target"),
    (re.compile(r"^asRequestor\(\)$", re.I), "as_requestor"),
    (re.compile(r"^asApprover\(\)$", re.I), "as_approver"),
    (re.compile(r"^principalId\s+eq\s+'?([^']+?)'?$", re.I), "principal"),
    (re.compile(r"^assignedTo\('([^']+)'\)$", re.I), "assigned_to"),
    (re.compile(r"^roleDefinitionId\s+eq\s+'([^']+)'$", re.I), "role"),
]
_TYPE_TERM = re.compile(r"^resourceType\s+eq\s+'([^']+)'$", re.I)


def bad_filter(text: str) -> GraphError:
    # ARM's answer to a $filter a list does not take is undocumented for these operations; 400 BadRequest naming
    # the filter is ours (unsure of code and wording).
    return GraphError(400, "BadRequest", f"The $filter '{text}' is not supported.")


def parse_filter(req: GraphRequest, child_resources: bool = False) -> Filter:
    """The documented $filter functions of the 2020-10-01 lists (azure-mgmt-authorization v2020_10_01 operations:
    ``list_for_scope`` of requests, schedules and instances), joined by ``and``; eligibleChildResources takes
    ``resourceType eq '...'`` joined by ``or``."""
    text = (req.query.get("$filter") or "").replace("+", " ").strip()
    out = Filter()
    if not text:
        return out
    if child_resources:
        types = []
        for part in re.split(r"\s+or\s+", text, flags=re.I):
            m = _TYPE_TERM.match(part.strip())
            if not m:
                raise bad_filter(text)
            types.append(m.group(1).lower())
        out.resource_types = tuple(types)
        return out
    for part in re.split(r"\s+and\s+", text, flags=re.I):
        part = part.strip()
        for pattern, name in _TERMS:
            m = pattern.match(part)
            if m is None:
                continue
            if name == "role":
                guid, _sub = role_guid(m.group(1))
                if guid is None:
                    raise bad_filter(text)
                out.role = guid
            elif name in ("principal", "assigned_to"):
                setattr(out, name, m.group(1).lower())
            else:
                setattr(out, name, True)
            break
        else:
            raise bad_filter(text)
    return out


def caller_object_id(eng: PimEngine, req: GraphRequest) -> str | None:
    """The object id ARM knows the caller by: the signed-in user, or the app's service principal."""
    known = getattr(req, "principal_id", None)  # the ARM front door resolved it (responses/arm/common.ArmRequest)
    if known:
        return known
    caller = req.caller
    if not caller.is_app_only:
        return caller.user_id
    sp = directory.service_principal_by_app_id(eng.tenant, caller.app_id)
    return sp["id"] if sp else None


def principals_of(eng: PimEngine, principal: str) -> set[str]:
    """A principal and the groups it is a member of right now (plain and through PIM for Groups), lower case."""
    now = eng.now().timestamp()
    return {principal.lower(), *(g.lower() for g in directory.groups_of(eng.tenant, principal, now))}


# ---- which items a listing scope sees ----------------------------------------------------------------------

class Lineage:
    """A listing scope and its ancestors, for deciding where an item sits relative to it (one scope-tree walk
    per item scope, memoised for the list)."""

    def __init__(self, eng: PimEngine, scope: str):
        from . import pim_state  # the seam to the ARM state (E1's scope tree)
        self._state = pim_state
        self.eng = eng
        self.scope = scope
        self.low = scope.lower()
        self.above = {a.lower() for a in pim_state.ancestors(eng, scope)}
        self._memo: dict[str, str] = {}

    def relation(self, item_scope: str) -> str:
        """"at", "above", "below" or "apart"."""
        key = (item_scope or "").lower()
        hit = self._memo.get(key)
        if hit is None:
            if key == self.low:
                hit = "at"
            elif key in self.above:
                hit = "above"
            elif self.low in {a.lower() for a in self._state.ancestors(self.eng, item_scope)}:
                hit = "below"
            else:
                hit = "apart"
            self._memo[key] = hit
        return hit


def visible(lineage: Lineage, flt: Filter, item: dict, me: str | None, my_groups: set[str] | None) -> bool:
    """Whether a list at ``lineage.scope`` with ``flt`` shows ``item`` (scope, principalId, roleDefinitionId GUID).

    No filter and ``principalId eq``: at, above and below the scope; ``atScope()``: at or above ("Use
    $filter=atScope() to return all role assignment schedules at or above the scope. Use $filter=principalId eq
    {id} to return all role assignment schedules at, above or below the scope for the specified principal",
    azure-mgmt-authorization 4.0.0, v2020_10_01 list_for_scope). ``asTarget()``: the caller's own;
    ``assignedTo('{id}')``: the principal's own and its groups'."""
    rel = lineage.relation(item["scope"])
    if rel == "apart" or (flt.at_scope and rel == "below"):
        return False
    pid = str(item.get("principalId", "")).lower()
    if flt.principal and pid != flt.principal:
        return False
    if flt.as_target and (me is None or pid != me.lower()):
        return False
    if flt.assigned_to and pid not in (my_groups or set()):
        return False
    return not (flt.role and item["roleDefinitionId"].lower() != flt.role)


def member_type(lineage: Lineage, item: dict) -> str:
    """``Inherited`` for an item made at a scope above the listing scope, else its own (Direct, Group).

    Our reading of MemberType (2020-10-01: Inherited, Direct, Group): the docs do not say relative to what; we pick
    the listing scope, as the portal shows an assignment made at a subscription as "Inherited" on each of its
    resource groups, while a GET by name (no listing scope) shows the stored value."""
    return "Inherited" if lineage.relation(item["scope"]) == "above" else item["memberType"]


# ---- expandedProperties ----------------------------------------------------------------------------------------

_PRINCIPAL_TYPES = {"user": "User", "group": "Group", "servicePrincipal": "ServicePrincipal"}


def principal_type(eng: PimEngine, principal_id: str) -> str | None:
    _obj, kind = directory.find_principal(eng.tenant, principal_id)
    return _PRINCIPAL_TYPES.get(kind or "")


def expanded(eng: PimEngine, scope: str, guid: str, principal_id: str, role_scope: str | None = None) -> dict:
    """``expandedProperties`` {scope, roleDefinition, principal} (2020-10-01 ExpandedProperties)."""
    from . import pim_state
    obj, kind = directory.find_principal(eng.tenant, principal_id)
    obj = obj or {}
    role = pim_state.role_info(eng, guid) or {}
    return {
        "scope": pim_state.scope_info(eng, scope),
        "roleDefinition": {"id": full_role_id(role_scope or scope, guid), "displayName": role.get("displayName"),
                           "type": role.get("type")},
        "principal": {"id": principal_id, "displayName": obj.get("displayName"),
                      "email": obj.get("mail") or obj.get("userPrincipalName") if kind == "user" else None,
                      "type": _PRINCIPAL_TYPES.get(kind or "")},
    }
