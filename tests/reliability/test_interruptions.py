"""Interruptions: the apply killed with SIGKILL (the whole process group, modules included) at random,
seeded points; every rerun converges to the state an uninterrupted run reaches, no schedule exists twice,
and nothing outside the declared scope (other roles' settings, other assignments, other tenants) changes.

Two declared states, A and B, cover the same scope with different values; each cycle starts from the
converged other one, so every cycle has plenty of writes to interrupt.

The kill point is a seeded number of writes, not a time: the test watches the emulator's write counter and
kills once the k-th write of the run has reached it. A loaded machine only slows the run down; it does not
move the kill out of the writes. A run can still finish first (k near its last write); how many kills landed
is reported as a figure (tests/output/reliability-figures.json), never asserted: what is asserted is the
outcome of every cycle, landed or not.
"""

from __future__ import annotations

import random
import signal
import threading
import time

import _harness as h

# The quick default keeps `make reliability` within a few minutes; CI runs the long mode (>= 20).
INTERRUPTIONS = 40 if h.LONG else 12
# One emulator each. A run is mostly waits (ansible's polling, TLS, the emulator), so four workers keep two
# cores busy; more only queue.
WORKERS = 4
SEED = 20260508


def _kill_after_writes(emu: h.Emu, proc, target_writes: int) -> str:
    """SIGKILL the run's process group once the emulator has counted target_writes writes.

    Returns "landed" (killed while the run was going), "finished" (the run ended first) or "hung". The
    emulator counts a write when the request arrives, so a kill right after it interrupts that write or the
    next.
    """
    hang = time.monotonic() + h.PLAYBOOK_TIMEOUT  # a guard against a hung run, far from any normal run
    while proc.poll() is None:
        if time.monotonic() > hang:
            h.kill_group(proc)
            return "hung"
        if emu.writes() >= target_writes:
            h.kill_group(proc)
            # The run may have ended between the count and the kill: only a killed run counts as landed.
            return "landed" if proc.returncode == -signal.SIGKILL else "finished"
        time.sleep(0.1)  # each look is one admin request; four workers share two cores with the runs
    return "finished"


def _worker(index: int, cycles: int, workdir, report: dict) -> None:
    rng = random.Random(SEED + index)  # noqa: S311 - seeded kill points, not crypto
    emu = h.Emu(workdir / "emu")
    log = report.setdefault(index, {"kills": 0, "finished_first": 0, "lost": 0, "writes_before_kill": [],
                                    "problems": []})
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
        ref, writes = {}, {}
        for variant in ("ABA" if index == 0 else "AB"):
            before = emu.writes()
            run = h.run_playbook(workdir, plays[variant], inv)
            assert run.rc == 0, run.tail()
            state = h.normalise(emu.state(0))
            if variant in ref:
                assert h.state_diff(ref[variant], state) == [], "A reached from B differs from A reached from seed"
            ref[variant], writes[variant] = state, emu.writes() - before
        if index == 0:
            again = h.run_playbook(workdir, plays["A"], inv)
            assert again.rc == 0 and again.changed == 0, again.tail()

        current = "A"
        for cycle in range(cycles):
            target = "B" if current == "A" else "A"
            writes_before = emu.writes()
            # Kill once the k-th write of this run has reached the emulator (k seeded, up to the run's last).
            k = rng.randint(1, max(1, writes[target]))
            proc = h.start_playbook(workdir, plays[target], inv, log_name=f"killed-{cycle}.log")
            outcome = _kill_after_writes(emu, proc, writes_before + k)
            if outcome == "hung":
                log["problems"].append(f"cycle {cycle}: the run did not end within {h.PLAYBOOK_TIMEOUT} s")
            log["kills"] += int(outcome == "landed")
            log["finished_first"] += int(outcome == "finished")
            log["writes_before_kill"].append(emu.writes() - writes_before if outcome == "landed" else None)
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
    # No deadline here: every playbook a worker runs is bounded by h.PLAYBOOK_TIMEOUT, so a worker ends,
    # however long a loaded machine makes it take.
    for t in threads:
        t.join()
    total = {k: sum(r[k] for r in report.values()) for k in ("kills", "finished_first", "lost")}
    landed_after = sorted(n for r in report.values() for n in r["writes_before_kill"] if n is not None)
    problems = [p for r in report.values() for p in r["problems"]]
    # A figure for the record, not a pass mark: how many of the tried cycles were interrupted mid-run, and
    # after how many writes (a machine's load moves these; it must not move the verdict).
    figure = {**total, "tried": sum(per_worker), "writes_before_kill": landed_after}
    figures("interruptions", figure)
    print(f"\ninterruptions: {total['kills']} of {sum(per_worker)} kills landed mid-run, "
          f"{total['finished_first']} runs finished first; writes before each kill: {landed_after}")
    assert problems == [], "\n".join(problems)
    assert total["lost"] == 0
