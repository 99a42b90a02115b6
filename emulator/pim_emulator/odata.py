"""OData query options as Graph applies them: parsing, ``$filter`` evaluation, select/order/paging.

The ``$filter`` evaluator is a tokenizer plus a recursive-descent parser producing a small tree that
is interpreted against plain JSON dicts. Nothing is ``eval``-ed: filters arrive from the network.
String equality is case-insensitive, as Graph compares most directory and PIM properties.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, unquote_plus

from .contract import GraphError

KNOWN_OPTIONS = {"filter", "select", "expand", "orderby", "top", "skip", "count", "skiptoken", "search", "format"}


def bad_request(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def parse_query(raw: str) -> dict[str, str]:
    """Percent-decode a raw query string into {"$filter": ..., ...}.

    msgraph-sdk sends ``%24expand=policy%28%24expand%3Drules%29`` and httpx sends ``+`` for spaces;
    both decode here. Graph accepts system options without the ``$`` and in any case, so they are
    normalised to ``$name``; other parameters keep their name.
    """
    out: dict[str, str] = {}
    if not raw:
        return out
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key = unquote_plus(key)
        name = key.lstrip("$").lower()
        if name in KNOWN_OPTIONS:
            key = "$" + name
        out[key] = unquote_plus(value)
    return out


def encode_query(options: dict[str, str]) -> str:
    return "&".join(f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in options.items())


# ---------------------------------------------------------------------------------------------- $expand


def _split_top(text: str, seps: str) -> list[str]:
    """Split on any of ``seps`` outside parentheses and quotes."""
    parts, depth, cur, quoted = [], 0, [], False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if not quoted and depth == 0 and ch in seps:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    if depth != 0 or quoted:
        raise bad_request(f"Syntax error: unbalanced parentheses or quotes in '{text}'.")
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def parse_expand(text: str) -> dict[str, dict[str, str]]:
    """``policy($expand=rules;$select=id),principal`` -> {"policy": {"$expand": "rules", "$select": "id"},
    "principal": {}}. Nested options keep their raw text, so a nested ``$expand`` is parsed again by
    calling this on it. Stable signature: the PIM engine imports it."""
    result: dict[str, dict[str, str]] = {}
    for item in _split_top(text or "", ","):
        name, paren, rest = item.partition("(")
        name = name.strip()
        opts: dict[str, str] = {}
        if paren:
            if not rest.endswith(")"):
                raise bad_request(f"Syntax error at position {len(item)} in '{text}'.")
            for opt in _split_top(rest[:-1], ";"):
                key, eq, value = opt.partition("=")
                if not eq:
                    raise bad_request(f"Syntax error in $expand option '{opt}'.")
                key = key.strip()
                key = "$" + key.lstrip("$").lower() if key.lstrip("$").lower() in KNOWN_OPTIONS else key
                opts[key] = value.strip()
        if not name:
            raise bad_request(f"Syntax error in $expand '{text}'.")
        result[name] = opts
    return result


# ---------------------------------------------------------------------------------------------- $filter

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w-]))
  | (?P<ident>[A-Za-z_@$][A-Za-z0-9_.@$]*)
  | (?P<punct>[(),:/])
    """,
    re.VERBOSE,
)
_CMP = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCS = {"startswith", "endswith", "contains"}


def _tokenize(text: str) -> list[tuple[str, Any]]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise bad_request("Invalid filter clause")
        pos = m.end()
        kind = m.lastgroup
        val = m.group()
        if kind == "ws":
            continue
        if kind == "string":
            tokens.append(("lit", val[1:-1].replace("''", "'")))
        elif kind == "datetime":
            tokens.append(("lit", _parse_dt(val)))
        elif kind == "guid":
            tokens.append(("lit", val.lower()))
        elif kind == "number":
            tokens.append(("lit", float(val) if "." in val else int(val)))
        elif kind == "ident":
            low = val.lower()
            if low in ("true", "false"):
                tokens.append(("lit", low == "true"))
            elif low == "null":
                tokens.append(("lit", None))
            else:
                tokens.append(("ident", val))
        else:
            tokens.append((val, val))
    tokens.append(("end", None))
    return tokens


