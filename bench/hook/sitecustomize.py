"""Loaded by every Python process of a bench run (``PYTHONPATH=bench/hook``); records module processes.

Ansible's AnsiballZ wrapper runs a module in the same interpreter (``AnsiballZ_<name>.py``), so at
exit this process's own ``getrusage(RUSAGE_SELF)`` is the module's: peak RSS, CPU and lifetime.
One JSON line per module process goes to ``$ENTRA_PIM_BENCH_MODULE_LOG``; every other process
(the controller, its workers) records nothing.
"""

import os
import sys

_LOG = os.environ.get("ENTRA_PIM_BENCH_MODULE_LOG")
_ARGV0 = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""

if _LOG and _ARGV0.startswith("AnsiballZ_"):
    import atexit
    import time

    _STARTED = time.time()

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
        entry = {"module": _ARGV0[len("AnsiballZ_"):-3], "pid": os.getpid(), "maxrss_kb": ru.ru_maxrss,
                 "user_s": ru.ru_utime, "sys_s": ru.ru_stime, "wall_s": time.time() - _STARTED,
                 "lifetime_s": lifetime}
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")

    atexit.register(_record)
