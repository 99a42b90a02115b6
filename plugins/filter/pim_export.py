# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dump data read from a tenant as YAML that Ansible reads back as data, never as templates.

``playbooks/export.yml`` writes a tenant's settings as a vars file, meant to be applied with
``-e @export/<tenant>.yml``. Ansible treats every string of a vars file as a template: a group named
``Approvers {{ lookup('pipe', 'touch /tmp/x') }}`` would run a command on the controller (or in AWX, next
to every tenant's credentials) when the export is applied. Every string here is written with the
``!unsafe`` tag (https://docs.ansible.com/ansible/latest/playbook_guide/playbooks_advanced_syntax.html#unsafe-or-raw-strings),
which Ansible has always read as text that is never templated, whatever its content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import yaml

UNSAFE_TAG = "!unsafe"
# Keys the collection itself writes (option names) stay plain so the file reads well; any other key is
# tenant data like a value and tagged too.
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Key(str):
    """A mapping key that is one of our option names."""


class _UnsafeDumper(yaml.SafeDumper):
    """SafeDumper that tags every string ``!unsafe`` and takes Ansible's str/dict/list subclasses."""


# A lone surrogate (Graph's JSON can carry one as a \\uD800 escape) has no UTF-8 form: YAML readers refuse
# the escape, so the whole export would be unusable. It becomes U+FFFD, as in the reports.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _represent_unsafe(dumper, data):
    text = _SURROGATE.sub("\ufffd", str.__str__(data))
    # Literal block style would keep a multi-line name readable, but YAML folds a trailing space or tab in
    # it; the double-quoted style (chosen by the emitter) keeps every character, escaped where needed.
    return dumper.represent_scalar(UNSAFE_TAG, text)


def _represent_key(dumper, data):
    return dumper.represent_str(str.__str__(data))


def _represent_mapping(dumper, data):
    return dumper.represent_dict(data)


def _represent_sequence(dumper, data):
    return dumper.represent_list(list(data))


def _represent_other(dumper, data):
    # Tagged numbers and booleans of ansible-core 2.19+ are int/float/bool subclasses; dump their values.
    for kind, represent in ((bool, dumper.represent_bool), (int, dumper.represent_int),
                            (float, dumper.represent_float)):
        if isinstance(data, kind):
            return represent(kind(data))
    return _represent_unsafe(dumper, str(data))


_UnsafeDumper.add_representer(_Key, _represent_key)
_UnsafeDumper.add_representer(str, _represent_unsafe)  # SafeDumper's own str representer would win otherwise
_UnsafeDumper.add_multi_representer(str, _represent_unsafe)
_UnsafeDumper.add_multi_representer(Mapping, _represent_mapping)
_UnsafeDumper.add_multi_representer(list, _represent_sequence)
_UnsafeDumper.add_multi_representer(tuple, _represent_sequence)
_UnsafeDumper.add_multi_representer(object, _represent_other)


def _keys(data):
    """A copy of ``data`` with each plain option-name key marked as such (keys must be hashable strings)."""
    if isinstance(data, Mapping):
        return {(_Key(k) if isinstance(k, str) and _PLAIN_KEY.match(k) else k): _keys(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_keys(v) for v in data]
    return data


def to_unsafe_yaml(data, indent=2, sort_keys=False):
    """``data`` as block-style YAML with every string value tagged ``!unsafe``."""
    return yaml.dump(_keys(data), Dumper=_UnsafeDumper, indent=int(indent), sort_keys=bool(sort_keys),
                     default_flow_style=False, allow_unicode=True, width=120, explicit_start=True)


class FilterModule:
    def filters(self):
        return {"pim_export_yaml": to_unsafe_yaml}
