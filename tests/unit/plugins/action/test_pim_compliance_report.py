# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pim_compliance_report: the same bytes the role's copy tasks wrote, modes, idempotence, check mode."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import stat
import sys
import xml.etree.ElementTree as ET
from xml.dom import minidom
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.entra.pim.plugins.action import pim_compliance_report as plugin
from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate
from ansible_collections.entra.pim.plugins.filter.pim_report import to_html, to_junit, to_markdown

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "filter"))
from filter_data import HOSTILE_NAMES, hostile_report_inputs, settings_data, tidy_data  # noqa: E402

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


# -- since the previous scan (issue 15 item 3) ----------------------------------------------------------------
def _eve(tenant_id="t-1", name="contoso"):
    from filter_data import GA, assignment
    return evaluate(settings_data(), tidy_data() + [assignment("eve", GA, permanent=True)],
                    {"id": tenant_id, "name": name})


def test_previous_scan_folder_as_the_role_uses_it(reports, tmp_path):
    """The role writes each tenant's files, then all-tenants, into the same folder, reading the previous scan's
    files there first: each tenant's own <id>.json, then all-tenants.json, both before they are rewritten."""
    folder = tmp_path / "reports"
    for report in reports:
        _write([report], folder, basename=report["tenant_id"])
    _write(reports, folder)
    now = [_eve(), reports[1]]
    for report in now:  # each tenant's own task: no other tenant is "gone"
        result = _action({"reports": [report], "dest": str(folder), "basename": report["tenant_id"],
                          "previous": str(folder), "gone_tenants": False}).run(task_vars={})
        assert result["changes"]["gone"] == [] and result["changes"]["new"] == []
    own = json.loads((folder / "t-1.json").read_text())
    assert own[0]["changes"]["status"] == "worse"
    assert [a["principal"] for a in own[0]["changes"]["standing_added"]] == ["eve"]
    # Every t-1 file now carries the change; the all-tenants report still compares with the previous all-tenants.
    result = _action({"reports": now, "dest": str(folder), "basename": "all-tenants",
                      "previous": str(folder)}).run(task_vars={})
    assert result["changes"]["worse"] == ["t-1"] and result["changes"]["better"] == []
    everything = json.loads((folder / "all-tenants.json").read_text())
    assert [r["changes"]["status"] for r in everything] == ["worse", "same"]
    assert "got worse" in (folder / "all-tenants.html").read_text() and "eve" in (folder / "all-tenants.md").read_text()
    assert (folder / "all-tenants.xml").read_text() == to_junit(now)  # JUnit: the current state only


def test_previous_scan_as_a_file_artifacts_or_nothing(reports, tmp_path):
    _write(reports, tmp_path / "last", formats=["json"])
    now = [_eve(), reports[1]]
    result = _action({"reports": now, "dest": str(tmp_path / "now"), "basename": "all-tenants", "formats": ["json"],
                      "previous": str(tmp_path / "last" / "all-tenants.json")}).run(task_vars={})
    assert result["changes"]["worse"] == ["t-1"]
    artifacts = {"entra_pim_compliance": {r["tenant_id"]: {"tenant": r["tenant"], "failed": r["failed"],
                                                           "generated": r["generated"]} for r in reports}}
    result = _action({"reports": now, "dest": str(tmp_path / "now"), "basename": "a", "formats": ["json"],
                      "previous": artifacts}).run(task_vars={})
    assert result["changes"]["worse"] == ["t-1"]
    written = json.loads((tmp_path / "now" / "a.json").read_text())
    assert written[0]["changes"]["standing_added"] is None  # artifacts carry no findings
    result = _action({"reports": now, "dest": str(tmp_path / "now"), "basename": "b", "formats": ["json"],
                      "previous": str(tmp_path / "never")}).run(task_vars={})
    assert "changes" not in result and "nothing at" in result["warnings"][0]
    assert "changes" not in json.loads((tmp_path / "now" / "b.json").read_text())[0]


