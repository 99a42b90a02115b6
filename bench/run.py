"""make bench: Graph requests, time and memory of entra.pim against the emulator, next to the per-role pattern.

Scenarios (issue 7), all against the emulator with injected latency (``--latency-ms``, default 50):

1. scan one tenant with every built-in role, 500 eligible and 200 active assignments (check mode);
2. apply the baseline to a fresh tenant, then again (nothing left to change);
3. the scan over N generated tenants with ``--forks 10`` (100, 300, 1,000; ``--quick``: 3, 10), next to the
   Ansible floor of the same hosts, and the emulator's start-up time and idle CPU with that many tenants
   (``--only-many`` runs this scenario alone and merges it into results.json);
4. ``bench/per_role_client.py`` doing the same scan and the same baseline change the per-role way
   (plain HTTP; EasyPIM's three settings reads per role; once through msgraph-sdk's models);
5. a tenant with 20,000 assignments: the scan, its module's peak memory and the emulator's paging time;
6. PIM for Groups (issue 12): the scan of tenants with 1, 10 and 50 PIM-managed groups holding highly
   privileged roles, with and without the group part (``compliance_group_memberships``), to show that the
   group part costs ``$batch`` paging (one request per 20 reads), not requests per group
   (``--only-groups`` runs this scenario alone and merges it into results.json);
7. Azure resource roles (issue 11): the scan and the baseline of a tenant with 10 subscriptions x 20 role
   policies next to a per-role ARM client, and the baseline's rerun writes (``bench/azure_scenario.py``;
   ``--only-azure`` runs it alone and merges it into results.json).

How it measures:
- Graph requests, by method and route, and writes: the emulator's ``stats``, reset before each run;
- wall and CPU of a whole run: ``os.wait4`` on the ``ansible-playbook`` (or client) process, whose
  rusage covers every descendant it waited for (controller, workers, modules);
- each process's own peak memory (``VmHWM``), and each module process's CPU and lifetime:
  ``bench/hook/sitecustomize.py`` on ``PYTHONPATH`` (see ``measure.py`` for why not ``ru_maxrss``);
- the Ansible floor of each scenario: ``ansible.builtin.ping`` over the same hosts, as many module
  processes per host as the scenario started, in the same run; times are reported as ratios to it;
- per task wall time and the modules' own ``graph_requests``: ``bench/callback_plugins/bench_record.py``;
- Ansible's own cost: a no-op playbook (no module process) and a ``ping`` playbook (one trivial one);
- the emulator's share: its CPU seconds from ``/proc/<pid>/stat`` during the run, and requests/s.

Writes ``bench/results.json`` and ``bench/RESULTS.md`` (``--out-dir`` to put them elsewhere) and
prints a summary. Scratch files go to ``bench/out/`` (git-ignored). Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT / "tests"))

from collection_link import COLLECTIONS, link_collection  # noqa: E402 - the one helper that links the tree
from measure import (  # noqa: E402
    hook_env,
    load_average,
    module_stats,
    proc_cpu_seconds,
    read_jsonl,
    run_measured,
    system_busy_seconds,
)
from paging import page_through  # noqa: E402
from pim_emulator.launch import DEFAULT_SEED_VARS, auth_options, start, write_inventory  # noqa: E402
from profiling import import_costs, profile_module  # noqa: E402
from report import write_reports  # noqa: E402
from azure_scenario import phase_azure  # noqa: E402
from seeds import GROUP_COUNTS, LARGE_ACTIVE, LARGE_ELIGIBLE, write_bench_seed, write_groups_seed  # noqa: E402

PY = sys.executable
# Issue 15's Ansible floor: "two trivial module tasks per host".
ISSUE_FLOOR_PINGS = 2
ANSIBLE_PLAYBOOK = str(Path(PY).parent / "ansible-playbook")
# The collection's own playbooks when they exist; the bench's stand-ins otherwise.
SCAN_PLAYBOOK = next(p for p in (ROOT / "playbooks" / "compliance_scan.yml", BENCH / "playbooks" / "scan.yml")
                     if p.exists())
BASELINE_PLAYBOOK = next(p for p in (ROOT / "playbooks" / "baseline.yml", BENCH / "playbooks" / "baseline.yml")
                         if p.exists())


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = Path(args.work).resolve()
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        self.runs = 0

    # -- plumbing -----------------------------------------------------------------------------
    def env(self, task_log: Path, module_log: Path) -> dict:
        return {
            **hook_env(None, module_log),
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
            "ANSIBLE_PYTHON_INTERPRETER": PY,
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_HOST_KEY_CHECKING": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_CALLBACK_PLUGINS": str(BENCH / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_record",
            "ENTRA_PIM_BENCH_TASK_LOG": str(task_log),
        }

    def inventory(self, emu, app: str, count: int | None = None) -> Path:
        """One host per tenant, shaped like inventory/example.yml (group entra_tenants, entra_pim_auth), from
        the emulator's one inventory builder; roles/baseline and roles/compliance inputs that fit the seed
        (their documented defaults for everything else)."""
        count = min(count or len(emu.info["tenants"]), len(emu.info["tenants"]))
        group_vars = {**DEFAULT_SEED_VARS, "compliance_report_dir": str(self.work / "reports")}
        return write_inventory(emu.info, self.work / f"inventory-{app}-{count}.yml", app, group_vars, python=PY,
                               tenants=range(count))

    def playbook(self, emu, name: str, playbook: Path, inventory: Path, limit: str | None = None,
                 forks: int = 5, extra: list[str] | None = None) -> dict:
        """One measured ansible-playbook run: emulator stats delta, rusage, module and task records."""
        self.runs += 1
        tag = f"{self.runs:02d}-{name}"
        task_log, module_log = self.work / f"{tag}.tasks.jsonl", self.work / f"{tag}.modules.jsonl"
        cmd = [ANSIBLE_PLAYBOOK, "-i", str(inventory), str(playbook), "--forks", str(forks), *(extra or [])]
        if limit:
            cmd += ["--limit", limit]
        emu.admin("stats/reset", {})
        probe = _Probe(emu)
        run = run_measured(cmd, env=self.env(task_log, module_log), cwd=ROOT, log=self.work / f"{tag}.log",
                           proc_log=module_log)
        stats = emu.admin("stats")
        tasks = read_jsonl(task_log)
        modules = read_jsonl(module_log)
        result = {
            "command": " ".join(cmd[1:]).replace(str(ROOT) + "/", ""),
            **run,
            "graph": _graph(stats),
            **probe.done(run),
            "modules": module_stats(modules),
            "module_processes": len([m for m in modules if m.get("kind") == "module"]),
            "tasks": _tasks(tasks),
            "failed_tasks": [t for t in tasks if t["status"] in ("failed", "unreachable")][:5],
            "log": str(self.work / f"{tag}.log"),
        }
        if run["rc"] != 0:
            log(f"  {name}: ansible-playbook exited {run['rc']}, see {result['log']}")
        return result

    def client(self, emu, name: str, command: str, auth: dict, desired: Path | None = None,
               extra: list[str] | None = None) -> dict:
        self.runs += 1
        tag = f"{self.runs:02d}-{name}"
        auth_file, out = self.work / f"{tag}.auth.json", self.work / f"{tag}.json"
        proc_log = self.work / f"{tag}.procs.jsonl"
        auth_file.write_text(json.dumps(auth))
        cmd = [PY, str(BENCH / "per_role_client.py"), command, "--auth", str(auth_file), "--out", str(out),
               *(["--desired", str(desired)] if desired else []), *(extra or [])]
        emu.admin("stats/reset", {})
        probe = _Probe(emu)
        run = run_measured(cmd, env=hook_env(None, proc_log), cwd=ROOT, log=self.work / f"{tag}.log",
                           proc_log=proc_log)
        stats = emu.admin("stats")
        doc = json.loads(out.read_text()) if out.exists() else {}
        if run["rc"] != 0:
            log(f"  {name}: per_role_client exited {run['rc']}, see {self.work / f'{tag}.log'}")
        return {"command": " ".join(["per_role_client.py", command, *(extra or [])]), **run, "graph": _graph(stats),
                **probe.done(run), "client": doc.get("result"), "client_counts": doc.get("requests_by_method")}

    def floor(self, emu, name: str, inventory: Path, measured: dict | list[dict], limit: str | None = None,
              forks: int = 5, repeat: int = 1, pings: int | None = None) -> dict:
        """The Ansible floor of ``measured``: ansible.builtin.ping over the same hosts, as many module
        processes per host as ``measured`` started (or ``pings``), in this run (median of ``repeat``)."""
        runs = measured if isinstance(measured, list) else [measured]
        hosts = max(1, max((t["hosts"] for t in runs[0]["tasks"]), default=1))
        pings = pings or max(1, round(max(r["module_processes"] for r in runs) / hosts))
        out = _median_run([self.playbook(emu, f"floor-{name}", BENCH / "playbooks" / "ping.yml", inventory,
                                         limit=limit, forks=forks, extra=["-e", f"bench_pings={pings}"])
                           for _ in range(repeat)])
        out["pings_per_host"], out["hosts"] = pings, hosts
        return out

    def set_latency(self, emu) -> None:
        emu.admin("faults", {"latency_ms": self.args.latency_ms, "jitter_ms": 0})

    # -- phase A: one emulator with the big tenant and a fresh one ----------------------------------
    def phase_single(self, results: dict) -> None:
        a = self.args
        seed = self.work / "seed-bench.json"
        write_bench_seed(seed)
        emu = start(self.work / "emulator-single", ["--seed", str(seed), "--latency-ms", str(a.latency_ms)])
        try:
            names = [t["name"] for t in emu.info["tenants"]]
            assert names == ["bigscan", "fresh"], names
            reader_inv = self.inventory(emu, "pim-reader")
            admin_inv = self.inventory(emu, "pim-admin")

            log("Ansible's own overhead: no-op and ping playbooks on one host")
            overhead = {}
            for name, pb in (("noop", "noop.yml"), ("ping", "ping.yml")):
                runs = [self.playbook(emu, f"overhead-{name}", BENCH / "playbooks" / pb, reader_inv, limit="bigscan")
                        for _ in range(a.repeat)]
                overhead[name] = _median_run(runs)
            results["overhead"] = overhead

            log(f"scenario 1: scan one tenant ({a.scan_playbook.name}), x{a.repeat}")
            runs = [self.playbook(emu, "scan-one", a.scan_playbook, reader_inv, limit="bigscan", extra=["--check"])
                    for _ in range(a.repeat)]
            results["scan_one"] = _median_run(runs)
            log("  its Ansible floor: ping, as many module processes on the same host")
            floors = {"scan_one": self.floor(emu, "scan-one", reader_inv, results["scan_one"], limit="bigscan",
                                             repeat=a.repeat)}
            results["floors"] = floors

            log("scenario 4a: per-role client, the same scan (plain HTTP)")
            auth_big = auth_options(emu.info, 0, "pim-reader")
            results["per_role_scan"] = self.client(emu, "per-role-scan", "scan", auth_big)
            if not a.quick:
                log("scenario 4a': per-role client, EasyPIM's reads (three settings reads per role)")
                results["per_role_scan_easypim"] = self.client(emu, "per-role-scan-easypim", "scan", auth_big,
                                                               extra=["--easypim"])
                log("scenario 4a'': per-role client, the 4a scan through msgraph-sdk's typed models")
                results["per_role_scan_sdk"] = self.client(emu, "per-role-scan-sdk", "scan", auth_big,
                                                           extra=["--transport", "sdk"])

            log(f"scenario 2: baseline ({a.baseline_playbook.name}) on the fresh tenant, twice")
            first = self.playbook(emu, "baseline-1", a.baseline_playbook, admin_inv, limit="fresh")
            second = self.playbook(emu, "baseline-2", a.baseline_playbook, admin_inv, limit="fresh")
            results["baseline_first"], results["baseline_second"] = first, second
            floors["baseline"] = self.floor(emu, "baseline", admin_inv, [first, second], limit="fresh")

            log("scenario 4b: per-role client applies the same change (one PATCH per changed rule)")
            auth_fresh = auth_options(emu.info, 1, "pim-admin")
            desired = self.work / "desired-policies.json"
            run_measured([PY, str(BENCH / "per_role_client.py"), "snapshot", "--auth", _write(
                self.work / "snapshot.auth.json", auth_fresh), "--out", str(desired)], cwd=ROOT)
            emu.admin("reset", {})  # back to the seed: default policies again (also clears the latency)
            self.set_latency(emu)
            results["per_role_apply"] = self.client(emu, "per-role-apply-1", "apply", auth_fresh, desired)
            if not a.quick:
                results["per_role_apply_second"] = self.client(emu, "per-role-apply-2", "apply", auth_fresh, desired)

            if not a.quick:
                log("scenario 2': every role changes (bench/playbooks/baseline.yml), then the per-role client")
                emu.admin("reset", {})
                self.set_latency(emu)
                every = BENCH / "playbooks" / "baseline.yml"
                results["every_role_first"] = self.playbook(emu, "every-role-1", every, admin_inv, limit="fresh")
                results["every_role_second"] = self.playbook(emu, "every-role-2", every, admin_inv, limit="fresh")
                floors["every_role"] = self.floor(emu, "every-role", admin_inv, results["every_role_first"],
                                                  limit="fresh")
                desired_all = self.work / "desired-policies-every-role.json"
                run_measured([PY, str(BENCH / "per_role_client.py"), "snapshot", "--auth", _write(
                    self.work / "snapshot.auth.json", auth_fresh), "--out", str(desired_all)], cwd=ROOT)
                emu.admin("reset", {})
                self.set_latency(emu)
                results["every_role_per_role_apply"] = self.client(emu, "every-role-per-role", "apply", auth_fresh,
                                                                   desired_all)

            if a.profile:
                log("profile: imports, and one pim_role_setting_info run under cProfile")
                results["profile"] = {
                    "imports": import_costs(self.work, COLLECTIONS),
                    "pim_role_setting_info": profile_module(self.work, COLLECTIONS, "pim_role_setting_info",
                                                            auth_options(emu.info, 0, "pim-reader")),
                }
        finally:
            emu.stop()

    # -- phase B: many generated tenants ------------------------------------------------------------
    def phase_many(self, results: dict) -> None:
        a = self.args
        counts = a.tenants
        # The emulator may hold more tenants than the largest scan (--emulator-tenants): its start-up and idle CPU
        # at 1,000 tenants are figures of their own.
        held = max(max(counts), a.emulator_tenants or 0)
        log(f"scenario 3: starting an emulator with {held} generated tenants "
            f"({a.principals} principals each)")
        t0 = time.perf_counter()
        emu = start(self.work / "emulator-many", ["--tenants", str(held), "--principals", str(a.principals),
                                                  "--latency-ms", str(a.latency_ms)], timeout=600)
        startup = time.perf_counter() - t0
        try:
            many = {"emulator_startup_s": round(startup, 1), "principals": a.principals, "forks": a.forks, "runs": [],
                    "emulator_tenants": held, **_idle(emu)}
            for n in counts:
                inv = self.inventory(emu, "pim-reader", count=n)
                log(f"  scan of {n} tenants with --forks {a.forks}")
                run = self.playbook(emu, f"scan-{n}", a.scan_playbook, inv, forks=a.forks, extra=["--check"])
                run["tenants"] = n
                log(f"  its Ansible floor: ping on the same {n} hosts with --forks {a.forks}")
                run["floor"] = self.floor(emu, f"scan-{n}", inv, run, forks=a.forks)
                # Issue 15 defines its floor as two trivial module tasks per host (the scan started two module processes
                # per tenant when it was filed): measured too, so both ratios come from the same run.
                if run["floor"]["pings_per_host"] != ISSUE_FLOOR_PINGS:
                    log(f"  and the issue's floor: {ISSUE_FLOOR_PINGS} pings per host on the same {n} hosts")
                    run["floor_issue"] = self.floor(emu, f"scan-{n}-issue", inv, run, forks=a.forks,
                                                    pings=ISSUE_FLOOR_PINGS)
                else:
                    run["floor_issue"] = run["floor"]
                many["runs"].append(run)
            results["scan_many"] = many
        finally:
            emu.stop()


    # -- phase C: a tenant with 20,000 assignments ---------------------------------------------------
    def phase_large(self, results: dict) -> None:
        a = self.args
        seed = self.work / "seed-large.json"
        write_bench_seed(seed, large=True)
        log(f"scenario 5: a tenant with {LARGE_ELIGIBLE + LARGE_ACTIVE} assignments")
        t0 = time.perf_counter()
        emu = start(self.work / "emulator-large", ["--seed", str(seed), "--latency-ms", str(a.latency_ms)],
                    timeout=600)
        large = {"emulator_startup_s": round(time.perf_counter() - t0, 1), "eligible": LARGE_ELIGIBLE,
                 "active": LARGE_ACTIVE}
        try:
            inv = self.inventory(emu, "pim-reader")
            log("  emulator paging, no injected latency: every page of the four schedule lists")
            emu.admin("faults", {"latency_ms": 0, "jitter_ms": 0})
            probe = _Probe(emu)
            started = time.perf_counter()
            large["paging"] = page_through(auth_options(emu.info, 0, "pim-reader"))
            large["paging_probe"] = probe.done({"cpu_s": 0.0, "wall_s": time.perf_counter() - started})
            self.set_latency(emu)
            log("  the scan (check mode), then its Ansible floor")
            large["scan"] = self.playbook(emu, "scan-large", a.scan_playbook, inv, extra=["--check"])
            large["floor"] = self.floor(emu, "scan-large", inv, large["scan"])
        finally:
            emu.stop()
        results["large"] = large


    # -- phase D: PIM for Groups -------------------------------------------------------------------
    def phase_groups(self, results: dict) -> None:
        a = self.args
        seed = self.work / "seed-groups.json"
        write_groups_seed(seed)
        log(f"scenario 6: the scan of tenants with {', '.join(map(str, GROUP_COUNTS))} PIM-managed groups")
        emu = start(self.work / "emulator-groups", ["--seed", str(seed), "--latency-ms", str(a.latency_ms)],
                    timeout=600)
        out = {"counts": list(GROUP_COUNTS), "runs": []}
        try:
            inv = self.inventory(emu, "pim-reader")
            for tenant, n in zip(emu.info["tenants"], GROUP_COUNTS, strict=True):
                for with_groups in (True, False):
                    label = f"scan-groups{n:03d}-{'on' if with_groups else 'off'}"
                    log(f"  {label}")
                    runs = [self.playbook(emu, label, a.scan_playbook, inv, limit=tenant["name"], extra=[
                        "--check", "-e", f"compliance_group_memberships={str(with_groups).lower()}"])
                        for _ in range(a.repeat)]
                    run = _median_run(runs)
                    # by_route counts operations (each $batch item once), requests the HTTP requests.
                    group_reads = sum(c for route, c in run["graph"]["by_route"].items()
                                      if "privilegedAccess/group" in route or route.endswith("/members"))
                    run.update(groups=n, group_memberships=with_groups, group_reads=group_reads)
                    out["runs"].append(run)
        finally:
            emu.stop()
        results["groups"] = out


def _idle(emu, window: float = 10.0) -> dict:
    """The emulator's start-up CPU (at ready) and its CPU per second of wall while nobody calls it: the first
    window after ready (it imports msgraph-sdk's models for its conformance checks then, once) and the next."""
    pid = emu.proc.pid
    at_ready = proc_cpu_seconds(pid)
    cpus = [at_ready]
    for _ in range(2):
        time.sleep(window)
        cpus.append(proc_cpu_seconds(pid))
    if None in cpus:
        return {"emulator_startup_cpu_s": at_ready}
    return {"emulator_startup_cpu_s": round(at_ready, 2),
            "emulator_idle_cores_first": round((cpus[1] - cpus[0]) / window, 3),
            "emulator_idle_cores": round((cpus[2] - cpus[1]) / window, 3)}


class _Probe:
    """The emulator's CPU during a run, and what the rest of the machine used meanwhile (other load
    on a shared machine skews wall times: it is recorded next to every figure)."""

    def __init__(self, emu):
        self.pid = emu.proc.pid
        self.emu_cpu = proc_cpu_seconds(self.pid)
        self.busy = system_busy_seconds()
        self.load = load_average()

    def done(self, run: dict) -> dict:
        emu_cpu, busy = proc_cpu_seconds(self.pid), system_busy_seconds()
        out = {"emulator_cpu_s": None, "other_cpu_s": None, "loadavg_1m_before": self.load}
        if None not in (emu_cpu, self.emu_cpu):
            out["emulator_cpu_s"] = round(emu_cpu - self.emu_cpu, 3)
        if None not in (busy, self.busy, out["emulator_cpu_s"]):
            out["other_cpu_s"] = round(max(0.0, busy - self.busy - run["cpu_s"] - out["emulator_cpu_s"]), 2)
        return out


def _write(path: Path, doc: dict) -> str:
    path.write_text(json.dumps(doc))
    return str(path)


def _graph(stats: dict) -> dict:
    return {"requests": stats["requests"], "by_method": stats["by_method"], "by_route": stats["by_route"],
            "writes": stats["writes"], "write_requests": stats["write_requests"],
            "token_requests": stats.get("token_requests"), "by_status": stats.get("by_status"),
            "faults_injected": stats.get("faults_injected")}


def _tasks(entries: list[dict]) -> list[dict]:
    """Per task name: hosts, wall (mean, max), Graph requests and writes summed over hosts."""
    out = []
    for name in dict.fromkeys(e["task"] for e in entries):
        every = [e for e in entries if e["task"] == name]
        rows = [e for e in every if not e.get("item")]
        items = [e for e in every if e.get("item")]
        walls = [r["wall_s"] for r in rows if r["wall_s"] is not None]
        graph = [r["graph_requests"] for r in (items or rows) if r.get("graph_requests")]
        if not rows:
            continue
        out.append({"task": name, "action": rows[0]["action"], "hosts": len(rows), "loop_items": len(items),
                    "changed": sum(r["changed"] for r in rows),
                    "failed": sum(r["status"] in ("failed", "unreachable") for r in rows),
                    "wall_s_mean": round(statistics.mean(walls), 3) if walls else None,
                    "wall_s_max": round(max(walls), 3) if walls else None,
                    "graph_requests": sum(g["requests"] for g in graph) if graph else None,
                    "graph_writes": sum(g["writes"] for g in graph) if graph else None,
                    "graph_writes_per_call": [g["writes"] for g in graph]})
    return out


def _median_run(runs: list[dict]) -> dict:
    """The run with the median wall time, plus every run's wall time."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["wall_s_all"] = [r["wall_s"] for r in runs]
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50, help="emulator latency per request (default 50)")
    parser.add_argument("--quick", action="store_true", help="3 and 10 tenants, one repeat: a couple of minutes")
    parser.add_argument("--tenants", type=lambda s: sorted({int(x) for x in s.split(",")}),
                        help="tenant counts for scenario 3 (default 100,300,1000; --quick 3,10)")
    parser.add_argument("--emulator-tenants", type=int,
                        help="generated tenants the scenario 3 emulator holds (default: the largest of --tenants)")
    parser.add_argument("--principals", type=int, default=50, help="principals per generated tenant (default 50)")
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--repeat", type=int, help="runs of the one-tenant scenarios, median kept (default 3; "
                        "--quick 1)")
    parser.add_argument("--scan-playbook", type=Path, default=SCAN_PLAYBOOK)
    parser.add_argument("--baseline-playbook", type=Path, default=BASELINE_PLAYBOOK)
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--skip-many", action="store_true", help="leave out scenario 3")
    parser.add_argument("--skip-large", action="store_true", help="leave out scenario 5 (20,000 assignments)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite RESULTS.md from the results.json of --out-dir (e.g. after editing ANALYSIS.md)")
    parser.add_argument("--only-large", action="store_true",
                        help="scenario 5 only, merged into the existing results.json of --out-dir")
    parser.add_argument("--only-many", action="store_true",
                        help="scenario 3 only (the scan of --tenants generated tenants), merged into the existing "
                        "results.json of --out-dir")
    parser.add_argument("--only-groups", action="store_true",
                        help="scenario 6 only (PIM for Groups), merged into the existing results.json of --out-dir")
    parser.add_argument("--skip-groups", action="store_true", help="leave out scenario 6 (PIM for Groups)")
    parser.add_argument("--only-azure", action="store_true",
                        help="scenario 7 only (Azure resource roles), merged into the existing results.json of "
                        "--out-dir")
    parser.add_argument("--skip-azure", action="store_true", help="leave out scenario 7 (Azure resource roles)")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="first wait up to SECONDS for the 1-minute load average to drop below 1")
    parser.add_argument("--work", default=str(BENCH / "out" / "run"), help="scratch directory (wiped)")
    parser.add_argument("--out-dir", type=Path, default=BENCH, help="where results.json and RESULTS.md go")
    args = parser.parse_args(argv)
    args.tenants = args.tenants or ([3, 10] if args.quick else [100, 300, 1000])
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.scan_playbook, args.baseline_playbook = args.scan_playbook.resolve(), args.baseline_playbook.resolve()

    if args.report_only:
        print(write_reports(json.loads((args.out_dir / "results.json").read_text(encoding="utf-8")), args.out_dir))
        return 0
    link_collection()
    _wait_quiet(args.wait_quiet)
    bench = Bench(args)
    started = time.perf_counter()
    results = {
        "meta": {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cores": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
            "platform": platform.platform(terse=True), "latency_ms": args.latency_ms, "quick": args.quick,
            "forks": args.forks, "repeat": args.repeat, "loadavg_1m_at_start": load_average(),
            "tenant_counts": args.tenants,
            "scan_playbook": str(args.scan_playbook.relative_to(ROOT)),
            "baseline_playbook": str(args.baseline_playbook.relative_to(ROOT)),
            "versions": _versions(),
        },
    }
    if args.only_large:
        previous = json.loads((args.out_dir / "results.json").read_text(encoding="utf-8"))
        bench.phase_large(previous)
        previous["meta"]["large_measured"] = results["meta"]["date"]
        previous["meta"]["large_loadavg_1m_at_start"] = results["meta"]["loadavg_1m_at_start"]
        print(write_reports(previous, args.out_dir))
        return 0
    if args.only_many:
        previous = json.loads((args.out_dir / "results.json").read_text(encoding="utf-8"))
        bench.phase_many(previous)
        previous["meta"]["many_measured"] = results["meta"]["date"]
        previous["meta"]["many_loadavg_1m_at_start"] = results["meta"]["loadavg_1m_at_start"]
        print(write_reports(previous, args.out_dir))
        return 0
    if args.only_groups:
        previous = json.loads((args.out_dir / "results.json").read_text(encoding="utf-8"))
        bench.phase_groups(previous)
        previous["meta"]["groups_measured"] = results["meta"]["date"]
        previous["meta"]["groups_loadavg_1m_at_start"] = results["meta"]["loadavg_1m_at_start"]
        print(write_reports(previous, args.out_dir))
        return 0
    if args.only_azure:
        previous = json.loads((args.out_dir / "results.json").read_text(encoding="utf-8"))
        phase_azure(bench, previous, start, auth_options, log)
        previous["meta"]["azure_measured"] = results["meta"]["date"]
        print(write_reports(previous, args.out_dir))
        return 0
    bench.phase_single(results)
    if not args.skip_groups:
        bench.phase_groups(results)
    if not args.skip_azure:
        phase_azure(bench, results, start, auth_options, log)
    if not args.skip_many:
        bench.phase_many(results)
    if not args.skip_large and not args.quick:
        bench.phase_large(results)
    results["meta"]["bench_wall_s"] = round(time.perf_counter() - started, 1)
    summary = write_reports(results, args.out_dir)
    print(summary)
    return 0


def _wait_quiet(limit: float) -> None:
    deadline = time.monotonic() + limit
    while (load_average() or 0) >= 1 and time.monotonic() < deadline:
        time.sleep(5)
    load = load_average()
    if load is not None and load >= 1:
        log(f"warning: load average {load:.1f} on {os.cpu_count()} cores: other work on this machine will "
            "skew wall times (each result records the CPU others used during it)")


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("ansible-core", "msgraph-sdk", "azure-identity", "msgraph-core", "httpx"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = None
    return out


if __name__ == "__main__":
    sys.exit(main())
