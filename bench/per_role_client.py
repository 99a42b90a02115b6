"""The per-role pattern, for comparison: what Microsoft365DSC-style tools do, through the real SDK.

- ``scan``: list the role definitions, then **one policy read per role**
  (``roleManagementPolicyAssignments?$filter=... and roleDefinitionId eq '{id}'&$expand=policy($expand=rules)``),
  then the eligible and active schedule instances. The assignment lists are read in bulk and paged,
  exactly as entra.pim does, so the request ratio measured against it is a *lower* bound.
  ``--assignments-per-role`` reads them per role too (three reads per role, EasyPIM's pattern).
- ``apply``: the same per-role read, then **one PATCH per changed rule**
  (``PATCH /policies/roleManagementPolicies/{pid}/rules/{ruleId}``), sequentially.
- ``snapshot`` (not measured): every policy's rules as raw JSON, the desired state for ``apply``,
  taken after entra.pim applied the baseline so both sides make the same change.

Reads go through msgraph-sdk's typed request builders and models (what an SDK user writes), auth
through azure-identity's ``ClientSecretCredential``. PATCH bodies are the snapshot's raw JSON sent
through the same request adapter: msgraph-sdk serialises ``maximumDuration`` (a ``timedelta``) as
``8:00:00``, which Graph rejects, so a typed PATCH cannot set an expiration rule correctly.
Requests are sequential, as those tools make them. Prints one JSON document with its own counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import httpx
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from kiota_serialization_json.json_parse_node import JsonParseNode
from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter
from msgraph import GraphServiceClient
from msgraph.generated.models.unified_role_management_policy_rule import UnifiedRoleManagementPolicyRule
from msgraph.generated.policies.role_management_policy_assignments.role_management_policy_assignments_request_builder import (  # noqa: E501
    RoleManagementPolicyAssignmentsRequestBuilder as PolicyAssignments,
)
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph_core import GraphClientFactory

DIRECTORY_ROLE_FILTER = "scopeId eq '/' and scopeType eq 'DirectoryRole'"


class PerRoleClient:
    def __init__(self, auth: dict):
        self.auth = auth
        self.counts: Counter = Counter()
        credential = ClientSecretCredential(
            auth["tenant_id"], auth["client_id"], auth["client_secret"], authority=auth["authority_host"],
            disable_instance_discovery=True, connection_verify=auth["ca_bundle"])
        http = httpx.AsyncClient(verify=ssl.create_default_context(cafile=auth["ca_bundle"]), timeout=60)
        http = GraphClientFactory.create_with_default_middleware(client=http)
        http.event_hooks["request"].append(self._count)
        provider = AzureIdentityAuthenticationProvider(
            credential, scopes=["https://graph.microsoft.com/.default"],
            allowed_hosts=[urlsplit(auth["graph_url"]).hostname])
        self.adapter = GraphRequestAdapter(provider, client=http)
        self.adapter.base_url = auth["graph_url"].rstrip("/")
        self.client = GraphServiceClient(request_adapter=self.adapter)

    async def _count(self, request: httpx.Request) -> None:
        self.counts[request.method] += 1

    # -- reads --------------------------------------------------------------------------------
    async def role_definitions(self) -> list:
        builder = self.client.role_management.directory.role_definitions
        page = await builder.get()
        roles = list(page.value or [])
        while page.odata_next_link:
            page = await builder.with_url(page.odata_next_link).get()
            roles.extend(page.value or [])
        return roles

    async def policy_of(self, role_id: str):
        """One request per role: the role's policy assignment with the policy and its 17 rules."""
        query = PolicyAssignments.RoleManagementPolicyAssignmentsRequestBuilderGetQueryParameters(
            filter=f"{DIRECTORY_ROLE_FILTER} and roleDefinitionId eq '{role_id}'", expand=["policy($expand=rules)"])
        answer = await self.client.policies.role_management_policy_assignments.get(
            request_configuration=RequestConfiguration(query_parameters=query))
        items = answer.value or []
        return items[0].policy if items else None

    async def all_pages(self, builder, role_id: str | None = None) -> list:
        config = None
        if role_id:
            query = next(getattr(builder, n) for n in dir(builder) if n.endswith("GetQueryParameters"))
            config = RequestConfiguration(query_parameters=query(filter=f"roleDefinitionId eq '{role_id}'"))
        page = await builder.get(request_configuration=config)
        items = list(page.value or [])
        while page.odata_next_link:
            page = await builder.with_url(page.odata_next_link).get()
            items.extend(page.value or [])
        return items

    async def raw(self, method: str, url: str, body: dict | None = None):
        info = RequestInformation()
        info.http_method = getattr(Method, method)
        info.url = url if url.startswith("https://") else self.adapter.base_url + url
        info.headers.try_add("Accept", "application/json")
        if body is not None:
            info.headers.try_add("Content-Type", "application/json")
            info.content = json.dumps(body).encode()
        data = await self.adapter.send_primitive_async(info, "bytes", None)
        return json.loads(data) if data else None

    # -- the three commands -------------------------------------------------------------------
    async def scan(self, assignments_per_role: bool = False) -> dict:
        roles = await self.role_definitions()
        policies = {}
        rm = self.client.role_management.directory
        eligible, active = [], []
        for role in roles:
            policy = await self.policy_of(role.id)
            if policy is not None:
                policies[role.id] = len(policy.rules or [])
            if assignments_per_role:  # three reads per role, as EasyPIM makes them
                eligible += await self.all_pages(rm.role_eligibility_schedule_instances, role.id)
                active += await self.all_pages(rm.role_assignment_schedule_instances, role.id)
        if not assignments_per_role:
            eligible = await self.all_pages(rm.role_eligibility_schedule_instances)
            active = await self.all_pages(rm.role_assignment_schedule_instances)
        return {"roles": len(roles), "policies": len(policies), "rules": sum(policies.values()),
                "eligible": len(eligible), "active": len(active)}

    async def snapshot(self) -> dict:
        """{roleDefinitionId: {"policy_id", "rules": {ruleId: raw rule}}}, from one paged bulk read."""
        out = {}
        url = (f"/policies/roleManagementPolicyAssignments?$filter={DIRECTORY_ROLE_FILTER}"
               "&$expand=policy($expand=rules)").replace(" ", "%20")
        while url:
            page = await self.raw("GET", url)
            for item in page.get("value", []):
                policy = item.get("policy") or {}
                out[item["roleDefinitionId"]] = {"policy_id": policy.get("id") or item.get("policyId"),
                                                 "rules": {r["id"]: r for r in policy.get("rules", [])}}
            url = page.get("@odata.nextLink")
        return out

    async def apply(self, desired: dict) -> dict:
        roles = await self.role_definitions()
        patched, errors, changed_roles = 0, [], 0
        for role in roles:
            want = desired.get(role.id)
            policy = await self.policy_of(role.id)
            if want is None or policy is None:
                continue
            changed = False
            for rule in policy.rules or []:
                target = want["rules"].get(rule.id)
                if target is None or _canonical(rule) == _canonical(_model(target)):
                    continue
                changed = True
                try:
                    await self.raw("PATCH", f"/policies/roleManagementPolicies/{policy.id}/rules/{rule.id}",
                                   _patch_body(target))
                    patched += 1
                except Exception as exc:  # reported, the run goes on like the per-role tools do
                    errors.append(f"{role.display_name}/{rule.id}: {type(exc).__name__}: {exc}"[:300])
            changed_roles += int(changed)
        return {"roles": len(roles), "changed_roles": changed_roles, "rule_patches": patched, "errors": errors}


