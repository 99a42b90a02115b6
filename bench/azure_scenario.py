"""Scenario 7 (issue 11): Azure resource roles, a tenant with 10 subscriptions x 20 role policies.

- the compliance scan (read-only app, check mode, ``pim_azure=true``): its ARM requests per subscription, which
  the bulk reads keep to a handful (the scope's policies in one list, its eligibility and assignment instances in
  one list each), never one per role;
- the baseline (admin app), twice: the first run's writes (one PATCH per changed policy: ARM has no batch), the
  second run's **0 writes**;
- the per-role reference, ``bench/arm_per_role_client.py``: the same scan and the same settings change the way
  per-role tools make them (policy + eligible + active instances read per role per scope), over plain HTTP;
- the ratios: the per-role client's requests over entra.pim's ARM requests.

The emulator's seed option for subscriptions per tenant is E1's (``--subscriptions``); each subscription answers
a policy for each of its role definitions. Called from ``run.py`` (``--only-azure`` runs this scenario alone and
merges it into results.json); its Markdown section is ``azure_section``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SUBSCRIPTIONS = 10
ROLE_POLICIES = 20
# The emulator's seed options (helper E1): subscriptions per generated tenant, role definitions per subscription.
SEED_ARGS = ["--tenants", "1", "--subscriptions", str(SUBSCRIPTIONS)]


def arm_requests(by_route: dict) -> int:
    """ARM requests of a run, from the emulator's per-route counts (Graph and token routes left out)."""
    return sum(count for route, count in (by_route or {}).items() if _is_arm(route))


def _is_arm(route: str) -> bool:
    """The emulator keys routes as ``GET /subscriptions/{id}/...``: the path after the method."""
    path = route.split(" ", 1)[-1]
    return "/providers/Microsoft." in path or path.startswith("/subscriptions")


def phase_azure(bench, results: dict, start, auth_options, log=print) -> None:
    """Run the scenario on ``bench`` (run.Bench: its playbook measuring helpers), with run.py's emulator launcher."""
    a = bench.args
    log(f"scenario 7: Azure resource roles, {SUBSCRIPTIONS} subscriptions x {ROLE_POLICIES} role policies")
    emu = start(bench.work / "emulator-azure", [*SEED_ARGS, "--latency-ms", str(a.latency_ms)], timeout=600)
    out = {"subscriptions": SUBSCRIPTIONS, "role_policies": ROLE_POLICIES}
    try:
        reader = bench.inventory(emu, "pim-reader")
        admin = bench.inventory(emu, "pim-admin")
        azure_only = ["-e", "pim_azure=true"]
        # Generated tenants have no PIM-Approvers-Tier0 (the default seed's): approval by one of their own groups.
        approvers = ["-e", json.dumps({"baseline_tier0_approvers": ["group:PIM-Group-001"]})]
        out["scan"] = bench.playbook(emu, "azure-scan", a.scan_playbook, reader, extra=["--check", *azure_only])
        out["scan_off"] = bench.playbook(emu, "azure-scan-off", a.scan_playbook, reader,
                                         extra=["--check", "-e", "pim_azure=false"])
        out["per_role_scan"] = _client(bench, emu, "azure-per-role-scan", "scan", auth_options(emu.info, 0,
                                                                                              "pim-reader"))
        out["baseline_first"] = bench.playbook(emu, "azure-baseline-1", a.baseline_playbook, admin,
                                               extra=[*azure_only, *approvers])
        out["baseline_second"] = bench.playbook(emu, "azure-baseline-2", a.baseline_playbook, admin,
                                                extra=[*azure_only, *approvers])
        admin_auth = auth_options(emu.info, 0, "pim-admin")
        desired = bench.work / "azure-desired.json"
        _client(bench, emu, "azure-snapshot", "snapshot", admin_auth, out_file=desired)
        emu.admin("reset", {})  # back to the seed's default policies
        bench.set_latency(emu)
        out["per_role_apply"] = _client(bench, emu, "azure-per-role-apply", "apply", admin_auth, desired=desired)
    finally:
        emu.stop()
    out.update(derive_azure(out))
    results["azure"] = out


