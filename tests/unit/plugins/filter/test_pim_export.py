# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pim_export_yaml: an export applied with -e @file keeps every tenant name as text (issue 17, item 1)."""

from __future__ import annotations

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from filter_data import HOSTILE_NAMES, settings_data

from ansible_collections.entra.pim.plugins.filter.pim_export import to_unsafe_yaml

try:  # ansible-core 2.19+: only strings from trusted sources are templates
    from ansible.template import is_trusted_as_template, trust_as_template
except ImportError:  # pragma: no cover - ansible-core < 2.19
    is_trusted_as_template = None

    def trust_as_template(value):
        return value

PAYLOAD = "Approvers {{ 6 * 7 }} {{ lookup('env', 'HOME') }}"


def export(name=PAYLOAD):
    roles = settings_data()[:2]
    roles[0]["role"] = name
    roles[0]["settings"]["activation"]["approvers"] = [f"group:{name}", "user:{{ 1 + 1 }}@x"]
    roles[0]["settings"]["notifications"]["activation"]["admin"]["recipients"] = ["{% if true %}x{% endif %}@x"]
    return {"baseline_role_settings": roles,
            "pim_role_settings": [{"name": name, "roles": [name], "activation": {"approvers": [f"group:{name}"]}}]}


def load_as_extra_vars(tmp_path, text):
    """What ansible-playbook -e @file does with the file."""
    path = tmp_path / "export.yml"
    path.write_text(text, encoding="utf-8")
    loader = DataLoader()
    kwargs = {"trusted_as_template": True} if is_trusted_as_template else {}
    return loader, loader.load_from_file(str(path), **kwargs)


def strings(data):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)
    elif isinstance(data, str):
        yield data


def test_every_string_is_tagged_unsafe_and_the_data_round_trips():
    data = export()
    text = to_unsafe_yaml(data)
    assert text.startswith("---\n")
    document = yaml.compose(text, Loader=yaml.SafeLoader)

    def scalars(node, key=False):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                yield from scalars(k, key=True)
                yield from scalars(v)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                yield from scalars(v)
        else:
            yield node, key

    values = [n for n, is_key in scalars(document) if not is_key and n.tag != "tag:yaml.org,2002:null"]
    string_values = [n for n in values if n.tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")]
    assert string_values and all(n.tag == "!unsafe" for n in string_values)

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
    assert yaml.load(text, Loader=Loader) == data  # noqa: S506 - SafeLoader with one more tag


def test_an_applied_export_never_templates_a_tenant_name(tmp_path):
    loader, variables = load_as_extra_vars(tmp_path, to_unsafe_yaml(export()))
    templar = Templar(loader=loader, variables=variables)
    first = templar.template(trust_as_template("{{ baseline_role_settings[0] }}"))
    assert first["role"] == PAYLOAD
    assert first["settings"]["activation"]["approvers"] == [f"group:{PAYLOAD}", "user:{{ 1 + 1 }}@x"]
    assert templar.template(trust_as_template("{{ pim_role_settings[0].roles[0] }}")) == PAYLOAD
    assert templar.template(trust_as_template(
        "{{ baseline_role_settings[0].settings.notifications.activation.admin.recipients[0] }}")) == \
        "{% if true %}x{% endif %}@x"
    if is_trusted_as_template:
        assert not [s for s in strings(variables) if is_trusted_as_template(s) and "{" in s]


def test_plain_yaml_would_have_run_the_template(tmp_path):
    """The hazard the tag removes: the same data as plain YAML is evaluated when applied."""
    loader, variables = load_as_extra_vars(tmp_path, yaml.safe_dump(export(), sort_keys=False))
    templar = Templar(loader=loader, variables=variables)
    assert "Approvers 42 " in templar.template(trust_as_template("{{ baseline_role_settings[0].role }}"))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_load_back_exactly(tmp_path, name):
    variables = load_as_extra_vars(tmp_path, to_unsafe_yaml(export(name)))[1]
    name = name.replace("\ud800", "\ufffd")  # a lone surrogate has no UTF-8 or YAML form
    assert variables["baseline_role_settings"][0]["role"] == name
    assert variables["pim_role_settings"][0]["activation"]["approvers"] == [f"group:{name}"]


def test_keys_that_are_not_option_names_are_tagged_too():
    text = to_unsafe_yaml({"role_settings": {"{{ x }}": 1, "plain_key": "v"}})
    assert "!unsafe '{{ x }}': 1" in text and "plain_key: !unsafe 'v'" in text
