"""Loaded by every Python process of a bench run (``PYTHONPATH=bench/hook``); each records its own peak.

At exit a process appends one JSON line to ``$ENTRA_PIM_BENCH_MODULE_LOG``: its pid, its kind
(``module`` for an ``AnsiballZ_<name>.py`` process, which runs the module in the same interpreter;
``process`` for any other, e.g. the ``ansible-playbook`` controller or the per-role client), its own
peak memory, CPU and lifetime. Processes that leave through ``os._exit`` (Ansible's forked workers)
skip ``atexit`` and record nothing; they are forks of the controller, not programs of their own.

Peak memory is ``VmHWM`` of ``/proc/self/status``, read by the process itself just before it exits:
the high-water mark of resident memory of *this* address space, which ``execve`` starts afresh.
``getrusage(RUSAGE_SELF).ru_maxrss`` is not the process's own peak on Linux: the kernel folds the
high-water mark of the address space that ``execve`` replaced into it (``setmax_mm_hiwater_rss`` in
``exec_mmap``), and a child started with ``vfork``/``posix_spawn`` (Python's subprocess) replaces its
*parent's* address space. A module process started by a 65 MB Ansible worker so reported 65 MB
whatever it used, and a 20 MB child of a 150 MB parent reports 150 MB (``bench/tests/test_measure.py``
shows both figures). Sampling ``/proc/<pid>/status`` from outside would miss a peak between two
samples and cannot read the last one (the memory is gone once the process is a zombie), so the
process reports it itself. ``ru_maxrss`` is kept in the record as ``ru_maxrss_kb``, for comparison.
"""

import os
import sys

_LOG = os.environ.get("ENTRA_PIM_BENCH_MODULE_LOG")
_ARGV0 = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""

if _LOG:
    import atexit
    import time

    _STARTED = time.time()

    def _vm_hwm_kb():
        try:
            with open("/proc/self/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return None

    def _record():
        import json
        import resource

        ru = resource.getrusage(resource.RUSAGE_SELF)
        try:
            with open("/proc/self/stat", encoding="ascii") as fh:
                start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
            with open("/proc/uptime", encoding="ascii") as fh:
                uptime = float(fh.read().split()[0])
            lifetime = uptime - start_ticks / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            lifetime = None
        module = _ARGV0.startswith("AnsiballZ_") and _ARGV0.endswith(".py")
        entry = {"kind": "module" if module else "process",
                 "module": _ARGV0[len("AnsiballZ_"):-3] if module else None, "argv0": _ARGV0,
                 "pid": os.getpid(), "ppid": os.getppid(), "hwm_kb": _vm_hwm_kb(), "ru_maxrss_kb": ru.ru_maxrss,
                 "user_s": ru.ru_utime, "sys_s": ru.ru_stime, "wall_s": time.time() - _STARTED,
                 "lifetime_s": lifetime}
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")

    atexit.register(_record)
