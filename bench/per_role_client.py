"""The per-role pattern, for comparison: what per-role tools do, with the same requests as theirs.

- ``scan``: list the role definitions, then **one policy read per role**
  (``roleManagementPolicyAssignments?$filter=... and roleDefinitionId eq '{id}'&$expand=policy($expand=rules)``),
  then the eligible and active schedule instances, read in bulk and paged, as entra.pim reads them.
- ``scan --easypim``: EasyPIM's reads (kayasax/EasyPIM): **three reads per role, all for its settings**
  (``get-EntraRoleConfig``, which ``Get-PIMEntraRolePolicy`` calls for each role: the role definition by
  display name, its policy assignment, then ``roleManagementPolicies/{policyId}/rules``), and the
  assignments **in bulk** (``Get-PIMEntraRoleEligibleAssignment`` / ``Get-PIMEntraRoleActiveAssignment``:
  ``role{Eligibility,Assignment}ScheduleInstances?$expand=roleDefinition,principal``, paged).
- ``apply``: the one-read-per-role settings read, then **one PATCH per changed rule**
  (``PATCH /policies/roleManagementPolicies/{pid}/rules/{ruleId}``), sequentially.
- ``snapshot`` (not measured): every policy's rules as raw JSON, the desired state for ``apply``,
  taken after entra.pim applied the baseline so both sides make the same change.

Transport (``--transport``): ``http`` (default) sends the requests as plain HTTP with ``httpx`` and reads
plain JSON, so the time the bench compares is the requests' (one round trip each), not the client's
object mapping; ``sdk`` sends the same ``scan`` through msgraph-sdk's typed request builders and models
(what an SDK user writes), whose deserialisation into kiota models was most of the client's time
(make bench, 2026-11-29: 10.0 CPU-s for the 132 requests of ``scan``, 0.6 CPU-s over plain HTTP).
Auth is azure-identity's ``ClientSecretCredential`` either way. Requests are sequential, as those
tools make them. Writes one JSON document with its own counts.

msgraph-sdk serialises ``maximumDuration`` (a ``timedelta``) as ``8:00:00``, which Graph rejects, so a
typed PATCH cannot set an expiration rule: PATCH bodies are always the snapshot's raw JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
import time
from collections import Counter
from urllib.parse import quote, urlsplit

import httpx
from azure.identity import ClientSecretCredential

DIRECTORY_ROLE_FILTER = "scopeId eq '/' and scopeType eq 'DirectoryRole'"
SCOPE = "https://graph.microsoft.com/.default"
ELIGIBLE = "/roleManagement/directory/roleEligibilityScheduleInstances"
ACTIVE = "/roleManagement/directory/roleAssignmentScheduleInstances"


def _credential(auth: dict) -> ClientSecretCredential:
    return ClientSecretCredential(
        auth["tenant_id"], auth["client_id"], auth["client_secret"], authority=auth["authority_host"],
        disable_instance_discovery=True, connection_verify=auth["ca_bundle"])


class LeanClient:
    """Plain HTTP: each request is one ``httpx`` call on a kept-alive connection; answers stay JSON dicts."""

    def __init__(self, auth: dict):
        self.base = auth["graph_url"].rstrip("/")
        self.counts: Counter = Counter()
        self.credential = _credential(auth)
        self.http = httpx.Client(verify=ssl.create_default_context(cafile=auth["ca_bundle"]), timeout=60)
        self._token = None

    def _headers(self) -> dict:
        if self._token is None or self._token.expires_on - time.time() < 300:
            self._token = self.credential.get_token(SCOPE)
        return {"Authorization": f"Bearer {self._token.token}", "Accept": "application/json"}

    def request(self, method: str, url: str, body: dict | None = None) -> dict | None:
        url = url if url.startswith("https://") else self.base + url
        self.counts[method] += 1
        answer = self.http.request(method, url, headers=self._headers(), json=body)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def pages(self, url: str) -> list[dict]:
        items = []
        while url:
            page = self.request("GET", url)
            items += page.get("value", [])
            url = page.get("@odata.nextLink")
        return items

    # -- reads --------------------------------------------------------------------------------
    def role_definitions(self) -> list[dict]:
        return self.pages("/roleManagement/directory/roleDefinitions")

    def policy_of(self, role_id: str) -> dict | None:
        """One request per role: the role's policy assignment with the policy and its 17 rules."""
        flt = quote(f"{DIRECTORY_ROLE_FILTER} and roleDefinitionId eq '{role_id}'")
        items = self.request("GET", f"/policies/roleManagementPolicyAssignments?$filter={flt}"
                             "&$expand=policy($expand=rules)").get("value", [])
        return items[0].get("policy") if items else None

    def easypim_settings(self, display_name: str) -> list[dict]:
        """EasyPIM's get-EntraRoleConfig: role id by display name, policy id, then the rules (three reads)."""
        role = self.request("GET", "/roleManagement/directory/roleDefinitions?$filter="
                            + quote(f"displayName eq '{display_name}'"))["value"][0]
        flt = quote(f"{DIRECTORY_ROLE_FILTER} and roleDefinitionId eq '{role['id']}'")
        assignment = self.request("GET", f"/policies/roleManagementPolicyAssignments?$filter={flt}")["value"][0]
        return self.request("GET", f"/policies/roleManagementPolicies/{assignment['policyId']}/rules")["value"]

    # -- the commands -------------------------------------------------------------------------
    def scan(self, easypim: bool = False) -> dict:
        roles = self.role_definitions()
        rules = {}
        for role in roles:
            if easypim:
                rules[role["id"]] = len(self.easypim_settings(role["displayName"]))
            else:
                policy = self.policy_of(role["id"])
                if policy is not None:
                    rules[role["id"]] = len(policy.get("rules") or [])
        expand = "?$expand=roleDefinition,principal" if easypim else ""
        eligible, active = self.pages(ELIGIBLE + expand), self.pages(ACTIVE + expand)
        return {"roles": len(roles), "policies": len(rules), "rules": sum(rules.values()),
                "eligible": len(eligible), "active": len(active)}

    def snapshot(self) -> dict:
        """{roleDefinitionId: {"policy_id", "rules": {ruleId: raw rule}}}, from one paged bulk read."""
        out = {}
        for item in self.pages(f"/policies/roleManagementPolicyAssignments?$filter={quote(DIRECTORY_ROLE_FILTER)}"
                               "&$expand=policy($expand=rules)"):
            policy = item.get("policy") or {}
            out[item["roleDefinitionId"]] = {"policy_id": policy.get("id") or item.get("policyId"),
                                             "rules": {r["id"]: r for r in policy.get("rules", [])}}
        return out

    def apply(self, desired: dict) -> dict:
        roles = self.role_definitions()
        patched, errors, changed_roles = 0, [], 0
        for role in roles:
            want = desired.get(role["id"])
            policy = self.policy_of(role["id"])
            if want is None or policy is None:
                continue
            changed = False
            for rule in policy.get("rules") or []:
                target = want["rules"].get(rule["id"])
                if target is None or _plain(rule) == _plain(target):
                    continue
                changed = True
                try:
                    self.request("PATCH", f"/policies/roleManagementPolicies/{policy['id']}/rules/{rule['id']}",
                                 _plain(target))
                    patched += 1
                except httpx.HTTPError as exc:  # reported, the run goes on like the per-role tools do
                    errors.append(f"{role['displayName']}/{rule['id']}: {type(exc).__name__}: {exc}"[:300])
            changed_roles += int(changed)
        return {"roles": len(roles), "changed_roles": changed_roles, "rule_patches": patched, "errors": errors}


