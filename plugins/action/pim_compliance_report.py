# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write compliance reports (JSON, Markdown, HTML, JUnit) on the controller in one task.

Why an action plugin: the reports are rendered from data the controller already holds, and written
to the controller's disk. A module per file (``file`` + ``copy`` in a loop: a ``stat`` and a ``copy``
process each) cost about 2 CPU-s per tenant in the scan; rendering and writing here costs none.
The documentation lives in ``plugins/modules/pim_compliance_report.py``.
"""

from __future__ import annotations

import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.action import ActionBase
from ansible.plugins.filter.core import to_nice_json

from ansible_collections.entra.pim.plugins.filter.pim_report import to_html, to_junit, to_markdown

# format -> (file extension, renderer of a list of tenant reports). The JSON is what
# ``to_nice_json(indent=2)`` gave the role before, byte for byte.
FORMATS = {
    "json": ("json", lambda reports: to_nice_json(reports, indent=2) + "\n"),
    "markdown": ("md", to_markdown),
    "html": ("html", to_html),
    "junit": ("xml", to_junit),
}

ARGUMENT_SPEC = dict(
    reports=dict(type="list", elements="dict", required=True),
    dest=dict(type="path", required=True),
    basename=dict(type="str", required=True),
    formats=dict(type="list", elements="str", choices=list(FORMATS), default=list(FORMATS)),
    mode=dict(type="raw", default="0640"),
    directory_mode=dict(type="raw", default="0750"),
)


def octal_mode(value, option):
    """``0640``, ``'0640'``, ``'640'`` or 416 -> 0o640; symbolic modes are not taken."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value), 8)
    except ValueError:
        raise AnsibleActionFail(f"{option} must be an octal mode such as '0640', not {value!r}") from None


def render(reports, formats):
    """[(extension, content)] in the order of ``formats``, without duplicates."""
    return [(FORMATS[f][0], FORMATS[f][1](reports)) for f in dict.fromkeys(formats)]


def _mode_of(path):
    return os.stat(path).st_mode & 0o7777


def ensure_directory(path, mode, check_mode):
    """Create ``path`` (and missing parents) with ``mode``, or set the mode of the existing one; -> changed."""
    if os.path.isdir(path):
        if _mode_of(path) == mode:
            return False
        if not check_mode:
            os.chmod(path, mode)
        return True
    if os.path.exists(path):
        raise AnsibleActionFail(f"{path} exists and is not a directory")
    if not check_mode:
        missing = []
        head = path
        while head and not os.path.exists(head):
            missing.append(head)
            head = os.path.dirname(head)
        for directory in reversed(missing):
            os.mkdir(directory)
            os.chmod(directory, mode)  # as ansible.builtin.file: the mode, whatever the umask
    return True


def write_file(path, content, mode, check_mode):
    """Write ``content`` to ``path`` atomically when it or the mode differs; -> changed."""
    data = to_bytes(content, errors="surrogate_or_strict")
    try:
        with open(path, "rb") as current:
            same = current.read() == data
    except FileNotFoundError:
        same = False
    if same:
        if _mode_of(path) == mode:
            return False
        if not check_mode:
            os.chmod(path, mode)
        return True
    if not check_mode:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".pim_compliance_report.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, mode)
            os.replace(tmp, path)  # a reader never sees half a report
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return True


def write_reports(reports, dest, basename, formats, mode, directory_mode, check_mode):
    """Render and write every format; -> (changed, [paths])."""
    if not basename or os.sep in basename or basename in (".", ".."):
        raise AnsibleActionFail(f"basename must be a plain file name, not {basename!r}")
    dest = os.path.abspath(os.path.expanduser(dest))
    changed = ensure_directory(dest, directory_mode, check_mode)
    paths = []
    for ext, content in render(reports, formats):
        path = os.path.join(dest, f"{basename}.{ext}")
        changed = write_file(path, content, mode, check_mode) or changed
        paths.append(path)
    return changed, paths


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False  # everything happens on the controller

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        try:
            changed, paths = write_reports(
                args["reports"], args["dest"], args["basename"], args["formats"],
                octal_mode(args["mode"], "mode"), octal_mode(args["directory_mode"], "directory_mode"),
                bool(self._task.check_mode))
        except OSError as exc:
            raise AnsibleActionFail(f"Writing the compliance reports to {args['dest']}: {to_native(exc)}") from exc
        result.update(changed=changed, dest=os.path.dirname(paths[0]) if paths else args["dest"], files=paths,
                      tenants=len(args["reports"]))
        return result
