"""Run one process tree and measure it: wall time, CPU (``wait4`` rusage) and each process's own peak memory.

``os.wait4`` returns the rusage of the child *and* of every descendant it waited for, so for an
``ansible-playbook`` run ``user_s + sys_s`` is the CPU of the whole run (controller, forked workers,
module processes). Its ``ru_maxrss`` is **not** used as a peak: on Linux a process's ``ru_maxrss``
includes the high-water mark of the address space ``execve`` replaced, which for a child started by
``vfork``/``posix_spawn`` is its parent's, so every figure it gives is at least the parent's peak (a
20 MB child of a 150 MB parent reports 150 MB; ``bench/tests/test_measure.py``). It is kept as
``wait4_maxrss_mb`` only to show the difference.

Peaks come from the processes themselves: with ``bench/hook`` on ``PYTHONPATH`` (``hook_env``) every
Python process of the run appends its own ``VmHWM`` (``/proc/self/status``) at exit to a JSON-lines
log (see ``bench/hook/sitecustomize.py`` for why that is the right figure). ``run_measured`` reads
the measured process's own line (``peak_mb``) and the largest of the tree (``tree_peak_mb``);
``module_stats`` summarises the module processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path


HOOK = Path(__file__).resolve().parent / "hook"


def hook_env(env: dict | None, proc_log: Path) -> dict:
    """``env`` (default: this process's) with the peak-recording hook on ``PYTHONPATH``, logging to ``proc_log``."""
    env = dict(os.environ if env is None else env)
    path = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(HOOK)]
    env["PYTHONPATH"] = os.pathsep.join([str(HOOK), *path])
    env["ENTRA_PIM_BENCH_MODULE_LOG"] = str(proc_log)
    return env


def run_measured(cmd: list[str], env: dict | None = None, cwd: str | Path | None = None,
                 log: Path | None = None, timeout: float = 1800, proc_log: Path | None = None) -> dict:
    """Run ``cmd`` to its end; ``proc_log``: the hook's log (``hook_env``) to take the peaks from."""
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
    own = [e for e in read_jsonl(proc_log) if e.get("hwm_kb")] if proc_log else []
    root = next((e for e in own if e["pid"] == proc.pid), None)
    return {"rc": proc.returncode, "wall_s": round(wall, 3), "user_s": round(ru.ru_utime, 3),
            "sys_s": round(ru.ru_stime, 3), "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
            "peak_mb": _mb(root["hwm_kb"]) if root else None,
            "tree_peak_mb": _mb(max(e["hwm_kb"] for e in own)) if own else None,
            "wait4_maxrss_mb": _mb(ru.ru_maxrss)}


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


def read_jsonl(path: Path | None) -> list[dict]:
    if path is None or not Path(path).exists():
        return []
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def module_stats(entries: list[dict]) -> dict:
    """Per module name: process count, own peak RSS (max of ``VmHWM``), CPU and lifetime (mean and max)."""
    out: dict[str, dict] = {}
    entries = [e for e in entries if e.get("kind", "module") == "module" and e.get("module")]
    for name in sorted({e["module"] for e in entries}):
        rows = [e for e in entries if e["module"] == name]
        cpu = [e["user_s"] + e["sys_s"] for e in rows]
        life = [e["lifetime_s"] if e.get("lifetime_s") is not None else e["wall_s"] for e in rows]
        out[name] = {"processes": len(rows), "peak_rss_mb": _mb(max(e["hwm_kb"] for e in rows)),
                     "ru_maxrss_mb": _mb(max(e["ru_maxrss_kb"] for e in rows)),
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
