"""``ecwid_systempay_reconcile <ini>``: payments without any notification after the retry window.

Exits 1 when some are found, so a cron job can alert; check each one in the
gateway's Back Office (and its notification rules).
"""

from __future__ import annotations

import argparse
import sys

from ..models.meta import utcnow
from ..services.reconcile import unnotified_attempts
from ..services.updates import stores_by_id
from .common import load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config_uri")
    parser.add_argument("--older-than", type=int, default=None, help="seconds (default: reconcile_after_seconds)")
    args = parser.parse_args(argv)
    env = load(args.config_uri)
    try:
        older = args.older_than if args.older_than is not None else env.app_settings.reconcile_after_seconds
        with env.session_factory() as session:
            attempts = unnotified_attempts(session, utcnow(), older, limit=1000)
            stores = stores_by_id(session, {a.store_id for a in attempts})
            if not attempts:
                print("Every payment older than the retry window has been notified.")
                return 0
            print(f"{'created (UTC)':19}  {'brand':10} {'store':>10}  {'site':8} {'trans':6} {'mode':10} {'amount':>12}  order")
            for a in attempts:
                store = stores.get(a.store_id)
                print(
                    f"{a.created_at:%Y-%m-%d %H:%M:%S}  {store.brand if store else '?':10} "
                    f"{store.ecwid_store_id if store else '?':>10}  {a.site_id:8} {a.trans_id:6} {a.mode:10} "
                    f"{a.amount_minor:>8} {a.currency}  {a.reference_transaction_id}"
                )
            print(f"{len(attempts)} payment(s) without notification: check them in the Back Office.")
            return 1
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
