"""Injected latency and failures, random and scripted, and the request statistics.

Faults are decided per Graph *operation*: a top-level request or one ``$batch`` item, which is
how Graph throttles (each batch item can get its own 429). The emulator's admin API changes the
configuration while it runs.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .contract import GraphError

# Graph actions that are POSTs but only read: they must not count as writes, or a check-mode run
# that resolves names in bulk would look like it changed something.
READ_ONLY_POST = re.compile(r"/(getByIds|getMemberGroups|getMemberObjects|checkMemberGroups|checkMemberObjects|"
                            r"getAvailableExtensionProperties)$", re.IGNORECASE)
_ID_SEGMENT = re.compile(r"^\$?[A-Za-z][A-Za-z.]*(\(.*\))?$")


def route_key(method: str, path: str) -> str:
    """``GET /policies/roleManagementPolicies/{id}/rules/{id}``: ids folded so stats group by route."""
    segs = []
    for seg in path.strip("/").split("/"):
        if not seg:
            continue
        if _ID_SEGMENT.match(seg) and not re.fullmatch(r"[0-9a-fA-F-]{36}", seg):
            # Function calls keep their name only: filterByCurrentUser(on='principal') -> filterByCurrentUser
            segs.append(seg.split("(")[0] if "(" in seg else seg)
        else:
            segs.append("{id}")
    return f"{method} /" + "/".join(segs)


def is_write(method: str, path: str, body) -> bool:
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    if method == "POST" and READ_ONLY_POST.search(path):
        return False
    return True


def too_many_requests(retry_after: float, request_id: str) -> tuple[int, dict, dict]:
    """429 as Graph's throttling guidance shows it (fractional Retry-After allowed)."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    body = {"error": {"code": "TooManyRequests", "message": "Please retry again later.",
                      "innerError": {"code": "429", "status": "429", "message": "Please retry after", "date": now,
                                     "request-id": request_id, "client-request-id": request_id}}}
    return 429, body, {"Retry-After": _fmt(retry_after)}


