# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Approvers looked up in the round trips of the roles and policies (issue 19.4): a head start only.

``Resolver.principal_reads`` turns the first lookup into reads a caller sends with its own (``read_many``);
whatever they do not settle, ``Resolver.principals`` reads and reports as it always did.
"""

from __future__ import annotations

import pytest

from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver
from ansible_collections.entra.pim.plugins.module_utils._role_settings import read_roles_and_policies

GROUP = {"id": "g1", "displayName": "PIM-Approvers-Tier0", "isAssignableToRole": True}
USER = {"id": "u1", "displayName": "Alice", "userPrincipalName": "alice@contoso.com"}
SHARED_SP = {"id": "s1", "displayName": "Shared", "appId": "a1"}
SHARED_GROUP = {"id": "g2", "displayName": "Shared"}
ROLE = {"id": "r1", "templateId": "r1", "displayName": "Global Administrator"}
POLICY = {"id": "p1", "policyId": "DirectoryRole_t_p1", "roleDefinitionId": "r1", "scopeId": "/",
          "scopeType": "DirectoryRole", "policy": {"id": "DirectoryRole_t_p1", "rules": []}}


class Graph:
    """Answers from fixed collections; records every read, and whether it went through read_many."""

    def __init__(self, fail=()):
        self.calls, self.fail = [], set(fail)

    def _items(self, path):
        return {"/users": [USER], "/groups": [GROUP, SHARED_GROUP], "/servicePrincipals": [SHARED_SP],
                "/roleManagement/directory/roleDefinitions": [ROLE],
                "/policies/roleManagementPolicyAssignments": [POLICY]}.get(path, [])

    def _answer(self, read):
        items = [o for o in self._items(read["url"])
                 if "$filter" not in (read.get("params") or {}) or "displayName" not in read["params"]["$filter"]
                 or f"'{o.get('displayName')}'" in read["params"]["$filter"]]
        return items

    def read_many(self, reads):
        self.calls.append(("read_many", [r["url"] for r in reads]))
        return [{"items": [], "error": RuntimeError("refused")} if r["url"] in self.fail
                else {"items": self._answer(r), "error": None} for r in reads]

    def get_all(self, path, params=None):
        self.calls.append(("get_all", path))
        if path in self.fail:
            raise RuntimeError(f"{path} refused")
        return self._answer({"url": path, "params": params})


def _prefetched(graph, refs):
    resolver = Resolver(graph, sleep=lambda _s: None)
    plan = resolver.principal_reads(refs)
    resolver.take_principals(plan, graph.read_many([read for _what, _chunk, read in plan]))
    return resolver


def test_names_and_upns_found_in_the_shared_reads_cost_no_lookup_of_their_own():
    graph = Graph()
    refs = ["group:PIM-Approvers-Tier0", "alice@contoso.com", "00000000-0000-4000-8000-0000000000aa"]
    resolver = _prefetched(graph, refs)
    assert graph.calls == [("read_many", ["/users", "/groups"])]  # no read for an object id: getByIds does it
    found = resolver.principals(["group:PIM-Approvers-Tier0", "alice@contoso.com"], kinds=("user", "group"))
    assert found["group:PIM-Approvers-Tier0"]["id"] == "g1" and found["alice@contoso.com"]["id"] == "u1"
    assert len(graph.calls) == 1


def test_a_failed_shared_read_is_read_again_and_reports_as_before():
    graph = Graph(fail={"/groups"})
    resolver = _prefetched(graph, ["group:PIM-Approvers-Tier0"])
    with pytest.raises(RuntimeError, match="/groups refused"):
        resolver.principals(["group:PIM-Approvers-Tier0"], kinds=("user", "group"))


def test_a_name_shared_by_a_group_and_a_service_principal_is_left_to_principals_which_refuses_it():
    graph = Graph()
    resolver = _prefetched(graph, ["Shared"])
    assert graph.calls == [("read_many", ["/groups", "/servicePrincipals"])]
    with pytest.raises(ResolveError, match="'Shared' is ambiguous"):
        resolver.principals(["Shared"])


def test_read_roles_and_policies_sends_the_approver_lookup_in_the_same_round_trips():
    graph = Graph()
    resolver = Resolver(graph)
    policies = read_roles_and_policies(graph, resolver, ["group:PIM-Approvers-Tier0"])
    assert graph.calls == [("read_many", ["/policies/roleManagementPolicyAssignments",
                                          "/roleManagement/directory/roleDefinitions", "/groups"])]
    assert list(policies) == ["r1"]
    assert resolver.principals(["group:PIM-Approvers-Tier0"], kinds=("user", "group"))["group:PIM-Approvers-Tier0"]
    assert len(graph.calls) == 1
