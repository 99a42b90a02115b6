# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The all-tenants HTML in a real browser (issue 15 item 4): a 300-tenant report, rendered by the collection's
renderer from generated per-tenant results, opened in headless Chromium at 1400x900. It must paint, keep the
control header row on screen while scrolled far down the matrix, keep the tenant column on screen while scrolled
sideways, fit a 1400-px window with a handful of tenants (even one named with 5,000 characters), fetch nothing,
and show its details collapsed. The checks read the page's geometry and the screenshot's pixels; nothing waits
for a time. Skipped only when no Chromium is installed (`apt-get install chromium`; .ci/run installs it)."""

from __future__ import annotations

import base64
import os

import pytest
from cdp import Chromium, find_chromium, png_pixels
from synthetic import tenants

from ansible_collections.entra.pim.plugins.filter.pim_report import _anchor, to_html

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (looked for CHROMIUM, then "
                                "chromium, chromium-browser, google-chrome on PATH): apt-get install chromium")
WIDTH, HEIGHT = 1400, 900
HEADER_RGB = (0x24, 0x34, 0x4D)  # the matrix header row's background in the collection's template
PREVIOUS = "2026-11-21T03:00:00Z"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"), WIDTH, HEIGHT)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def report_300(tmp_path_factory):
    """300 tenants this week; a week ago each had exactly one standing Global Administrator, so those with none
    now got better and those with two got worse."""
    current = tenants(300)
    previous = tenants(300, generated=PREVIOUS, standing=1)
    path = tmp_path_factory.mktemp("report") / "all-tenants.html"
    path.write_text(to_html(current, previous), encoding="utf-8")
    return {"path": path, "current": current}


def viewport(browser, width=WIDTH):
    browser.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=HEIGHT,
                 deviceScaleFactor=1, mobile=False)


def test_300_tenants_paint_and_the_header_row_stays_visible_far_down(browser, report_300):
    rows = sorted(report_300["current"], key=lambda r: (-r["summary"]["fail"], r["tenant"]))
    last = rows[-40]  # far down the matrix (worst first), with rows left to scroll by under the header
    viewport(browser)
    browser.open(report_300["path"].as_uri() + "#" + _anchor(last["tenant_id"], "row"))
    geometry = browser.evaluate("""(() => {
        const table = document.querySelector('table.m');
        const header = table.rows[0].cells[2].getBoundingClientRect();  // the cells stick, not the row
        const target = document.getElementById(location.hash.slice(1)).getBoundingClientRect();
        const hit = document.elementFromPoint(table.rows[0].cells[2].getBoundingClientRect().left + 5, 5);
        return {scrollY: scrollY, matrixTop: table.getBoundingClientRect().top, rows: table.rows.length,
                headerTop: header.top, headerBottom: header.bottom, targetTop: target.top,
                targetBottom: target.bottom, hitInHeader: !!hit && hit.closest('tr') === table.rows[0],
                width: document.documentElement.scrollWidth};
    })()""")
    assert geometry["rows"] == 300 + 2  # the header, the per-control totals, one row per tenant
    assert geometry["scrollY"] > 5000 and geometry["matrixTop"] < -5000  # really far down the matrix
    assert abs(geometry["headerTop"]) <= 1 and geometry["hitInHeader"], geometry  # the header row is on top
    # The linked row is on screen, below the header (not hidden under it).
    assert geometry["headerBottom"] <= geometry["targetTop"] and geometry["targetBottom"] <= HEIGHT, geometry
    assert geometry["width"] <= WIDTH

    png = browser.screenshot()
    width, height, pixels = png_pixels(png)
    assert (width, height) == (WIDTH, HEIGHT)
    colours = {pixel for row in pixels[::20] for pixel in row[::20]}
    assert len(colours) > 8, "the page painted (almost) one colour"  # not blank
    # The header's own pixels at the top of the scrolled viewport, across the control columns.
    header_left, header_right = (int(v) for v in browser.evaluate(
        "(r => [r.cells[1].getBoundingClientRect().left, r.getBoundingClientRect().right])"
        "(document.querySelector('table.m').rows[0])"))
    top = pixels[3][header_left:header_right]
    assert sum(p == HEADER_RGB for p in top) > 0.6 * len(top), top[:10]
    below = pixels[int(geometry["headerBottom"]) + 20][header_left:header_right]
    assert sum(p == HEADER_RGB for p in below) < 0.1 * len(below)  # ...and only there: rows go by under it
    out = os.environ.get("ENTRA_PIM_SCREENSHOT_DIR")
    if out:  # to look at it (docs/images is made this way)
        with open(os.path.join(out, "all-tenants-300-scrolled.png"), "wb") as handle:
            handle.write(png)


def test_the_tenant_column_stays_visible_sideways(browser, report_300):
    viewport(browser, 500)  # narrower than the matrix: the page scrolls sideways
    try:
        browser.open(report_300["path"].as_uri())
        geometry = browser.evaluate("""(() => {
            const table = document.querySelector('table.m');
            window.scrollTo(document.documentElement.scrollWidth, table.getBoundingClientRect().top + scrollY + 3000);
            const tenant = table.rows[100].cells[0].getBoundingClientRect();
            const data = table.rows[100].cells[1].getBoundingClientRect();
            return {scrollX: scrollX, tenantLeft: tenant.left, tenantRight: tenant.right, dataLeft: data.left,
                    headerTop: table.rows[0].cells[2].getBoundingClientRect().top};
        })()""")
    finally:
        viewport(browser)
    assert geometry["scrollX"] >= 200, geometry
    # The tenant column stuck at the left edge; the first data column went left, under it.
    assert abs(geometry["tenantLeft"]) <= 1 and geometry["dataLeft"] < geometry["tenantRight"] - 100, geometry
    assert abs(geometry["headerTop"]) <= 1, geometry


def test_the_top_says_what_changed_and_details_wait_to_be_opened(browser, report_300):
    viewport(browser)
    browser.open(report_300["path"].as_uri())
    page = browser.evaluate("""(() => ({
        since: document.querySelector('p.since').innerText,
        sinceTop: document.querySelector('p.since').getBoundingClientRect().top,
        open: document.querySelectorAll('details[open]').length,
        details: document.querySelectorAll('details').length,
        fetched: performance.getEntriesByType('resource').length,
        scripts: document.scripts.length,
        links: [...document.querySelectorAll('[href],[src]')].map(e => e.getAttribute('href') || e.getAttribute('src'))
                 .filter(v => !v.startsWith('#')).length,
    }))()""")
    assert page["since"].startswith("Since 2026-11-21: ") and " got worse, " in page["since"], page["since"]
    assert page["sinceTop"] < 150  # the first thing under the title
    assert page["open"] == 0 and page["details"] > 300 * 19
    assert page["fetched"] == 0 and page["scripts"] == 0 and page["links"] == 0  # one self-contained file


def test_a_cell_link_opens_its_collapsed_finding(browser, report_300):
    """A matrix cell links into the collapsed details; the browser opens them to show the control."""
    tenant = report_300["current"][150]
    browser.open(report_300["path"].as_uri() + "#" + _anchor(tenant["tenant_id"], "MS.AAD.7.4"))
    state = browser.evaluate("""(() => {
        const finding = document.getElementById(location.hash.slice(1));
        const box = finding.getBoundingClientRect();
        return {open: finding.closest('details').open, tenantOpen: finding.closest('details.tenant').open,
                text: finding.innerText, top: box.top};
    })()""")
    assert state["tenantOpen"] and state["open"], state
    assert 0 <= state["top"] < HEIGHT and state["text"].startswith(
        next(c["summary"] for c in tenant["controls"] if c["id"] == "MS.AAD.7.4")), state


@pytest.mark.parametrize("extra_controls", [0, 20])
def test_a_handful_of_tenants_fit_a_1400_pixel_window_whatever_their_names(browser, tmp_path, extra_controls):
    """The collection's controls, and 20 more (issue 11 adds Azure controls to the table): still 1400 px."""
    reports = tenants(5)
    for report in reports:
        report["controls"] += [dict(report["controls"][0], id=f"AZURE.RBAC.{n}.{n}", title=f"Azure control {n}")
                               for n in range(extra_controls)]
    reports[2]["tenant"] = "x" * 5000 + "<b>long</b>"  # a hostile, very long name: truncated in the matrix
    reports[3]["tenant_id"] = "y" * 300
    path = tmp_path / f"few-{extra_controls}.html"
    path.write_text(to_html(reports), encoding="utf-8")
    browser.open(path.as_uri())
    width = browser.evaluate("[document.documentElement.scrollWidth, "
                             "document.querySelector('table.m').getBoundingClientRect().right]")
    assert width[0] <= WIDTH and width[1] <= WIDTH, width
    png = browser.screenshot()
    w, h, pixels = png_pixels(png)
    assert (w, h) == (WIDTH, HEIGHT)
    assert any(p == HEADER_RGB for p in pixels[int(browser.evaluate(
        "document.querySelector('table.m').getBoundingClientRect().top")) + 5])


