# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The group settings modules' documentation against their argument specs, and the shared fragment.

The settings options of pim_role_setting and pim_group_setting are written once, in the
entra.pim.policy_settings fragment; these tests keep what ansible-doc shows (module docs merged with
the fragment) equal to what the modules accept.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from ansible_collections.entra.pim.plugins.doc_fragments import policy_settings as fragment_module
from ansible_collections.entra.pim.plugins.module_utils._policy import settings_argument_spec
from ansible_collections.entra.pim.plugins.module_utils._role_settings import (
    SECTIONS,
    access_argument_spec,
    group_settings_argument_spec,
)
from ansible_collections.entra.pim.plugins.modules import pim_group_setting, pim_group_setting_info, pim_role_setting

FRAGMENT = fragment_module.ModuleDocFragment
# The fragment's source (the YAML written once and the wording table), which generates the fragment file.
_SOURCE = Path(__file__).resolve().parents[4] / "hacking" / "policy_settings_source.py"
_spec = importlib.util.spec_from_file_location("policy_settings_source", _SOURCE)
policy_settings = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(policy_settings)


def test_the_fragment_file_is_generated_from_its_source():
    """Edit hacking/policy_settings_source.py, then `make doc-fragments`: the two must not drift apart."""
    assert Path(fragment_module.__file__).read_text(encoding="utf-8") == policy_settings.render()


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


def _shown(module, fragment):
    """The module's options as ansible-doc shows them: its own and those of its settings fragment."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(yaml.safe_load(fragment)["options"])
    options.update(doc["options"])
    return doc, options


def test_the_settings_modules_extend_their_fragment():
    assert "entra.pim.policy_settings.roles" in yaml.safe_load(pim_role_setting.DOCUMENTATION)[
        "extends_documentation_fragment"]
    assert "entra.pim.policy_settings.groups" in yaml.safe_load(pim_group_setting.DOCUMENTATION)[
        "extends_documentation_fragment"]


def test_pim_group_setting_docs_match_its_spec():
    _doc, options = _shown(pim_group_setting, FRAGMENT.GROUPS)
    spec = {"groups": {"type": "list", "elements": "str"}, "access": access_argument_spec()}
    spec.update(settings_argument_spec())
    spec.update(group_settings_argument_spec())
    assert _shape(options) == spec


def test_pim_group_setting_info_docs_match_its_spec():
    options = yaml.safe_load(pim_group_setting_info.DOCUMENTATION)["options"]
    assert _shape(options) == {"groups": {"type": "list", "elements": "str", "required": True},
                               "access": access_argument_spec()}


def test_both_fragments_carry_the_same_settings_apart_from_the_wording_for_groups():
    roles = yaml.safe_load(FRAGMENT.ROLES)["options"]
    groups = yaml.safe_load(FRAGMENT.GROUPS)["options"]
    for section in SECTIONS:
        assert _shape({section: roles[section]}) == _shape({section: groups[section]})
        assert _shape({section: groups[section]}) == _shape({section: groups["group_settings"]["suboptions"][section]})


def _lines(options):
    for option in options.values():
        description = option.get("description", [])
        yield from description if isinstance(description, list) else [description]
        yield from _lines(option.get("suboptions") or {})


def test_the_group_wording_replaces_every_mention_of_the_role():
    """A phrase of the table no longer in the text (the text was edited) fails here, not in ansible-doc."""
    text = " ".join(_lines(yaml.safe_load(policy_settings._SECTIONS)["options"]))
    for old, _new in policy_settings._GROUP_WORDING:
        assert old in text, old
    group_text = " ".join(_lines(yaml.safe_load(FRAGMENT.GROUPS)["options"]))
    assert "the role" not in group_text
    assert "O(group_settings[].activation.require_mfa)" in group_text
    assert "O(role_settings" not in group_text


def test_sibling_references_point_into_the_list_item():
    role_settings = yaml.safe_load(FRAGMENT.ROLES)["options"]["role_settings"]["suboptions"]
    assert role_settings["activation"]["suboptions"]["require_approval"]["description"][1] == (
        "Needs at least one approver, given in O(role_settings[].activation.approvers) or already on the role.")
    top = yaml.safe_load(FRAGMENT.ROLES)["options"]["activation"]["suboptions"]["require_approval"]
    assert top["description"][1] == ("Needs at least one approver, given in O(activation.approvers) or already on "
                                     "the role.")


def test_the_info_module_lists_each_unmanaged_group_once_with_its_missing_access():
    from ansible_collections.entra.pim.plugins.module_utils._role_settings import group_target
    fresh = {"id": "g1", "displayName": "Helpdesk-Operators"}
    other = {"id": "g2", "displayName": "PIM-Approvers-Tier0"}
    missing = [group_target(fresh, "member"), group_target(other, "member"), group_target(fresh, "owner")]
    assert pim_group_setting_info.unmanaged(missing) == [
        {"group": "Helpdesk-Operators", "group_id": "g1", "access": ["member", "owner"]},
        {"group": "PIM-Approvers-Tier0", "group_id": "g2", "access": ["member"]}]
