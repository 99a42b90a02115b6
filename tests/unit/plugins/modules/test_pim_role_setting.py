# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pim_role_setting's documentation against its argument spec, which _policy's field table generates.

The option docs are YAML written by hand (ansible-doc and validate-modules read them as text), so
this test keeps them in step with the spec. The role_settings suboptions reuse the top-level ones
through YAML aliases, so no test has to keep two copies equal.
"""

from __future__ import annotations

import yaml

from ansible_collections.entra.pim.plugins.module_utils._baseline import DEFAULTS, baseline_argument_spec
from ansible_collections.entra.pim.plugins.module_utils._policy import settings_argument_spec
from ansible_collections.entra.pim.plugins.module_utils._role_settings import SECTIONS, role_settings_argument_spec
from ansible_collections.entra.pim.plugins.doc_fragments.policy_settings import ModuleDocFragment
from ansible_collections.entra.pim.plugins.modules import pim_role_setting

DOC = yaml.safe_load(pim_role_setting.DOCUMENTATION)
# What ansible-doc shows: the settings options and role_settings come from the policy_settings fragment
# (shared with pim_group_setting; test_policy_settings_fragment.py checks the module extends it).
DOC["options"].update(yaml.safe_load(ModuleDocFragment.ROLES)["options"])


def _shape(doc_options):
    """Documented options reduced to what an argument spec holds."""
    out = {}
    for name, doc in doc_options.items():
        spec = {"type": doc.get("type", "str")}
        for key in ("elements", "required", "choices"):
            if doc.get(key):
                spec[key] = doc[key]
        if "suboptions" in doc:
            spec["options"] = _shape(doc["suboptions"])
        out[name] = spec
    return out


def test_top_level_settings_docs_match_the_spec():
    documented = _shape({k: v for k, v in DOC["options"].items() if k in SECTIONS})
    assert documented == settings_argument_spec()


def test_role_settings_docs_match_the_spec():
    assert _shape({"role_settings": DOC["options"]["role_settings"]}) == role_settings_argument_spec()


def test_baseline_docs_match_the_spec():
    assert _shape({"baseline": DOC["options"]["baseline"]}) == baseline_argument_spec()


def test_baseline_option_takes_every_key_of_the_baseline():
    """A key the filters accept but the option does not would be refused by Ansible before the module ran."""
    options = baseline_argument_spec()["baseline"]["options"]
    assert set(options) == set(DEFAULTS) | {"role_settings"}
