# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance role asks pim_activation_info for the rows of highly privileged roles only (row_roles,
issue 19.4): the report must be the very one the whole tenant's rows give."""

from __future__ import annotations

import pytest
from filter_data import GA, PRA, assignment

from ansible_collections.entra.pim.plugins.filter.pim_baseline import HIGHLY_PRIVILEGED
from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate, highly_privileged_roles
from ansible_collections.entra.pim.plugins.module_utils._activation import rows_of_roles

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"  # Helpdesk Administrator (filter_data.OTHER_ROLES)
READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"  # Global Reader
BASELINE = {"tier0_approvers": ["group:PIM-Approvers-Tier0"], "alert_mailbox": ["soc@example.com"],
            "activation_alert_mailbox": ["pim-activations@example.com"]}


def tenant_rows():
    """Rows as pim_activation_info returns them: highly privileged and other roles mixed, a break-glass
    account also holding another role, a synced user, a group, a permanent and an outside-PIM row."""
    rows = [assignment("breakglass1@contoso.com", GA, permanent=True, role_template_id=GA),
            assignment("breakglass1@contoso.com", HELPDESK, permanent=True, role_template_id=HELPDESK),
            assignment("alice@contoso.com", GA, "eligible", role_template_id=GA),
            assignment("victor@contoso.com", PRA, permanent=True, role_template_id=PRA),
            assignment("frank@contoso.com", "29232cdf-9323-42fd-ade2-1d097af3e4de", synced=True,
                       role_template_id="29232cdf-9323-42fd-ade2-1d097af3e4de"),
            assignment("PIM-Admins", GA, principal_type="group", role_template_id=GA),
            assignment("dave@contoso.com", READER, outside_pim=True, permanent=True, role_template_id=READER)]
    rows += [assignment(f"user{n}@contoso.com", HELPDESK, "eligible", role_template_id=HELPDESK) for n in range(50)]
    return rows


def report(settings, rows, hp=None):
    options = {"excluded_principals": ["breakglass1@contoso.com"], "highly_privileged_roles": hp or None,
               "baseline": BASELINE}
    out = dict(evaluate(settings, {"eligible": [r for r in rows if r["kind"] == "eligible"],
                                   "active": [r for r in rows if r["kind"] == "active"]},
                        {"id": "t", "generated": "2026-11-29T00:00:00Z"}, options))
    return out


@pytest.mark.parametrize("hp", [[], ["Global Administrator", "privileged role administrator"], [GA, READER]])
def test_the_rows_of_highly_privileged_roles_give_the_same_report(settings, hp):
    rows = tenant_rows()
    kept = rows_of_roles(rows, highly_privileged_roles(hp))
    assert len(kept) < len(rows)
    assert report(settings, kept, hp) == report(settings, rows, hp)


def test_highly_privileged_roles_defaults_to_the_ten():
    assert sorted(highly_privileged_roles([])) == sorted(HIGHLY_PRIVILEGED) and len(HIGHLY_PRIVILEGED) == 10
    assert highly_privileged_roles(None) == highly_privileged_roles([])
    assert highly_privileged_roles(["Teams Administrator"]) == ["Teams Administrator"]


def test_rows_of_roles_match_id_template_id_or_name_in_any_case():
    rows = [{"role_id": "custom-1", "role_template_id": GA, "role": "Global Administrator"},
            {"role_id": "x", "role_template_id": "y", "role": "Exchange Administrator"},
            {"role_id": "z", "role_template_id": None, "role": None}]
    assert rows_of_roles(rows, [GA.upper()]) == rows[:1]
    assert rows_of_roles(rows, ["exchange ADMINISTRATOR", " "]) == rows[1:2]
    assert rows_of_roles(rows, ["No Such Role"]) == []
    assert rows_of_roles(rows, ["Z"]) == rows[2:]
