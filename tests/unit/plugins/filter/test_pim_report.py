# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Markdown, HTML and JUnit renderings of tenant reports."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from filter_data import GA, assignment

from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate
from ansible_collections.entra.pim.plugins.filter.pim_report import to_html, to_junit, to_markdown


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
    assert page.count("<tr><th>contoso") == 1 and "fabrikam &amp; co" in page
    assert "href='#t-t-1-MS-AAD-7-6'" in page and "id='t-t-1-MS-AAD-7-6'" in page


def test_markdown_matrix_and_details(settings, tidy_assignments):
    text = to_markdown(reports(settings, tidy_assignments)[1])
    assert text.startswith("# PIM compliance report")
    assert "| contoso | no | " in text and "### FAIL MS.AAD.7.6" in text
