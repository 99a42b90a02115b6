"""$expand for PIM objects. The HTTP layer applies every other OData option generically; only the
engine knows the relationships, so expansion (nested, with a nested $select) happens here. The option is
read by ``odata.parse_expand``, the emulator's one $expand parser."""

from __future__ import annotations

from collections.abc import Callable

from ..odata import parse_expand
from .errors import bad_request


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
