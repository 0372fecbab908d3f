"""``ecwid_systempay_dead_letters <ini> [--replay ID ... | --replay-all]``.

Lists the Ecwid order updates that were given up on (dead letters) and puts them
back in the queue once the cause is fixed.
"""

from __future__ import annotations

import argparse
import sys

from ..services.updates import list_dead, replay_dead, stores_by_id
from .common import load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config_uri")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--replay", type=int, nargs="+", metavar="ID", help="queue these dead letters again")
    group.add_argument("--replay-all", action="store_true", help="queue every dead letter again")
    args = parser.parse_args(argv)
    env = load(args.config_uri)
    try:
        if args.replay or args.replay_all:
            count = replay_dead(env.session_factory, None if args.replay_all else args.replay)
            print(f"{count} update(s) queued again.")
            return 0
        with env.session_factory() as session:
            dead = list_dead(session)
            stores = stores_by_id(session, {job.store_id for job in dead})
            if not dead:
                print("No dead letters.")
                return 0
            print(f"{'ID':>6}  {'brand':10} {'store':>10}  {'order':28} {'status':18} {'tries':>5}  {'dead since (UTC)':19}  last error")
            for job in dead:
                store = stores.get(job.store_id)
                print(
                    f"{job.id:>6}  {store.brand if store else '?':10} {job.ecwid_store_id:>10}  "
                    f"{job.reference_transaction_id[:28]:28} {job.payment_status:18} {job.tries:>5}  "
                    f"{job.dead_at:%Y-%m-%d %H:%M:%S}  {job.last_error or ''}"
                )
            print(f"{len(dead)} dead letter(s). Replay with --replay ID or --replay-all.")
            return 1
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
