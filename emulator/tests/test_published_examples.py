"""Microsoft's published request/response examples, replayed against the emulator (issue 13, item 4).

Each file in published_examples/ holds the examples of one page of the Graph API reference
(microsoftgraph/microsoft-graph-docs-contrib, ``api-reference/*/api/*.md``) for a route the collection
calls, copied as data with the page's path and commit: the request (method, URL, body), the documented
status and the response body. ``replay`` says how to send it here: which token (an app of the default seed,
or a seed user's MFA sign-in), and ``map``: literal strings of the example (its ids, its 2022 dates) and what
replaces them in the request, ``{user:NAME}`` (a seed user's id), ``{group:NAME}``, ``{sp:APP}``,
``{tenant}``, ``{now}``/``{now+P1D}`` (the emulated clock), ``{policy:ROLE_ID}`` (the role's PIM policy) or
``{saved:EXAMPLE.path}`` (a value from an earlier example's answer on the same page). ``before`` requests
prepare state (a request to cancel). ``differences`` (JSON paths, ``[*]`` for any index) are the
known differences from the example, each with its reason. The examples of a page replay in order, on an emulator of this
module's own reset to the default seed before each page, so a page's "remove" finds what its "assign" made.

The check: the emulator answers the documented status, with a body of the same shape as the example's
(shapes.py: same property names at each level, same JSON types; values may differ). Where the emulator
differs on purpose, ``replay.differences`` lists the difference with its reason; nothing else may differ.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from emu_harness import Emu, start_emulator, stop_emulator
from shapes import shape_differences

from pim_emulator.pim.durations import parse_duration

EXAMPLES_DIR = Path(__file__).resolve().parent / "published_examples"
PAGES = sorted(EXAMPLES_DIR.glob("*.json"))
GRAPH = re.compile(r"^https://graph\.microsoft\.com/(v1\.0|beta)")
INDEX = re.compile(r"\[\d+\]")  # "$.value[3].x" matches a recorded difference "$.value[*].x"
PLACEHOLDER = re.compile(r"\{(?P<kind>[a-z]+)(?::(?P<arg>[^{}]*)|(?P<shift>[+-]P[0-9A-Z]+))?\}")


def load(page: Path) -> dict:
    return json.loads(page.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def replay_emu(tmp_path_factory):
    """An emulator of this module's own: the examples write (assign, remove, patch) and must not leave
    state behind for the session's shared emulator."""
    e = start_emulator(tmp_path_factory.mktemp("published"))
    yield e
    stop_emulator(e)


class Replayer:
    def __init__(self, emu: Emu):
        self.emu = emu
        self.saved: dict[str, object] = {}
        self.tenant = emu.tenant("contoso")
        self.admin_token = emu.token("pim-admin")
        clock = emu.admin("GET", "clock").json()
        self.now = datetime.fromisoformat(clock["now"].replace("Z", "+00:00")).astimezone(timezone.utc)

    def token(self, who: str) -> str:
        kind, _, name = who.partition(":")
        return self.emu.signin(name) if kind == "signin" else self.emu.token(name)

    def _graph_id(self, path: str) -> str:
        r = self.emu.get(path, self.admin_token)
        assert r.status_code == 200 and r.json()["value"], f"replay set-up: {path} -> {r.status_code} {r.text[:300]}"
        return r.json()["value"][0]["id"]

    def resolve(self, text: str) -> str:
        def one(m: re.Match) -> str:
            kind, arg = m["kind"], m["arg"]
            if kind == "user":
                return self.emu.user(arg)["id"]
            if kind == "upn":
                return self.emu.user(arg)["userPrincipalName"]
            if kind == "tenant":
                return self.tenant["id"]
            if kind == "sp":
                return self.emu.app(arg)["service_principal_id"]
            if kind == "group":
                return self._graph_id(f"/groups?$filter=displayName eq '{arg}'")
            if kind == "policy":
                return self._graph_id("/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and "
                                      f"scopeType eq 'DirectoryRole' and roleDefinitionId eq '{arg}'").rsplit("_", 1)[0]
            if kind == "now":
                when, shift = self.now, m["shift"]
                if shift:
                    duration = parse_duration(shift[1:])
                    when = when + duration if shift[0] == "+" else when - duration
                return when.strftime("%Y-%m-%dT%H:%M:%SZ")
            if kind == "saved":
                name, _, field = arg.partition(".")
                value = self.saved[name]
                for part in field.split("."):
                    value = value[int(part)] if isinstance(value, list) else value[part]
                return str(value)
            raise AssertionError(f"unknown placeholder {m[0]}")
        return PLACEHOLDER.sub(one, text)

    def mapped(self, value, mapping: dict[str, str]):
        text = json.dumps(value)
        for literal, replacement in mapping.items():
            if literal in text:
                text = text.replace(literal, self.resolve(replacement))
        return json.loads(text)

    def send(self, request: dict, mapping: dict, token: str):
        url = self.mapped(request["url"], mapping)
        match = GRAPH.match(url)
        assert match, f"not a Graph URL: {url}"
        base = self.emu.graph_url if match[1] == "v1.0" else self.emu.graph_url.rsplit("/v1.0", 1)[0] + "/beta"
        headers = {"Authorization": f"Bearer {token}", **request.get("headers", {})}
        body = self.mapped(request["body"], mapping) if "body" in request else None
        return self.emu.http.request(request["method"], base + url[match.end():], json=body, headers=headers)


