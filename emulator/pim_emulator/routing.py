"""Route tables: what every emulated API shares (moto's ``urls.py`` shape), knowing nothing of any one API.

An API is one ``routes/<api>.py`` module holding a list of ``Route`` (method, path template, permission,
handler) and one ``responses/<api>/`` package holding the handlers. ``RouteTable`` matches a request to a
route, answers an unknown route and a method the path does not take, checks the route's permission and
calls its handler with the template's parameters. The handlers work on the caller's tenant backend (the PIM
engine and the tenant it holds); the HTTP layer (``graph.py``) applies faults, latency and OData around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .contract import Caller, GraphError, GraphRequest

_PARAM = re.compile(r"\{(\w+)\}")


def unknown_segment(segment: str) -> GraphError:
    """Graph's answer to a path it cannot resolve: 400 BadRequest naming the first segment that resolves to
    nothing, e.g. "Resource not found for the segment 'auditLog'." (msgraph-beta-sdk-python issue 764) or,
    below a known resource, the unknown child ("... segment 'contacts'", microsoft-graph-docs issue 4052;
    "... segment 'directoryObject'", microsoft-graph-docs PR 1914). Microsoft's "Microsoft Graph error
    responses and resource types" page documents 400 as "malformed or incorrect" but not this message, so
    the wording is the one those reports show Graph sending."""
    return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


@dataclass(frozen=True)
class Permission:
    """A caller passes holding any one of ``accepted``; else ``refuse()`` is the service's own 403."""

    accepted: frozenset[str]
    refuse: Callable[[], GraphError] = field(compare=False)
    label: str = ""  # how docs/emulator.md names it (a PIM permission kind, or the least permission)

    def check(self, caller: Caller) -> None:
        if not caller.permissions & self.accepted:
            raise self.refuse()


class _Segment:
    """One template segment: a literal (``users``), a parameter (``{id}``), or a literal with parameters
    (``filterByCurrentUser(on={on})``). Literals compare without case: the directory part of the emulator always
    did, and Graph resolves /Users as /users in practice; Microsoft documents case-insensitivity for query option names
    ("Use query parameters"), not for path segments, so this is observed behaviour, not a documented rule."""

    def __init__(self, text: str):
        self.text = text
        self.names = _PARAM.findall(text)
        self.literal = not self.names
        self.folded = text.lower()
        parts = _PARAM.split(text)  # literal, name, literal, name, ...
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        self.regex = re.compile(f"^{pattern}$", re.IGNORECASE)
        # A literal beats a literal with parameters, which beats a bare parameter.
        self.rank = 2 if self.literal else (0 if _PARAM.fullmatch(text) else 1)

    def match(self, segment: str) -> dict[str, str] | None:
        if self.literal:
            return {} if segment.lower() == self.folded else None
        m = self.regex.match(segment)
        return None if m is None else m.groupdict()


@dataclass(frozen=True)
class Route:
    """``handler(backend, req, **params) -> (status, body)``: ``body`` a dict, a ``Collection`` or None.

    ``permission`` None means the handler decides itself (``/me``, ``getByIds``: rules that depend on the
    request), which the docs table says in words. ``not_allowed`` is the service's answer to another method
    on this path (the directory and PIM services word their 405 differently).
    """

    method: str
    template: str
    permission: Permission | None
    handler: Callable[..., tuple[int, Any]]
    not_allowed: Callable[[], GraphError]
    version: str = "v1.0"

    @property
    def segments(self) -> list[_Segment]:
        return [_Segment(s) for s in self.template.strip("/").split("/")]


def _depth(segs: list[str], pattern: list[_Segment]) -> int:
    depth = 0
    for seg, pat in zip(segs, pattern, strict=False):
        if pat.match(seg) is None:
            break
        depth += 1
    return depth


def _match(segs: list[str], pattern: list[_Segment]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for seg, pat in zip(segs, pattern, strict=True):
        got = pat.match(seg)
        if got is None:
            return None
        params.update(got)
    return params


class RouteTable:
    """Routes of one or more APIs served under the same versions (Graph's ``/v1.0`` and ``/beta``)."""

    def __init__(self, routes: Iterable[Route]):
        self.routes = list(routes)
        seen: set[tuple[str, str, str]] = set()
        self._compiled: list[tuple[Route, list[_Segment]]] = []
        # Routes by (version, number of segments): a request only tries the templates of its own length.
        self._by_shape: dict[tuple[str, int], list[tuple[Route, list[_Segment]]]] = {}
        for route in self.routes:
            key = (route.version, route.method, route.template.lower())
            if key in seen:
                raise ValueError(f"route listed twice: {route.method} {route.template} ({route.version})")
            seen.add(key)
            pattern = route.segments
            self._compiled.append((route, pattern))
            self._by_shape.setdefault((route.version, len(pattern)), []).append((route, pattern))

    def resolve(self, version: str, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route serving ``method path`` and its parameters; a GraphError for an unknown path (400) or a
        method the path does not take (the route's 405)."""
        segs = [s for s in path.split("/") if s]
        matches: list[tuple[tuple[int, ...], Route, dict[str, str]]] = []
        for route, pattern in self._by_shape.get((version, len(segs)), ()):
            params = _match(segs, pattern)
            if params is not None:
                matches.append((tuple(p.rank for p in pattern), route, params))
        if matches:
            # The most literal template names the resource (filterByCurrentUser(...) is not an {id}); another
            # method on that resource is a 405, whatever a less literal template of this method would take.
            top = max(rank for rank, _, _ in matches)
            for rank, route, params in matches:
                if rank == top and route.method == method:
                    return route, params
            raise next(route for rank, route, _ in matches if rank == top).not_allowed()
        if not segs:
            raise unknown_segment("")
        # How many leading segments some route of this version resolves: the next one is the unknown one. When
        # every segment resolves, the path stops above a resource the emulator serves (e.g.
        # /roleManagement/directory) and its last segment is the one that names nothing served here.
        depth = max((_depth(segs, pattern) for route, pattern in self._compiled if route.version == version),
                    default=0)
        raise unknown_segment(segs[min(depth, len(segs) - 1)])

    def dispatch(self, backend: Any, req: GraphRequest) -> tuple[int, Any]:
        route, params = self.resolve(req.version, req.method, req.path)
        if route.permission is not None:
            route.permission.check(req.caller)
        return route.handler(backend, req, **params)
