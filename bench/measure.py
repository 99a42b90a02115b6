"""Run one process tree and measure it: wall time, CPU and peak memory (``wait4`` rusage).

``os.wait4`` returns the rusage of the child *and* of every descendant it waited for, so for an
``ansible-playbook`` run it covers the controller, its forked workers and every module process:
``user_s + sys_s`` is the CPU of the whole run, ``tree_maxrss_mb`` the largest single process in
it (usually the controller). The module processes' own peak memory comes from the sitecustomize
hook in ``bench/hook`` (one line per module process), see ``module_stats``.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path


def run_measured(cmd: list[str], env: dict | None = None, cwd: str | Path | None = None,
                 log: Path | None = None, timeout: float = 1800) -> dict:
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + timeout
        while True:  # bounded: wait4 without blocking, so a hung run is killed at the deadline
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    return {"rc": proc.returncode, "wall_s": round(wall, 3), "user_s": round(ru.ru_utime, 3),
            "sys_s": round(ru.ru_stime, 3), "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
            "tree_maxrss_mb": round(ru.ru_maxrss / 1024, 1)}


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def module_stats(entries: list[dict]) -> dict:
    """Per module name: process count, peak RSS (max), CPU and lifetime (mean and max)."""
    out: dict[str, dict] = {}
    for name in sorted({e["module"] for e in entries}):
        rows = [e for e in entries if e["module"] == name]
        cpu = [e["user_s"] + e["sys_s"] for e in rows]
        life = [e["lifetime_s"] if e.get("lifetime_s") is not None else e["wall_s"] for e in rows]
        out[name] = {"processes": len(rows), "peak_rss_mb": round(max(e["maxrss_kb"] for e in rows) / 1024, 1),
                     "cpu_s_mean": round(sum(cpu) / len(cpu), 3), "cpu_s_max": round(max(cpu), 3),
                     "lifetime_s_mean": round(sum(life) / len(life), 3), "lifetime_s_max": round(max(life), 3)}
    return out


def proc_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) a running process has used so far, from /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def system_busy_seconds() -> float | None:
    """CPU seconds all processes of the machine have used so far (every core, non-idle), from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None
