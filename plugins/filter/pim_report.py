# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render compliance reports (pim_compliance_evaluate's output, one per tenant) as Markdown, a
self-contained HTML page and JUnit XML. Each takes a list of tenant reports, so the same filter writes a
tenant's own report and the roll-up of all tenants.

Every string in a report may come from a tenant (role, group, user and app names are chosen by whoever
administers the customer's directory), so each one is inert data in every format: control characters
replaced (XML 1.0 cannot carry them at all, terminals act on them), HTML and XML escaped, Markdown syntax
backslash-escaped. The filters return unsafe text, so Ansible never templates a report."""

from __future__ import annotations

import html
import json
import re
from xml.sax.saxutils import quoteattr


def _unsafe_marker():
    """``wrap_var`` before ansible-core 2.19: what a filter returns is then templated again when a later task
    reads the variable holding it, unless marked unsafe. Since 2.19 (data tagging) only strings from trusted
    sources (playbooks, vars files) are templates at all, and ``unsafe_proxy`` is on its way out, so nothing
    needs marking (https://docs.ansible.com/ansible-core/2.19/porting_guides/porting_guide_core_2.19.html)."""
    try:
        from ansible.release import __version__
        if tuple(int(part) for part in __version__.split(".")[:2]) < (2, 19):
            from ansible.utils.unsafe_proxy import wrap_var as marker
            return marker
    except (ImportError, ValueError):  # pragma: no cover - usable without Ansible, or with an odd version
        pass
    return lambda value: value


wrap_var = _unsafe_marker()

ICON = {"pass": "PASS", "fail": "FAIL", "not_applicable": "n/a", "exempt": "exempt"}
_FIELDS = ("status", "role", "principal", "setting", "expected", "actual", "detail")


def _reports(data):
    if isinstance(data, dict):
        data = [data]
    return sorted(data or [], key=lambda r: (str(r.get("tenant") or ""), str(r.get("tenant_id") or "")))


# Characters a report never carries as they are. XML 1.0 allows only #x9 | #xA | #xD | [#x20-#xD7FF] |
# [#xE000-#xFFFD] | [#x10000-#x10FFFF] (https://www.w3.org/TR/xml/#charsets), so the other C0 controls,
# lone surrogates and U+FFFE/U+FFFF make a whole JUnit file unreadable. DEL and the C1 controls (U+0080-U+009F,
# U+009B is a one-byte CSI) are allowed in XML but are terminal commands, and the bidirectional overrides
# (U+202A-U+202E, U+2066-U+2069) reorder what a reader sees around them ("Trojan Source", CVE-2021-42574).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
                      "\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def clean_text(value):
    """A value as report text: lists and dicts as JSON, each control character as U+FFFD."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, sort_keys=True)
    return _CONTROL.sub(REPLACEMENT, str(value))


_text = clean_text


def _console_char(match):
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_CONSOLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def console_text(value, limit=200):
    """A tenant-supplied value for a message an operator reads in a terminal or a job log: one line, every
    control character shown as its escape (``\\x1b``, ``\\n``) instead of acting on the terminal, at most
    ``limit`` characters (a 100 kB group name is not a useful log line)."""
    text = _CONSOLE.sub(_console_char, "" if value is None else str(value))
    if limit and len(text) > int(limit):
        text = text[:int(limit)] + f"... ({len(text) - int(limit)} more characters)"
    return wrap_var(text)


def _control_ids(reports):
    ids = []
    for report in reports:
        for control in report.get("controls", []):
            if control["id"] not in ids:
                ids.append(control["id"])
    return ids


def _by_id(report):
    return {c["id"]: c for c in report.get("controls", [])}


def _status(item):
    """A control's or finding's status as a CSS class: only the statuses we know, never report text."""
    status = item.get("status")
    return status if status in ICON else ""


def _icon(control):
    return ICON.get(control.get("status"), "?")


def _count(report, status):
    try:
        return int((report.get("summary") or {}).get(status, 0))
    except (TypeError, ValueError):
        return 0


# -- Markdown -------------------------------------------------------------------------------
# CommonMark lets any ASCII punctuation be backslash-escaped (https://spec.commonmark.org/0.31.2/#backslash-escapes);
# these are the ones that start something: escapes, code spans, emphasis and GFM strikethrough, links and images,
# raw HTML and autolinks, entity references, table cells, headings, math ($ on GitHub). ':' stops URL
# autolinks (https://github.github.com/gfm/#autolinks-extension-), a line break would end a table row.
_MD_SPECIAL = re.compile(r"([\\`*_~\[\]()<>&|!#$:{}])")
_MD_WWW = re.compile(r"(www)\.", re.IGNORECASE)
_MD_NEWLINES = re.compile("[\r\n\t\u2028\u2029]+")


def _md(value):
    text = _MD_NEWLINES.sub(" ", clean_text(value))
    return _MD_WWW.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", text))


def to_markdown(data):
    reports = _reports(data)
    ids = _control_ids(reports)
    lines = ["# PIM compliance report", ""]
    lines += ["| Tenant | Compliant | " + " | ".join(_md(i) for i in ids) + " |", "|---|---|" + "---|" * len(ids)]
    for r in reports:
        controls = _by_id(r)
        cells = [_icon(controls[i]) if i in controls else "" for i in ids]
        compliant = "yes" if r.get("compliant") else "no"
        lines.append(f"| {_md(r.get('tenant'))} | {compliant} | " + " | ".join(cells) + " |")
    for r in reports:
        lines += ["", f"## {_md(r.get('tenant'))} ({_md(r.get('tenant_id'))})", "",
                  f"Generated {_md(r.get('generated'))}: {_count(r, 'pass')} pass, {_count(r, 'fail')} "
                  f"fail, {_count(r, 'not_applicable')} not applicable.", ""]
        for c in r.get("controls", []):
            lines += [f"### {_icon(c)} {_md(c['id'])}: {_md(c['title'])}", "",
                      f"{_md(c['requirement'])}; sources: {_md(', '.join(c['sources']))}. {_md(c['summary'])}", ""]
            shown = [f for f in c.get("findings", []) if f.get("status") != "pass" or c["status"] == "pass"]
            if shown:
                lines += ["| " + " | ".join(_FIELDS) + " |", "|" + "---|" * len(_FIELDS)]
                lines += ["| " + " | ".join(_md(f.get(k)) for k in _FIELDS) + " |" for f in shown]
                lines.append("")
    return wrap_var("\n".join(lines) + "\n")


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
                   f"<td class='m {'pass' if r.get('compliant') else 'fail'}'>{_count(r, 'fail')}</td>")
        for i in ids:
            c = controls.get(i)
            if c is None:
                out.append("<td></td>")
                continue
            out.append(f"<td class='m {_status(c)}' title='{_e(c['summary'])}'>"
                       f"<a href='#{_anchor(r.get('tenant_id'), i)}'>{_icon(c)}</a></td>")
        out.append("</tr>")
    out.append("</table>")
    for r in reports:
        out.append(f"<h2>{_e(r.get('tenant'))} <code>{_e(r.get('tenant_id'))}</code></h2>"
                   f"<p>Generated {_e(r.get('generated'))}.</p>")
        for c in r.get("controls", []):
            out.append(f"<details id='{_anchor(r.get('tenant_id'), c['id'])}'"
                       f"{' open' if c['status'] == 'fail' else ''}><summary class='{_status(c)}'>"
                       f"{_icon(c)} <b>{_e(c['id'])}</b> {_e(c['title'])} ({_e(c['requirement'])})"
                       f"</summary><p>{_e(c['summary'])}. Sources: {_e(', '.join(c['sources']))}.</p>")
            if c.get("findings"):
                out.append("<table><tr>" + "".join(f"<th>{k}</th>" for k in _FIELDS) + "</tr>")
                for f in c["findings"]:
                    out.append(f"<tr class='{_status(f)}'>" +
                               "".join(f"<td>{_e(f.get(k))}</td>" for k in _FIELDS) + "</tr>")
                out.append("</table>")
            out.append("</details>")
    out.append("</body></html>")
    return wrap_var("\n".join(out) + "\n")


# -- JUnit ----------------------------------------------------------------------------------
def _xml_text(value):
    return html.escape(_text(value), quote=False)


def _attr(value):
    """A quoted XML attribute value; quoteattr also writes tabs and line breaks as character references,
    which attribute-value normalisation would otherwise turn into spaces."""
    return quoteattr(_text(value))


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
                body = f"<failure message={_attr(c['summary'])}>{_xml_text(details)}</failure>"
            elif c["status"] == "not_applicable":
                body = f"<skipped message={_attr(c['summary'])}/>"
            cases.append(f"    <testcase classname={_attr('entra.pim.' + _text(r.get('tenant')))} "
                         f"name={_attr(name)}>{body}</testcase>")
        f_count = sum(c["status"] == "fail" for c in r.get("controls", []))
        s_count = sum(c["status"] == "not_applicable" for c in r.get("controls", []))
        total, fails, skips = total + len(cases), fails + f_count, skips + s_count
        suites.append(f"  <testsuite name={_attr(r.get('tenant'))} id={_attr(r.get('tenant_id'))} "
                      f"tests='{len(cases)}' failures='{f_count}' errors='0' skipped='{s_count}' "
                      f"timestamp={_attr(r.get('generated'))}>\n" + "\n".join(cases) + "\n  </testsuite>")
    return wrap_var("<?xml version='1.0' encoding='utf-8'?>\n"
                    f"<testsuites name='entra.pim compliance' tests='{total}' failures='{fails}' errors='0' "
                    f"skipped='{skips}'>\n" + "\n".join(suites) + "\n</testsuites>\n")


class FilterModule:
    def filters(self):
        return {"pim_compliance_markdown": to_markdown, "pim_compliance_html": to_html,
                "pim_compliance_junit": to_junit, "pim_console_text": console_text}
