# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Privilege through groups (issue 12): role -> group -> PIM for Groups membership, counted by the controls."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own output

import pytest
from filter_data import GA, HOSTILE_NAMES, PRA, assignment, tidy_data
from test_pim_report import CONTROLS, parse_html

from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate, expand_group_paths
from ansible_collections.entra.pim.plugins.filter.pim_report import clean_text, to_html, to_junit, to_markdown

OPTIONS = {"excluded_principals": ["breakglass1", "breakglass2"]}
TIER0 = "00000000-0000-4000-8000-000000000001"


def control(report, cid):
    return next(c for c in report["controls"] if c["id"] == cid)


def group_row(role_id=GA, kind="active", permanent=True, name="PIM-Tier0", gid=TIER0, **extra):
    return assignment(name, role_id, kind, permanent=permanent, principal_type="group", principal_id=gid,
                      member_type="direct", **extra)


def member(principal, kind="active", permanent=True, access="member", **extra):
    row = {"principal": principal, "principal_id": f"id-{principal}", "principal_type": "user", "access": access,
           "kind": kind, "assignment_type": "assigned" if kind == "active" else None, "member_type": "direct",
           "end": None if permanent else "2027-01-01T00:00:00Z", "permanent": permanent, "outside_pim": False,
           "synced": False}
    row.update(extra)
    return row


def scan(rows, groups):
    """pim_activation_info's result shape: rows of both lists plus role_groups."""
    return {"eligible": [r for r in rows if r["kind"] == "eligible"],
            "active": [r for r in rows if r["kind"] == "active"],
            "role_groups": groups}


def tier0(*memberships, pim_read=True, name="PIM-Tier0", gid=TIER0):
    return {"group": name, "group_id": gid, "pim_read": pim_read, "members_read": True,
            "memberships": list(memberships)}


def test_permanent_active_member_of_a_permanent_ga_group_fails_7_4_with_its_path(settings):
    data = scan(tidy_data() + [group_row()], [tier0(member("ian"), member("olga", "eligible", permanent=False))])
    report = evaluate(settings, data, {}, OPTIONS)
    c74 = control(report, "MS.AAD.7.4")
    assert c74["status"] == "fail" and c74["summary"].startswith("1 permanent active assignments (2 exempt)")
    failed = [f for f in c74["findings"] if f["status"] == "fail"]
    assert failed == [{"status": "fail", "role": "Global Administrator", "principal": "ian",
                       "setting": "group membership end", "expected": "an end date, or eligible membership",
                       "actual": "noExpiration",
                       "detail": "Global Administrator via group PIM-Tier0 (active member)"}]
    # The group's own permanent row is shown, not failed: its members carry the verdict.
    group = [f for f in c74["findings"] if f["principal"] == "PIM-Tier0"]
    assert [f["status"] for f in group] == ["pass"]
    assert control(report, "CIS.5.3.1")["status"] == "fail"


def test_group_whose_membership_is_only_eligible_is_no_standing_privilege(settings):
    data = scan(tidy_data() + [group_row()], [tier0(member("ian", "eligible", permanent=False),
                                                    member("olga", "eligible", permanent=False))])
    report = evaluate(settings, data, {}, OPTIONS)
    assert control(report, "MS.AAD.7.4")["status"] == "pass"
    assert control(report, "CIS.5.3.1")["status"] == "pass"
    c71 = control(report, "MS.AAD.7.1")
    # breakglass1, breakglass2, alice and the two eligible members: five people hold Global Administrator,
    # within CISA's 2 to 8, above CIS 1.1.3's 2 to 4.
    assert c71["summary"].startswith("5 Global Administrators") and c71["status"] == "pass"
    assert control(report, "CIS.1.1.3")["status"] == "fail"
    paths = {f["principal"]: f.get("detail") for f in c71["findings"]}
    assert paths["ian"] == "Global Administrator via group PIM-Tier0 (eligible member)"


