"""What every Azure Resource Manager answer shares: the request seam, api-version checking, paging with an
absolute ``nextLink``, the resource envelope, the caller's RBAC check and ARM's headers.

ARM conventions followed here (Azure Resource Manager REST API reference, "Common parameters and headers" and
the resource provider contract, github.com/cloud-and-ai-microsoft/resource-provider-contract):
- every call carries ``api-version``; without it ARM answers 400 ``MissingApiVersionParameter``, with one the
  resource type does not have 400 ``InvalidApiVersionParameter`` naming the supported versions;
- lists answer ``{"value": [...], "nextLink": <absolute URL>}``; ``nextLink`` is absent on the last page;
- answers carry ``x-ms-request-id``, ``x-ms-correlation-request-id`` (the client's ``x-ms-client-request-id``
  when it sent one is echoed as ``x-ms-client-request-id``) and the remaining-requests headers
  ``x-ms-ratelimit-remaining-subscription-reads`` / ``-writes`` ("Understand how Azure Resource Manager throttles
  requests").
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ...pim import arm_state
from ...pim.arm_errors import ArmError

if TYPE_CHECKING:
    from ...contract import Caller
    from ...pim.engine import PimEngine

# api-versions each resource type takes (those azure-mgmt-authorization 4.0.0, azure-mgmt-resource and
# azure-mgmt-managementgroups send, and the stable ones around them). Microsoft.Authorization PIM types:
# 2020-10-01 (azure-mgmt-authorization 4.0.0's default profile, _authorization_management_client.py), the
# 2020-10-01-preview and 2024 previews of the same shapes.
PIM_VERSIONS = ("2020-10-01", "2020-10-01-preview", "2022-04-01-preview", "2024-02-01-preview", "2024-09-01-preview")
# roleDefinitions / roleAssignments: 4.0.0's default is 2022-04-01 (DEFAULT_API_VERSION of the client).
RBAC_VERSIONS = ("2015-07-01", "2018-01-01-preview", "2018-09-01-preview", "2020-04-01-preview",
                 "2020-10-01-preview", "2022-04-01", "2022-05-01-preview")
SUBSCRIPTION_VERSIONS = ("2014-04-01", "2015-01-01", "2016-06-01", "2018-06-01", "2019-06-01", "2019-11-01",
                         "2020-01-01", "2021-01-01", "2022-01-01", "2022-12-01", "2024-11-01")
RESOURCE_GROUP_VERSIONS = ("2019-10-01", "2020-06-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01",
                           "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01")
MANAGEMENT_GROUP_VERSIONS = ("2020-02-01", "2020-05-01", "2020-10-01", "2021-04-01", "2023-04-01")


@dataclass
class ArmRequest:
    """One ARM call after TLS, the token check and percent-decoding."""

    method: str
    path: str  # "/subscriptions/.../providers/Microsoft.Authorization/roleManagementPolicies", no query
    query: dict[str, str]  # decoded query parameters, names as sent ("api-version", "$filter", "$skiptoken")
    body: Any
    caller: Caller
    principal_id: str  # the caller's object id (user, or the app's service principal)
    base_url: str  # "https://127.0.0.1:PORT": nextLink and ids are built on it
    now: datetime
    request_id: str = ""
    page_size: int = 100
    extra: dict = field(default_factory=dict)

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")


def check_api_version(req: ArmRequest, versions: tuple[str, ...]) -> None:
    version = req.api_version
    if not version:
        raise ArmError(400, "MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.")
    if version not in versions:
        raise ArmError(400, "InvalidApiVersionParameter",
                       f"The api-version '{version}' is invalid. The supported versions are "
                       f"'{','.join(sorted(versions, reverse=True))}'.")


def require(eng: PimEngine, req: ArmRequest, scope: str, action: str) -> None:
    """ARM RBAC on the caller: 403 AuthorizationFailed unless its role assignments at the scope or above allow
    ``action``."""
    arm_state.check_access(eng.tenant, req.principal_id, scope, action, req.now)


def _skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        pad = "=" * (-len(token) % 4)
        offset = int(json.loads(base64.urlsafe_b64decode(token + pad))["o"])
    except (ValueError, KeyError, TypeError):
        raise ArmError(400, "InvalidSkipToken", "The skip token is not valid.") from None  # unsure of ARM's text
    if offset < 0:
        raise ArmError(400, "InvalidSkipToken", "The skip token is not valid.")
    return offset


def page(req: ArmRequest, items: list[dict]) -> dict:
    """One page of ``items``; ``nextLink`` (absolute, every other query parameter kept) when more follow."""
    offset = _offset(req.query.get("$skiptoken") or req.query.get("$skipToken"))
    size = max(1, req.page_size)
    doc: dict[str, Any] = {"value": items[offset: offset + size]}
    if offset + size < len(items):
        params = {k: v for k, v in req.query.items() if k.lower() != "$skiptoken"}
        params["$skiptoken"] = _skiptoken(offset + size)
        doc["nextLink"] = f"{req.base_url}{req.path}?{urlencode(params)}"
    return doc


def scope_of(eng: PimEngine, scope: str) -> dict:
    """The stored scope record, or ARM's 404 for a scope that does not exist."""
    return arm_state.require_scope(eng.tenant, scope)