def test_an_old_scan_without_findings_still_compares(browser, tmp_path):
    """The previous job's AWX artifacts (failed control ids, no findings) as the previous scan."""
    current = tenants(3)
    artifacts = {"entra_pim_compliance": {r["tenant_id"]: {"tenant": r["tenant"], "failed": [],
                                                           "generated": PREVIOUS} for r in current}}
    path = tmp_path / "artifacts.html"
    path.write_text(to_html(current, artifacts), encoding="utf-8")
    browser.open(path.as_uri())
    assert browser.evaluate("document.querySelector('p.since').innerText").startswith(
        "Since 2026-11-21: 3 tenant(s) got worse, 0 better")


def test_screenshot_of_the_docs(browser, report_300, tmp_path):
    """What docs/images/compliance-all-tenants.png shows: the top of the 300-tenant report, scaled down.
    ENTRA_PIM_SCREENSHOT_DIR keeps it (make it with that set, then copy)."""
    viewport(browser)
    browser.open(report_300["path"].as_uri())
    data = browser.call("Page.captureScreenshot", session=True, format="png",
                        clip={"x": 0, "y": 0, "width": 1000, "height": 700, "scale": 0.6})["data"]
    png = base64.b64decode(data)
    width, height, _rows = png_pixels(png)
    assert (width, height) == (600, 420)
    out = os.environ.get("ENTRA_PIM_SCREENSHOT_DIR")
    if out:
        with open(os.path.join(out, "compliance-all-tenants.png"), "wb") as handle:
            handle.write(png)
