# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed since the previous scan (compare_scans), and the reports' template paths with hostile names:
the changes table, the gone tenants, a user's copy of a template (issue 15 items 3 and 4)."""

from __future__ import annotations

import copy
import json
import re
import shutil

import pytest
from ansible.plugins.filter.core import to_nice_json
from filter_data import GA, HOSTILE_NAMES, PRA, assignment, settings_data, tidy_data
from test_pim_report import CONTROLS, parse_html

from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate
from ansible_collections.entra.pim.plugins.filter.pim_report import (
    TEMPLATE_DIR, clean_text, compare_scans, to_html, to_junit, to_markdown, with_changes,
)

OPTIONS = {"excluded_principals": ["breakglass1", "breakglass2"]}
BEFORE = "2026-11-21T03:00:00Z"
NOW = "2026-11-28T03:00:00Z"


def scan(tenant_id, name, extra=(), generated=NOW, settings=None):
    return evaluate(settings or settings_data(), tidy_data() + list(extra),
                    {"id": tenant_id, "name": name, "generated": generated}, OPTIONS)


def control(report, cid):
    return next(c for c in report["controls"] if c["id"] == cid)


def test_a_new_standing_global_administrator_makes_the_tenant_worse():
    before = [scan("t-1", "contoso", generated=BEFORE), scan("t-2", "fabrikam", generated=BEFORE)]
    eve = assignment("eve", GA, permanent=True)
    now = [scan("t-1", "contoso", [eve]), scan("t-2", "fabrikam")]
    assert control(before[0], "MS.AAD.7.4")["status"] == "pass" and control(now[0], "MS.AAD.7.4")["status"] == "fail"
    changes = compare_scans(now, before)
    assert changes["since"] == BEFORE and changes["worse"] == ["t-1"] and changes["better"] == []
    t1 = changes["tenants"]["t-1"]
    assert t1["status"] == "worse" and "MS.AAD.7.4" in t1["newly_failing"] and t1["newly_passing"] == []
    assert t1["standing_added"] == [{"role": "Global Administrator", "principal": "eve", "status": "fail",
                                     "detail": "user"}]
    assert t1["standing_removed"] == []
    assert changes["tenants"]["t-2"] == {"since": BEFORE, "status": "same", "newly_failing": [], "newly_passing": [],
                                         "standing_added": [], "standing_removed": []}
    # ...and the other way round: removing it is better, and MS.AAD.7.4 newly passes.
    back = compare_scans(before, now)
    assert back["better"] == ["t-1"] and back["worse"] == []
    assert "MS.AAD.7.4" in back["tenants"]["t-1"]["newly_passing"]
    assert [a["principal"] for a in back["tenants"]["t-1"]["standing_removed"]] == ["eve"]


def test_break_glass_accounts_count_as_standing_access_and_both_ways_is_mixed():
    """An exempt break-glass account is standing access too: its removal is reported (not a control change)."""
    before = [scan("t-1", "contoso", generated=BEFORE)]
    settings = settings_data()
    now = [evaluate(settings, [a for a in tidy_data() if a["principal"] != "breakglass2"]
                    + [assignment("mallory", PRA, permanent=True)], {"id": "t-1", "name": "contoso"}, OPTIONS)]
    t1 = compare_scans(now, before)["tenants"]["t-1"]
    assert [a["principal"] for a in t1["standing_removed"]] == ["breakglass2"]
    assert t1["standing_removed"][0]["status"] == "exempt"
    added = [(a["role"], a["principal"]) for a in t1["standing_added"]]
    assert added == [("Privileged Role Administrator", "mallory")]
    assert t1["status"] == "mixed"


def test_new_and_gone_tenants_and_a_report_of_one_tenant():
    before = [scan("t-1", "contoso", generated=BEFORE), scan("t-3", "northwind <old>", generated=BEFORE)]
    now = [scan("t-1", "contoso"), scan("t-2", "fabrikam")]
    changes = compare_scans(now, before)
    assert changes["new"] == ["t-2"] and changes["tenants"]["t-2"]["status"] == "new"
    assert changes["gone"] == [{"tenant_id": "t-3", "tenant": "northwind <old>"}]
    # One tenant's own report: the others are not "gone".
    assert compare_scans(now[:1], before, gone=False)["gone"] == []