def _parse_dt(text: str) -> datetime | None:
    try:
        d = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self, offset: int = 0) -> tuple[str, Any]:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self, kind: str | None = None) -> tuple[str, Any]:
        tok = self.peek()
        if kind is not None and tok[0] != kind:
            raise bad_request("Invalid filter clause")
        self.i += 1
        return tok

    def is_word(self, *words: str) -> bool:
        kind, val = self.peek()
        return kind == "ident" and val.lower() in words

    def parse(self):
        node = self.or_expr()
        if self.peek()[0] != "end":
            raise bad_request("Invalid filter clause")
        return node

    def or_expr(self):
        node = self.and_expr()
        while self.is_word("or"):
            self.take()
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self):
        node = self.not_expr()
        while self.is_word("and"):
            self.take()
            node = ("and", node, self.not_expr())
        return node

    def not_expr(self):
        if self.is_word("not"):
            self.take()
            return ("not", self.not_expr())
        return self.comparison()

    def comparison(self):
        left = self.operand()
        if self.is_word(*_CMP):
            op = self.take()[1].lower()
            return ("cmp", op, left, self.operand())
        if self.is_word("in"):
            self.take()
            self.take("(")
            values = [self.operand()]
            while self.peek()[0] == ",":
                self.take()
                values.append(self.operand())
            self.take(")")
            return ("in", left, values)
        return left

    def operand(self):
        kind, val = self.peek()
        if kind == "lit":
            self.take()
            return ("lit", val)
        if kind == "(":
            self.take()
            node = self.or_expr()
            self.take(")")
            return node
        if kind == "ident":
            if val.lower() in _FUNCS and self.peek(1)[0] == "(":
                self.take()
                self.take("(")
                args = [self.operand()]
                while self.peek()[0] == ",":
                    self.take()
                    args.append(self.operand())
                self.take(")")
                if len(args) != 2:
                    raise bad_request("Invalid filter clause")
                return ("func", val.lower(), args)
            return self.path()
        raise bad_request("Invalid filter clause")

    def path(self):
        segments = [self.take("ident")[1]]
        while self.peek()[0] == "/":
            self.take()
            name = self.take("ident")[1]
            if name.lower() in ("any", "all") and self.peek()[0] == "(":
                self.take("(")
                if self.peek()[0] == ")":  # any() without a predicate: "collection is not empty"
                    self.take()
                    return ("lambda", name.lower(), segments, None, None)
                var = self.take("ident")[1]
                self.take(":")
                body = self.or_expr()
                self.take(")")
                return ("lambda", name.lower(), segments, var, body)
            segments.append(name)
        return ("path", segments)


def parse_filter(text: str):
    """Parse a ``$filter`` into a tree; raises 400 BadRequest on malformed input."""
    if not text or not text.strip():
        raise bad_request("Invalid filter clause")
    return _Parser(text).parse()


def _get(value: Any, seg: str) -> Any:
    if not isinstance(value, dict):
        return None
    if seg in value:
        return value[seg]
    low = seg.lower()
    for k, v in value.items():
        if k.lower() == low:
            return v
    return None


def _path_value(segments: list[str], item: Any, env: dict[str, Any]) -> Any:
    if segments[0] in env:
        value, rest = env[segments[0]], segments[1:]
    else:
        value, rest = item, segments
    for seg in rest:
        value = _get(value, seg)
        if value is None:
            return None
    return value


def _norm(a: Any, b: Any) -> tuple[Any, Any]:
    """Bring two operands to comparable forms (datetimes, case-folded strings)."""
    if isinstance(a, datetime) and isinstance(b, str):
        b = _parse_dt(b)
    elif isinstance(b, datetime) and isinstance(a, str):
        a = _parse_dt(a)
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold(), b.casefold()
    if isinstance(a, bool) or isinstance(b, bool):
        return a, b
    return a, b


def _compare(op: str, a: Any, b: Any) -> bool:
    a, b = _norm(a, b)
    if op == "eq":
        return a == b
    if op == "ne":
        return a != b
    if a is None or b is None:
        return False
    try:
        if op == "gt":
            return a > b
        if op == "ge":
            return a >= b
        if op == "lt":
            return a < b
        if op == "le":
            return a <= b
    except TypeError:
        return False
    raise bad_request("Invalid filter clause")


