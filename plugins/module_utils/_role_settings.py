# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Graph side of pim_role_setting and pim_role_setting_info: read policies, write rules.

Private to the collection (leading underscore): may change in any release.

Reads are in bulk: one read of the role definitions, one of every directory-role policy with
its rules, one ``getByIds`` for the approvers' names. Writes are one ``PATCH`` per changed
policy carrying only the changed rules, sent through ``$batch`` (20 per request) as soon as
more than one policy changes. The mapping itself lives in ``_policy`` and does no I/O.
"""

from __future__ import annotations

from ._client import GraphCallError, GraphSession
from ._policy import approver_ids, principal_name
from ._resolve import match_roles

ALL_ROLES = "all"
POLICY_ASSIGNMENTS = "/policies/roleManagementPolicyAssignments"
DIRECTORY_ROLE_POLICIES = {
    # Graph requires both scope terms in this filter (fact sheet section 3).
    "$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'",
    "$expand": "policy($expand=rules)",
}


class RoleSettingsError(Exception):
    """A problem found after the reads and before any write."""


def wants_all(refs):
    return any(str(r).strip().lower() == ALL_ROLES for r in refs or [])


def select_roles(resolver, refs):
    """Role definitions for ``refs`` (``all`` = every role), in the order given, without duplicates."""
    if not refs or wants_all(refs):
        return sorted(resolver.all_roles(), key=lambda r: (r.get("displayName") or "").lower())
    found = match_roles(refs, resolver.all_roles())  # raises ResolveError with the closest names
    unique = {}
    for ref in refs:
        unique.setdefault(found[ref]["id"], found[ref])
    return list(unique.values())


def read_policies(graph):
    """roleDefinitionId (lower case) -> {"policy_id", "rules"}, for every directory role at once."""
    out = {}
    for assignment in graph.get_all(POLICY_ASSIGNMENTS, params=DIRECTORY_ROLE_POLICIES):
        policy = assignment.get("policy") or {}
        role_id = str(assignment.get("roleDefinitionId") or "").lower()
        out[role_id] = {"policy_id": policy.get("id") or assignment.get("policyId"),
                        "rules": policy.get("rules") or []}
    return out


def pair_roles_with_policies(roles, policies, skip_missing):
    """[(role, policy)]; a role named explicitly without a PIM policy is an error."""
    pairs, missing = [], []
    for role in roles:
        policy = None
        for key in (role.get("id"), role.get("templateId")):
            policy = policies.get(str(key or "").lower()) or policy
        if policy is None:
            missing.append(role.get("displayName") or role.get("id"))
        else:
            pairs.append((role, policy))
    if missing and not skip_missing:
        raise RoleSettingsError("no PIM policy found for role(s): " + ", ".join(missing) +
                                " (PIM manages directory roles at tenant scope '/')")
    return pairs


def approver_names(graph, pairs):
    """Approver object id (lower case) -> exportable name, with one ``getByIds`` (tolerant of deleted ones)."""
    ids = sorted({oid for pair in pairs for oid in approver_ids(pair[1]["rules"])})
    names = {}
    for start in range(0, len(ids), 1000):
        answer = graph.post("/directoryObjects/getByIds",
                            {"ids": ids[start:start + 1000], "types": ["user", "group"]}, read=True) or {}
        for obj in answer.get("value", []):
            kind = "group" if str(obj.get("@odata.type", "")).endswith("group") else "user"
            names[str(obj["id"]).lower()] = principal_name(dict(obj, type=kind))
    return names


def write_rules(graph, changes):
    """PATCH the changed rules of each policy; returns ``[(change, GraphCallError | None)]`` in order.

    ``changes`` are dicts with ``policy_id`` and ``bodies`` ({rule_id: body}). One policy goes
    as a plain PATCH; several go through ``$batch`` so 130 roles cost 7 write requests, not 130.
    """
    requests = [{"method": "PATCH", "url": f"/policies/roleManagementPolicies/{c['policy_id']}",
                 "body": {"rules": list(c["bodies"].values())}} for c in changes]
    if len(requests) == 1:
        try:
            graph.patch(requests[0]["url"], requests[0]["body"])
            return [(changes[0], None)]
        except GraphCallError as exc:  # reported per role by the module
            return [(changes[0], exc)]
    answers = graph.batch(requests)
    out = []
    for change, request, answer in zip(changes, requests, answers, strict=True):
        if answer is None:
            error = GraphSession.batch_error({"status": 0, "body": {"error": {
                "code": "NoAnswer", "message": "$batch returned no answer for this request"}}}, "PATCH", request["url"])
        else:
            error = GraphSession.batch_error(answer, "PATCH", request["url"])
        out.append((change, error))
    return out
