"""The Graph calls entra.pim makes, sent to one target (a real tenant or the emulator), with the shape of
each answer recorded: the live check's (``make live-check``) half that needs no Ansible.

The calls are the collection's own (plugins/module_utils): the same routes, query options and request
bodies. Each ``Step`` records the status and the property names at each level of the answer
(``shapes.key_sets``), never a value, so a report can be shared without leaking tenant data.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "emulator" / "tests"))
from shapes import IGNORED_KEYS, key_sets  # noqa: E402 - emulator/tests is not a package

RM = "/roleManagement/directory"
POLICY_ASSIGNMENTS = ("/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq "
                      "'DirectoryRole'&$expand=policy($expand=rules)")
# Instance annotations Graph adds for information only (e.g. "@microsoft.graph.tips"): never part of a shape.
NOT_SHAPE = (*IGNORED_KEYS, "@microsoft.graph.tips")


@dataclass
class Target:
    """Where to send the calls, and as whom (an app registration with a client secret)."""

    name: str
    tenant_id: str
    client_id: str
    client_secret: str
    graph_url: str = "https://graph.microsoft.com/v1.0"
    authority_host: str = "https://login.microsoftonline.com"
    ca_bundle: str | None = None
    _token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, prefix: str = "ENTRA_PIM_LIVE_") -> Target | None:
        env = {k[len(prefix):].lower(): v for k, v in os.environ.items() if k.startswith(prefix) and v}
        if not {"tenant_id", "client_id", "client_secret"} <= set(env):
            return None
        return cls("tenant", env["tenant_id"], env["client_id"], env["client_secret"],
                   env.get("graph_url", cls.graph_url).rstrip("/"),
                   env.get("authority_host", cls.authority_host).rstrip("/"), env.get("ca_bundle"))

    def auth_options(self) -> dict:
        """The collection's connection options (module_defaults) for this target."""
        out = {"tenant_id": self.tenant_id, "client_id": self.client_id, "client_secret": self.client_secret,
               "graph_url": self.graph_url, "authority_host": self.authority_host}
        if self.ca_bundle:
            out["ca_bundle"] = self.ca_bundle
        return out

    def client(self) -> httpx.Client:
        verify = ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else True
        return httpx.Client(verify=verify, timeout=60)

    def token(self, http: httpx.Client) -> str:
        """A client-credentials token, as azure-identity's ClientSecretCredential asks for one."""
        if self._token is None:
            r = http.post(f"{self.authority_host}/{self.tenant_id}/oauth2/v2.0/token", data={
                "grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret,
                "scope": "https://graph.microsoft.com/.default"})
            if r.status_code != 200:
                raise RuntimeError(f"{self.name}: token request failed with {r.status_code}: "
                                   f"{r.json().get('error_description', '')[:300] if r.content else ''}")
            self._token = r.json()["access_token"]
        return self._token


@dataclass
class Step:
    name: str
    method: str
    path: str
    status: int
    keys: dict[str, list[str]]
    error: str | None = None

    def as_json(self) -> dict:
        return {"name": self.name, "method": self.method, "path": self.path, "status": self.status,
                "keys": self.keys, "error": self.error}


class Session:
    """One target's run: every answer's status and key sets, in order."""

    def __init__(self, target: Target):
        self.target = target
        self.http = target.client()
        self.steps: list[Step] = []

    def close(self) -> None:
        self.http.close()

    def call(self, name: str, method: str, path: str, body=None, expect: tuple[int, ...] = (200,)) -> dict | None:
        headers = {"Authorization": f"Bearer {self.target.token(self.http)}"}
        if "$count=true" in path or "startswith(" in path:
            headers["ConsistencyLevel"] = "eventual"
        for attempt in range(6):  # honour throttling as the collection does (Retry-After, then give up)
            r = self.http.request(method, self.target.graph_url + path, json=body, headers=headers)
            if r.status_code not in (429, 503, 504) or attempt == 5:
                break
            time.sleep(min(float(r.headers.get("Retry-After") or 2), 30))
        try:
            answer = r.json() if r.content else None
        except ValueError:
            answer = None
        error = None
        if r.status_code not in expect:
            err = (answer or {}).get("error", {}) if isinstance(answer, dict) else {}
            error = f"{err.get('code')}: {str(err.get('message'))[:200]}"
        keys = {p: sorted(k for k in ks if k not in NOT_SHAPE) for p, ks in key_sets(answer).items()}
        self.steps.append(Step(name, method, path, r.status_code, keys, error))
        return answer if isinstance(answer, dict) else None


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_only(s: Session, role_name: str | None = None) -> dict:
    """The reads every entra.pim module makes; returns what the write phase needs (role, policy)."""
    select = "$select=id,displayName,templateId,isBuiltIn,isEnabled"
    roles = (s.call("role definitions", "GET", f"{RM}/roleDefinitions?{select}") or {}).get("value", [])
    s.call("role definitions (all properties)", "GET", f"{RM}/roleDefinitions")
    policies = (s.call("policy assignments with rules", "GET", POLICY_ASSIGNMENTS) or {}).get("value", [])
    for kind in ("roleEligibilityScheduleInstances", "roleAssignmentScheduleInstances",
                 "roleEligibilitySchedules", "roleAssignmentSchedules"):
        s.call(kind, "GET", f"{RM}/{kind}")
    s.call("pending activation requests", "GET",
           f"{RM}/roleAssignmentScheduleRequests?$filter=status eq 'PendingApproval'")
    s.call("eligibility requests", "GET", f"{RM}/roleEligibilityScheduleRequests")
    since = iso(datetime.now(timezone.utc) - timedelta(days=7))
    s.call("PIM audit", "GET",
           f"/auditLogs/directoryAudits?$filter=loggedByService eq 'PIM' and activityDateTime ge {since}")
    users = (s.call("users", "GET", "/users?$select=id,displayName,userPrincipalName,onPremisesImmutableId&$top=5")
             or {}).get("value", [])
    s.call("groups", "GET", "/groups?$select=id,displayName,isAssignableToRole&$top=5")
    s.call("service principals", "GET", "/servicePrincipals?$select=id,displayName,appId&$top=5")
    s.call("administrative units", "GET", "/directory/administrativeUnits?$top=5")
    if users:
        s.call("getByIds", "POST", "/directoryObjects/getByIds",
               {"ids": [u["id"] for u in users[:2]], "types": ["user", "group", "servicePrincipal"]})
    s.call("$batch of reads", "POST", "/$batch", {"requests": [
        {"id": "1", "method": "GET", "url": "/users?$select=id,userPrincipalName&$top=1"},
        {"id": "2", "method": "GET", "url": f"{RM}/roleDefinitions?$select=id,displayName&$top=1"}]})
    role = None
    if role_name:
        role = next((r for r in roles if r.get("displayName") == role_name), None)
        if role is None:
            raise LookupError(f"no directory role named {role_name!r} in {s.target.name}")
    policy = next((p.get("policy") for p in policies if role and p.get("roleDefinitionId") == role["id"]), None)
    return {"role": role, "policy": policy}


