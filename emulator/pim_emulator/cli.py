"""Command line: ``serve`` (the ready-file contract of docs/emulator.md), ``generate``, ``default-seed``, ``inventory``
and ``bench``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .emulator import Emulator, Settings
from .faults import FaultConfig


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("a rate is between 0 and 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pim_emulator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the emulator")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port (read it from the ready file)")
    s.add_argument("--ready-file", help="written atomically as JSON once the emulator accepts requests")
    s.add_argument("--seed", default="default", help="'default' or a seed file (JSON, see docs/emulator.md)")
    s.add_argument("--state-file", help="load state from here if present; save changes to it")
    s.add_argument("--latency-ms", type=float, default=0)
    s.add_argument("--jitter-ms", type=float, default=0)
    s.add_argument("--fault-429", type=_rate, default=0)
    s.add_argument("--fault-503", type=_rate, default=0)
    s.add_argument("--fault-504", type=_rate, default=0)
    s.add_argument("--retry-after", type=float, default=0.5, help="seconds, may be fractional")
    s.add_argument("--fault-seed", type=int, help="make random faults reproducible")
    s.add_argument("--read-after-write-lag-ms", type=int, default=0)
    s.add_argument("--token-lifetime", type=int, default=3599, help="access token lifetime in seconds")
    s.add_argument("--page-size", type=int, default=100)
    s.add_argument("--rule-patch-status", type=int, choices=(200, 204), default=204)
    s.add_argument("--request-retention-days", type=float, default=45)
    s.add_argument("--no-last-admin-protection", action="store_true")
    s.add_argument("--tenants", type=int, help="generate N tenants instead of the default seed")
    s.add_argument("--principals", type=int, default=50, help="principals per generated tenant")
    s.add_argument("--pim-groups", type=int, help="PIM-managed groups per generated tenant (default: all its groups)")
    s.add_argument("--subscriptions", type=int, default=2, help="Azure subscriptions per generated tenant")
    s.add_argument("--no-conformance", action="store_true",
                   help="do not check answers and request bodies against Graph's published schema")
    s.add_argument("--log-level", default="INFO")

    g = sub.add_parser("generate", help="write a generated seed file")
    g.add_argument("--tenants", type=int, required=True)
    g.add_argument("--principals", type=int, required=True)
    g.add_argument("--seed", type=int, default=42, help="random seed of the generator")
    g.add_argument("--pim-groups", type=int, help="PIM-managed groups per tenant (default: all its groups)")
    g.add_argument("--subscriptions", type=int, default=2, help="Azure subscriptions per tenant")
    g.add_argument("--out", required=True)

    d = sub.add_parser("default-seed", help="write the default seed as a seed file (a starting point)")
    d.add_argument("--out", required=True)

    i = sub.add_parser("inventory", help="write an Ansible inventory (one host per tenant) from a ready file")
    i.add_argument("--ready-file", required=True, help="the ready file of a running emulator")
    i.add_argument("--out", required=True, help="the inventory to write (YAML, mode 600: it holds secrets)")
    i.add_argument("--app", default="pim-admin", help="the app whose client id and secret every host uses "
                   "(pim-admin, pim-reader, pim-cert, ops-automation in the default seed)")
    i.add_argument("--default-seed-vars", action="store_true",
                   help="add the baseline variables that fit the default seed (approvers, mailboxes, break-glass)")

    b = sub.add_parser("bench", help="requests per second for reading all policies with their rules")
    b.add_argument("--seconds", type=float, default=5)
    b.add_argument("--concurrency", type=int, default=16)
    b.add_argument("--ready-file", help="bench a running emulator instead of starting one")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
        settings = Settings(host=args.host, port=args.port, seed=args.seed, state_file=args.state_file,
                            token_lifetime=args.token_lifetime, page_size=args.page_size,
                            rule_patch_status=args.rule_patch_status,
                            request_retention_days=args.request_retention_days,
                            read_after_write_lag_ms=args.read_after_write_lag_ms,
                            last_admin_protection=not args.no_last_admin_protection,
                            tenants=args.tenants, principals=args.principals, pim_groups=args.pim_groups,
                            subscriptions=args.subscriptions,
                            conformance=not args.no_conformance)
        faults = FaultConfig(latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, rate_429=args.fault_429,
                             rate_503=args.fault_503, rate_504=args.fault_504, retry_after=args.retry_after)
        if args.fault_seed is not None:
            faults.rng.seed(args.fault_seed)
        from .server import serve

        asyncio.run(serve(Emulator(settings, faults), args.ready_file))
        return 0
    if args.command == "generate":
        from .seed import generate_seed_document, write_seed_file

        write_seed_file(generate_seed_document(args.tenants, args.principals, args.seed,
                                                               pim_groups=args.pim_groups,
                                                               subscriptions=args.subscriptions), args.out)
        return 0
    if args.command == "default-seed":
        from .seed import default_seed_document, write_seed_file

        write_seed_file(default_seed_document(), args.out)
        return 0
    if args.command == "inventory":
        import json

        from .launch import DEFAULT_SEED_VARS, write_inventory

        try:
            with open(args.ready_file, encoding="utf-8") as fh:
                info = json.load(fh)
            path = write_inventory(info, args.out, args.app, DEFAULT_SEED_VARS if args.default_seed_vars else None)
        except KeyError as exc:
            print(f"pim_emulator inventory: {args.ready_file} is not an emulator ready file (no {exc})",
                  file=sys.stderr)
            return 2
        except (OSError, ValueError) as exc:
            print(f"pim_emulator inventory: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {path}: {len(info['tenants'])} tenant(s) as hosts of group entra_tenants, app {args.app}")
        return 0
    if args.command == "bench":
        from .bench import run_bench

        return run_bench(args)
    return 2
