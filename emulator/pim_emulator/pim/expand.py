"""$expand for PIM objects. The HTTP layer applies every other OData option generically; only the
engine knows the relationships, so expansion (nested, with a nested $select) happens here."""

from __future__ import annotations

from collections.abc import Callable

from .errors import bad_request

try:  # the HTTP layer's parser, when present, so both layers read options identically
    from ..odata import parse_expand as _shared_parse_expand  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the colleague's module
    _shared_parse_expand = None


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _own_parse_expand(text: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for item in _split_top(text, ","):
        name, _, rest = item.partition("(")
        opts: dict[str, str] = {}
        if rest:
            for opt in _split_top(rest.removesuffix(")"), ";"):
                key, _, value = opt.partition("=")
                opts[key.strip()] = value.strip()
        out[name.strip()] = opts
    return out


def parse_expand(text: str | None) -> dict[str, dict[str, str]]:
    if not text:
        return {}
    if _shared_parse_expand is not None:
        return _shared_parse_expand(text)
    return _own_parse_expand(text)


def select(obj: dict | None, select_text: str | None) -> dict | None:
    if obj is None or not select_text:
        return obj
    keep = {s.strip() for s in select_text.split(",")} | {"id", "@odata.type"}
    return {k: v for k, v in obj.items() if k in keep}


# A resolver answers one navigation property of one object: (item, nested options) -> value.
Resolver = Callable[[dict, dict[str, str]], object]


def expand(items: list[dict], text: str | None, resolvers: dict[str, Resolver], type_name: str) -> None:
    """Expand ``items`` in place. Unknown navigation properties answer Graph's 400."""
    spec = parse_expand(text)
    for name in spec:
        if name not in resolvers and name != "*":
            raise bad_request(f"Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'.")
    names = list(resolvers) if "*" in spec else list(spec)
    for item in items:
        for name in names:
            opts = spec.get(name) or spec.get("*") or {}
            value = resolvers[name](item, opts)
            if isinstance(value, list):
                value = [select(v, opts.get("$select")) for v in value]
            elif isinstance(value, dict):
                value = select(value, opts.get("$select"))
            item[name] = value