def test_controls_only_one_scan_evaluated_are_not_compared():
    before = [scan("t-1", "contoso", generated=BEFORE)]
    before[0]["controls"] = [c for c in before[0]["controls"] if c["id"] != "MS.AAD.7.6"]  # a control added since
    now = [scan("t-1", "contoso")]
    assert control(now[0], "MS.AAD.7.6")["status"] == "fail"
    t1 = compare_scans(now, before)["tenants"]["t-1"]
    assert "MS.AAD.7.6" not in t1["newly_failing"]
    narrowed = copy.deepcopy(now)
    narrowed[0]["controls"] = [c for c in narrowed[0]["controls"] if c["id"] != "MS.AAD.7.6"]  # chosen away
    assert "MS.AAD.7.6" not in compare_scans(narrowed, [scan("t-1", "contoso")])["tenants"]["t-1"]["newly_passing"]


def test_awx_artifacts_as_the_previous_scan():
    """entra_pim_compliance artifacts: failed control ids, no findings: assignments unknown (None)."""
    now = [scan("t-1", "contoso", [assignment("eve", GA, permanent=True)])]
    failed_before = [cid for cid in now[0]["failed"] if cid != "MS.AAD.7.4"] + ["CIS.5.3.4"]
    artifacts = {"entra_pim_compliance": {"t-1": {"tenant": "contoso", "compliant": False, "failed": failed_before,
                                                  "summary": {}, "generated": BEFORE}}}
    for previous in (artifacts, artifacts["entra_pim_compliance"]):
        t1 = compare_scans(now, previous)["tenants"]["t-1"]
        assert t1["newly_failing"] == ["MS.AAD.7.4"]
        assert t1["newly_passing"] == (["CIS.5.3.4"] if "CIS.5.3.4" not in now[0]["failed"] else [])
        assert t1["standing_added"] is None and t1["standing_removed"] is None
    page = to_html(now, artifacts)
    assert "unknown" in page


def test_compare_scans_is_pure():
    before = [scan("t-1", "contoso", generated=BEFORE)]
    now = [scan("t-1", "contoso", [assignment("eve", GA, permanent=True)])]
    frozen = json.dumps([before, now], sort_keys=True)
    first = compare_scans(now, before)
    assert compare_scans(now, before) == first
    assert json.dumps([before, now], sort_keys=True) == frozen
    with pytest.raises(ValueError, match="previous must be"):
        compare_scans(now, "all-tenants.json")


def test_json_keeps_every_field_and_adds_one_key():
    before = [scan("t-1", "contoso", generated=BEFORE)]
    now = [scan("t-1", "contoso", [assignment("eve", GA, permanent=True)])]
    changes = compare_scans(now, before)
    written = json.loads(to_nice_json(with_changes(now, changes), indent=2))
    assert set(written[0]) == set(now[0]) | {"changes"}
    assert {k: v for k, v in written[0].items() if k != "changes"} == json.loads(json.dumps(now[0]))
    assert written[0]["changes"]["standing_added"][0]["principal"] == "eve"
    assert with_changes(now, None) is now  # no previous scan: the JSON as it always was
    assert "changes" not in now[0]


def test_every_format_that_carries_it_shows_the_change_and_junit_does_not():
    before = [scan("t-1", "contoso", generated=BEFORE), scan("t-9", "gone-co", generated=BEFORE)]
    now = [scan("t-1", "contoso", [assignment("eve", GA, permanent=True)]), scan("t-2", "fabrikam")]
    page = to_html(now, before)
    assert "Since 2026-11-21: 1 tenant(s) got worse, 0 better</b>, 1 new, 1 gone." in page
    assert page.index("Since 2026-11-21") < page.index("<table class='m'>")  # at the top
    assert "Global Administrator: eve" in page and "gone-co" in page
    markdown = to_markdown(now, before)
    assert "**Since 2026-11-21: 1 tenant(s) got worse, 0 better**, 1 new, 1 gone." in markdown
    assert "| contoso | worse | " in markdown and "eve as Global Administrator" in markdown
    assert "Gone since the previous scan: gone-co." in markdown
    assert to_junit(now) == to_junit(with_changes(now, compare_scans(now, before)))


# -- hostile names through the new template paths -----------------------------------------------------------
def hostile_scans():
    """Each hostile name as a tenant and as a new standing Global Administrator; a hostile gone tenant."""
    before, now = [], []
    for i, name in enumerate(HOSTILE_NAMES):
        before.append(scan(f"t-{i:02d}", name, generated=BEFORE))
        now.append(scan(f"t-{i:02d}", name, [assignment(name, GA, permanent=True, principal_id=f"id-{i}")]))
    before.append(scan("t-gone", HOSTILE_NAMES[0] + " gone", generated=BEFORE))
    return before, now


