# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pim_compliance_report: the same bytes the role's copy tasks wrote, modes, idempotence, check mode."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.entra.pim.plugins.action import pim_compliance_report as plugin
from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate
from ansible_collections.entra.pim.plugins.filter.pim_report import to_html, to_junit, to_markdown

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "filter"))
from filter_data import settings_data, tidy_data  # noqa: E402

ALL = ["json", "markdown", "html", "junit"]


@pytest.fixture
def reports():
    return [evaluate(settings_data(), tidy_data(), {"id": "t-1", "name": "contoso <&> \"\u00fc\""}),
            evaluate(settings_data(), {"eligible": [], "active": []}, {"id": "t-2", "name": "fabrikam"})]


def _write(reports, dest, check_mode=False, **kw):
    return plugin.write_reports(reports, str(dest), kw.pop("basename", "all-tenants"), kw.pop("formats", ALL),
                                kw.pop("mode", 0o640), kw.pop("directory_mode", 0o750), check_mode)


def test_renders_what_the_filters_render(reports):
    out = dict(plugin.render(reports, ALL))
    assert list(out) == ["json", "md", "html", "xml"]
    assert out["md"] == to_markdown(reports)
    assert out["html"] == to_html(reports)
    assert out["xml"] == to_junit(reports)
    # to_nice_json(indent=2) as the role's copy task had it: sorted keys, ASCII escapes, final newline.
    assert out["json"] == json.dumps(reports, indent=2, sort_keys=True, separators=(",", ": ")) + "\n"


def test_writes_every_format_with_modes_then_changes_nothing(reports, tmp_path):
    dest = tmp_path / "a" / "reports"
    changed, paths = _write(reports, dest)
    assert changed
    assert [Path(p).name for p in paths] == ["all-tenants.json", "all-tenants.md", "all-tenants.html",
                                             "all-tenants.xml"]
    assert {os.stat(p).st_mode & 0o777 for p in paths} == {0o640}
    assert os.stat(dest).st_mode & 0o777 == 0o750
    assert os.stat(dest.parent).st_mode & 0o777 == 0o750
    assert Path(paths[1]).read_text(encoding="utf-8") == to_markdown(reports)
    assert _write(reports, dest) == (False, paths)
    assert not [p for p in os.listdir(dest) if p.startswith(".")]


def test_mode_drift_is_a_change(reports, tmp_path):
    paths = _write(reports, tmp_path, formats=["html"])[1]
    os.chmod(paths[0], 0o600)
    assert _write(reports, tmp_path, formats=["html"], check_mode=True)[0]
    assert os.stat(paths[0]).st_mode & 0o777 == 0o600
    assert _write(reports, tmp_path, formats=["html"])[0]
    assert os.stat(paths[0]).st_mode & 0o777 == 0o640


def test_check_mode_writes_nothing(reports, tmp_path):
    changed, paths = _write(reports, tmp_path / "new", check_mode=True)
    assert changed and len(paths) == 4
    assert not (tmp_path / "new").exists()
    _write(reports[:1], tmp_path)
    assert _write(reports, tmp_path, check_mode=True)[0]  # other content
    assert json.loads((tmp_path / "all-tenants.json").read_text())[0]["tenant_id"] == "t-1"
    assert len(json.loads((tmp_path / "all-tenants.json").read_text())) == 1


@pytest.mark.parametrize("value, expected", [("0640", 0o640), ("640", 0o640), (0o600, 0o600)])
def test_octal_mode(value, expected):
    assert plugin.octal_mode(value, "mode") == expected


@pytest.mark.parametrize("value", ["u=rw", "0980", True])
def test_bad_mode(value):
    with pytest.raises(AnsibleActionFail, match="octal mode"):
        plugin.octal_mode(value, "mode")


@pytest.mark.parametrize("basename", ["", "a/b", ".."])
def test_bad_basename(reports, tmp_path, basename):
    with pytest.raises(AnsibleActionFail, match="basename"):
        _write(reports, tmp_path, basename=basename)


def test_dest_that_is_a_file(reports, tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(AnsibleActionFail, match="not a directory"):
        _write(reports, tmp_path / "f")


def _action(args, check_mode=False):
    task = MagicMock(args=args, async_val=0, check_mode=check_mode, diff=False)
    return plugin.ActionModule(task, MagicMock(), MagicMock(), MagicMock(), MagicMock(), MagicMock())


def test_action_run(reports, tmp_path):
    result = _action({"reports": reports, "dest": str(tmp_path), "basename": "x", "formats": ["junit"]}).run(
        task_vars={})
    assert result["changed"] and result["files"] == [str(tmp_path / "x.xml")] and result["tenants"] == 2
    assert (tmp_path / "x.xml").read_text(encoding="utf-8") == to_junit(reports)
    result = _action({"reports": reports, "dest": str(tmp_path), "basename": "y"}, check_mode=True).run(task_vars={})
    assert result["changed"] and not (tmp_path / "y.json").exists()


def test_action_rejects_unknown_format(tmp_path):
    with pytest.raises(Exception, match="formats"):
        _action({"reports": [], "dest": str(tmp_path), "basename": "x", "formats": ["pdf"]}).run(task_vars={})
