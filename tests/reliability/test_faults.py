"""Faults: throttling with fractional Retry-After, 503s, jitter, read-after-write lag, short-lived tokens.

The apply (role settings over 25+ roles, eligible and active assignments) runs over three tenants
against a faulty emulator and against a fault-free one. It must converge, a second run must change
nothing, the tenants must end up exactly as the fault-free run left them, and no schedule may exist twice.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import urllib.parse
import urllib.request

import pytest

import _harness as h
from _fault_proxy import FaultProxy

SEEDS = (7, 1234, 99) if h.LONG else (7,)
FAULT_ARGS = ["--fault-429", "0.1", "--fault-503", "0.05", "--retry-after", "0.35", "--latency-ms", "5",
              "--jitter-ms", "40", "--read-after-write-lag-ms", "1000", "--token-lifetime", "3"]
TENANTS = (0, 1, 2)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tenants' normalised state after a fault-free apply."""
    wd = tmp_path_factory.mktemp("faults-ref")
    emu = h.Emu(wd / "emu")
    try:
        play = h.write_play(wd, "apply", h.scenario_tasks())
        run = h.run_playbook(wd, play, h.inventory(emu, TENANTS), args=["--forks", "3"])
        assert run.rc == 0, run.tail()
        yield {i: h.normalise(emu.state(i)) for i in TENANTS}
    finally:
        emu.stop()


@pytest.mark.parametrize("seed", SEEDS)
def test_apply_converges_under_faults(tmp_path, reference, figures, seed):
    emu = h.Emu(tmp_path / "emu", [*FAULT_ARGS, "--fault-seed", str(seed)])
    try:
        play = h.write_play(tmp_path, "apply", h.scenario_tasks())
        inv = h.inventory(emu, TENANTS)
        first = h.run_playbook(tmp_path, play, inv, args=["--forks", "3"])
        assert first.rc == 0, first.tail()
        assert all(host["failed"] == 0 for host in first.recap.values()), first.tail()
        second = h.run_playbook(tmp_path, play, inv, args=["--forks", "3"])
        assert second.rc == 0, second.tail()
        assert second.changed == 0, "second run under faults changed something:\n" + second.tail()

        stats = emu.stats()
        injected = stats["faults_injected"]
        assert injected.get("429", 0) > 0 and injected.get("503", 0) > 0, f"no faults were injected: {stats}"
        assert "401" not in stats["by_status"], f"a request was refused for its token: {stats['by_status']}"
        # 3 s tokens over runs that last longer: each module process had to fetch fresh tokens mid-run,
        # without the user seeing anything (rc 0 above).
        module_runs = len(TENANTS) * len(play.read_text().split('"register"')[1:]) * 2
        assert stats["token_requests"] > module_runs, f"tokens were not refreshed mid-run: {stats}"
        for i in TENANTS:
            data = emu.state(i)
            assert h.duplicate_schedules(data) == []
            diff = h.state_diff(reference[i], h.normalise(data))
            assert diff == [], f"tenant {emu.tenants[i]['name']} differs from the fault-free run: {diff}"
        figures(f"faults.seed{seed}", {"injected": injected, "requests": stats["requests"],
                                       "token_requests": stats["token_requests"], "lost": 0,
                                       "seconds": round(first.seconds + second.seconds, 1)})
    finally:
        emu.stop()


def test_scripted_failure_of_a_policy_patch_is_retried(tmp_path, figures):
    """A scripted 503 on the 1st and 2nd policy PATCH (in its $batch item): retried, applied once."""
    emu = h.Emu(tmp_path / "emu")
    try:
        emu.faults(rules=[{"method": "PATCH", "path": "^/policies/roleManagementPolicies/", "nth": 1, "times": 2,
                           "status": 503, "retry_after": 0.25},
                          {"method": "POST", "path": "ScheduleRequests$", "nth": 2, "times": 1, "status": 429,
                           "retry_after": 0.4}])
        play = h.write_play(tmp_path, "apply", h.scenario_tasks())
        run = h.run_playbook(tmp_path, play, h.inventory(emu, [0]))
        assert run.rc == 0, run.tail()
        fired = [r["fired"] for r in emu.admin("faults")["rules"]]
        assert fired[0] == 2, fired
        again = h.run_playbook(tmp_path, play, h.inventory(emu, [0]))
        assert again.rc == 0 and again.changed == 0, again.tail()
        assert h.duplicate_schedules(emu.state(0)) == []
        figures("faults.scripted_fired", sum(fired))
    finally:
        emu.stop()