@pytest.mark.parametrize("index", range(len(HOSTILE_NAMES)))
def test_changes_keep_hostile_names_inert_in_html(index):
    before, now = hostile_scans()
    page = to_html(now[index: index + 1], before)
    assert not CONTROLS.search(page)
    parsed = parse_html(page)
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "tr",
                                "th", "td", "br", "code", "a", "details", "summary", "b"}, set(parsed.tags)
    assert not [a for a in parsed.attrs if a[1].startswith("on")]
    assert all(v.startswith("#") for tag, k, v in parsed.attrs if k == "href")
    name = clean_text(HOSTILE_NAMES[index])
    assert f"Global Administrator: {name}" in parsed.cells  # the added assignment, one cell, as text
    assert name in parsed.cells  # the changes table's tenant cell


@pytest.mark.parametrize("index", range(len(HOSTILE_NAMES)))
def test_changes_keep_hostile_names_inert_in_markdown(index):
    markdown_it = pytest.importorskip("markdown_it")
    before, now = hostile_scans()
    text = to_markdown(now[index: index + 1], before)
    assert not CONTROLS.search(text)
    page = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(text)
    parsed = parse_html(page)
    assert set(parsed.tags) <= {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "strong"}, \
        parsed.tags
    name = re.sub("[\r\n\t\u2028\u2029]+", " ", clean_text(HOSTILE_NAMES[index])).strip()
    assert name in parsed.cells  # the changes table: the whole name in its cell
    assert f"{name} as Global Administrator".strip() in [c.strip() for c in parsed.cells]
    for raw in ("<img", "<script", "<injected", "<a ", "<b>", "<https"):
        assert raw not in page


def test_a_restyled_copy_of_each_template_still_escapes(tmp_path):
    """A user's copy, with the tenant name in new places (an attribute, a heading): escaped all the same."""
    html_copy = tmp_path / "ours.html.j2"
    shutil.copy(f"{TEMPLATE_DIR}/pim_compliance_report.html.j2", html_copy)
    html_copy.write_text(html_copy.read_text().replace(
        "<h1>PIM compliance report</h1>",
        "<h1 class='ours' title='{{ rows[0].tenant }}'>Our report: {{ rows[0].tenant }}</h1>"))
    md_copy = tmp_path / "ours.md.j2"
    shutil.copy(f"{TEMPLATE_DIR}/pim_compliance_report.md.j2", md_copy)
    md_copy.write_text(md_copy.read_text().replace("# PIM compliance report", "# Ours: {{ rows[0].tenant }}"))
    for name in HOSTILE_NAMES:
        reports = [scan("t-1", name)]
        page = to_html(reports, template=str(html_copy))
        parsed = parse_html(page)
        assert ("h1", "class", "ours") in parsed.attrs
        assert ("h1", "title", clean_text(name)) in parsed.attrs  # the attribute holds the name, as text
        assert "<img" not in page and "<script" not in page and not CONTROLS.search(page)
        markdown = to_markdown(reports, template=str(md_copy))
        heading = markdown.splitlines()[0]
        assert heading.startswith("# Ours: ") and not re.search(r"(?<!\\)[<\[\]`|]", heading[8:]), heading


def test_a_missing_template_names_its_path(tmp_path):
    with pytest.raises(ValueError, match=re.escape(str(tmp_path / "nope.html.j2"))):
        to_html([scan("t-1", "contoso")], template=str(tmp_path / "nope.html.j2"))


def test_the_matrix_is_worst_first_with_per_control_totals():
    worst = [assignment("eve", GA, permanent=True), assignment("zed", PRA, permanent=True)]
    reports = [scan("t-1", "a-tidy"), scan("t-2", "b-worst", worst)]
    page = to_html(reports)
    matrix = page[page.index("<table class='m'>"):page.index("</table>", page.index("<table class='m'>"))]
    assert matrix.index("b-worst") < matrix.index("a-tidy")
    start = matrix.index("<tr class='total'>")
    totals = parse_html(matrix[start:matrix.index("</tr>", start)])
    ids = [c["id"] for c in reports[0]["controls"]]
    failing = [sum(control(r, cid)["status"] == "fail" for r in reports) for cid in ids]
    assert totals.cells == ["Tenants failing", "2"] + [str(n) for n in failing]
    assert "<details open" not in page  # every finding collapsed until asked for