def test_previous_that_is_not_a_report_fails_before_writing(reports, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(AnsibleActionFail, match="bad.json is not a scan's JSON report"):
        _action({"reports": reports, "dest": str(tmp_path / "out"), "basename": "x",
                 "previous": str(tmp_path / "bad.json")}).run(task_vars={})
    with pytest.raises(AnsibleActionFail, match="previous must be"):
        _action({"reports": reports, "dest": str(tmp_path / "out"), "basename": "x", "previous": 3}).run(task_vars={})
    with pytest.raises(AnsibleActionFail, match="html_template: .*nope.j2 is not a file"):
        _action({"reports": reports, "dest": str(tmp_path / "out"), "basename": "x",
                 "html_template": str(tmp_path / "nope.j2")}).run(task_vars={})
    assert not (tmp_path / "out").exists()


# -- concurrent forks and runs ----------------------------------------------------------------
PROCESSES = 12
ROUNDS = 40


def _hammer(base, index, barrier, results):
    """One fork of a scan: every round, its own tenant's reports and the shared roll-up into a fresh nested
    folder that all forks create at the same moment (the barrier), as two runs or N forks do."""
    tenant = evaluate(settings_data(), tidy_data(), {"id": f"t-{index:02d}", "name": f"tenant {index}"})
    failures = []
    for round_ in range(ROUNDS):
        dest = os.path.join(base, f"round-{round_:02d}", "reports", "nested")
        barrier.wait(timeout=600)  # a bound against a dead sibling, not a timing assertion
        for basename, reports in ((f"t-{index:02d}", [tenant]), ("all-tenants", [tenant])):
            try:
                plugin.write_reports(reports, dest, basename, ALL, 0o640, 0o750, False)
            except Exception as exc:  # noqa: BLE001 - every failure is the test's finding
                failures.append(f"round {round_} {basename}: {exc!r}")
    results.put((index, failures))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_many_forks_write_into_one_fresh_folder(tmp_path):
    """12 processes x 40 rounds create one fresh nested folder at once and write into it: every call succeeds,
    every file is complete and parses, no temporary file is left, the created folders have directory_mode."""
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [ctx.Process(target=_hammer, args=(str(tmp_path), i, barrier, results)) for i in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=1800) for _worker in workers)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    failures = [f for index in sorted(outcomes) for f in outcomes[index]]
    assert not failures, f"{len(failures)} of {PROCESSES * ROUNDS * 2} calls failed: {failures[:5]}"
    for round_ in range(ROUNDS):
        dest = tmp_path / f"round-{round_:02d}" / "reports" / "nested"
        names = sorted(os.listdir(dest))
        assert names == sorted([f"{b}.{e}" for b in ["all-tenants"] + [f"t-{i:02d}" for i in range(PROCESSES)]
                                for e in ("json", "md", "html", "xml")])
        for directory in (dest, dest.parent, dest.parent.parent):
            assert stat.S_IMODE(directory.stat().st_mode) == 0o750
        for name in names:
            path = dest / name
            assert stat.S_IMODE(path.stat().st_mode) == 0o640
            text = path.read_text(encoding="utf-8")
            if name.endswith(".json"):
                assert len(json.loads(text)) == 1
            elif name.endswith(".xml"):
                assert ET.parse(path).getroot().tag == "testsuites"  # noqa: S314 - our own output
            else:
                assert text.endswith("</html>\n") if name.endswith(".html") else text.startswith("# PIM")
        # the roll-up is one fork's complete file, whichever wrote last
        rolled = json.loads((dest / "all-tenants.json").read_text())
        assert rolled[0]["tenant"].startswith("tenant ")


def test_two_writers_of_one_file_leave_one_complete_report(reports, tmp_path):
    """Atomic replacement: after two runs wrote the same path, it holds one run's report, whole."""
    _write(reports[:1], tmp_path, basename="x", formats=["json"])
    _write(reports, tmp_path, basename="x", formats=["json"])
    assert len(json.loads((tmp_path / "x.json").read_text())) == 2
    assert os.listdir(tmp_path) == ["x.json"]


