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
import stat
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


def _missing_directories(path):
    """``path`` and its missing parents, outermost first (nothing when ``path`` is a directory)."""
    missing = []
    head = path
    while head and not os.path.isdir(head):
        if os.path.lexists(head):
            if os.path.isdir(head):  # another fork created it between our two looks
                break
            raise AnsibleActionFail(f"{head} exists and is not a directory")
        missing.append(head)
        parent = os.path.dirname(head)
        if parent == head:
            break
        head = parent
    return list(reversed(missing))


def ensure_directory(path, mode, check_mode):
    """Create ``path`` and its missing parents with ``mode``; -> changed (whether this call created one).

    Safe when several forks (or two playbook runs) create the same folder at once: whoever loses the race
    to ``mkdir`` finds the directory there, which is all it wanted. Only directories this call creates
    get ``mode``: an existing one (a shared 1777 folder, a symlink to someone else's) is never chmod-ed,
    since its mode is its owner's decision and other programs depend on it.
    """
    missing = _missing_directories(path)
    if check_mode or not missing:
        return bool(missing)
    created = False
    for directory in missing:
        try:
            os.mkdir(directory, mode)
        except FileExistsError:
            # Another fork made it between our look and our mkdir; it is not ours to chmod.
            if not os.path.isdir(directory):
                raise AnsibleActionFail(f"{directory} exists and is not a directory") from None
            continue
        # mkdir's mode is filtered by the umask; ansible.builtin.file sets the mode whatever the umask.
        os.chmod(directory, mode)
        created = True
    return created


def write_file(path, content, mode, check_mode):
    """Write ``content`` to ``path`` atomically when it or the mode differs; -> changed.

    The new content goes to a temporary file with a unique name in the same directory (``mkstemp``:
    ``O_CREAT|O_EXCL``, so concurrent writers never share one), gets its mode, and replaces ``path``
    with ``os.replace`` (atomic on POSIX within one file system): a reader, or a second run writing the
    same file at the same time, only ever sees a complete report, the last one written.
    """
    data = to_bytes(content, errors="surrogate_or_strict")
    try:
        # lstat: a symlink planted at a report's name is replaced, never followed (its target's content or
        # mode are not ours to change).
        if stat.S_ISREG(os.lstat(path).st_mode):
            with open(path, "rb") as current:
                same = current.read() == data
        else:
            same = False
    except FileNotFoundError:
        same = False
    if same:
        if _mode_of(path) == mode:
            return False
        if not check_mode:
            os.chmod(path, mode)
        return True
    if not check_mode:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=f".{os.path.basename(path)}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(out.fileno(), mode)
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
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
