"""CPU seconds of one ``pim_compliance_scan`` module process against a generated emulator tenant (issue 15).

Runs the module file directly (``ANSIBLE_MODULE_ARGS`` JSON, as Ansible's module runner would hand it over,
without the controller), several times per case, and prints min/median CPU (user + system of the child) and
wall time. The emulator generates 2 tenants (123 roles, 50 principals, 3 subscriptions each) with 50 ms of
latency per request, so wall time is dominated by latency while CPU is what the process itself spends.

    .venv/bin/python bench/module_cpu.py WORKDIR [--runs 3] [--profile] [--compare OTHER_CHECKOUT]

``--profile`` also writes a cProfile of one run (azure auto) to WORKDIR/scan.prof and prints its top entries.
``--compare`` runs the same module of another checkout (e.g. ``git archive`` of an older commit, with its
``.build/collections`` link) against the same emulator, alternating run by run, so both see the same load.
Measure on a quiet machine: the figures are per process, but a loaded machine still inflates them a little.
"""

import argparse
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pim_emulator.launch import auth_options, start  # noqa: E402 - installed from ./emulator into the venv


def _cpu(cmd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu, time.time() - started, run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    trees = {"this": ROOT, **({"other": args.compare.resolve()} if args.compare else {})}
    module = ROOT / "plugins" / "modules" / "pim_compliance_scan.py"
    env = {**os.environ, "PYTHONPATH": str(ROOT / ".build" / "collections")}
    emu = start(args.work / "emu", ["--tenants", "2", "--principals", "50", "--latency-ms", "50"])
    try:
        auth = auth_options(emu.info, 0, "pim-reader")
        for name, extra in (("azure auto", {}), ("azure false", {"azure": "false"})):
            params = args.work / f"{name.replace(' ', '_')}.json"
            params.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {**auth, **extra, "_ansible_check_mode": True}}))
            results = {tree: [] for tree in trees}
            for _ in range(args.runs):  # alternating, so that every tree sees the same load
                for tree, root in trees.items():
                    tree_env = {**env, "PYTHONPATH": str(root / ".build" / "collections")}
                    cmd = [sys.executable, str(root / "plugins" / "modules" / "pim_compliance_scan.py"), str(params)]
                    results[tree].append(_cpu(cmd, tree_env))
            for tree, runs in results.items():
                label = f"{name} ({tree})" if len(trees) > 1 else name
                failed = [run for _cpu_s, _wall, run in runs if run.returncode]
                if failed:
                    print(f"{label}: rc {failed[0].returncode}\n{failed[0].stdout[-1500:]}\n{failed[0].stderr[-1500:]}")
                    continue
                answer = json.loads(runs[0][2].stdout)
                cpus = sorted(r[0] for r in runs)
                walls = sorted(r[1] for r in runs)
                print(f"{label:20s} cpu min {cpus[0]:.3f} median {statistics.median(cpus):.3f} "
                      f"{[round(c, 3) for c in cpus]}  wall median {statistics.median(walls):.2f}"
                      f"  graph {answer.get('graph_requests')}  arm {answer.get('arm_requests')}")
        if args.profile:
            params = args.work / "azure_auto.json"
            out = args.work / "scan.prof"
            subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), str(module), str(params)], env=env,
                           capture_output=True, check=True)
            pstats.Stats(str(out)).sort_stats("cumulative").print_stats(45)
    finally:
        emu.stop()
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main()
