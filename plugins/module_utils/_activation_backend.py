# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph reads and writes behind pim_activation_info and pim_role_activation.

Private to the collection (leading underscore): may change in any release.

A whole tenant costs a handful of requests whatever its size: the role definitions, the two
instance lists, the pending requests, one ``getByIds`` per 1000 principals, and the audit log when
asked. Nothing here is per role or per principal. The shaping lives in ``_activation``.
"""

from __future__ import annotations

from ._activation import (
    ACTIVE, ELIGIBLE, attribute_groups, audit_filter, instance_filter, select, shape_audit, shape_instance,
    shape_request, signed_in, sort_key,
)
from ._client import GraphCallError
from ._policy import rules_to_settings
from ._resolve import Resolver, odata_quote

RM = "/roleManagement/directory"
INSTANCES = {ELIGIBLE: RM + "/roleEligibilityScheduleInstances", ACTIVE: RM + "/roleAssignmentScheduleInstances"}
REQUESTS = RM + "/roleAssignmentScheduleRequests"
MINE = "/filterByCurrentUser(on='principal')"
BY_IDS_LIMIT = 1000  # directoryObjects/getByIds takes at most 1000 ids


class ActivityReader:
    """Who is eligible, who is active, what waits for approval, what the audit log says."""

    def __init__(self, graph):
        self.graph = graph
        self.resolver = Resolver(graph)

    def roles_by_id(self):
        return {str(r["id"]).lower(): r for r in self.resolver.all_roles()}

    def instances(self, kind, role_ids=None, principal_ids=None, scope=None):
        flt = instance_filter(role_ids, principal_ids, scope)
        return self.graph.get_all(INSTANCES[kind], params={"$filter": flt} if flt else None)

    def pending_requests(self):
        return self.graph.get_all(REQUESTS, params={"$filter": "status eq 'PendingApproval'"})

    def principals_by_id(self, ids):
        """Every principal in one ``getByIds`` per 1000 ids; unknown ids are simply absent."""
        ids = sorted({str(i).lower() for i in ids if i})
        out = {}
        for start in range(0, len(ids), BY_IDS_LIMIT):
            answer = self.graph.post("/directoryObjects/getByIds", {
                "ids": ids[start:start + BY_IDS_LIMIT], "types": ["user", "group", "servicePrincipal"]},
                read=True) or {}
            for obj in answer.get("value", []):
                out[str(obj.get("id")).lower()] = obj
        return out

    def audit(self, since):
        return self.graph.get_all("/auditLogs/directoryAudits", params={"$filter": audit_filter(since)})

    def read(self, role_ids=None, principal_ids=None, scope=None, pending=True, since=None):
        """Everything ``pim_activation_info`` returns, plus warnings for the parts Graph refused."""
        warnings = []
        roles = self.roles_by_id()
        raw = {kind: self.instances(kind, role_ids, principal_ids, scope) for kind in (ELIGIBLE, ACTIVE)}
        requests = None
        if pending:
            try:
                requests = self.pending_requests()
            except GraphCallError as err:
                # Listing requests has been seen to demand ReadWrite (docs issue #22292): a read-only
                # scan still returns its instances and says what it could not see.
                if err.status not in (401, 403):
                    raise
                warnings.append("pending requests were not read: " + err.describe() +
                                " (grant RoleAssignmentSchedule.Read.Directory, or ReadWrite where Graph insists)")
        ids = [i.get("principalId") for rows in raw.values() for i in rows]
        ids += [r.get("principalId") for r in requests or []]
        principals = self.principals_by_id(ids)
        items = {kind: [shape_instance(i, kind, roles, principals) for i in rows] for kind, rows in raw.items()}
        attribute_groups(items[ELIGIBLE] + items[ACTIVE])
        result = {kind: sorted(select(rows, role_ids, principal_ids, scope), key=sort_key)
                  for kind, rows in items.items()}
        shaped = None
        if requests is not None:
            shaped = select([shape_request(r, roles, principals) for r in requests], role_ids, principal_ids, scope)
        result["pending_requests"] = shaped
        if since is not None:
            records = [shape_audit(r) for r in self.audit(since)]
            result["audit"] = select(records, role_ids, principal_ids, None) if role_ids or principal_ids \
                else records
        return result, warnings


class SelfActivation:
    """The signed-in user's own eligibilities, activations and activation requests."""

    def __init__(self, graph):
        self.graph = graph
        self.resolver = Resolver(graph)

    def who(self):
        """The signed-in identity from the token; ``/me`` only when the token cannot be read."""
        who = signed_in(self.graph.token_claims())
        if who["user_id"] is None:
            me = self.graph.get("/me", params={"$select": "id,userPrincipalName"}) or {}
            who.update(user_id=me.get("id"), delegated=True)
        return who

    def role(self, ref):
        return self.resolver.roles([ref])[ref]

    def scope(self, ref):
        return self.resolver.scopes([ref])[ref]

    def mine(self, kind):
        return self.graph.get_all(INSTANCES[kind] + MINE)

    def my_requests(self, role_id, scope):
        found = self.graph.get_all(REQUESTS + MINE, params={"$filter": f"roleDefinitionId eq {odata_quote(role_id)}"})
        return [r for r in found if (r.get("directoryScopeId") or "/") == scope]

    def activation_rules(self, role_id):
        """``settings.activation`` of the role's policy (as pim_role_setting_info shows it)."""
        flt = "scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq " + odata_quote(role_id)
        found = self.graph.get_all("/policies/roleManagementPolicyAssignments",
                                   params={"$filter": flt, "$expand": "policy($expand=rules)"})
        if not found:
            return None
        return rules_to_settings((found[0].get("policy") or {}).get("rules") or [])["activation"]

    def submit(self, body):
        return self.graph.post(REQUESTS, body) or {}

    def request(self, request_id):
        return self.graph.get(f"{REQUESTS}/{request_id}") or {}

    def cancel(self, request_id):
        return self.graph.post(f"{REQUESTS}/{request_id}/cancel", None)
