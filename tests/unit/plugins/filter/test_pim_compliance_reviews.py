# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CIS Microsoft 365 Foundations v7.0.0 5.3.3 evaluated from the access reviews the scan reads (issue 16).

pass: every one of CIS's 6 roles covered by a monthly (or more frequent) review meeting CIS's criteria; fail:
the uncovered roles named, with what covers them and what it lacks; not read: fail, saying it could not be
checked and why (never pass, never not_applicable).
"""

from __future__ import annotations

from filter_data import GA, PRA

from ansible_collections.entra.pim.plugins.filter.pim_compliance import access_review_control, evaluate
from ansible_collections.entra.pim.plugins.module_utils._access_reviews_scan import CIS_5_3_3_ROLES

TODAY = {"today": "2026-11-29"}
SIX = list(CIS_5_3_3_ROLES)


def review(name, roles, every="monthly", interval=1, status="InProgress", **settings):
    values = {"duration_days": 14, "auto_apply": True, "default_decision": "None", "mail_notifications": True,
              "reminders": True, "justification_required": True}
    values.update(settings)
    return {"name": name, "id": f"id-{name}", "status": status,
            "roles": [{"role_id": r, "role": CIS_5_3_3_ROLES.get(r, r), "kinds": ["active", "eligible"],
                       "principals": ["groups", "users"]} for r in roles],
            "recurrence": {"pattern": "absoluteMonthly", "interval": interval, "every": every, "range": "noEnd",
                           "start": "2026-01-01", "end": None},
            "reviewers": ["auditor@contoso.com"], "self_review": False, "settings": values,
            "last_instance": {"id": "i1", "start": "2026-11-01T00:00:00Z", "end": "2026-11-15T00:00:00Z",
                              "status": "Completed"}, "instances_read": True}


def scan(*reviews, error=None):
    out = {"eligible": [], "active": [], "access_reviews": None if error else list(reviews)}
    if error:
        out["access_reviews_error"] = error
    return out


def cis(report):
    return next(c for c in report["controls"] if c["id"] == "CIS.5.3.3")


def test_every_cis_role_reviewed_monthly_passes_with_evidence(settings):
    control = cis(evaluate(settings, scan(review("Privileged roles", SIX)), {}, TODAY))
    assert control["status"] == "pass"
    assert control["summary"] == "all 6 roles covered by recurring access reviews"
    assert [f["role"] for f in control["findings"]] == list(CIS_5_3_3_ROLES.values())
    assert control["findings"][0]["actual"] == ("review 'Privileged roles': monthly, last instance "
                                                "2026-11-01T00:00:00Z to 2026-11-15T00:00:00Z (Completed)")


def test_a_quarterly_tier0_review_fails_cis_naming_every_uncovered_role(settings):
    """The default seed's contoso: one quarterly review of Global Administrator and Privileged Role
    Administrator. CIS asks monthly or more often, of 6 roles: all 6 are named."""
    control = cis(evaluate(settings, scan(review("Tier 0", [GA, PRA], "quarterly", 3)), {}, TODAY))
    assert control["status"] == "fail"
    assert control["summary"] == ("6 of 6 roles not covered by a qualifying recurring access review: Global "
                                  "Administrator, Privileged Role Administrator, Exchange Administrator, SharePoint "
                                  "Administrator, Teams Administrator, Security Administrator")
    ga = control["findings"][0]
    assert ga["role"] == "Global Administrator" and ga["status"] == "fail"
    assert "review 'Tier 0': quarterly" in ga["detail"]
    assert "recurs quarterly (monthly or more often asked)" in ga["detail"]
    assert control["findings"][2]["detail"] == "no access review covers this role"


def test_no_review_fails_naming_the_six(settings):
    control = cis(evaluate(settings, scan(), {}, TODAY))
    assert control["status"] == "fail" and control["summary"].startswith("6 of 6 roles not covered")
    assert {f["detail"] for f in control["findings"]} == {"no access review covers this role"}


def test_one_role_missing_is_the_one_named(settings):
    control = cis(evaluate(settings, scan(review("Five", SIX[:5])), {}, TODAY))
    assert control["status"] == "fail"
    assert control["summary"].endswith(": Security Administrator")
    assert [f["status"] for f in control["findings"]] == ["pass"] * 5 + ["fail"]


def test_refused_read_is_reported_as_not_checked_never_pass(settings):
    why = "403 Authorization_RequestDenied (grant AccessReview.Read.All; see docs/permissions.md)"
    control = cis(evaluate(settings, scan(error=why), {}, TODAY))
    assert control["status"] == "fail"
    assert control["summary"] == f"could not be checked: access reviews were not read: {why}"
    assert control["findings"][0]["actual"] == "not read"


def test_a_scan_that_did_not_ask_says_so(settings, tidy_assignments):
    control = cis(evaluate(settings, tidy_assignments, {}, TODAY))
    assert control["status"] == "fail" and control["summary"].startswith("could not be checked")
    assert "compliance_access_reviews" in control["summary"]


def test_roles_are_named_as_the_tenant_names_them(settings):
    renamed = [dict(r, role="Company Admin") if r["id"] == GA else r for r in settings]
    control = cis(evaluate(renamed, scan(), {}, TODAY))
    assert control["findings"][0]["role"] == "Company Admin"


def test_baseline_cadence_control_accepts_its_own_cadence():
    """The same coverage logic with the baseline's cadence and roles (quarterly, tier 0, no CIS settings)."""
    tier0 = {GA: "Global Administrator", PRA: "Privileged Role Administrator"}
    quarterly = scan(review("Tier 0", [GA, PRA], "quarterly", 3, default_decision="Deny", duration_days=30))
    status, summary, _findings = access_review_control(quarterly, {}, TODAY, months=3, full=False, roles=tier0)
    assert (status, summary) == ("pass", "all 2 roles covered by recurring access reviews")
    semi = scan(review("Tier 0", [GA, PRA], "semiannually", 6))
    assert access_review_control(semi, {}, TODAY, months=3, full=False, roles=tier0)[0] == "fail"


def test_baseline_review_control_by_role_names_through_evaluate(settings):
    """BASELINE.access_review: the roles of baseline_access_review (names or template ids) reviewed at least as
    often as the baseline asks; not_applicable until the baseline's review is enabled."""
    tier0 = scan(review("Tier 0", [GA, PRA], "quarterly", 3))

    def status(wanted):
        report = evaluate(settings, tier0, {}, dict(TODAY, baseline_access_review=wanted))
        return next(c for c in report["controls"] if c["id"] == "BASELINE.access_review")

    assert status(None)["status"] == "not_applicable"
    assert status({"roles": ["Global Administrator", PRA], "recurrence": "quarterly"})["status"] == "pass"
    monthly = status({"roles": ["Global Administrator", PRA], "recurrence": "monthly"})
    assert monthly["status"] == "fail" and "recurs quarterly (monthly or more often asked)" in \
        monthly["findings"][0]["detail"]
    exchange = status({"roles": ["Exchange Administrator"], "recurrence": "quarterly"})
    assert exchange["summary"].endswith(": Exchange Administrator")
