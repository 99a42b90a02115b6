"""The Azure Resource Manager routes (Microsoft.Authorization PIM, role definitions, subscriptions, resource
groups, management groups), served at the emulator's root next to Graph's ``/v1.0``: the ``arm_url`` of the
ready file is the base URL the SDK is given (``AuthorizationManagementClient(base_url=arm_url)``).

One row per (method, path template). A template starting with ``{scope}`` takes any ARM scope in front of
its tail (``/``, a management group, a subscription, a resource group or a resource): the tail is matched
against the last segments of the path and ``scope`` is what precedes it. Other templates match the whole path.
Literal segments compare without case (ARM's paths are case-insensitive: azure-mgmt-resource sends
``resourcegroups``, the docs write ``resourceGroups``). Handlers are ``handler(eng, req, **params) ->
(status, body)`` in ``responses/arm``; each checks the api-version and the caller's rights itself, since both
depend on the scope. docs/emulator.md ("Azure Resource Manager") lists these rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..pim.arm_errors import ArmError, invalid_resource_type, method_not_allowed
from ..responses.arm import assignments, policies, scopes
from ..responses.arm import requests as pim_requests
from ..responses.arm import schedules as pim_schedules

AUTH = "{scope}/providers/Microsoft.Authorization"


@dataclass(frozen=True)
class ArmRoute:
    method: str
    template: str
    handler: Callable[..., tuple[int, Any]]

    @property
    def scoped(self) -> bool:
        return self.template.startswith("{scope}")

    @property
    def tail(self) -> list[str]:
        segs = [s for s in self.template.split("/") if s]
        return segs[1:] if self.scoped else segs


def _match(pattern: list[str], segs: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segs):
        return None
    params = {}
    for pat, seg in zip(pattern, segs, strict=True):
        if pat.startswith("{") and pat.endswith("}"):
            params[pat[1:-1]] = seg
        elif pat.lower() != seg.lower():
            return None
    return params


class ArmRouteTable:
    def __init__(self, routes: list[ArmRoute]):
        self.routes = list(routes)
        seen = set()
        for r in self.routes:
            k = (r.method, r.template.lower())
            if k in seen:
                raise ValueError(f"route listed twice: {r.method} {r.template}")
            seen.add(k)

    def resolve(self, method: str, path: str) -> tuple[ArmRoute, dict[str, str]]:
        segs = [s for s in path.split("/") if s]
        hits: list[tuple[tuple[int, int], ArmRoute, dict[str, str]]] = []
        for r in self.routes:
            tail = r.tail
            if r.scoped:
                if len(segs) < len(tail):
                    continue
                params = _match(tail, segs[len(segs) - len(tail):])
                if params is not None:
                    params["scope"] = "/" + "/".join(segs[: len(segs) - len(tail)])
            else:
                params = _match(tail, segs)
            if params is not None:
                # A whole-path template beats a scoped one; a longer literal tail beats a shorter one.
                literal = sum(1 for s in tail if not s.startswith("{"))
                hits.append(((0 if r.scoped else 1, literal), r, params))
        if hits:
            best = max(rank for rank, _, _ in hits)
            for rank, r, params in hits:
                if rank == best and r.method == method:
                    return r, params
            raise method_not_allowed(method, path)
        raise _unknown(method, path)

    def dispatch(self, eng: Any, req: Any) -> tuple[int, Any]:
        route, params = self.resolve(req.method, req.path)
        return route.handler(eng, req, **params)


def _unknown(method: str, path: str) -> ArmError:
    """ARM answers 400 InvalidResourceType for a type its provider does not have ("The resource type '{type}'
    could not be found in the namespace '{namespace}' for api version '{version}'.", "Resolve errors for
    resource provider registration"); a path without a provider is a plain 404."""
    segs = [s for s in path.split("/") if s]
    idx = max((i for i, s in enumerate(segs) if s.lower() == "providers"), default=None)
    if idx is not None and len(segs) > idx + 2:
        return ArmError(400, "InvalidResourceType", f"The resource type '{segs[idx + 2]}' could not be found in "
                        f"the namespace '{segs[idx + 1]}'.")
    return invalid_resource_type(method, path)


def _request_routes(kind: str) -> list[ArmRoute]:
    """role{kind}ScheduleRequests: list, PUT (client-chosen GUID name), get, cancel, validate."""
    low, base = kind.lower(), f"{AUTH}/role{kind}ScheduleRequests"
    r = pim_requests
    return [ArmRoute("GET", base, getattr(r, f"list_{low}_requests")),
            ArmRoute("PUT", f"{base}/{{name}}", getattr(r, f"create_{low}_request")),
            ArmRoute("GET", f"{base}/{{name}}", getattr(r, f"get_{low}_request")),
            ArmRoute("POST", f"{base}/{{name}}/cancel", getattr(r, f"cancel_{low}_request")),
            ArmRoute("POST", f"{base}/{{name}}/validate", getattr(r, f"validate_{low}_request"))]


s, p = scopes, policies
ROUTES: list[ArmRoute] = [
    # ---- discovery (azure-mgmt-resource SubscriptionClient / ResourceManagementClient, managementgroups) -----
    ArmRoute("GET", "/subscriptions", s.list_subscriptions),
    ArmRoute("GET", "/subscriptions/{subscription_id}", s.get_subscription),
    ArmRoute("GET", "/subscriptions/{subscription_id}/resourcegroups", s.list_resource_groups),
    ArmRoute("GET", "/subscriptions/{subscription_id}/resourcegroups/{name}", s.get_resource_group),
    ArmRoute("GET", "/subscriptions/{subscription_id}/resourcegroups/{name}/resources", s.list_resources),
    ArmRoute("GET", "/providers/Microsoft.Management/managementGroups", s.list_management_groups),
    ArmRoute("GET", "/providers/Microsoft.Management/managementGroups/{group_id}", s.get_management_group),
    # ---- role definitions (2022-04-01, azure-mgmt-authorization 4.0.0's default) -----------------------------
    ArmRoute("GET", f"{AUTH}/roleDefinitions", s.list_role_definitions),
    ArmRoute("GET", f"{AUTH}/roleDefinitions/{{role_id}}", s.get_role_definition),
    # ---- PIM policies (2020-10-01) ---------------------------------------------------------------------------
    ArmRoute("GET", f"{AUTH}/roleManagementPolicies", p.list_policies),
    ArmRoute("GET", f"{AUTH}/roleManagementPolicies/{{name}}", p.get_policy),
    ArmRoute("PATCH", f"{AUTH}/roleManagementPolicies/{{name}}", p.patch_policy),
    ArmRoute("GET", f"{AUTH}/roleManagementPolicyAssignments", p.list_policy_assignments),
    ArmRoute("GET", f"{AUTH}/roleManagementPolicyAssignments/{{name}}", p.get_policy_assignment),
    # ---- PIM schedule requests, schedules, instances (2020-10-01; responses/arm/requests.py, schedules.py) -----
    *[route for kind in ("Eligibility", "Assignment") for route in _request_routes(kind)],
    *[ArmRoute("GET", f"{AUTH}/role{kind}{what}", getattr(pim_schedules, f"list_{kind.lower()}_{attr}s"))
      for kind in ("Eligibility", "Assignment") for what, attr in (("Schedules", "schedule"),
                                                                   ("ScheduleInstances", "instance"))],
    *[ArmRoute("GET", f"{AUTH}/role{kind}{what}/{{name}}", getattr(pim_schedules, f"get_{kind.lower()}_{attr}"))
      for kind in ("Eligibility", "Assignment") for what, attr in (("Schedules", "schedule"),
                                                                   ("ScheduleInstances", "instance"))],
    ArmRoute("GET", f"{AUTH}/eligibleChildResources", assignments.eligible_child_resources),
    # ---- Azure RBAC role assignments (2022-04-01; responses/arm/assignments.py) ----------------------------------
    ArmRoute("GET", f"{AUTH}/roleAssignments", assignments.list_for_scope),
    ArmRoute("GET", f"{AUTH}/roleAssignments/{{name}}", assignments.get),
    ArmRoute("PUT", f"{AUTH}/roleAssignments/{{name}}", assignments.create),
    ArmRoute("DELETE", f"{AUTH}/roleAssignments/{{name}}", assignments.delete),
]

ARM = ArmRouteTable(ROUTES)