def _fmt(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def fault_error(status: int, retry_after: float, code: str | None = None, message: str | None = None) -> GraphError:
    default = {503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
               504: ("GatewayTimeout", "The gateway did not receive a timely response from the upstream server."),
               500: ("InternalServerError", "An internal server error occurred."),
               429: ("TooManyRequests", "Please retry again later.")}
    dcode, dmsg = default.get(status, ("UnknownError", "Injected fault."))
    headers = {"Retry-After": _fmt(retry_after)} if status in (429, 503, 504) else {}
    return GraphError(status, code or dcode, message or dmsg, headers=headers)


@dataclass
class ScriptedRule:
    """Fail the ``nth`` (1-based) and the following ``times - 1`` operations matching method+path.

    With ``after`` the operation is processed first and its answer is then replaced by the fault: the
    write landed, but the client saw a 503 (or 429, 504) and will send it again, as a gateway timeout or
    a throttled retry does in Graph (Microsoft Graph throttling guidance).
    """

    method: str = "*"
    path: str = ".*"  # regex searched in the path below /v1.0
    nth: int = 1
    times: int = 1
    status: int = 503
    retry_after: float | None = None
    code: str | None = None
    message: str | None = None
    after: bool = False
    seen: int = 0
    fired: int = 0

    def __post_init__(self):
        self._rx = re.compile(self.path)
        if isinstance(self.after, str):  # "mode": "after_apply" spelled as a string, or "true"
            self.after = self.after.lower() in ("true", "1", "yes", "after", "after_apply")

    def check(self, method: str, path: str) -> bool:
        if self.method not in ("*", method) or not self._rx.search(path):
            return False
        self.seen += 1
        if self.nth <= self.seen < self.nth + self.times:
            self.fired += 1
            return True
        return False

    def to_json(self) -> dict:
        return {"method": self.method, "path": self.path, "nth": self.nth, "times": self.times, "status": self.status,
                "retry_after": self.retry_after, "code": self.code, "message": self.message, "after": self.after,
                "seen": self.seen, "fired": self.fired}


@dataclass
class FaultConfig:
    latency_ms: float = 0
    jitter_ms: float = 0
    rate_429: float = 0
    rate_503: float = 0
    rate_504: float = 0
    retry_after: float = 0.5
    rules: list[ScriptedRule] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    def delay_seconds(self) -> float:
        if not self.latency_ms and not self.jitter_ms:
            return 0.0
        return max(0.0, (self.latency_ms + self.rng.uniform(0, self.jitter_ms)) / 1000.0)

    def pick(self, method: str, path: str) -> ScriptedRule | int | None:
        """A scripted rule that fires, else a random status, else None."""
        for rule in self.rules:
            if rule.check(method, path):
                return rule
        roll = self.rng.random()
        for status, rate in ((429, self.rate_429), (503, self.rate_503), (504, self.rate_504)):
            if rate and roll < rate:
                return status
            roll -= rate
        return None

    def pick_envelope(self, method: str, path: str) -> ScriptedRule | None:
        """A scripted rule for the ``$batch`` envelope itself: the HTTP answer to the whole batch lost after
        (``after``) or before its items ran. Only rules whose ``path`` names ``batch`` are considered, so the
        default ``.*`` rules keep hitting operations only; random faults never hit the envelope (Graph
        throttles per item)."""
        for rule in self.rules:
            if "batch" in rule.path.lower() and rule.check(method, path):
                return rule
        return None

    def update(self, doc: dict) -> None:
        for key, attr in (("latency_ms", "latency_ms"), ("jitter_ms", "jitter_ms"), ("fault_429", "rate_429"),
                          ("fault_503", "rate_503"), ("fault_504", "rate_504"), ("retry_after", "retry_after"),
                          ("rate_429", "rate_429"), ("rate_503", "rate_503"), ("rate_504", "rate_504")):
            if key in doc:
                setattr(self, attr, float(doc[key]))
        if "seed" in doc:
            self.rng.seed(doc["seed"])
        if "rules" in doc:
            self.rules = [_rule(r) for r in doc["rules"] or []]
        for r in doc.get("add_rules") or []:
            self.rules.append(_rule(r))

    def to_json(self) -> dict:
        return {"latency_ms": self.latency_ms, "jitter_ms": self.jitter_ms, "fault_429": self.rate_429,
                "fault_503": self.rate_503, "fault_504": self.rate_504, "retry_after": self.retry_after,
                "rules": [r.to_json() for r in self.rules]}


def _rule(doc: dict) -> ScriptedRule:
    """A rule from the admin API; ``"mode": "after_apply"`` is another way to say ``"after": true``."""
    doc = {k: v for k, v in doc.items() if k not in ("seen", "fired")}
    mode = doc.pop("mode", None)
    if mode is not None:
        if mode not in ("before", "after_apply"):
            raise ValueError(f"mode must be 'before' or 'after_apply', not {mode!r}")
        doc.setdefault("after", mode == "after_apply")
    return ScriptedRule(**doc)


class Stats:
    """What the admin API reports; counted per tenant too so parallel tests can look at their own."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.token_requests = 0
        self.by_method: Counter = Counter()
        self.by_route: Counter = Counter()
        self.writes = 0
        self.write_requests = 0
        self.faults: Counter = Counter()
        self.by_status: Counter = Counter()
        self.tenants: dict[str, Stats] = {}

    def _tenant(self, tenant_id: str | None) -> Stats | None:
        if tenant_id is None:
            return None
        if tenant_id not in self.tenants:
            sub = Stats.__new__(Stats)
            Stats.reset(sub)
            self.tenants[tenant_id] = sub
        return self.tenants[tenant_id]

    def count_token(self) -> None:
        self.token_requests += 1

    def count_request(self, method: str, tenant_id: str | None) -> None:
        """One HTTP request to Graph (a $batch envelope counts once)."""
        for s in (self, self._tenant(tenant_id)):
            if s is not None:
                s.requests += 1
                s.by_method[method] += 1

    def count_operation(self, method: str, path: str, tenant_id: str | None, write: bool) -> None:
        for s in (self, self._tenant(tenant_id)):
            if s is not None:
                s.by_route[route_key(method, path)] += 1
                s.writes += int(write)

    def count_write_request(self, tenant_id: str | None) -> None:
        for s in (self, self._tenant(tenant_id)):
            if s is not None:
                s.write_requests += 1

    def count_fault(self, kind: str, tenant_id: str | None) -> None:
        for s in (self, self._tenant(tenant_id)):
            if s is not None:
                s.faults[kind] += 1

    def count_status(self, status: int, tenant_id: str | None) -> None:
        for s in (self, self._tenant(tenant_id)):
            if s is not None:
                s.by_status[str(status)] += 1

    def to_json(self, tenant_id: str | None = None) -> dict:
        s = self.tenants.get(tenant_id) if tenant_id else self
        if s is None:
            s = Stats()
        doc = {"requests": s.requests, "by_method": dict(s.by_method), "by_route": dict(s.by_route),
               "by_status": dict(s.by_status), "writes": s.writes, "write_requests": s.write_requests,
               "faults_injected": dict(s.faults)}
        if not tenant_id:
            doc["token_requests"] = self.token_requests
            doc["tenants"] = sorted(self.tenants)
        return doc
