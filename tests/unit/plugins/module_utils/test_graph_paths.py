"""The Graph paths of the directory-role surface: spelled once, requested the way Graph documents them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _graph_paths as paths
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError

ROOT = Path(__file__).resolve().parents[4]
MODULE_UTILS = ROOT / "plugins" / "module_utils"
PLUGINS = ROOT / "plugins"


class Graph:
    """Answers getByIds with one object per id asked, and can fail from a given request on."""

    def __init__(self, fail_from=None):
        self.posts, self.fail_from = [], fail_from

    def post(self, path, body, read=False):
        assert read, "getByIds only reads: it must be retried like a GET"
        self.posts.append((path, body))
        if self.fail_from is not None and len(self.posts) > self.fail_from:
            raise GraphCallError(503, "ServiceUnavailable", "try later", method="POST", path=path)
        return {"value": [{"id": i} for i in body["ids"]]}

    def get_all(self, path, params=None):
        self.posts.append((path, params))
        return [{"roleDefinitionId": "r1"}]


def test_every_roles_policy_is_read_with_both_scope_terms_and_its_rules():
    path, params = paths.policy_assignments_for()
    assert path == "/policies/roleManagementPolicyAssignments"
    assert params == {"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'", "$expand": "policy($expand=rules)"}


def test_one_roles_policy_adds_the_role_as_a_quoted_literal():
    _path, params = paths.policy_assignments_for("o'brien")
    assert params["$filter"] == "scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq 'o''brien'"


def test_read_policy_assignments_sends_the_documented_read():
    graph = Graph()
    assert paths.read_policy_assignments(graph) == [{"roleDefinitionId": "r1"}]
    assert graph.posts == [paths.policy_assignments_for()]


def test_get_by_ids_takes_1000_ids_per_request_with_the_types_asked():
    ids = [f"id{n}" for n in range(2001)]
    graph = Graph()
    found = list(paths.principals_by_ids(graph, ids))
    assert [o["id"] for o in found] == ids
    assert [len(body["ids"]) for _path, body in graph.posts] == [1000, 1000, 1]
    assert all(path == "/directoryObjects/getByIds" and body["types"] == ["user", "group", "servicePrincipal"]
               for path, body in graph.posts)


def test_get_by_ids_without_types_asks_for_any_kind_and_no_ids_ask_nothing():
    assert paths.by_ids_bodies(["a"], None) == [{"ids": ["a"]}]
    graph = Graph()
    assert list(paths.principals_by_ids(graph, [])) == []
    assert graph.posts == []


def test_objects_of_earlier_requests_arrive_before_a_later_request_fails():
    graph = Graph(fail_from=1)
    seen = []
    with pytest.raises(GraphCallError):
        for obj in paths.principals_by_ids(graph, [f"id{n}" for n in range(1500)]):
            seen.append(obj["id"])
    assert len(seen) == 1000


def test_a_policy_is_patched_at_its_own_path():
    assert paths.policy_path("Directory_abc") == "/policies/roleManagementPolicies/Directory_abc"


def _string_literals(path):
    return [node.value for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Constant)
            and isinstance(node.value, str)]


@pytest.mark.parametrize("endpoint", ["getByIds", "roleManagementPolicyAssignments", "roleManagementPolicies",
                                      "/roleManagement/directory", "scopeType eq 'DirectoryRole'",
                                      "policy($expand=rules)", "filterByCurrentUser", "/directoryObjects",
                                      "/users", "/groups", "/servicePrincipals", "/auditLogs", "/me"])
def test_no_other_module_utils_file_spells_a_graph_endpoint(endpoint):
    """Docstrings and comments may name an endpoint; code must take it from _graph_paths."""
    spelled = []
    for path in sorted(MODULE_UTILS.glob("*.py")):
        if path.name == "_graph_paths.py":
            continue
        docstrings = {ast.get_docstring(n, clean=False) for n in ast.walk(ast.parse(path.read_text()))
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
        for text in _string_literals(path):
            if text in docstrings:
                continue
            if text.startswith(endpoint) if endpoint.startswith("/") else endpoint in text:
                spelled.append(f"{path.name}: {text!r}")
    assert not spelled, f"spell {endpoint} in _graph_paths only: {spelled}"


def _duration_patterns(path):
    """String literals shaped like an ISO 8601 duration pattern (hour and second groups: ``...H)?...S)?``)."""
    return [t for t in _string_literals(path) if "H)?" in t and "S)?" in t]


def test_iso_8601_durations_are_parsed_in_one_place():
    """_schedule holds the collection's one duration parser (the emulator's own is test tooling, not shipped)."""
    assert _duration_patterns(MODULE_UTILS / "_schedule.py")  # the check sees the parser it protects
    others = [str(p.relative_to(ROOT)) for p in sorted(PLUGINS.rglob("*.py"))
              if p.name != "_schedule.py" and _duration_patterns(p)]
    assert others == []


def test_the_readme_layout_names_every_module_utils_file():
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    missing = [p.stem for p in sorted(MODULE_UTILS.glob("_*.py")) if not re.search(rf"\b{p.stem}\b", layout)]
    assert missing == []