def _model(raw: dict):
    return JsonParseNode(raw).get_object_value(UnifiedRoleManagementPolicyRule)


def _canonical(rule) -> bytes:
    """A rule as the SDK serialises it: the same function on both sides, so the comparison is fair."""
    writer = JsonSerializationWriter()
    writer.write_object_value(None, rule)
    return writer.get_serialized_content()


def _patch_body(raw: dict) -> dict:
    return {k: v for k, v in raw.items() if k != "@odata.context"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("scan", "apply", "snapshot"))
    parser.add_argument("--auth", required=True, help="JSON file: tenant_id, client_id, client_secret, "
                        "graph_url, authority_host, ca_bundle")
    parser.add_argument("--desired", help="snapshot file, for apply")
    parser.add_argument("--assignments-per-role", action="store_true",
                        help="scan: read eligible and active assignments per role too (three reads per role)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    with open(args.auth, encoding="utf-8") as fh:
        auth = json.load(fh)
    started = time.perf_counter()
    client = PerRoleClient(auth)
    loop = asyncio.new_event_loop()
    try:
        if args.command == "scan":
            result = loop.run_until_complete(client.scan(args.assignments_per_role))
        elif args.command == "snapshot":
            result = loop.run_until_complete(client.snapshot())
        else:
            with open(args.desired, encoding="utf-8") as fh:
                desired = json.load(fh)
            result = loop.run_until_complete(client.apply(desired))
    finally:
        loop.close()
    if args.command != "snapshot":
        result = {"result": result, "requests_by_method": dict(client.counts),
                  "wall_s_inside": round(time.perf_counter() - started, 3)}
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return 1 if result.get("result", {}).get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
