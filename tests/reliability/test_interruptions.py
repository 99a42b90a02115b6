"""Interruptions: the apply killed with SIGKILL (the whole process group, modules included) at random,
seeded points; every rerun converges to the state an uninterrupted run reaches, no schedule exists twice,
and nothing outside the declared scope (other roles' settings, other assignments, other tenants) changes.

Two declared states, A and B, cover the same scope with different values; each cycle starts from the
converged other one, so every cycle has plenty of writes to interrupt.
"""

from __future__ import annotations

import random
import threading
import time

import _harness as h

# The quick default keeps `make reliability` within a few minutes; CI runs the long mode (>= 20).
INTERRUPTIONS = 40 if h.LONG else 12
# One emulator each. A run is mostly waits (ansible's polling, TLS, the emulator), so four workers keep two
# cores busy; more only queue.
WORKERS = 4
SEED = 20260508


def _worker(index: int, cycles: int, workdir, report: dict) -> None:
    rng = random.Random(SEED + index)  # noqa: S311 - seeded kill times, not crypto
    emu = h.Emu(workdir / "emu")
    log = report.setdefault(index, {"kills": 0, "mid_write": 0, "finished_first": 0, "lost": 0, "problems": []})
    try:
        seed_state = emu.state(0)
        domain = emu.tenants[0]["domain"]
        others = {i: h.normalise(emu.state(i)) for i in (1, 2)}
        tasks = {v: h.scenario_tasks(v) for v in "AB"}
        plays = {v: h.write_play(workdir, f"apply{v}", tasks[v]) for v in "AB"}
        role_ids, pairs = h.declared_scope(seed_state, tasks["A"] + tasks["B"], domain)
        untouched = h.outside_scope(seed_state, role_ids, pairs)
        inv = h.inventory(emu, [0])

        # Uninterrupted references: A from the seed, B from A, A again from B (same as from the seed).
        ref, seconds = {}, {}
        for variant in ("ABA" if index == 0 else "AB"):
            run = h.run_playbook(workdir, plays[variant], inv)
            assert run.rc == 0, run.tail()
            state = h.normalise(emu.state(0))
            if variant in ref:
                assert h.state_diff(ref[variant], state) == [], "A reached from B differs from A reached from seed"
            ref[variant], seconds[variant] = state, run.seconds
        if index == 0:
            again = h.run_playbook(workdir, plays["A"], inv)
            assert again.rc == 0 and again.changed == 0, again.tail()

        current = "A"
        for cycle in range(cycles):
            target = "B" if current == "A" else "A"
            writes_before = emu.writes()
            proc = h.start_playbook(workdir, plays[target], inv, log_name=f"killed-{cycle}.log")
            # ansible-playbook needs about 1.5 s before the first module talks to Graph: aim after that.
            time.sleep(rng.uniform(1.5, max(2.0, seconds[target] * 0.95)))
            if proc.poll() is None:
                h.kill_group(proc)
                log["kills"] += 1
                log["mid_write"] += int(emu.writes() > writes_before)
            else:
                log["finished_first"] += 1
            data = emu.state(0)
            dups = h.duplicate_schedules(data)
            if dups:
                log["problems"].append(f"cycle {cycle}: duplicate schedules after the kill: {dups}")
            diff = h.state_diff(untouched, h.outside_scope(data, role_ids, pairs))
            if diff:
                log["problems"].append(f"cycle {cycle}: the kill changed something outside the scope: {diff}")
            rerun = h.run_playbook(workdir, plays[target], inv)
            if rerun.rc != 0:
                log["problems"].append(f"cycle {cycle}: the rerun failed:\n{rerun.tail(3000)}")
                log["lost"] += 1
                break
            diff = h.state_diff(ref[target], h.normalise(emu.state(0)))
            if diff:
                log["problems"].append(f"cycle {cycle}: the rerun did not converge to {target}: {diff}")
                log["lost"] += 1
            if h.LONG:
                calm = h.run_playbook(workdir, plays[target], inv)
                if calm.rc != 0 or calm.changed:
                    log["problems"].append(f"cycle {cycle}: a run after the rerun changed something:\n"
                                           f"{calm.tail(3000)}")
            current = target
        for i, before in others.items():
            diff = h.state_diff(before, h.normalise(emu.state(i)))
            if diff:
                log["problems"].append(f"tenant {emu.tenants[i]['name']} changed: {diff}")
    except Exception as exc:  # reported by the test below, with the others' results
        log["problems"].append(f"worker {index} aborted: {exc!r}")
    finally:
        emu.stop()


def test_killed_applies_converge_on_rerun(tmp_path, figures):
    report: dict = {}
    per_worker = [INTERRUPTIONS // WORKERS + (1 if i < INTERRUPTIONS % WORKERS else 0) for i in range(WORKERS)]
    threads = []
    for i, cycles in enumerate(per_worker):
        wd = tmp_path / f"w{i}"
        wd.mkdir()
        threads.append(threading.Thread(target=_worker, args=(i, cycles, wd, report), daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=1800)
    assert all(not t.is_alive() for t in threads), "a worker did not finish"
    total = {k: sum(r[k] for r in report.values()) for k in ("kills", "mid_write", "finished_first", "lost")}
    problems = [p for r in report.values() for p in r["problems"]]
    figures("interruptions", {**total, "tried": sum(per_worker)})
    assert problems == [], "\n".join(problems)
    assert total["lost"] == 0
    assert total["kills"] >= INTERRUPTIONS * 0.8, total
    assert total["mid_write"] >= total["kills"] // 2, f"too few kills landed between writes: {total}"