def reversible_setting(s: Session, policy: dict) -> None:
    """Set the role's activation maximum (Expiration_EndUser_Assignment) to another value (2 hours, or 3 if it
    is 2) and put it back, with the PATCH the collection sends (only the changed rule, in ``rules``)."""
    rule = next(r for r in policy["rules"] if r["id"] == "Expiration_EndUser_Assignment")
    original = dict(rule)
    changed = {**rule, "maximumDuration": "PT2H" if rule.get("maximumDuration") != "PT2H" else "PT3H"}
    path = f"/policies/roleManagementPolicies/{policy['id']}"
    try:
        s.call("set one role setting", "PATCH", path, {"rules": [changed]})
    finally:
        s.call("restore the role setting", "PATCH", path, {"rules": [original]})


def reversible_eligibility(s: Session, role_id: str, user_upn: str) -> None:
    """Make the test user eligible for the role for one day, read it back, and remove it again."""
    user = s.call("test user", "GET", f"/users/{user_upn}?$select=id,userPrincipalName") or {}
    if "id" not in user:
        raise LookupError(f"no user {user_upn!r} in {s.target.name}")
    body = {"action": "adminAssign", "principalId": user["id"], "roleDefinitionId": role_id, "directoryScopeId": "/",
            "justification": "entra.pim live check (removed again at once)",
            "scheduleInfo": {"startDateTime": iso(datetime.now(timezone.utc)),
                             "expiration": {"type": "afterDuration", "duration": "P1D"}}}
    s.call("add an eligibility", "POST", f"{RM}/roleEligibilityScheduleRequests", body, expect=(201,))
    flt = f"?$filter=principalId eq '{user['id']}' and roleDefinitionId eq '{role_id}'"
    for _attempt in range(12):  # Entra replicates new schedules within seconds to a minute
        found = s.call("the eligibility, read back", "GET", f"{RM}/roleEligibilitySchedules{flt}") or {}
        if found.get("value"):
            break
        s.steps.pop()
        time.sleep(5)
    s.call("remove the eligibility", "POST", f"{RM}/roleEligibilityScheduleRequests",
           {"action": "adminRemove", "principalId": user["id"], "roleDefinitionId": role_id, "directoryScopeId": "/",
            "justification": "entra.pim live check"}, expect=(201,))


def compare(tenant: list[Step], emulator: list[Step]) -> list[dict]:
    """Where the emulator's answers differ in shape from the tenant's, step by step. A level that only one
    side reached (an empty list on the other) is not compared: there is nothing to compare it with."""
    by_name = {s.name: s for s in emulator}
    out = []
    for t in tenant:
        e = by_name.get(t.name)
        if e is None:
            out.append({"step": t.name, "difference": "the emulator run has no such step"})
            continue
        if (t.status < 400) != (e.status < 400):
            out.append({"step": t.name,
                        "difference": f"status {e.status} from the emulator, {t.status} from the tenant",
                        "tenant_error": t.error, "emulator_error": e.error})
            continue
        for path in sorted(set(t.keys) & set(e.keys)):
            only_tenant = sorted(set(t.keys[path]) - set(e.keys[path]))
            only_emulator = sorted(set(e.keys[path]) - set(t.keys[path]))
            if only_tenant or only_emulator:
                out.append({"step": t.name, "path": path, "tenant_only": only_tenant, "emulator_only": only_emulator})
    return out


def write_report(path: Path, tenant: Session, emulator: Session, differences: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "graph_url": tenant.target.graph_url,
        "tenant_steps": [s.as_json() for s in tenant.steps],
        "emulator_steps": [s.as_json() for s in emulator.steps],
        "differences": differences}, indent=1))
