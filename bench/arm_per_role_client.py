"""The per-role pattern on Azure resource roles, for comparison with entra.pim's bulk reads (issue 11).

What per-role tools do on ARM (EasyPIM's ``Get-PIMAzureResourcePolicy`` and its assignment commands, or a script
over ``Get-AzRoleManagementPolicy`` / ``Get-AzRoleEligibilityScheduleInstance`` per role): for every subscription,
the role definitions, then **for every role** its policy through its policy assignment
(``roleManagementPolicyAssignments?$filter=roleDefinitionId eq '{full id}'``, then the policy by its id) and its
eligible and active assignments (``roleEligibilityScheduleInstances`` / ``roleAssignmentScheduleInstances`` with
``$filter=roleDefinitionId eq '{full id}'``): 4 reads per role per scope.

- ``scan``: those reads, for every subscription the app sees;
- ``apply``: the per-role settings read, then one ``PATCH`` of each policy whose rules differ from the desired ones
  (ARM takes a policy's rules in one PATCH; it has no batch), sequentially;
- ``snapshot`` (not measured): every policy's rules as raw JSON per (scope, role), the desired state for ``apply``,
  taken after entra.pim applied the baseline so both sides make the same change.

Plain HTTP with ``httpx`` and azure-identity's ``ClientSecretCredential`` (a token for ARM's audience), sequential,
as those tools make them; writes one JSON document with its own counts. The roles read per scope are ``--roles``
(default: every role definition at the scope, as a full per-role scan does).
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import time
from collections import Counter
from urllib.parse import quote

import httpx
from azure.identity import ClientSecretCredential

PIM_API = "2020-10-01"
# What azure-mgmt-authorization 4.0.0 sends for role definitions, and azure-mgmt-resource for subscriptions.
DEFINITIONS_API = "2022-04-01"
SUBSCRIPTIONS_API = "2022-12-01"
AUTH = "/providers/Microsoft.Authorization"


def _credential(auth: dict) -> ClientSecretCredential:
    return ClientSecretCredential(
        auth["tenant_id"], auth["client_id"], auth["client_secret"], authority=auth["authority_host"],
        disable_instance_discovery=True, connection_verify=auth["ca_bundle"])


class ArmClient:
    """One ``httpx`` call per request on a kept-alive connection; answers stay JSON dicts."""

    def __init__(self, auth: dict):
        self.base = (auth.get("arm_url") or "https://management.azure.com").rstrip("/")
        self.audience = auth.get("arm_audience") or "https://management.azure.com"
        self.counts: Counter = Counter()
        self.credential = _credential(auth)
        self.http = httpx.Client(verify=ssl.create_default_context(cafile=auth["ca_bundle"]), timeout=60)
        self._token = None

    def _headers(self) -> dict:
        if self._token is None or self._token.expires_on - time.time() < 300:
            self._token = self.credential.get_token(f"{self.audience}/.default")
        return {"Authorization": f"Bearer {self._token.token}", "Accept": "application/json"}

    def request(self, method: str, path: str, api: str = PIM_API, body: dict | None = None,
                query: str = "") -> dict | None:
        if path.startswith("https://"):
            url = path
        else:
            url = f"{self.base}{path}?api-version={api}" + (f"&{query}" if query else "")
        self.counts[method] += 1
        answer = self.http.request(method, url, headers=self._headers(), json=body)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def pages(self, path: str, api: str = PIM_API, query: str = "") -> list[dict]:
        items, url = [], None
        page = self.request("GET", path, api, query=query)
        while True:
            items += page.get("value", [])
            url = page.get("nextLink")
            if not url:
                return items
            page = self.request("GET", url)

    # -- reads --------------------------------------------------------------------------------
    def subscriptions(self) -> list[str]:
        return [s.get("id") or f"/subscriptions/{s['subscriptionId']}"
                for s in self.pages("/subscriptions", SUBSCRIPTIONS_API)]

    def role_definitions(self, scope: str, names: list[str] | None) -> list[dict]:
        roles = self.pages(f"{scope}{AUTH}/roleDefinitions", DEFINITIONS_API)
        if names:
            wanted = {n.lower() for n in names}
            roles = [r for r in roles if (r.get("properties") or {}).get("roleName", "").lower() in wanted
                     or r.get("name", "").lower() in wanted]
        return roles

    def _per_role(self, scope: str, collection: str, role_id: str) -> list[dict]:
        """One read (and its pages) of ``collection`` at ``scope`` for one role; kept to that role even where a
        server answered more."""
        flt = quote(f"roleDefinitionId eq '{role_id}'")
        items = self.pages(f"{scope}{AUTH}/{collection}", query=f"$filter={flt}")
        return [i for i in items if str((i.get("properties") or {}).get("roleDefinitionId", role_id)).lower()
                .rsplit("/", 1)[-1] == role_id.lower().rsplit("/", 1)[-1]]

    def policy_of(self, scope: str, role_id: str) -> dict | None:
        """Two reads, as ``Get-AzRoleManagementPolicyAssignment`` then ``Get-AzRoleManagementPolicy`` make them: the
        role's policy assignment at the scope (a policy names no role; its assignment does), then the policy."""
        found = self._per_role(scope, "roleManagementPolicyAssignments", role_id)
        if not found:
            return None
        return self.request("GET", (found[0].get("properties") or {})["policyId"])

    # -- the commands -------------------------------------------------------------------------
    def scan(self, names: list[str] | None) -> dict:
        out = {"subscriptions": 0, "roles": 0, "policies": 0, "rules": 0, "eligible": 0, "active": 0}
        for scope in self.subscriptions():
            out["subscriptions"] += 1
            for role in self.role_definitions(scope, names):
                out["roles"] += 1
                policy = self.policy_of(scope, role["id"])
                if policy is not None:
                    out["policies"] += 1
                    out["rules"] += len((policy.get("properties") or {}).get("rules") or [])
                out["eligible"] += len(self._per_role(scope, "roleEligibilityScheduleInstances", role["id"]))
                out["active"] += len(self._per_role(scope, "roleAssignmentScheduleInstances", role["id"]))
        return out

    def snapshot(self, names: list[str] | None) -> dict:
        """{scope: {role guid: {"policy_id", "rules": [raw rules]}}}."""
        out = {}
        for scope in self.subscriptions():
            for role in self.role_definitions(scope, names):
                policy = self.policy_of(scope, role["id"])
                if policy is not None:
                    out.setdefault(scope, {})[role["name"]] = {
                        "policy_id": policy["id"], "rules": (policy.get("properties") or {}).get("rules") or []}
        return out

    def apply(self, desired: dict, names: list[str] | None) -> dict:
        changed = 0
        for scope in self.subscriptions():
            for role in self.role_definitions(scope, names):
                want = (desired.get(scope) or {}).get(role["name"])
                policy = self.policy_of(scope, role["id"])
                if want is None or policy is None:
                    continue
                have = {r["id"]: r for r in (policy.get("properties") or {}).get("rules") or []}
                rules = [r for r in want["rules"] if _differs(r, have.get(r["id"]))]
                if rules:
                    self.request("PATCH", policy["id"], body={"properties": {"rules": rules}})
                    changed += 1
        return {"policies_changed": changed}