def test_without_role_groups_the_group_row_still_fails_as_before(settings):
    """Groups whose PIM for Groups state was not read keep today's verdict: the group's permanent row fails."""
    rows = tidy_data() + [group_row()]
    for data in (rows, scan(rows, []), scan(rows, [tier0(member("ian", "eligible"), pim_read=False)])):
        c74 = control(evaluate(settings, data, {}, OPTIONS), "MS.AAD.7.4")
        assert c74["status"] == "fail"
        assert [f["principal"] for f in c74["findings"] if f["status"] == "fail"] == ["PIM-Tier0"]


def test_time_bound_and_activated_memberships_are_no_standing_access(settings):
    data = scan(tidy_data() + [group_row()], [tier0(member("ian", permanent=False),
                                                    member("olga", assignment_type="activated", permanent=False))])
    report = evaluate(settings, data, {}, OPTIONS)
    assert control(report, "MS.AAD.7.4")["status"] == "pass"
    paths = {f["principal"]: f.get("detail") for f in control(report, "MS.AAD.7.1")["findings"]}
    assert paths["ian"] == "Global Administrator via group PIM-Tier0 (active member until 2027-01-01T00:00:00Z)"
    assert paths["olga"] == "Global Administrator via group PIM-Tier0 (activated member)"


def test_time_bound_group_role_makes_a_permanent_member_time_bound(settings):
    data = scan(tidy_data() + [group_row(permanent=False, end="2026-12-31T00:00:00Z")], [tier0(member("ian"))])
    rows = expand_group_paths(tidy_data() + [group_row(permanent=False, end="2026-12-31T00:00:00Z")],
                              data["role_groups"])
    ian = next(r for r in rows if r["principal"] == "ian")
    assert ian["kind"] == "active" and ian["permanent"] is False and ian["end"] == "2026-12-31T00:00:00Z"
    assert control(evaluate(settings, data, {}, OPTIONS), "MS.AAD.7.4")["status"] == "pass"


def test_members_of_an_eligible_group_are_eligible_twice_removed(settings):
    rows = tidy_data() + [group_row(kind="eligible", permanent=False, end="2027-01-01T00:00:00Z")]
    data = scan(rows, [tier0(member("ian"), member("olga", "eligible", permanent=False))])
    out = {r["principal"]: r for r in expand_group_paths(rows, data["role_groups"]) if r.get("group_pim")}
    assert {p: (r["kind"], r["path"]) for p, r in out.items()} == {
        "ian": ("eligible", "Global Administrator via group PIM-Tier0 (active member; the group is eligible)"),
        "olga": ("eligible", "Global Administrator via group PIM-Tier0 (eligible member; the group is eligible)")}
    assert control(evaluate(settings, data, {}, OPTIONS), "MS.AAD.7.4")["status"] == "pass"


def test_owners_and_other_roles_groups_hold_nothing_here():
    rows = [group_row()]
    groups = [tier0(member("oscar", access="owner"))]
    assert [r for r in expand_group_paths(rows, groups) if r.get("group_pim")] == []
    # A group with another id is not this group's membership.
    other = [tier0(member("ian"), gid="00000000-0000-4000-8000-000000000099")]
    assert [r for r in expand_group_paths(rows, other) if r.get("group_pim")] == []


def test_inherited_rows_of_a_read_group_are_replaced_activations_kept():
    """The directory read's own rows of the group's members (member_type group) give way to the membership rows;
    an activation of a role through the group's eligibility stays."""
    rows = [group_row(),
            assignment("ian", GA, permanent=True, member_type="group", via_group="PIM-Tier0", principal_id="id-ian"),
            assignment("olga", GA, assignment_type="activated", member_type="group", via_group="PIM-Tier0")]
    out = expand_group_paths(rows, [tier0(member("ian"))])
    ian = [r for r in out if r["principal"] == "ian"]
    assert len(ian) == 1 and ian[0]["group_pim"] and ian[0]["permanent"] is True
    assert [r["assignment_type"] for r in out if r["principal"] == "olga"] == ["activated"]


