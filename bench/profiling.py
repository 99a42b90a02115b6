"""Where a module run's time goes: import costs, and one module run under cProfile.

Both run outside Ansible, in fresh interpreters, so they show the module process alone.
"""

from __future__ import annotations

import json
import os
import pstats
import subprocess
import sys
from pathlib import Path

from measure import hook_env, run_measured

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = {
    "python -c pass": "pass",
    "ansible.module_utils.basic": "import ansible.module_utils.basic",
    "azure.identity": "import azure.identity",
    "msgraph-sdk adapter (what _client imports)": "import ansible_collections.entra.pim.plugins.module_utils._client",
    "entra.pim module base (_module)": "import ansible_collections.entra.pim.plugins.module_utils._module",
    "entra.pim ARM base (_arm_client)": "import ansible_collections.entra.pim.plugins.module_utils._arm_client",
    "msgraph GraphServiceClient (per-role client)": "from msgraph import GraphServiceClient",
}


def import_costs(work: Path, collections: Path, repeat: int = 3) -> dict:
    """Wall and CPU of a fresh interpreter importing each thing (best of ``repeat``), plus -X importtime."""
    env = {**os.environ, "PYTHONPATH": str(collections)}
    out = {}
    for n, (label, code) in enumerate(IMPORTS.items()):
        logs = [work / f"imports-{n}-{i}.jsonl" for i in range(repeat)]  # each process's own peak (measure.py)
        runs = [run_measured([sys.executable, "-c", code], env=hook_env(env, log), proc_log=log) for log in logs]
        best = min(runs, key=lambda r: r["wall_s"])
        out[label] = {"wall_s": best["wall_s"], "cpu_s": best["cpu_s"], "maxrss_mb": best["peak_mb"]}
    # -X importtime of the module base: self time per top-level package.
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", IMPORTS["entra.pim module base (_module)"]],  # noqa: S603
                          env=env, capture_output=True, text=True, check=False)
    out["importtime_top_packages_ms"] = importtime_by_package(proc.stderr)
    (work / "importtime.txt").write_text(proc.stderr)
    return out


def importtime_by_package(text: str, limit: int = 10) -> dict:
    """``-X importtime`` output -> self time (ms) summed by top-level package: where import time goes."""
    top: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[0].split(":")[-1].strip().isdigit():
            continue
        package = parts[2].strip().split(".")[0]
        top[package] = top.get(package, 0) + int(parts[0].split(":")[-1])
    ranked = sorted(top.items(), key=lambda kv: -kv[1])[:limit]
    return {"total": round(sum(top.values()) / 1000, 1), **{k: round(v / 1000, 1) for k, v in ranked}}


def profile_module(work: Path, collections: Path, module: str, auth: dict) -> dict:
    """Run one module file directly (as AnsiballZ would run it) under cProfile; summarise the profile."""
    args = work / f"profile-{module}.args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {**auth, "_ansible_check_mode": True}}))
    prof = work / f"profile-{module}.prof"
    proc_log = work / f"profile-{module}.procs.jsonl"
    env = hook_env({**os.environ, "PYTHONPATH": str(collections)}, proc_log)
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), str(ROOT / "plugins" / "modules" / f"{module}.py"),
           str(args)]
    run = run_measured(cmd, env=env, log=work / f"profile-{module}.out", proc_log=proc_log)
    if not prof.exists():
        return {"error": f"no profile, see {work / f'profile-{module}.out'}", **run}
    stats = pstats.Stats(str(prof))
    rows = stats.stats  # {(file, line, func): (cc, nc, tottime, cumtime, callers)}
    total = max(ct for _, _, _, ct, _ in rows.values())

    def cum(pred) -> float:
        return max((ct for key, (_, _, _, ct, _) in rows.items() if pred(key)), default=0.0)

    def tot(pred) -> float:
        return sum(tt for key, (_, _, tt, _, _) in rows.items() if pred(key))

    imports = cum(lambda k: k[2] == "_find_and_load" and "importlib._bootstrap" in k[0])
    waiting = tot(lambda k: k[0] == "~" and any(w in k[2] for w in ("epoll", "select.select", "select.poll")))
    json_parse = cum(lambda k: k[0].endswith(os.path.join("json", "decoder.py")) and k[2] == "decode")
    top = sorted(rows.items(), key=lambda kv: -kv[1][2])[:12]
    summary = {
        "wall_s": run["wall_s"], "cpu_s": run["cpu_s"], "maxrss_mb": run["peak_mb"],
        "profiled_total_s": round(total, 3), "imports_s": round(imports, 3),
        "waiting_on_network_s": round(waiting, 3), "json_decode_s": round(json_parse, 3),
        "top_tottime": [{"function": f"{Path(f).name}:{line}({fn})", "tottime_s": round(tt, 3), "calls": nc}
                        for (f, line, fn), (_, nc, tt, _, _) in top],
    }
    with open(work / f"profile-{module}.txt", "w", encoding="utf-8") as fh:
        pstats.Stats(str(prof), stream=fh).sort_stats("cumulative").print_stats(40)
    return summary
