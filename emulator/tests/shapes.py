"""Compare the *shape* of two JSON answers: the same property names at each level and the same JSON types,
whatever the values. Used to hold the emulator against Microsoft's published examples
(test_published_examples.py) and against a real tenant (tests/live).

Rules, chosen so that a difference means the emulator would break a client that works against Graph:
- ``null`` on either side matches any type: values may differ, and Graph itself sends ``null`` for an
  unset property that another object of the same type has set (``completedDateTime``, ``createdBy.user``).
- Integers and floats are one type (JSON numbers).
- ``@odata.type`` is compared by value: it is the type discriminator, i.e. part of the shape.
- A key the reference has and the answer lacks is always a difference. A key the answer has and the
  reference lacks is a difference only when the reference is complete (``truncated`` false): the docs
  mark most examples "might be shortened for readability". Paging and count annotations
  (``@odata.nextLink``, ``@odata.count``) depend on the data, never on the type, and are ignored.
- In arrays, each element of the answer is compared with the reference element of the same ``id``, else
  of the same ``@odata.type``, else the first one (lists in the docs are homogeneous or discriminated).
"""

from __future__ import annotations

IGNORED_KEYS = {"@odata.nextLink", "@odata.count", "@odata.deltaLink"}


def kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _partner(reference: list, item):
    if isinstance(item, dict):
        for key in ("id", "@odata.type"):
            if key in item:
                for ref in reference:
                    if isinstance(ref, dict) and ref.get(key) == item[key]:
                        return ref
    return reference[0]


def shape_differences(reference, answer, truncated: bool = True, path: str = "$") -> list[str]:
    """Where ``answer`` differs in shape from ``reference``, as ``"<json path>: <what>"`` lines."""
    ref_kind, ans_kind = kind(reference), kind(answer)
    if "null" in (ref_kind, ans_kind):
        return []
    if ref_kind != ans_kind:
        return [f"{path}: {ans_kind} where the reference has {ref_kind}"]
    out: list[str] = []
    if ref_kind == "object":
        if "@odata.type" in reference and "@odata.type" in answer and reference["@odata.type"] != answer["@odata.type"]:
            out.append(f"{path}: @odata.type {answer['@odata.type']!r} "
                       f"where the reference has {reference['@odata.type']!r}")
        for key in reference:
            if key in IGNORED_KEYS:
                continue
            if key not in answer:
                out.append(f"{path}.{key}: missing")
            else:
                out.extend(shape_differences(reference[key], answer[key], truncated, f"{path}.{key}"))
        if not truncated:
            out.extend(f"{path}.{key}: not in the reference" for key in answer
                       if key not in reference and key not in IGNORED_KEYS)
    elif ref_kind == "array" and reference and answer:
        for i, item in enumerate(answer):
            out.extend(shape_differences(_partner(reference, item), item, truncated, f"{path}[{i}]"))
    return out


def key_sets(value, path: str = "$", out: dict | None = None) -> dict[str, set[str]]:
    """The property names at each level (array elements folded into ``[]``): what the live check records."""
    out = {} if out is None else out
    if isinstance(value, dict):
        out.setdefault(path, set()).update(value)
        for key, item in value.items():
            key_sets(item, f"{path}.{key}", out)
    elif isinstance(value, list):
        for item in value:
            key_sets(item, f"{path}[]", out)
    return out
