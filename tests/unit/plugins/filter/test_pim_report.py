# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Markdown, HTML and JUnit renderings of tenant reports."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from xml.dom import minidom

import pytest
from ansible.plugins.filter.core import to_nice_json
from filter_data import GA, HOSTILE_NAMES, assignment, hostile_report_inputs

from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate
from ansible_collections.entra.pim.plugins.filter.pim_report import (
    clean_text, console_text, to_html, to_junit, to_markdown,
)


def reports(settings, tidy_assignments):
    evil = assignment("<script>alert(1)</script>", GA, permanent=True)
    return [evaluate(settings, tidy_assignments + [evil], {"id": "t-2", "name": "fabrikam & co"}, {}),
            evaluate(settings, tidy_assignments, {"id": "t-1", "name": "contoso"}, {})]


def test_junit_is_valid_and_counts(settings, tidy_assignments):
    root = ET.fromstring(to_junit(reports(settings, tidy_assignments)).encode())  # noqa: S314 - our own output
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["contoso", "fabrikam & co"]  # sorted by tenant name
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites)
    failed = [c.get("name") for c in suites[0] if c.find("failure") is not None]
    assert any(n.startswith("MS.AAD.7.6") for n in failed)
    assert int(suites[0].get("skipped")) == len([c for c in suites[0] if c.find("skipped") is not None])


def test_html_is_self_contained_and_escaped(settings, tidy_assignments):
    page = to_html(reports(settings, tidy_assignments))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched from elsewhere
    # one matrix row per tenant, its name linking to the tenant's findings
    assert page.count("<tr><th><a class='n' href='#t-t-1' title='contoso'>contoso</a>") == 1
    assert "fabrikam &amp; co" in page
    assert "href='#t-t-1-MS-AAD-7-6'" in page and "id='t-t-1-MS-AAD-7-6'" in page


def test_markdown_matrix_and_details(settings, tidy_assignments):
    text = to_markdown(reports(settings, tidy_assignments)[1])
    assert text.startswith("# PIM compliance report")
    assert "| contoso | no | " in text and "### FAIL MS.AAD.7.6" in text


# -- hostile tenant names (issue 14, item 2) ------------------------------------------------------------------
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def hostile_reports():
    out = []
    for i, name in enumerate(HOSTILE_NAMES):
        settings, data = hostile_report_inputs(name, i)
        out.append(evaluate(settings, data, {"id": f"t-{i:02d}", "name": name, "generated": "2026-01-01T00:00:00Z"},
                            {"excluded_principals": ["breakglass1", "breakglass2"]}))
    return out


def report_text(name):
    """What a reader must see of ``name``: the same characters, controls replaced."""
    return clean_text(name)


class Tags(HTMLParser):
    """Every element and attribute of a page, and the text of every table cell."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.cells, self._cell = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_html(page):
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


def test_json_keeps_every_name_exactly_and_escaped():
    reports = hostile_reports()
    text = to_nice_json(reports, indent=2)
    assert text.isascii()  # every control character and surrogate as a \\u escape
    back = json.loads(text)
    for report, name in zip(back, HOSTILE_NAMES, strict=True):
        assert report["tenant"] == name
        c74 = next(c for c in report["controls"] if c["id"] == "MS.AAD.7.4")
        assert name in [f["principal"] for f in c74["findings"]]


@pytest.mark.parametrize("index", range(len(HOSTILE_NAMES)))
def test_markdown_keeps_names_inert(index):
    markdown_it = pytest.importorskip("markdown_it")
    name = HOSTILE_NAMES[index]
    reports = hostile_reports()[index: index + 1]
    text = to_markdown(reports)
    assert not CONTROLS.search(text)
    # Render it as GitHub would (CommonMark + tables + strikethrough): only the report's own structure.
    page = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(text)
    parsed = parse_html(page)
    assert set(parsed.tags) <= {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td"}, parsed.tags
    assert parsed.tags.count("h1") == 1 and parsed.tags.count("h2") == 1
    assert parsed.tags.count("h3") == len(reports[0]["controls"])
    expected = re.sub("[\r\n\t\u2028\u2029]+", " ", report_text(name)).strip()
    # The whole name is one cell: a pipe, a newline or a backtick did not split or end it.
    assert parsed.cells.count(expected) >= 3, (expected, [c for c in parsed.cells if c[:5] == expected[:5]])
    for raw in ("<img", "<script", "<injected", "<a ", "<b>", "<https"):
        assert raw not in page  # escaped as text (&lt;...), never markup


@pytest.mark.parametrize("index", range(len(HOSTILE_NAMES)))
def test_html_keeps_names_inert(index):
    name = HOSTILE_NAMES[index]
    page = to_html(hostile_reports()[index: index + 1])
    assert not CONTROLS.search(page)
    parsed = parse_html(page)
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "tr",
                                "th", "td", "br", "code", "a", "details", "summary", "b"}, set(parsed.tags)
    assert not [a for a in parsed.attrs if a[1].startswith("on")]
    assert all(v.startswith("#") for tag, k, v in parsed.attrs if k == "href")
    assert report_text(name) in parsed.cells  # a finding's principal / role cell holds the whole name


def _parse_xml(text):
    root = ET.fromstring(text.encode("utf-8"))  # noqa: S314 - the test parses our own output
    minidom.parseString(text.encode("utf-8"))  # noqa: S318 - a second, DOM parser must take it too
    return root


def test_junit_of_all_hostile_tenants_is_well_formed_and_names_are_text():
    reports = hostile_reports()
    root = _parse_xml(to_junit(reports))
    assert {e.tag for e in root.iter()} == {"testsuites", "testsuite", "testcase", "failure", "skipped"}
    suites = {s.get("id"): s for s in root.findall("testsuite")}
    assert len(suites) == len(HOSTILE_NAMES)
    for i, name in enumerate(HOSTILE_NAMES):
        suite = suites[f"t-{i:02d}"]
        assert suite.get("name") == report_text(name)  # attributes keep line breaks as character references
        failures = "\n".join(f.text or "" for f in suite.iter("failure"))
        assert report_text(name).replace("\r\n", "\n").replace("\r", "\n") in failures


@pytest.mark.parametrize("index", range(len(HOSTILE_NAMES)))
def test_junit_of_each_hostile_tenant_parses(index):
    root = _parse_xml(to_junit(hostile_reports()[index]))
    assert root.find("testsuite").get("name") == report_text(HOSTILE_NAMES[index])


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_console_text_cannot_drive_a_terminal(name):
    shown = console_text(name)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]", shown)
    assert len(shown) <= 200 + len("... (99999 more characters)")
    if "\x1b" in name:
        assert "\\x1b[31m" in shown
    if len(name) <= 200 and not CONTROLS.search(name) and "\n" not in name:
        assert shown == name


def test_filters_return_text_ansible_does_not_template():
    """The rendered reports and evaluated facts are never templates (unsafe before ansible-core 2.19, untrusted
    by data tagging since)."""
    template = pytest.importorskip("ansible.template")
    reports = hostile_reports()
    for value in (to_markdown(reports), to_html(reports), to_junit(reports), reports[4]["tenant"],
                  console_text(HOSTILE_NAMES[4])):
        if hasattr(template, "is_trusted_as_template"):
            assert not template.is_trusted_as_template(value)
        else:  # pragma: no cover - ansible-core < 2.19
            from ansible.utils.unsafe_proxy import AnsibleUnsafe
            assert isinstance(value, AnsibleUnsafe)
