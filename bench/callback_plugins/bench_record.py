# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench callback: one JSON line per task result (host, task, wall, changed, failed, graph_requests)."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_record
type: aggregate
short_description: Record task results for the entra.pim bench
description: Writes one JSON line per task result to the file named by ENTRA_PIM_BENCH_TASK_LOG.
requirements: [enable in callbacks_enabled]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("ENTRA_PIM_BENCH_TASK_LOG")
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()

    def _write(self, result, status, item=False):
        if not self._path:
            return
        host = result._host.get_name()
        started = None if item else self._started.pop((host, result._task._uuid), None)
        res = result._result
        entry = {"item": item, "host": host, "task": result._task.get_name(), "action": result._task.action,
                 "status": status,
                 "wall_s": (time.time() - started) if started else None, "changed": bool(res.get("changed")),
                 "graph_requests": res.get("graph_requests"), "msg": res.get("msg") if status == "failed" else None}
        with open(self._path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    # A loop's items carry the module results (graph_requests); the task's own result only lists them.
    def v2_runner_item_on_ok(self, result):
        self._write(result, "ok", item=True)

    def v2_runner_item_on_failed(self, result):
        self._write(result, "failed", item=True)
