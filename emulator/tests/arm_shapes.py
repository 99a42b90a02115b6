"""ARM answers checked against azure-mgmt-authorization's own models: every key an answer carries must be one the
SDK's model (its ``_attribute_map``, flattened ``properties.x`` keys included, polymorphic rules picked by their
``ruleType`` through ``_subtype_map``) knows, so the collection never reads a property the SDK would drop.

``unknown_keys(model_class, answer)`` lists the paths of keys the model does not have; the models module is
the api-version's (``azure.mgmt.authorization.v2020_10_01.models`` for PIM, ``v2022_04_01`` for role
definitions and assignments).
"""

from __future__ import annotations

import re

_LIST = re.compile(r"^\[(.+)\]$")
_DICT = re.compile(r"^\{(.+)\}$")


def _tree(model) -> dict:
    """The model's attribute map as nested dicts: {"properties": {"scope": "str", ...}, "id": "str"}."""
    tree: dict = {}
    for spec in model._attribute_map.values():
        parts = [p.replace("\\.", ".") for p in re.split(r"(?<!\\)\.", spec["key"])]
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = spec["type"]
    return tree


def _pick(models, model, value: dict):
    sub = getattr(model, "_subtype_map", None) or {}
    for attr, mapping in sub.items():
        key = model._attribute_map[attr]["key"]
        name = mapping.get(value.get(key)) if isinstance(value, dict) else None
        if name:
            return getattr(models, name)
    return model


def unknown_keys(models, model, value, path: str = "") -> list[str]:
    if not isinstance(value, dict):
        return []
    model = _pick(models, model, value)
    return _walk(models, _tree(model), value, path)


def _walk(models, tree: dict, value: dict, path: str) -> list[str]:
    out = []
    for key, item in value.items():
        here = f"{path}.{key}" if path else key
        if key not in tree:
            out.append(here)
            continue
        spec = tree[key]
        if isinstance(spec, dict):
            out += _walk(models, spec, item, here) if isinstance(item, dict) else []
            continue
        out += _typed(models, spec, item, here)
    return out


def _typed(models, spec: str, item, path: str) -> list[str]:
    m = _LIST.match(spec)
    if m:
        return [k for i, x in enumerate(item or []) for k in _typed(models, m[1], x, f"{path}[{i}]")]
    m = _DICT.match(spec)
    if m:
        return [k for name, x in (item or {}).items() for k in _typed(models, m[1], x, f"{path}.{name}")]
    cls = getattr(models, spec, None)
    if cls is None or not hasattr(cls, "_attribute_map"):
        return []  # str, bool, iso-8601, an enum ...
    return unknown_keys(models, cls, item, path)
