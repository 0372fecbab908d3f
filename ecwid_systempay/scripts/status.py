"""``ecwid_systempay_status <ini> [--store ID [--brand NAME]] [--json]``: what needs the operator's attention.

Per store and overall: payments by status created in the last 24 hours and 7
days, Ecwid updates still queued, dead letters, and stores whose notifications
are not arriving (a payment completed from the buyer's return without any
notification, or payments waiting longer than ``reconcile_after_seconds``).
Stores without activity in 7 days and with nothing to report are left out.

Exit status: 0 when all is well, 1 when something needs attention (dead letters,
notifications not arriving, overdue updates), 2 for a wrong command line or an
unknown store; for cron and monitoring.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..models.meta import utcnow
from ..services.status import StatusReport, StoreStatus, build_report, find_stores
from .common import load


def counts(by_status: dict[str, int]) -> str:
    return ", ".join(f"{status} {count}" for status, count in by_status.items()) or "-"


def notifications(store: StoreStatus) -> str:
    if store.return_without_notification:
        return "NOT ARRIVING (return without notification)"
    if store.unnotified_payments:
        return "NOT ARRIVING (payments waiting)"
    return "ok"


def print_table(report: StatusReport) -> None:
    print(f"Status at {report.generated_at:%Y-%m-%d %H:%M:%S} UTC; payments by status, created in the last 24 h | 7 days.")
    header = f"{'store':24} {'mode':10} {'last 24 h':28} {'last 7 days':34} {'queued':>6} {'dead':>5} {'unnotified':>10}  notifications"
    print(header)
    print("-" * len(header))
    for store in report.stores:
        print(
            f"{store.name:24} {store.mode:10} {counts(store.payments['last_24h']):28} "
            f"{counts(store.payments['last_7d']):34} {store.pending_updates:>6} {store.dead_letters:>5} "
            f"{store.unnotified_payments:>10}  {notifications(store)}"
        )
    overall = report.overall()
    print("-" * len(header))
    print(
        f"{'all (' + str(overall['stores']) + ' stores)':24} {'':10} {counts(overall['payments']['last_24h']):28} "
        f"{counts(overall['payments']['last_7d']):34} {overall['pending_updates']:>6} {overall['dead_letters']:>5} "
        f"{overall['unnotified_payments']:>10}  {len(overall['stores_not_notified'])} store(s) not notified"
    )
    if not report.needs_attention:
        print("Nothing needs attention.")
        return
    print("\nNeeds attention:")
    for store in report.stores:
        for problem in store.problems:
            print(f"  {store.name}: {problem}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config_uri")
    parser.add_argument("--store", type=int, metavar="ID", help="only this Ecwid store id")
    parser.add_argument("--brand", metavar="NAME", help="with --store: only the store of this brand")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (for monitoring)")
    args = parser.parse_args(argv)
    if args.brand and args.store is None:
        parser.error("--brand needs --store")
    env = load(args.config_uri)
    try:
        with env.session_factory() as session:
            store_ids = None
            if args.store is not None:
                store_ids = find_stores(session, args.store, args.brand)
                if not store_ids:
                    print(f"No store {args.store}{' of brand ' + args.brand if args.brand else ''}.", file=sys.stderr)
                    return 2
            report = build_report(session, utcnow(), env.app_settings.reconcile_after_seconds, store_ids=store_ids)
        if args.json:
            print(json.dumps(report.as_dict(), indent=2))
        else:
            print_table(report)
        return 1 if report.needs_attention else 0
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
