"""The bench's memory figure is each process's own peak, not an inherited one (bench/measure.py, bench/hook).

A child whose peak is known (a Python interpreter that touches a 40 MiB buffer) is started by a
parent that first grows to 150 MiB: the figure reported for the child must be the child's, while
``wait4``'s ``ru_maxrss`` (the old figure) shows at least the parent's 150 MiB. Linux only (/proc).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import hook_env, module_stats, read_jsonl, run_measured  # noqa: E402

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")

MIB = 1024 * 1024
CHILD_MIB = 40
PARENT_MIB = 150
# What a bare interpreter with the hook adds to the buffer, generously: measured at 10-14 MiB.
INTERPRETER_MIB = 30

CHILD = textwrap.dedent(f"""
    buf = bytearray({CHILD_MIB} * {MIB})
    for i in range(0, len(buf), 4096):
        buf[i] = 1  # touch every page: resident, not just reserved
""")


@pytest.fixture
def big_parent():
    """This (test) process grows to at least PARENT_MIB resident while the child runs."""
    ballast = bytearray(PARENT_MIB * MIB)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    yield
    del ballast


def test_child_peak_is_its_own_not_the_parents(tmp_path, big_parent):
    log = tmp_path / "procs.jsonl"
    run = run_measured([sys.executable, "-c", CHILD], env=hook_env(None, log), proc_log=log)
    assert run["rc"] == 0
    assert CHILD_MIB <= run["peak_mb"] <= CHILD_MIB + INTERPRETER_MIB, run
    assert run["tree_peak_mb"] == run["peak_mb"]  # one process in the tree
    # The figure measure.py used to report: the kernel folds the parent's high-water mark into it.
    assert run["wait4_maxrss_mb"] >= PARENT_MIB, run
    (entry,) = read_jsonl(log)
    assert entry["kind"] == "process" and entry["ru_maxrss_kb"] >= PARENT_MIB * 1024


def test_module_process_peak_through_a_shell(tmp_path, big_parent):
    """As Ansible starts a module: /bin/sh -c 'python AnsiballZ_<name>.py'; the tree's largest own peak
    is the module's, and module_stats names it."""
    script = tmp_path / "AnsiballZ_probe.py"
    script.write_text(CHILD, encoding="utf-8")
    log = tmp_path / "procs.jsonl"
    run = run_measured(["/bin/sh", "-c", f"'{sys.executable}' '{script}'; true"], env=hook_env(None, log),
                       proc_log=log)
    assert run["rc"] == 0 and run["peak_mb"] is None  # the shell records nothing of its own
    stats = module_stats(read_jsonl(log))
    assert list(stats) == ["probe"] and stats["probe"]["processes"] == 1
    assert CHILD_MIB <= stats["probe"]["peak_rss_mb"] <= CHILD_MIB + INTERPRETER_MIB, stats
    assert run["tree_peak_mb"] == stats["probe"]["peak_rss_mb"]


def test_hook_env_keeps_the_callers_pythonpath(tmp_path):
    env = hook_env({"PYTHONPATH": "/somewhere", "X": "1"}, tmp_path / "log")
    parts = env["PYTHONPATH"].split(":")
    assert parts[0].endswith("bench/hook") and parts[1:] == ["/somewhere"] and env["X"] == "1"
    assert env["ENTRA_PIM_BENCH_MODULE_LOG"] == str(tmp_path / "log")