def test_break_glass_member_is_exempt(settings):
    data = scan(tidy_data() + [group_row()], [tier0(member("breakglass1"))])
    c74 = control(evaluate(settings, data, {}, OPTIONS), "MS.AAD.7.4")
    assert c74["status"] == "pass"
    mine = [f for f in c74["findings"] if f.get("setting") == "group membership end"]
    assert mine[0]["status"] == "exempt" and mine[0]["detail"].startswith("exempt: break-glass; Global Admin")


def test_synced_eligible_member_fails_7_3_with_its_path(settings):
    data = scan(tidy_data() + [group_row(PRA)], [tier0(member("sam", "eligible", permanent=False, synced=True))])
    c73 = control(evaluate(settings, data, {}, OPTIONS), "MS.AAD.7.3")
    assert c73["status"] == "fail"
    assert c73["findings"][0]["principal"] == "sam"
    assert "Privileged Role Administrator via group PIM-Tier0 (eligible member)" in c73["findings"][0]["detail"]


def test_ga_count_counts_people_once_however_they_hold_it(settings):
    # alice holds GA directly (eligible) and through the group (active): one person, shown by the active path.
    data = scan(tidy_data() + [group_row()], [tier0(member("alice", permanent=False, principal_id="id-alice"))])
    c71 = control(evaluate(settings, data, {}, OPTIONS), "MS.AAD.7.1")
    assert c71["summary"].startswith("3 Global Administrators")
    alice = next(f for f in c71["findings"] if f["principal"] == "alice")
    assert alice["detail"].startswith("Global Administrator via group PIM-Tier0 (active member until")


def test_7_2_counts_people_in_other_roles_through_groups(settings):
    few = [r for r in tidy_data() if r["role_id"] == GA]
    groups = [tier0(member("p1", "eligible", permanent=False), member("p2", "eligible", permanent=False),
                    member("p3", "eligible", permanent=False))]
    without = evaluate(settings, few + [group_row(PRA, "eligible", permanent=False)], {}, OPTIONS)
    with_groups = evaluate(settings, scan(few + [group_row(PRA, "eligible", permanent=False)], groups), {}, OPTIONS)
    assert control(without, "MS.AAD.7.2")["status"] == "fail"  # 3 GAs, 0 people in other roles
    assert control(with_groups, "MS.AAD.7.2")["status"] == "pass"  # 3 GAs, 3 people via the group


# -- the paths in every report format stay inert ---------------------------------------------------------------
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_group_and_member_names_stay_inert(settings, name):
    data = scan(tidy_data() + [group_row(name=name)],
                [tier0(member(name), name=name)])
    report = evaluate(settings, data, {"id": "t", "name": "t", "generated": "2026-01-01T00:00:00Z"}, OPTIONS)
    c74 = control(report, "MS.AAD.7.4")
    fail = [f for f in c74["findings"] if f["status"] == "fail"]
    assert fail and fail[0]["detail"] == f"Global Administrator via group {name} (active member)"
    assert json.loads(json.dumps(report))["controls"]  # the JSON report keeps it as data
    page = to_html([report])
    parsed = parse_html(page)
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "tr",
                                "th", "td", "br", "code", "a", "details", "summary", "b"}, set(parsed.tags)
    assert not [a for a in parsed.attrs if a[1].startswith("on")]
    assert clean_text(f"Global Administrator via group {name} (active member)") in parsed.cells
    markdown = to_markdown([report])
    assert not CONTROLS.search(markdown)
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)
    assert set(parse_html(rendered).tags) <= {"h1", "h2", "p", "h3", "table", "thead", "tbody", "tr", "th", "td"}
    for raw in ("<img", "<script", "<injected", "<a ", "<https"):
        assert raw not in rendered
    root = ET.fromstring(to_junit([report]).encode("utf-8"))  # noqa: S314 - the test parses our own output
    assert {e.tag for e in root.iter()} <= {"testsuites", "testsuite", "testcase", "failure", "skipped"}