def test_a_failed_write_leaves_no_temporary_file(reports, tmp_path, monkeypatch):
    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plugin.os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        _write(reports, tmp_path, formats=["json"])
    assert os.listdir(tmp_path) == []


# -- modes of directories it did not create -------------------------------------------------
@pytest.mark.parametrize("check_mode", [False, True])
def test_an_existing_directory_keeps_its_mode(reports, tmp_path, check_mode):
    """A shared 1777 folder stays 1777: only folders this task creates get directory_mode."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # noqa: S103 - a shared folder such as /tmp is the case under test
    changed = _write(reports, shared, check_mode=check_mode, formats=["json"])[0]
    assert changed  # the report is new (or would be)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert (shared / "all-tenants.json").exists() != check_mode
    # a second run: the files are there and right, the folder's mode is nobody's business -> no change
    if not check_mode:
        assert _write(reports, shared, formats=["json"])[0] is False
        assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_symlinked_folder_and_its_target_keep_their_modes(reports, tmp_path, check_mode):
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.chmod(target, 0o755)  # noqa: S103 - a mode the writer must leave alone
    link = tmp_path / "reports"
    link.symlink_to(target)
    _write(reports, link, check_mode=check_mode, formats=["html"])
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert link.is_symlink()
    assert (target / "all-tenants.html").exists() != check_mode


def test_only_created_parents_get_the_mode(reports, tmp_path):
    existing = tmp_path / "existing"
    existing.mkdir()
    os.chmod(existing, 0o711)  # noqa: S103 - a mode the writer must leave alone
    dest = existing / "new" / "reports"
    assert _write(reports, dest, directory_mode=0o700, formats=["json"])[0]
    assert stat.S_IMODE(existing.stat().st_mode) == 0o711
    assert stat.S_IMODE((existing / "new").stat().st_mode) == 0o700
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700


def test_check_mode_reports_a_missing_folder_as_a_change_and_an_existing_one_as_none(tmp_path):
    assert plugin.ensure_directory(str(tmp_path / "a" / "b"), 0o750, True) is True
    assert not (tmp_path / "a").exists()
    os.chmod(tmp_path, 0o700)
    assert plugin.ensure_directory(str(tmp_path), 0o750, True) is False
    assert plugin.ensure_directory(str(tmp_path), 0o750, False) is False
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_a_symlink_at_a_report_name_is_replaced_not_followed(reports, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text(to_html(reports))  # even with the same content: its mode is not ours
    os.chmod(victim, 0o600)
    dest = tmp_path / "reports"
    dest.mkdir()
    (dest / "all-tenants.html").symlink_to(victim)
    _write(reports, dest, formats=["html"], mode=0o644)
    assert not (dest / "all-tenants.html").is_symlink()
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert stat.S_IMODE((dest / "all-tenants.html").stat().st_mode) == 0o644


def test_hostile_names_are_written_in_every_format_and_every_xml_parses(tmp_path):
    """Each hostile tenant's own files and the roll-up: written (a lone surrogate does not stop the UTF-8
    encoding), JSON exact, every XML file well-formed for a real parser, no control character in any text."""
    reports = []
    for i, name in enumerate(HOSTILE_NAMES):
        settings, data = hostile_report_inputs(name, i)
        reports.append(evaluate(settings, data, {"id": f"t-{i:02d}", "name": name}))
    for report in reports:
        _write([report], tmp_path, basename=report["tenant_id"])
    _write(reports, tmp_path, basename="all-tenants")
    xml_files = sorted(tmp_path.glob("*.xml"))
    assert len(xml_files) == len(HOSTILE_NAMES) + 1
    for path in xml_files:
        root = ET.parse(path).getroot()  # noqa: S314 - our own output
        minidom.parse(str(path))  # noqa: S318
        assert root.tag == "testsuites"
    assert [r["tenant"] for r in json.loads((tmp_path / "all-tenants.json").read_text())] == HOSTILE_NAMES
    for path in list(tmp_path.glob("*.md")) + list(tmp_path.glob("*.html")) + xml_files:
        text = path.read_text(encoding="utf-8")
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text), path.name