# -- a hostile network: resets, cut bodies, HTML error pages, looping pages, sign-in faults (issue 17) ----
# These go through tests/reliability/_fault_proxy.py, a TLS-terminating proxy in front of the emulator.
# GraphSession is driven directly (the module code path, without ansible's process start-up), and one
# playbook run shows a module keeping its tenant through the same faults.
sys.path.insert(0, str(h.COLLECTIONS))
from ansible_collections.entra.pim.plugins.module_utils._auth import AuthError  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._client import (  # noqa: E402
    GraphCallError,
    GraphSession,
    WriteOutcomeUnknown,
)

ROLE_DEFS = "/roleManagement/directory/roleDefinitions"
FIRST = ROLE_DEFS + "$"  # the first page only (the emulator pages role definitions like Graph can)
POLICY_ASSIGNMENTS = "/policies/roleManagementPolicyAssignments"
REPORTS_READER = "4a5d8f65-41da-4de4-8968-e035b65339cf"  # built-in role template id (Microsoft Entra built-in roles)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    emu = h.Emu(tmp_path_factory.mktemp("proxied"))
    proxy = FaultProxy(emu.info)
    yield emu, proxy
    proxy.stop()
    emu.stop()


@pytest.fixture
def session(net):
    """``session(max_retries=, timeout=, **auth overrides)``: a GraphSession of tenant 0 through the proxy."""
    emu, proxy = net
    proxy.clear()
    made = []

    def make(max_retries=3, timeout=20, **overrides):
        graph = GraphSession({**proxy.auth(emu.auth(0)), **overrides}, max_retries=max_retries, timeout=timeout)
        made.append(graph)
        return graph

    yield make
    for graph in made:
        graph.close()


def _token(emu: h.Emu, index: int) -> str:
    tenant, cred = emu.tenants[index], emu.app(index, "pim-admin")
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": cred["client_id"],
                                   "client_secret": cred["client_secret"],
                                   "scope": "https://graph.microsoft.com/.default"}).encode()
    ctx = ssl.create_default_context(cafile=emu.info["ca_bundle"])
    url = f"{emu.info['authority_host']}/{tenant['id']}/oauth2/v2.0/token"
    with urllib.request.urlopen(urllib.request.Request(url, data=body), context=ctx, timeout=30) as resp:  # noqa: S310
        return json.loads(resp.read())["access_token"]


@pytest.mark.parametrize("status, retry_after", [(429, "0.2"), (503, None), (504, "1")])
def test_html_error_pages_are_retried(net, session, status, retry_after):
    _emu, proxy = net
    proxy.add("html", method="GET", path=FIRST, status=status, retry_after=retry_after, times=2)
    graph = session()
    roles = graph.get_all(ROLE_DEFS)
    assert len(roles) > 100
    assert proxy.count("GET", FIRST) == 3 and graph.retries == 2


@pytest.mark.parametrize("action", ["reset", "truncate"])
def test_reset_and_cut_reads_are_retried(net, session, action):
    _emu, proxy = net
    proxy.add(action, method="GET", path=FIRST, times=2)
    proxy.add(action, method="POST", path="getByIds$")
    graph = session()
    roles = graph.get_all(ROLE_DEFS)
    assert len(roles) > 100 and proxy.count("GET", FIRST) == 3
    found = graph.post("/directoryObjects/getByIds", {"ids": [roles[0]["id"]]}, read=True)
    assert "value" in found and proxy.count("POST", "getByIds$") == 2


def test_read_retries_on_a_dead_connection_are_bounded(net, session):
    _emu, proxy = net
    proxy.add("reset", method="GET", path=FIRST, times=1000)
    graph = session(max_retries=2)
    with pytest.raises(GraphCallError) as err:
        graph.get_all(ROLE_DEFS)
    assert err.value.code == "ConnectionFailed"
    assert proxy.count("GET", FIRST) == 3