def _client(bench, emu, name, command, auth, desired=None, out_file=None):
    """One measured run of arm_per_role_client.py (bench.client runs per_role_client.py; same measuring)."""
    from measure import hook_env, run_measured  # bench/ is on sys.path when run.py imports this

    bench.runs += 1
    tag = f"{bench.runs:02d}-{name}"
    auth_file, out = bench.work / f"{tag}.auth.json", out_file or bench.work / f"{tag}.json"
    auth_file.write_text(json.dumps(auth))
    cmd = [sys.executable, str(BENCH / "arm_per_role_client.py"), command, "--auth", str(auth_file), "--out", str(out),
           *(["--desired", str(desired)] if desired else [])]
    emu.admin("stats/reset", {})
    run = run_measured(cmd, env=hook_env(None, bench.work / f"{tag}.procs.jsonl"), cwd=BENCH.parent,
                       log=bench.work / f"{tag}.log", proc_log=bench.work / f"{tag}.procs.jsonl")
    stats = emu.admin("stats")
    doc = json.loads(out.read_text()) if out.exists() and command != "snapshot" else {}
    return {"command": f"arm_per_role_client.py {command}", **run,
            "graph": {"requests": stats["requests"], "writes": stats["writes"], "by_route": stats.get("by_route"),
                      "by_method": stats.get("by_method")},
            "client": doc.get("result"), "client_counts": doc.get("requests_by_method")}


def derive_azure(out: dict) -> dict:
    """ARM requests per run, per subscription, and the per-role ratios."""
    arm = _arm_of
    scan, per_role = arm(out.get("scan")), arm(out.get("per_role_scan"))
    first, apply_ = out.get("baseline_first"), out.get("per_role_apply")
    derived = {
        "scan_arm_requests": scan,
        "scan_arm_requests_per_subscription": round(scan / out["subscriptions"], 1) if scan else None,
        "per_role_scan_arm_requests": per_role,
        "scan_ratio": round(per_role / scan, 1) if scan and per_role else None,
        "baseline_first_arm_requests": arm(first),
        "baseline_first_writes": ((first or {}).get("graph") or {}).get("writes"),
        "baseline_second_writes": ((out.get("baseline_second") or {}).get("graph") or {}).get("writes"),
        "per_role_apply_requests": arm(apply_),
        "per_role_apply_writes": ((apply_ or {}).get("graph") or {}).get("writes"),
    }
    if derived["baseline_first_arm_requests"] and derived["per_role_apply_requests"]:
        derived["baseline_ratio"] = round(derived["per_role_apply_requests"]
                                          / derived["baseline_first_arm_requests"], 1)
    return derived


def _arm_of(run: dict | None) -> int | None:
    return arm_requests(((run or {}).get("graph") or {}).get("by_route")) if run else None


def azure_section(results: dict) -> list[str]:
    """Markdown lines for RESULTS.md (nothing when the scenario did not run)."""
    az = results.get("azure")
    if not az:
        return []

    def wall(run):
        return f"{run['wall_s']:.1f}" if run and run.get("wall_s") is not None else "-"

    def cell(value):
        return "-" if value is None else str(value)

    m = results.get("meta", {})
    return [
        "", "## Azure resource roles: 10 subscriptions x 20 role policies", "",
        f"Measured {m.get('azure_measured', m.get('date'))}. One tenant, {az['subscriptions']} subscriptions, "
        f"{az['role_policies']} role policies each (`bench/azure_scenario.py`). ARM requests only (the scan's Graph "
        "part is the directory-role scan above); writes count every write of the run, the baseline's Graph ones "
        "included. The per-role reference (`bench/arm_per_role_client.py`) reads each role's policy (through its "
        "policy assignment), eligible and active instances per subscription, as per-role tools do, over plain "
        "HTTP.", "",
        "| Run | ARM requests | writes | wall s |", "|---|---|---|---|",
        f"| entra.pim scan (check mode) | {cell(az.get('scan_arm_requests'))} | "
        f"{cell(((az.get('scan') or {}).get('graph') or {}).get('writes'))} | {wall(az.get('scan'))} |",
        f"| per-role scan | {cell(az.get('per_role_scan_arm_requests'))} | 0 | {wall(az.get('per_role_scan'))} |",
        f"| entra.pim baseline, first run | {cell(az.get('baseline_first_arm_requests'))} | "
        f"{cell(az.get('baseline_first_writes'))} | {wall(az.get('baseline_first'))} |",
        f"| entra.pim baseline, second run | {cell(_arm_of(az.get('baseline_second')))} | "
        f"{cell(az.get('baseline_second_writes'))} | {wall(az.get('baseline_second'))} |",
        f"| per-role apply of the same change | {cell(az.get('per_role_apply_requests'))} | "
        f"{cell(az.get('per_role_apply_writes'))} | {wall(az.get('per_role_apply'))} |",
        "",
        f"Scan: {cell(az.get('scan_arm_requests_per_subscription'))} ARM requests per subscription; the per-role "
        f"reference makes {cell(az.get('scan_ratio'))}x as many. Baseline: the per-role apply makes "
        f"{cell(az.get('baseline_ratio'))}x as many requests; the rerun makes {cell(az.get('baseline_second_writes'))} "
        "writes.",
    ]