def _eval(node, item: Any, env: dict[str, Any]) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "path":
        return _path_value(node[1], item, env)
    if kind == "and":
        return bool(_eval(node[1], item, env)) and bool(_eval(node[2], item, env))
    if kind == "or":
        return bool(_eval(node[1], item, env)) or bool(_eval(node[2], item, env))
    if kind == "not":
        return not _eval(node[1], item, env)
    if kind == "cmp":
        return _compare(node[1], _eval(node[2], item, env), _eval(node[3], item, env))
    if kind == "in":
        left = _eval(node[1], item, env)
        return any(_compare("eq", left, _eval(v, item, env)) for v in node[2])
    if kind == "func":
        a, b = (_eval(arg, item, env) for arg in node[2])
        if not isinstance(a, str) or not isinstance(b, str):
            return False
        a, b = a.casefold(), b.casefold()
        return {"startswith": a.startswith, "endswith": a.endswith, "contains": a.__contains__}[node[1]](b)
    if kind == "lambda":
        _, which, segments, var, body = node
        coll = _path_value(segments, item, env)
        if not isinstance(coll, list):
            return False
        if var is None:
            return bool(coll)

        def test(el):
            return bool(_eval(body, item, {**env, var: el}))

        return any(map(test, coll)) if which == "any" else all(map(test, coll))
    raise bad_request("Invalid filter clause")


def matches(tree, item: dict) -> bool:
    return bool(_eval(tree, item, {}))


def apply_filter(items: list[dict], text: str | None) -> list[dict]:
    if text is None:
        return items
    tree = parse_filter(text)
    return [it for it in items if matches(tree, it)]



def _is_property(node, name: str) -> bool:
    # A bare property of the item, as _path_value reads it (case-insensitive name, no lambda variable).
    return node[0] == "path" and len(node[1]) == 1 and node[1][0].lower() == name


def _string_literal(node) -> bool:
    return node[0] == "lit" and isinstance(node[1], str)


def pinned_values(tree, name: str) -> set[str] | None:
    """The casefolded values property ``name`` must take for an item to pass the filter ``tree``, when the
    filter pins it down with ``eq``/``in`` on string literals (alone, or joined by ``and`` to other terms, or
    ``or`` of such terms); None when it does not.

    A superset: an item whose value is not in it cannot pass (string equality is casefolded, as in
    ``_compare``), one whose value is may still fail the other terms, so callers apply the whole filter to
    what they pick with it. Anything else (not, ne, functions, non-string literals) gives None: the caller
    then reads every item, as before.
    """
    kind = tree[0]
    if kind in ("and", "or"):
        left, right = pinned_values(tree[1], name), pinned_values(tree[2], name)
        if kind == "or":
            return None if left is None or right is None else left | right
        if left is None or right is None:
            return right if left is None else left
        return left & right
    if kind == "cmp" and tree[1] == "eq":
        for prop, lit in ((tree[2], tree[3]), (tree[3], tree[2])):
            if _is_property(prop, name) and _string_literal(lit):
                return {lit[1].casefold()}
        return None
    if kind == "in" and _is_property(tree[1], name) and all(_string_literal(v) for v in tree[2]):
        return {v[1].casefold() for v in tree[2]}
    return None


# ---------------------------------------------------------------------------------------------- others


def apply_orderby(items: list[dict], text: str | None) -> list[dict]:
    if not text:
        return items
    result = list(items)
    # Stable sorts applied from the last key to the first give a multi-key order.
    for clause in reversed([c for c in text.split(",") if c.strip()]):
        words = clause.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise bad_request(f"Invalid $orderby clause '{clause.strip()}'.")
        segs = words[0].split("/")
        desc = len(words) == 2 and words[1].lower() == "desc"

        def key(it, segs=segs):
            v = _path_value(segs, it, {})
            if isinstance(v, str):
                v = v.casefold()
            return (v is not None, v if v is not None else 0)

        try:
            result.sort(key=key, reverse=desc)
        except TypeError:
            result.sort(key=lambda it, segs=segs: str(_path_value(segs, it, {})), reverse=desc)
    return result