def test_a_repeating_next_link_is_not_followed_forever(net, session, figures):
    _emu, proxy = net
    # From page 2 on, every page's nextLink points back at itself (page 2 forever).
    proxy.add("loop_next_link", method="GET", path=ROLE_DEFS, nth=2, times=100000)
    graph = session()
    with pytest.raises(GraphCallError) as err:
        graph.get_all(ROLE_DEFS, params={"$top": 10})
    assert err.value.code == "PagingLoop"
    assert proxy.count("GET", ROLE_DEFS) == 2
    figures("faults.paging_loop_requests", proxy.count("GET", ROLE_DEFS))


def test_page_count_is_bounded(net, session):
    _emu, proxy = net
    graph = session()
    graph.max_pages = 3
    with pytest.raises(GraphCallError) as err:
        graph.get_all(ROLE_DEFS, params={"$top": 10})
    assert err.value.code == "TooManyPages" and proxy.count("GET", ROLE_DEFS) == 3


def _policy_rule(graph):
    found = graph.get_all(POLICY_ASSIGNMENTS, params={
        "$filter": f"scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{REPORTS_READER}'",
        "$expand": "policy($expand=rules)"})
    policy = found[0]["policy"]
    rule = next(r for r in policy["rules"] if r["id"] == "Expiration_EndUser_Assignment")
    return f"/policies/roleManagementPolicies/{policy['id']}/rules/{rule['id']}", rule


@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
def test_a_write_whose_answer_is_lost_is_outcome_unknown_and_not_resent(net, session, batched):
    emu, proxy = net
    graph = session()
    path, rule = _policy_rule(graph)
    duration = "PT7H" if batched else "PT6H"
    body = {**rule, "maximumDuration": duration}
    writes_before = emu.stats(0)["writes"]
    proxy.add("reset", after=True, method="POST" if batched else "PATCH", path=r"\$batch$" if batched else "rules/")
    with pytest.raises(WriteOutcomeUnknown) as err:
        if batched:
            graph.batch([{"method": "PATCH", "url": path, "body": body}])
        else:
            graph.patch(path, body)
    assert err.value.code == "WriteOutcomeUnknown" and "re-read" in err.value.hint
    # sent once, never blindly again - and it did land, which is why only a re-read can tell
    assert proxy.count("POST" if batched else "PATCH", r"\$batch$" if batched else "rules/") == 1
    assert emu.stats(0)["writes"] == writes_before + 1
    assert _policy_rule(graph)[1]["maximumDuration"] == duration


def test_token_endpoint_failure_is_the_identity_platform_not_the_secret(net, session):
    emu, proxy = net
    proxy.add("html", path="/oauth2/v2.0/token$", status=500, times=100)
    graph = session()
    with pytest.raises(GraphCallError) as err:
        graph.get(ROLE_DEFS)
    msg = str(err.value)
    assert err.value.code == "IdentityPlatformError" and err.value.status == 500
    assert proxy.url in msg and "not of the credential" in msg
    assert "secret" not in msg.lower()
    assert emu.auth(0)["client_secret"] not in msg
    assert proxy.count("POST", "/oauth2/v2.0/token$") <= 3  # azure-core's retries, bounded


def test_timeout_bounds_sign_in(net, session):
    _emu, proxy = net
    proxy.add("hang", path="/oauth2/v2.0/token$", times=100)
    graph = session(timeout=2)
    with pytest.raises(GraphCallError) as err:
        graph.get(ROLE_DEFS)
    assert err.value.code == "SignInTimeout", str(err.value)
    assert proxy.url in str(err.value) and "timeout of 2 s" in str(err.value)
    assert proxy.count("POST", "/oauth2/v2.0/token$") <= 3


def test_tls_failure_at_the_authority_names_the_authority(net, session, tmp_path):
    emu, proxy = net
    from pim_emulator.tls import make_server_tls

    untrusted = make_server_tls(str(tmp_path / "other-ca"))
    impostor = FaultProxy({"authority_host": emu.info["authority_host"], "ca_bundle": untrusted.ca_path})
    try:
        graph = session(authority_host=impostor.url)  # Graph through the trusted proxy, sign-in at the impostor
        with pytest.raises(GraphCallError) as err:
            graph.get(ROLE_DEFS)
        msg = str(err.value)
        assert err.value.code == "TLSVerificationFailed"
        assert f"the authority {impostor.url}" in msg and "/v1.0" not in msg.split("hint:", maxsplit=1)[0]
    finally:
        impostor.stop()


