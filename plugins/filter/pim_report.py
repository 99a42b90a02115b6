# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render compliance reports (pim_compliance_evaluate's output, one per tenant) as Markdown, a
self-contained HTML page and JUnit XML. Each takes a list of tenant reports, so the same filter writes a
tenant's own report and the roll-up of all tenants. Given the previous scan's reports, Markdown and HTML also
say what changed since (``compare_scans``); JUnit stays the current state only.

Markdown and HTML are Jinja2 templates (``roles/compliance/templates/``), so a person can restyle a report by
pointing ``template`` at a copy. Escaping is the renderer's, not each expression's: HTML autoescapes, Markdown
backslash-escapes every expression's output (``finalize``), and both replace control characters first.

Every string in a report may come from a tenant (role, group, user and app names are chosen by whoever
administers the customer's directory), so each one is inert data in every format: control characters
replaced (XML 1.0 cannot carry them at all, terminals act on them), HTML and XML escaped, Markdown syntax
backslash-escaped. The filters return unsafe text, so Ansible never templates a report."""
from __future__ import annotations

import html
import json
import os
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


# -- What changed since the previous scan ---------------------------------------------------------------------
# Standing privileged access is MS.AAD.7.4's evidence: a permanent, assigned (not activated) active assignment to a
# highly privileged role, failed or exempt (break-glass). Its findings carry role and principal, so two scans'
# JSON compare without reading the tenant again.
_STANDING_CONTROL = "MS.AAD.7.4"
_STANDING_STATUSES = ("fail", "exempt")


def _standing(report):
    """{(role, principal): finding} of a report's standing privileged assignments; None when unknown (an AWX
    artifact carries failed control ids, not findings)."""
    if "controls" not in report:
        return None
    for control in report.get("controls") or []:
        if control.get("id") == _STANDING_CONTROL:
            return {(clean_text(f.get("role")), clean_text(f.get("principal"))): f
                    for f in control.get("findings") or [] if f.get("status") in _STANDING_STATUSES}
    return None


def _previous_reports(previous):
    """The previous scan as {tenant id: report}: a list of reports (a scan's JSON), one report, or an AWX job's
    artifacts (``entra_pim_compliance``: {tenant id: {tenant, compliant, summary, failed, generated}}, with or
    without that key around it)."""
    if previous is None:
        return {}
    if isinstance(previous, dict) and "entra_pim_compliance" in previous:
        previous = previous["entra_pim_compliance"]
    if isinstance(previous, dict) and "tenant_id" not in previous:
        return {str(tid): dict(summary or {}, tenant_id=tid) for tid, summary in previous.items()}
    if isinstance(previous, dict):
        previous = [previous]
    if not isinstance(previous, list):
        raise ValueError("previous must be a list of tenant reports (a scan's JSON) or an AWX job's artifacts "
                         f"(entra_pim_compliance), not {type(previous).__name__}")
    return {str(r.get("tenant_id")): r for r in previous if isinstance(r, dict)}


def _statuses(report):
    """{control id: status}; from an artifact only the failed ids are known (the rest: not failing)."""
    if "controls" in report:
        return {c.get("id"): c.get("status") for c in report.get("controls") or []}
    return None


def _tenant_changes(current, before):
    now, then = _statuses(current), _statuses(before)
    failing_now = {cid for cid, status in now.items() if status == "fail"}
    if then is None:
        failing_then = set(before.get("failed") or [])
        known = set(now)
    else:
        failing_then = {cid for cid, status in then.items() if status == "fail"}
        known = set(then)  # a control the previous scan did not evaluate neither newly fails nor newly passes
    order = list(now)
    newly_failing = [cid for cid in order if cid in failing_now - failing_then and cid in known]
    # A control this scan did not report (compliance_controls narrowed) did not newly pass: it is not compared.
    newly_passing = [cid for cid in order if cid in failing_then - failing_now]
    standing_now, standing_then = _standing(current), _standing(before)
    if standing_then is None:
        added = removed = None
    else:
        def rows(keys, source):
            return [{k: source[key][k] for k in ("role", "principal", "status", "detail") if k in source[key]}
                    for key in sorted(keys)]
        added = rows(set(standing_now or {}) - set(standing_then), standing_now or {})
        removed = rows(set(standing_then) - set(standing_now or {}), standing_then)
    worse = bool(newly_failing or added)
    better = bool(newly_passing or removed)
    status = "mixed" if worse and better else "worse" if worse else "better" if better else "same"
    return {"since": before.get("generated"), "status": status,
            "newly_failing": newly_failing, "newly_passing": newly_passing,
            "standing_added": added, "standing_removed": removed}


def compare_scans(current, previous, gone=True):
    """What changed per tenant between the previous scan and ``current`` (both lists of tenant reports; the
    previous one may also be an AWX job's ``entra_pim_compliance`` artifacts). Pure: no I/O, no clock.

    -> ``{since, tenants: {tenant id: {since, status, newly_failing, newly_passing, standing_added,
    standing_removed}}, new: [ids], gone: [{tenant_id, tenant}], worse: [ids], better: [ids]}``. ``status`` is
    ``new``, ``worse`` (a control newly fails or a standing privileged assignment appeared), ``better`` (a control
    newly passes or one disappeared), ``mixed`` or ``same``. ``standing_added`` / ``_removed`` are None when the
    previous scan carries no findings (artifacts). ``gone`` (tenants of the previous scan missing now) only when
    ``gone`` is true: a report of one tenant would otherwise call every other tenant gone."""
    before = _previous_reports(previous)
    reports = _reports(current)
    out = {"since": max((str(r.get("generated")) for r in before.values() if r.get("generated")), default=None),
           "tenants": {}, "new": [], "gone": [], "worse": [], "better": []}
    for report in reports:
        tid = str(report.get("tenant_id"))
        if tid not in before:
            out["tenants"][tid] = {"since": None, "status": "new", "newly_failing": [], "newly_passing": [],
                                   "standing_added": [], "standing_removed": []}
            out["new"].append(tid)
            continue
        change = _tenant_changes(report, before[tid])
        out["tenants"][tid] = change
        if change["status"] in ("worse", "mixed"):
            out["worse"].append(tid)
        if change["status"] in ("better", "mixed"):
            out["better"].append(tid)
    if gone:
        present = {str(r.get("tenant_id")) for r in reports}
        out["gone"] = [{"tenant_id": tid, "tenant": before[tid].get("tenant")}
                       for tid in sorted(before, key=lambda t: (str(before[t].get("tenant") or ""), t))
                       if tid not in present]
    return wrap_var(out)


def with_changes(reports, changes):
    """Copies of ``reports``, each carrying its tenant's entry of ``compare_scans`` under ``changes`` (the JSON's
    one key for it); the reports themselves are not modified."""
    tenants = (changes or {}).get("tenants") or {}
    if not tenants:
        return reports  # the JSON is then exactly what it was before there was a previous scan to compare with
    reports = [reports] if isinstance(reports, dict) else reports or []
    return [dict(r, changes=tenants[str(r.get("tenant_id"))]) if str(r.get("tenant_id")) in tenants else r
            for r in reports]


# -- Templates ------------------------------------------------------------------------------------------------
# The collection's templates live with the role that writes the reports (roles/compliance/templates), where
# galaxy build and ansible-test take a role's templates as they are; the filters find them from this file.
TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            "roles", "compliance", "templates")
TEMPLATES = {"html": "pim_compliance_report.html.j2", "markdown": "pim_compliance_report.md.j2"}


def _html_finalize(value):
    """Every ``{{ }}`` of an HTML template: control characters replaced, then autoescaped by Jinja2. Markup (a
    template's own ``|safe`` or ``|e``) is already HTML and only loses its control characters."""
    if hasattr(value, "__html__"):
        from markupsafe import Markup
        # Already HTML (escaped, or the template's own): replacing control characters adds no markup.
        return Markup(_CONTROL.sub(REPLACEMENT, str(value.__html__())))  # noqa: S704
    return clean_text(value)


class MarkdownText(str):
    """Markdown a template built on purpose (``|md_raw``): written as it is, control characters aside."""


def _md_finalize(value):
    """Every ``{{ }}`` of a Markdown template is text, never syntax: the escaping of ``_md``, which also keeps a
    value inside its table cell (no pipe, no line break). ``|md_raw`` opts out, for a template's own syntax."""
    if isinstance(value, MarkdownText):
        return _CONTROL.sub(REPLACEMENT, str(value))
    return _md(value)


_NOT_ALNUM = re.compile(r"[\W_]")


def _anchor(tenant, cid=None):
    """A fragment id from a tenant id (and control id): letters and digits kept, everything else '-', so an id
    never carries a quote or markup whatever the data holds."""
    return "t-" + _NOT_ALNUM.sub("-", f"{tenant}-{cid}" if cid is not None else f"{tenant}")


# The matrix's cells: a mark, not a word, so that a column is about two characters wide and 40 controls fit a
# 1400-pixel window; the colour says the same, the cell's tooltip the control's summary. Only known statuses.
_MARKS = {"pass": "&#10003;", "fail": "&#10007;", "not_applicable": "&#8211;", "exempt": "E"}


def _mark(control):
    from markupsafe import Markup

    return Markup(_MARKS.get((control or {}).get("status"), "?"))  # noqa: S704 - constants only, never data


def _short_date(value):
    """'2026-11-21T03:00:00Z' -> '2026-11-21' (the headline's date); anything else as it is."""
    text = clean_text(value)
    return text[:10] if re.match(r"\d{4}-\d{2}-\d{2}", text) else text


_ENVIRONMENTS = {}


def _bytecode_cache():
    """Compiled templates kept between processes. Ansible runs each host's report task in a new worker process,
    where compiling the two templates cost 0.2-0.4 CPU-s per tenant; loading them compiled costs milliseconds.
    Jinja2's own default folder: per user, created 0700, refused when another user owns it or could write to it,
    and each entry is checked against its template's source checksum
    (https://jinja.palletsprojects.com/en/stable/api/#bytecode-cache). None (compile every time) when unusable."""
    from jinja2 import FileSystemBytecodeCache

    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


def _environment(kind, directory):
    key = (kind, directory)
    if key not in _ENVIRONMENTS:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        # Not sandboxed: the template is the operator's own (the collection's or their copy), and tenant data only
        # ever fills its {{ }}, never becomes one; the sandbox's checks cost half the render time at 300 tenants.
        options = dict(loader=FileSystemLoader(directory), undefined=StrictUndefined, keep_trailing_newline=True,
                       trim_blocks=True, lstrip_blocks=True, auto_reload=True, bytecode_cache=_bytecode_cache())
        if kind == "html":
            env = Environment(autoescape=True, finalize=_html_finalize, **options)
        else:
            # Markdown, not HTML: _md_finalize escapes every expression for Markdown. HTML escaping would leave
            # pipes, emphasis, links and images live (and show "&amp;" in code spans).
            env = Environment(autoescape=False, finalize=_md_finalize, **options)  # noqa: S701
            env.filters["md_raw"] = MarkdownText
            env.filters["md"] = lambda value: MarkdownText(_md(value))
        env.filters["anchor"] = _anchor
        env.filters["short_date"] = _short_date
        env.filters["icon"] = _icon
        env.filters["mark"] = _mark
        env.filters["status_class"] = _status
        _ENVIRONMENTS[key] = env
    return _ENVIRONMENTS[key]


def _template(kind, template):
    """The collection's template of ``kind``, or ``template``: the path of a user's copy (restyled)."""
    from jinja2 import TemplateNotFound

    if template:
        path = os.path.abspath(os.path.expanduser(str(template)))
        directory, name = os.path.split(path)
    else:
        directory, name = TEMPLATE_DIR, TEMPLATES[kind]
    try:
        return _environment(kind, directory).get_template(name)
    except TemplateNotFound:
        raise ValueError(f"the {kind} report template {os.path.join(directory, name)} does not exist") from None


def _context(reports, changes):
    """What a template gets: the tenants worst first, the control columns (whatever controls the data holds, in
    the order the reports list them) with how many tenants fail each, and what changed."""
    ids = _control_ids(reports)
    columns = []
    for cid in ids:
        found = [c for r in reports for c in r.get("controls", []) if c["id"] == cid]
        columns.append({"id": cid, "title": found[0].get("title"), "requirement": found[0].get("requirement"),
                        "failing": sum(c.get("status") == "fail" for c in found),
                        "evaluated": len(found)})
    rows = []
    for r in reports:
        controls = _by_id(r)
        rows.append({"report": r, "tenant": r.get("tenant"), "tenant_id": r.get("tenant_id"),
                     "fails": _count(r, "fail"), "passes": _count(r, "pass"), "na": _count(r, "not_applicable"),
                     "compliant": bool(r.get("compliant")), "cells": [controls.get(cid) for cid in ids],
                     "change": ((changes or {}).get("tenants") or {}).get(str(r.get("tenant_id")))})
    worst_first = sorted(rows, key=lambda row: (-row["fails"], str(row["tenant"] or ""), str(row["tenant_id"] or "")))
    names = {str(r.get("tenant_id")): r.get("tenant") for r in reports}
    return {"reports": reports, "rows": rows, "worst_first": worst_first, "columns": columns, "fields": _FIELDS,
            "changes": changes, "names": names, "compliant": sum(1 for r in reports if r.get("compliant")),
            "generated": max((str(r.get("generated")) for r in reports if r.get("generated")), default="")}


def render(kind, data, previous=None, template=None, changes=None):
    """``kind`` (html, markdown) of ``data``; ``previous`` (the previous scan's reports or artifacts) or
    ``changes`` (``compare_scans``' result) adds what changed; ``template`` a user's copy of the template."""
    reports = _reports(data)
    if changes is None and previous is not None:
        changes = compare_scans(reports, previous)
    return wrap_var(_template(kind, template).render(**_context(reports, changes)))


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


def to_markdown(data, previous=None, template=None):
    """A tenant by control matrix and each tenant's findings, as Markdown; with ``previous``, what changed."""
    return render("markdown", data, previous, template)


def to_html(data, previous=None, template=None):
    """One self-contained HTML page; with ``previous``, what changed since, at the top."""
    return render("html", data, previous, template)


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
                "pim_compliance_junit": to_junit, "pim_console_text": console_text,
                "pim_compliance_changes": compare_scans}