def select_fields(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [s.strip() for s in text.split(",") if s.strip()]


def apply_select(obj: dict, fields: list[str] | None, keep: tuple[str, ...] = ()) -> dict:
    """Keep the selected properties; ``id``, ``@odata.*`` annotations and expanded navigation
    properties stay, as Graph returns them alongside a ``$select``."""
    if not fields:
        return obj
    wanted = {f.lower() for f in fields} | {k.lower() for k in keep} | {"id"}
    return {k: v for k, v in obj.items() if k.lower() in wanted or k.startswith("@odata.")}


def parse_top(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        top = int(text)
    except ValueError:
        raise bad_request(f"Invalid value '{text}' for $top query option found.") from None
    if top < 0:
        raise bad_request(f"Invalid value '{text}' for $top query option found.")
    return top


def make_skiptoken(offset: int) -> str:
    raw = json.dumps({"o": offset, "v": 1}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_skiptoken(token: str) -> int:
    try:
        pad = "=" * (-len(token) % 4)
        doc = json.loads(base64.urlsafe_b64decode(token + pad))
        return max(0, int(doc["o"]))
    except Exception:
        raise bad_request("Invalid skip token.") from None


def strip_internal(value: Any) -> Any:
    """Drop keys starting with "_" everywhere: they are the emulator's bookkeeping."""
    if isinstance(value, dict):
        return {k: strip_internal(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [strip_internal(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------- strictness
#
# What a list route documents is what it gets: a PIM list answers 400 to an operator, function or query
# option its pages do not list, and to a property its type does not have, so that the collection (or a
# future module) cannot come to rely on something Graph refuses. The wording is that of the OData
# validators Graph's PIM service is built on (ASP.NET OData "QueryValidationSettings"); the PIM pages
# document the 400, not its text.


def _walk(node):
    yield node
    for child in node[1:]:
        if isinstance(child, tuple):
            yield from _walk(child)
        elif isinstance(child, list):
            for c in child:
                if isinstance(c, tuple):
                    yield from _walk(c)


def check_eq_filter(text: str | None, properties: set[str], type_name: str) -> None:
    """Allow only ``property eq|ne literal`` terms joined by ``and``, on the type's own properties.

    The PIM resource pages (unifiedRoleAssignmentScheduleRequest, ...Schedule, ...ScheduleInstance and
    their eligibility twins) mark properties "Supports $filter (eq, ne, and on null values)" and nothing
    else; ``and`` is what their examples combine terms with.
    """
    if text is None:
        return
    tree = parse_filter(text)
    known = {p.lower() for p in properties}
    for node in _walk(tree):
        kind = node[0]
        if kind == "or":
            raise bad_request("The 'Or' logical operator is not allowed. To allow it, set the "
                              "'AllowedLogicalOperators' property on EnableQueryAttribute or QueryValidationSettings.")
        if kind == "not":
            raise bad_request("The 'Not' logical operator is not allowed. To allow it, set the "
                              "'AllowedLogicalOperators' property on EnableQueryAttribute or QueryValidationSettings.")
        if kind == "in":
            raise bad_request("The 'In' logical operator is not allowed. To allow it, set the "
                              "'AllowedLogicalOperators' property on EnableQueryAttribute or QueryValidationSettings.")
        if kind == "cmp" and node[1] not in ("eq", "ne"):
            raise bad_request(f"The '{node[1].capitalize()}' logical operator is not allowed. To allow it, set the "
                              "'AllowedLogicalOperators' property on EnableQueryAttribute or QueryValidationSettings.")
        if kind == "func":
            raise bad_request(f"Function '{node[1]}' is not allowed. To allow it, set the 'AllowedFunctions' "
                              "property on EnableQueryAttribute or QueryValidationSettings.")
        if kind == "lambda":
            raise bad_request(f"The '{node[1].capitalize()}' query option is not allowed. To allow it, set the "
                              "'AllowedFunctions' property on EnableQueryAttribute or QueryValidationSettings.")
        if kind == "path":
            head = node[1][0]
            if head.lower() not in known:
                # ODataLib's answer to an unknown property, whatever the service.
                raise bad_request(f"Could not find a property named '{head}' on type 'microsoft.graph.{type_name}'.")


def check_options(query: dict[str, str], allowed: set[str]) -> None:
    """Refuse system query options a list does not document (``$orderby``, ``$count`` ... on PIM lists)."""
    for key in query:
        if key.startswith("$") and key not in allowed and key[1:] in KNOWN_OPTIONS:
            name = {"orderby": "OrderBy", "skiptoken": "SkipToken"}.get(key[1:], key[1:].capitalize())
            raise bad_request(f"Query option '{name}' is not allowed. To allow it, set the 'AllowedQueryOptions' "
                              "property on EnableQueryAttribute or QueryValidationSettings.")


def filter_operators(text: str | None) -> set[str]:
    """The operators and functions a ``$filter`` uses (``ne``, ``not``, ``endswith`` ...), for the
    directory's advanced-query check."""
    if not text:
        return set()
    out: set[str] = set()
    for node in _walk(parse_filter(text)):
        kind = node[0]
        if kind in ("cmp", "func", "lambda"):
            out.add(node[1])
        elif kind in ("or", "and", "not", "in"):
            out.add(kind)
    return out