def test_unreachable_authority_is_not_blamed_on_the_secret(net, session):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    graph = session(authority_host=f"https://127.0.0.1:{port}")
    with pytest.raises(GraphCallError) as err:
        graph.get(ROLE_DEFS)
    assert err.value.code == "AuthorityUnreachable" and f"https://127.0.0.1:{port}" in str(err.value)
    assert "secret" not in str(err.value).lower()


def test_emulator_without_authority_host_says_to_set_it(net, session, monkeypatch):
    """Issue 14.7: graph_url set to the emulator, authority_host forgotten. Sign-in goes to Microsoft's
    authority; a proxy that refuses connections stands in for a machine without internet access."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    graph = session(authority_host=None)
    with pytest.raises(GraphCallError) as err:
        graph.get(ROLE_DEFS)
    msg = str(err.value)
    assert err.value.code in ("AuthorityUnreachable", "SignInTimeout"), msg
    assert "https://login.microsoftonline.com" in msg and "set authority_host" in msg
    assert "secret" not in msg.lower()


def test_access_token_of_another_tenant_is_refused_before_any_request(net, session):
    emu, proxy = net
    other = _token(emu, 1)
    graph = session(auth_method="access_token", access_token=other, client_secret=None)
    requests_before = emu.stats()["requests"]
    with pytest.raises(AuthError) as err:
        graph.get(ROLE_DEFS)
    assert emu.tenants[0]["id"] in str(err.value) and emu.tenants[1]["id"] in str(err.value)
    assert other not in str(err.value)
    assert emu.stats()["requests"] == requests_before and proxy.count() == 0


def test_module_keeps_its_tenant_through_resets_cut_bodies_and_html_pages(net, tmp_path):
    """pim_role_setting through ansible-playbook, every kind of read fault once: it converges."""
    emu, proxy = net
    proxy.clear()
    # The module reads the role definitions and policies together in a $batch (issue 19.4): its first $batch
    # is reset, the resent one cut short (rules are tried in order, the first that fires wins), the next read.
    proxy.add("reset", method="POST", path=r"\$batch$")
    proxy.add("truncate", method="POST", path=r"\$batch$")
    # a gateway's HTML 503 in front of the write: Graph never saw it, the module sends it again
    proxy.add("html", method="PATCH", path="roleManagementPolicies/", status=503, retry_after="0.3")
    task = {"name": "settings", "entra.pim.pim_role_setting": {"roles": ["Reports Reader"],
                                                               "activation": {"max_duration": "PT3H"}},
            "register": "settings"}
    inv = {"all": {"hosts": {"t0": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                    "pim_auth": proxy.auth(emu.auth(0))}}}}
    play = h.write_play(tmp_path, "proxied", [task])
    run = h.run_playbook(tmp_path, play, inv)
    assert run.rc == 0, run.failures()
    assert {"reset", "truncate", "html"} <= {what for _m, _p, what in proxy.log}, "\n".join(map(str, proxy.log))
    again = h.run_playbook(tmp_path, play, inv)
    assert again.rc == 0 and again.changed == 0, again.failures()
    policy = next(p for p in emu.state(0)["roleManagementPolicies"].values()
                  if p.get("_roleDefinitionId") == REPORTS_READER)
    rule = next(r for r in policy["_rules"] if r["id"] == "Expiration_EndUser_Assignment")
    assert rule["maximumDuration"] == "PT3H"


def test_plain_http_graph_only_with_the_opt_in_on_loopback(net):
    """allow_insecure_http end to end: plain HTTP to a loopback Graph works only when asked for."""
    emu, _proxy = net
    plain = FaultProxy(emu.info, plain=True)
    try:
        auth = plain.auth(emu.auth(0), keys=("graph_url",))  # sign-in stays https at the emulator
        assert auth["graph_url"].startswith("http://127.0.0.1:")
        with pytest.raises(AuthError, match="clear text"):
            GraphSession(auth).get(ROLE_DEFS)
        assert plain.count() == 0
        graph = GraphSession({**auth, "allow_insecure_http": True})
        try:
            assert len(graph.get_all(ROLE_DEFS)) > 100
        finally:
            graph.close()
        assert plain.count("GET", FIRST) == 1
    finally:
        plain.stop()
