# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The group assignment modules' documentation (module docs + the entra.pim.group_assignment fragment) against
their argument specs: every option documented with its type, default, choices and suboptions, and nothing else."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.entra.pim.plugins.doc_fragments.group_assignment import ModuleDocFragment
from ansible_collections.entra.pim.plugins.module_utils._assignment_module import argument_spec
from ansible_collections.entra.pim.plugins.module_utils._surfaces import GROUPS
from ansible_collections.entra.pim.plugins.modules import pim_group_active_assignment, pim_group_eligible_assignment


def _shape(options):
    """Option docs or specs reduced to what both hold."""
    out = {}
    for name, opt in options.items():
        shaped = {"type": opt.get("type", "str")}
        for key in ("elements", "required", "choices", "default"):
            if opt.get(key) not in (None, False, []):
                shaped[key] = opt[key]
        sub = opt.get("suboptions", opt.get("options"))
        if sub:
            shaped["options"] = _shape(sub)
        out[name] = shaped
    return out


@pytest.mark.parametrize("kind, module", [("eligible", pim_group_eligible_assignment),
                                          ("active", pim_group_active_assignment)])
def test_docs_match_the_argument_spec(kind, module):
    documented = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"])
    documented.update(yaml.safe_load(module.DOCUMENTATION).get("options") or {})
    assert _shape(documented) == _shape(argument_spec(kind, GROUPS))
    for text in (module.EXAMPLES, module.RETURN):
        assert yaml.safe_load(text)
