# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render compliance reports (pim_compliance_evaluate's output, one per tenant) as Markdown, a
self-contained HTML page and JUnit XML. Each takes a list of tenant reports, so the same filter writes a
tenant's own report and the roll-up of all tenants."""

from __future__ import annotations

import html
import json
from xml.sax.saxutils import quoteattr

ICON = {"pass": "PASS", "fail": "FAIL", "not_applicable": "n/a", "exempt": "exempt"}
_FIELDS = ("status", "role", "principal", "setting", "expected", "actual", "detail")


def _reports(data):
    if isinstance(data, dict):
        data = [data]
    return sorted(data or [], key=lambda r: (str(r.get("tenant") or ""), str(r.get("tenant_id") or "")))


def _text(value):
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _control_ids(reports):
    ids = []
    for report in reports:
        for control in report.get("controls", []):
            if control["id"] not in ids:
                ids.append(control["id"])
    return ids


def _by_id(report):
    return {c["id"]: c for c in report.get("controls", [])}


# -- Markdown -------------------------------------------------------------------------------
def _md(value):
    return _text(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(data):
    reports = _reports(data)
    ids = _control_ids(reports)
    lines = ["# PIM compliance report", ""]
    lines += ["| Tenant | Compliant | " + " | ".join(ids) + " |", "|---|---|" + "---|" * len(ids)]
    for r in reports:
        controls = _by_id(r)
        cells = [ICON.get(controls[i]["status"], "") if i in controls else "" for i in ids]
        compliant = "yes" if r.get("compliant") else "no"
        lines.append(f"| {_md(r.get('tenant'))} | {compliant} | " + " | ".join(cells) + " |")
    for r in reports:
        lines += ["", f"## {_md(r.get('tenant'))} ({_md(r.get('tenant_id'))})", "",
                  f"Generated {r.get('generated')}: {r['summary'].get('pass', 0)} pass, {r['summary'].get('fail', 0)} "
                  f"fail, {r['summary'].get('not_applicable', 0)} not applicable.", ""]
        for c in r.get("controls", []):
            lines += [f"### {ICON[c['status']]} {c['id']}: {_md(c['title'])}", "",
                      f"{c['requirement']}; sources: {', '.join(c['sources'])}. {_md(c['summary'])}", ""]
            shown = [f for f in c.get("findings", []) if f.get("status") != "pass" or c["status"] == "pass"]
            if shown:
                lines += ["| " + " | ".join(_FIELDS) + " |", "|" + "---|" * len(_FIELDS)]
                lines += ["| " + " | ".join(_md(f.get(k)) for k in _FIELDS) + " |" for f in shown]
                lines.append("")
    return "\n".join(lines) + "\n"


# -- HTML -----------------------------------------------------------------------------------
_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f3f3f3}.pass{background:#d9f2d9}.fail{background:#f8d0d0;font-weight:bold}
.not_applicable{background:#eee;color:#666}.exempt{background:#fff3c4}a{color:inherit}
td.m{text-align:center}details{margin:.3em 0 .3em 1em}summary{cursor:pointer}code{font-size:.85em}"""


def _e(value):
    return html.escape(_text(value), quote=True)


def _anchor(tenant, cid):
    return "t-" + "".join(ch if ch.isalnum() else "-" for ch in f"{tenant}-{cid}")


def to_html(data):
    reports = _reports(data)
    ids = _control_ids(reports)
    titles = {}
    for r in reports:
        for c in r.get("controls", []):
            titles.setdefault(c["id"], c["title"])
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>PIM compliance report</title>",
           f"<style>{_CSS}</style></head><body><h1>PIM compliance report</h1>",
           f"<p>{len(reports)} tenant(s); {sum(1 for r in reports if r.get('compliant'))} compliant.</p>",
           "<table><tr><th>Tenant</th><th>Fails</th>"]
    out += [f"<th title='{_e(titles[i])}'>{_e(i)}</th>" for i in ids]
    out.append("</tr>")
    for r in reports:
        controls = _by_id(r)
        out.append(f"<tr><th>{_e(r.get('tenant'))}<br><code>{_e(r.get('tenant_id'))}</code></th>"
                   f"<td class='m {'pass' if r.get('compliant') else 'fail'}'>{r['summary'].get('fail', 0)}</td>")
        for i in ids:
            c = controls.get(i)
            if c is None:
                out.append("<td></td>")
                continue
            out.append(f"<td class='m {c['status']}' title='{_e(c['summary'])}'>"
                       f"<a href='#{_anchor(r.get('tenant_id'), i)}'>{ICON[c['status']]}</a></td>")
        out.append("</tr>")
    out.append("</table>")
    for r in reports:
        out.append(f"<h2>{_e(r.get('tenant'))} <code>{_e(r.get('tenant_id'))}</code></h2>"
                   f"<p>Generated {_e(r.get('generated'))}.</p>")
        for c in r.get("controls", []):
            out.append(f"<details id='{_anchor(r.get('tenant_id'), c['id'])}'"
                       f"{' open' if c['status'] == 'fail' else ''}><summary class='{c['status']}'>"
                       f"{ICON[c['status']]} <b>{_e(c['id'])}</b> {_e(c['title'])} ({_e(c['requirement'])})"
                       f"</summary><p>{_e(c['summary'])}. Sources: {_e(', '.join(c['sources']))}.</p>")
            if c.get("findings"):
                out.append("<table><tr>" + "".join(f"<th>{k}</th>" for k in _FIELDS) + "</tr>")
                for f in c["findings"]:
                    out.append(f"<tr class='{_e(f.get('status'))}'>" +
                               "".join(f"<td>{_e(f.get(k))}</td>" for k in _FIELDS) + "</tr>")
                out.append("</table>")
            out.append("</details>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# -- JUnit ----------------------------------------------------------------------------------
def _xml_text(value):
    return html.escape(_text(value), quote=False)


def to_junit(data):
    """One testsuite per tenant, one testcase per control: fail -> <failure>, not_applicable -> <skipped>."""
    reports = _reports(data)
    suites = []
    total = fails = skips = 0
    for r in reports:
        cases = []
        for c in r.get("controls", []):
            name = f"{c['id']} {c['title']}"
            body = ""
            if c["status"] == "fail":
                details = "\n".join("; ".join(f"{k}={_text(f.get(k))}" for k in _FIELDS if f.get(k) is not None)
                                    for f in c.get("findings", []) if f.get("status") == "fail")
                body = f"<failure message={quoteattr(c['summary'])}>{_xml_text(details)}</failure>"
            elif c["status"] == "not_applicable":
                body = f"<skipped message={quoteattr(c['summary'])}/>"
            cases.append(f"    <testcase classname={quoteattr('entra.pim.' + str(r.get('tenant')))} "
                         f"name={quoteattr(name)}>{body}</testcase>")
        f_count = sum(c["status"] == "fail" for c in r.get("controls", []))
        s_count = sum(c["status"] == "not_applicable" for c in r.get("controls", []))
        total, fails, skips = total + len(cases), fails + f_count, skips + s_count
        suites.append(f"  <testsuite name={quoteattr(str(r.get('tenant')))} id={quoteattr(str(r.get('tenant_id')))} "
                      f"tests='{len(cases)}' failures='{f_count}' errors='0' skipped='{s_count}' "
                      f"timestamp={quoteattr(str(r.get('generated')))}>\n" + "\n".join(cases) + "\n  </testsuite>")
    return ("<?xml version='1.0' encoding='utf-8'?>\n"
            f"<testsuites name='entra.pim compliance' tests='{total}' failures='{fails}' errors='0' "
            f"skipped='{skips}'>\n" + "\n".join(suites) + "\n</testsuites>\n")


class FilterModule:
    def filters(self):
        return {"pim_compliance_markdown": to_markdown, "pim_compliance_html": to_html,
                "pim_compliance_junit": to_junit}