def _differs(want: dict, have: dict | None) -> bool:
    """A rule differs when a key it sets has another value (read-only keys the server adds are not compared)."""
    if have is None:
        return True
    return any(have.get(k) != v for k, v in want.items() if k not in ("target",)) or \
        any((have.get("target") or {}).get(k) != v for k, v in (want.get("target") or {}).items()
            if k in ("caller", "level", "operations"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["scan", "apply", "snapshot"])
    parser.add_argument("--auth", required=True, help="JSON file: tenant_id, client_id, client_secret, authority_host, "
                        "ca_bundle, arm_url")
    parser.add_argument("--out", required=True)
    parser.add_argument("--desired", help="for apply: a snapshot's JSON")
    parser.add_argument("--roles", help="comma-separated role names to read per scope (default: every role)")
    args = parser.parse_args(argv)
    auth = json.loads(open(args.auth, encoding="utf-8").read())
    names = [n.strip() for n in args.roles.split(",")] if args.roles else None
    client = ArmClient(auth)
    started = time.perf_counter()
    if args.command == "scan":
        result = client.scan(names)
    elif args.command == "snapshot":
        result = client.snapshot(names)
    else:
        result = client.apply(json.loads(open(args.desired, encoding="utf-8").read()), names)
    doc = {"result": result, "requests_by_method": dict(client.counts), "requests": sum(client.counts.values()),
           "wall_s": round(time.perf_counter() - started, 3)}
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result if args.command == "snapshot" else doc, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