def _plain(rule: dict) -> dict:
    """A rule without the response's annotations but its type: the same on both sides of the comparison."""
    return {k: v for k, v in rule.items() if not k.startswith("@odata.") or k == "@odata.type"}


class SdkClient:
    """The same ``scan`` through msgraph-sdk's typed request builders and models (imported only for it)."""

    def __init__(self, auth: dict):
        from kiota_authentication_azure.azure_identity_authentication_provider import (
            AzureIdentityAuthenticationProvider,
        )
        from msgraph import GraphServiceClient
        from msgraph.graph_request_adapter import GraphRequestAdapter
        from msgraph_core import GraphClientFactory

        self.counts: Counter = Counter()
        http = httpx.AsyncClient(verify=ssl.create_default_context(cafile=auth["ca_bundle"]), timeout=60)
        http = GraphClientFactory.create_with_default_middleware(client=http)
        http.event_hooks["request"].append(self._count)
        provider = AzureIdentityAuthenticationProvider(
            _credential(auth), scopes=[SCOPE], allowed_hosts=[urlsplit(auth["graph_url"]).hostname])
        adapter = GraphRequestAdapter(provider, client=http)
        adapter.base_url = auth["graph_url"].rstrip("/")
        self.client = GraphServiceClient(request_adapter=adapter)

    async def _count(self, request: httpx.Request) -> None:
        self.counts[request.method] += 1

    async def all_pages(self, builder) -> list:
        page = await builder.get()
        items = list(page.value or [])
        while page.odata_next_link:
            page = await builder.with_url(page.odata_next_link).get()
            items.extend(page.value or [])
        return items

    async def policy_of(self, role_id: str):
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph.generated.policies.role_management_policy_assignments.role_management_policy_assignments_request_builder import (  # noqa: E501
            RoleManagementPolicyAssignmentsRequestBuilder as PolicyAssignments,
        )

        query = PolicyAssignments.RoleManagementPolicyAssignmentsRequestBuilderGetQueryParameters(
            filter=f"{DIRECTORY_ROLE_FILTER} and roleDefinitionId eq '{role_id}'", expand=["policy($expand=rules)"])
        answer = await self.client.policies.role_management_policy_assignments.get(
            request_configuration=RequestConfiguration(query_parameters=query))
        items = answer.value or []
        return items[0].policy if items else None

    async def scan(self) -> dict:
        rm = self.client.role_management.directory
        roles = await self.all_pages(rm.role_definitions)
        rules = {}
        for role in roles:
            policy = await self.policy_of(role.id)
            if policy is not None:
                rules[role.id] = len(policy.rules or [])
        eligible = await self.all_pages(rm.role_eligibility_schedule_instances)
        active = await self.all_pages(rm.role_assignment_schedule_instances)
        return {"roles": len(roles), "policies": len(rules), "rules": sum(rules.values()),
                "eligible": len(eligible), "active": len(active)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("scan", "apply", "snapshot"))
    parser.add_argument("--auth", required=True, help="JSON file: tenant_id, client_id, client_secret, "
                        "graph_url, authority_host, ca_bundle")
    parser.add_argument("--desired", help="snapshot file, for apply")
    parser.add_argument("--easypim", action="store_true",
                        help="scan: EasyPIM's reads (three settings reads per role, assignments in bulk)")
    parser.add_argument("--transport", choices=("http", "sdk"), default="http",
                        help="plain HTTP (default) or msgraph-sdk's typed models (scan only)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.transport == "sdk" and (args.command != "scan" or args.easypim):
        parser.error("--transport sdk runs the one-read-per-role scan only")
    with open(args.auth, encoding="utf-8") as fh:
        auth = json.load(fh)
    started = time.perf_counter()
    if args.transport == "sdk":
        client = SdkClient(auth)
        result = asyncio.run(client.scan())
    else:
        client = LeanClient(auth)
        if args.command == "scan":
            result = client.scan(args.easypim)
        elif args.command == "snapshot":
            result = client.snapshot()
        else:
            with open(args.desired, encoding="utf-8") as fh:
                result = client.apply(json.load(fh))
    if args.command != "snapshot":
        result = {"result": result, "requests_by_method": dict(client.counts), "transport": args.transport,
                  "wall_s_inside": round(time.perf_counter() - started, 3)}
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return 1 if result.get("result", {}).get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