def replay_page(emu: Emu, page: dict) -> tuple[list[str], int]:
    """Replay every example of one page in order; the differences found, and how many were replayed."""
    r = Replayer(emu)
    problems: list[str] = []
    replayed = 0
    for example in page["examples"]:
        plan = example.get("replay")
        if not plan or plan.get("skip"):
            continue
        token = r.token(plan.get("token", "app:pim-admin"))
        mapping = plan.get("map", {})
        for step in plan.get("before", []):
            step_token = r.token(step["token"]) if "token" in step else token
            answer = r.send(step, {**mapping, **step.get("map", {})}, step_token)
            assert answer.status_code == step["status"], f"{example['name']} set-up {step['url']}: {answer.text[:400]}"
            if "save" in step:
                r.saved[step["save"]] = answer.json()
        answer = r.send(example["request"], mapping, token)
        replayed += 1
        expected = example["response"]
        if answer.status_code != expected["status"]:
            problems.append(f"{example['name']}: status {answer.status_code} "
                            f"where the example has {expected['status']}: "
                            f"{answer.text[:400]}")
            continue
        body = answer.json() if answer.content else None
        r.saved[example["name"]] = body
        if expected.get("body") is None:
            if body is not None:
                problems.append(f"{example['name']}: a body where the example has none")
            continue
        allowed = {d["path"] for d in plan.get("differences", [])}
        found = [d for d in shape_differences(expected["body"], body, expected.get("truncated", True))
                 if INDEX.sub("[*]", d.split(": ", 1)[0]) not in allowed]
        reference_items = expected["body"].get("value") if isinstance(expected["body"], dict) else None
        if reference_items and not body.get("value"):
            found.append("$.value: empty, so the items' shape went unchecked (the replay must select seeded objects)")
        problems.extend(f"{example['name']}: {d}" for d in found)
    return problems, replayed


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_published_example_replays_with_the_documented_status_and_shape(replay_emu, page):
    assert replay_emu.admin("POST", "reset").status_code == 200  # every page starts from the default seed
    problems, replayed = replay_page(replay_emu, load(page))
    assert replayed, f"{page.name}: no example replayed"
    assert not problems, "\n".join(problems)


def test_every_example_names_its_source_and_says_how_it_replays():
    """The files are facts with their source: a reader can open the page at the commit they came from."""
    assert PAGES
    for page in PAGES:
        doc = load(page)
        source = doc["source"]
        assert source["repo"] == "microsoftgraph/microsoft-graph-docs-contrib", page.name
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), page.name
        assert source["path"].startswith("api-reference/") or source["path"].startswith("concepts/"), page.name
        assert source["url"].startswith("https://learn.microsoft.com/graph/"), page.name
        for example in doc["examples"]:
            assert {"name", "request", "response", "replay"} <= set(example), (page.name, example.get("name"))
            plan = example["replay"]
            assert plan.get("skip") or "token" in plan, (page.name, example["name"])
            for difference in plan.get("differences", []):
                assert difference["path"].startswith("$") and difference["reason"], (page.name, example["name"])


def test_the_shape_check_can_fail():
    """An invented property, a missing one, a changed type: each is reported."""
    reference = {"value": [{"id": "a", "status": "Provisioned", "scheduleInfo": {"startDateTime": "x"}}]}
    same_shape = {"value": [{"id": "b", "status": "Granted", "scheduleInfo": {"startDateTime": "y"}}]}
    assert shape_differences(reference, same_shape, truncated=False) == []
    assert shape_differences(reference, {"value": [{"id": "b", "status": "G", "scheduleInfo": {}}]}) == \
        ["$.value[0].scheduleInfo.startDateTime: missing"]
    assert shape_differences(reference, {"value": [{"id": "b", "status": 3, "scheduleInfo": None}]}) == \
        ["$.value[0].status: number where the reference has string"]
    assert shape_differences(reference, {"value": [{"id": "b", "status": "G", "scheduleInfo": {"startDateTime": "y"},
                                                    "invented": 1}]}, truncated=False) == \
        ["$.value[0].invented: not in the reference"]
