"""Faults: throttling with fractional Retry-After, 503s, jitter, read-after-write lag, short-lived tokens.

The apply (role settings over 25+ roles, eligible and active assignments) runs over three tenants
against a faulty emulator and against a fault-free one. It must converge, a second run must change
nothing, the tenants must end up exactly as the fault-free run left them, and no schedule may exist twice.
"""

from __future__ import annotations

import pytest

import _harness as h

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
