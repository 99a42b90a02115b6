# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access review modules' documentation against their argument specs, and the info reads' batching."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.entra.pim.plugins.module_utils import _access_review_backend as backend
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
from ansible_collections.entra.pim.plugins.modules import pim_access_review, pim_access_review_info


def _shape(doc_options):
    out = {}
    for name, doc in doc_options.items():
        spec = {"type": doc.get("type", "str")}
        for key in ("elements", "required", "choices", "default"):
            if doc.get(key) is not None and doc.get(key) is not False:
                spec[key] = doc[key]
        out[name] = spec
    return out


def _spec(spec):
    return {name: {k: v for k, v in opt.items() if v is not None and v is not False} for name, opt in spec.items()}


@pytest.mark.parametrize("module", [pim_access_review, pim_access_review_info])
def test_docs_match_the_spec(module):
    assert _shape(yaml.safe_load(module.DOCUMENTATION)["options"]) == _spec(module.argument_spec())


@pytest.mark.parametrize("module", [pim_access_review, pim_access_review_info])
def test_examples_and_return_are_yaml(module):
    assert yaml.safe_load(module.EXAMPLES)
    assert "reviews" in yaml.safe_load(module.RETURN)


class FakeGraph:
    """Answers read_many from canned lists by URL, counting the rounds (each round is one $batch)."""

    def __init__(self, lists, fail=None):
        self.lists, self.fail, self.rounds = lists, fail or set(), []

    def read_many(self, reads):
        self.rounds.append([r["url"] for r in reads])
        return [{"items": self.lists.get(r["url"], []),
                 "error": GraphCallError(403, "Forbidden", "no", method="GET", path=r["url"])
                 if r["url"] in self.fail else None} for r in reads]


BASE = "/identityGovernance/accessReviews/definitions"


def test_last_instances_and_decisions_in_two_rounds():
    graph = FakeGraph({
        f"{BASE}/d1/instances": [{"id": "i1", "startDateTime": "2026-01-01T00:00:00Z", "status": "Completed"},
                                 {"id": "i2", "startDateTime": "2026-04-01T00:00:00Z", "status": "InProgress"}],
        f"{BASE}/d2/instances": [],
        f"{BASE}/d1/instances/i2/decisions": [{"decision": "Approve"}, {"decision": "NotReviewed"}],
    })
    last = backend.read_last_instances(graph, [{"id": "d1"}, {"id": "d2"}])
    assert len(graph.rounds) == 2 and graph.rounds[1] == [f"{BASE}/d1/instances/i2/decisions"]
    assert last["d2"] is None
    assert last["d1"]["ids"] == ["i2"] and last["d1"]["decisions"]["approve"] == 1 \
        and last["d1"]["decisions"]["not_reviewed"] == 1 and last["d1"]["decisions"]["total"] == 2


def test_a_refused_read_is_raised_not_hidden():
    graph = FakeGraph({}, fail={f"{BASE}/d1/instances"})
    with pytest.raises(GraphCallError):
        backend.read_last_instances(graph, [{"id": "d1"}])


def test_without_decisions_one_round():
    graph = FakeGraph({f"{BASE}/d1/instances": [{"id": "i1", "startDateTime": "2026-01-01T00:00:00Z"}]})
    last = backend.read_last_instances(graph, [{"id": "d1"}], with_decisions=False)
    assert len(graph.rounds) == 1 and "decisions" not in last["d1"]


def test_every_instance_of_the_last_occurrence_is_counted():
    graph = FakeGraph({
        f"{BASE}/d1/instances": [{"id": "ga", "startDateTime": "2026-04-01T00:00:00Z", "status": "InProgress"},
                                 {"id": "pra", "startDateTime": "2026-04-01T00:00:00Z", "status": "InProgress"}],
        f"{BASE}/d1/instances/ga/decisions": [{"decision": "Approve"}],
        f"{BASE}/d1/instances/pra/decisions": [{"decision": "Deny"}, {"decision": "NotReviewed"}],
    })
    last = backend.read_last_instances(graph, [{"id": "d1"}])
    assert len(graph.rounds) == 2 and len(graph.rounds[1]) == 2
    assert last["d1"]["ids"] == ["ga", "pra"]
    assert (last["d1"]["decisions"]["approve"], last["d1"]["decisions"]["deny"], last["d1"]["decisions"]["total"]) \
        == (1, 1, 3)


def test_a_refusal_names_the_access_review_permission():
    write = backend.with_permission_hint(GraphCallError(403, "Authorization_RequestDenied", "Insufficient privileges",
                                                        method="POST", path=BASE), True)
    assert "AccessReview.ReadWrite.All" in write.describe("Writing") and "Directory.Read.All" not in write.describe()
    read = backend.with_permission_hint(GraphCallError(403, "Forbidden", "no", method="GET", path=BASE), False)
    assert "AccessReview.Read.All" in read.describe()
    other = backend.with_permission_hint(GraphCallError(400, "BadRequest", "no", method="POST", path=BASE), True)
    assert other.hint is None
    roles = backend.with_permission_hint(GraphCallError(403, "Authorization_RequestDenied", "no", method="GET",
                                                        path="/roleManagement/directory/roleDefinitions"), False)
    assert "AccessReview" not in (roles.hint or "")


class WriteGraph:
    """A session whose POSTs answer from a script; ``landed`` says whether each POST created the review."""

    def __init__(self, script):
        self.script, self.posts, self.held, self.max_retries, self.retries = list(script), 0, [], 3, 0

    def post(self, path, body):
        self.posts += 1
        assert self.max_retries == 0, "a creation must go out with the session's retries off"
        status, landed = self.script.pop(0)
        if landed:
            self.held.append({"id": f"d{self.posts}", "displayName": body["displayName"]})
        if status >= 400 or status == 0:
            raise GraphCallError(status, "ServiceUnavailable" if status else "WriteOutcomeUnknown", "x",
                                 method="POST", path=path)
        return self.held[-1]

    def get_all(self, path, params=None):
        return list(self.held)


def test_a_create_whose_answer_is_lost_is_settled_not_resent():
    graph = WriteGraph([(503, True)])
    assert backend.create_once(graph, {"displayName": "R"}, "R", sleep=lambda s: None) == ("d1", True)
    assert graph.posts == 1 and len(graph.held) == 1 and graph.max_retries == 3


def test_a_create_that_did_not_land_is_sent_again():
    graph = WriteGraph([(0, False), (201, True)])
    assert backend.create_once(graph, {"displayName": "R"}, "R", sleep=lambda s: None) == ("d2", False)
    assert graph.posts == 2 and len(graph.held) == 1


def test_a_refused_create_is_not_retried():
    graph = WriteGraph([(400, False)])
    with pytest.raises(GraphCallError):
        backend.create_once(graph, {"displayName": "R"}, "R", sleep=lambda s: None)
    assert graph.posts == 1 and graph.max_retries == 3
