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

import json
import os
import stat
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.action import ActionBase
from ansible.plugins.filter.core import to_nice_json

from ansible_collections.entra.pim.plugins.filter.pim_report import compare_scans, render as render_template
from ansible_collections.entra.pim.plugins.filter.pim_report import to_junit, with_changes

# format -> (file extension, renderer of (reports, changes, templates)). The JSON is what ``to_nice_json(indent=2)``
# gave the role before, byte for byte, plus each tenant's ``changes`` when a previous scan is given. JUnit is the
# current state only, whatever the previous scan was.
FORMATS = {
    "json": ("json", lambda reports, changes, _templates: to_nice_json(
        with_changes(reports, changes), indent=2) + "\n"),
    "markdown": ("md", lambda reports, changes, templates: render_template(
        "markdown", reports, changes=changes, template=templates.get("markdown"))),
    "html": ("html", lambda reports, changes, templates: render_template(
        "html", reports, changes=changes, template=templates.get("html"))),
    "junit": ("xml", lambda reports, _changes, _templates: to_junit(reports)),
}

ARGUMENT_SPEC = dict(
    reports=dict(type="list", elements="dict", required=True),
    dest=dict(type="path", required=True),
    basename=dict(type="str", required=True),
    formats=dict(type="list", elements="str", choices=list(FORMATS), default=list(FORMATS)),
    mode=dict(type="raw", default="0640"),
    directory_mode=dict(type="raw", default="0750"),
    previous=dict(type="raw"),
    gone_tenants=dict(type="bool", default=True),
    html_template=dict(type="path"),
    markdown_template=dict(type="path"),
)


def octal_mode(value, option):
    """``0640``, ``'0640'``, ``'640'`` or 416 -> 0o640; symbolic modes are not taken."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value), 8)
    except ValueError:
        raise AnsibleActionFail(f"{option} must be an octal mode such as '0640', not {value!r}") from None


def render(reports, formats, changes=None, templates=None):
    """[(extension, content)] in the order of ``formats``, without duplicates."""
    return [(FORMATS[f][0], FORMATS[f][1](reports, changes, templates or {})) for f in dict.fromkeys(formats)]


def _read_json(path):
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except ValueError as exc:
        raise AnsibleActionFail(f"previous: {path} is not a scan's JSON report ({exc})") from None


def _plain_name(name):
    return bool(name) and os.sep not in name and not name.startswith(".")


def load_previous(previous, reports, gone):
    """The previous scan as data, or None when there is none at that path (a first scan).

    ``previous`` is data (a scan's list of reports, or an AWX job's ``entra_pim_compliance`` artifacts), a JSON
    file of either, or a folder of a scan's reports. From a folder, a report of some tenants only (``gone`` false)
    reads those tenants' ``<tenant id>.json`` when they are all there, so each tenant's scan reads its own file,
    not every tenant's; otherwise ``all-tenants.json``, or else every ``*.json`` in it. The folder may be the one
    the reports are written to: a tenant's file and ``all-tenants.json`` are read before they are replaced."""
    if previous is None or isinstance(previous, (list, dict)):
        return previous
    if not isinstance(previous, str):
        raise AnsibleActionFail("previous must be the path of the previous scan's JSON or folder, its reports, or an "
                                f"AWX job's artifacts, not {type(previous).__name__}")
    path = os.path.abspath(os.path.expanduser(previous))
    if os.path.isfile(path):
        return _read_json(path)
    if not os.path.isdir(path):
        return None
    ids = [str(r.get("tenant_id")) for r in reports]
    own = [os.path.join(path, f"{tid}.json") for tid in ids if _plain_name(tid)]
    if not gone and ids and len(own) == len(ids) and all(os.path.isfile(p) for p in own):
        names = own
    elif os.path.isfile(os.path.join(path, "all-tenants.json")):
        names = [os.path.join(path, "all-tenants.json")]
    else:
        names = sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(".json"))
    found = []
    for name in names:
        data = _read_json(name)
        found += data if isinstance(data, list) else [data]
    return found


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


def write_reports(reports, dest, basename, formats, mode, directory_mode, check_mode, changes=None, templates=None):
    """Render and write every format; -> (changed, [paths])."""
    if not basename or os.sep in basename or basename in (".", ".."):
        raise AnsibleActionFail(f"basename must be a plain file name, not {basename!r}")
    dest = os.path.abspath(os.path.expanduser(dest))
    for kind, template in (templates or {}).items():
        if template and not os.path.isfile(os.path.expanduser(template)):
            raise AnsibleActionFail(f"{kind}_template: {template} is not a file (a copy of the collection's "
                                    f"roles/compliance/templates/pim_compliance_report.*.j2)")
    changed = ensure_directory(dest, directory_mode, check_mode)
    paths = []
    for ext, content in render(reports, formats, changes, templates):
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
        changes = None
        if args["previous"] is not None:
            try:
                previous = load_previous(args["previous"], args["reports"], args["gone_tenants"])
            except OSError as exc:
                raise AnsibleActionFail(f"previous: reading {args['previous']}: {to_native(exc)}") from exc
            if previous is None:
                result.setdefault("warnings", []).append(
                    f"previous: nothing at {args['previous']}, so no comparison (a first scan?)")
            else:
                try:
                    changes = compare_scans(args["reports"], previous, gone=args["gone_tenants"])
                except ValueError as exc:
                    raise AnsibleActionFail(f"previous: {exc}") from None
        templates = {"html": args["html_template"], "markdown": args["markdown_template"]}
        try:
            changed, paths = write_reports(
                args["reports"], args["dest"], args["basename"], args["formats"],
                octal_mode(args["mode"], "mode"), octal_mode(args["directory_mode"], "directory_mode"),
                bool(self._task.check_mode), changes, templates)
        except OSError as exc:
            raise AnsibleActionFail(f"Writing the compliance reports to {args['dest']}: {to_native(exc)}") from exc
        except ValueError as exc:  # a template the renderer cannot use
            raise AnsibleActionFail(f"Rendering the compliance reports: {to_native(exc)}") from exc
        result.update(changed=changed, dest=os.path.dirname(paths[0]) if paths else args["dest"], files=paths,
                      tenants=len(args["reports"]))
        if changes is not None:
            # For automation: ids and counts only, no tenant-supplied names (the JSON reports carry the detail).
            result["changes"] = {"since": changes["since"], "worse": changes["worse"], "better": changes["better"],
                                 "new": changes["new"], "gone": [g["tenant_id"] for g in changes["gone"]]}
        return result
