"""``ecwid_systempay_rotate_keys <ini>``: re-encrypt every stored secret with the newest key.

Rotation: put the new Fernet key first in ``ecwid_systempay.secret_keys`` (keep the
old ones after it), restart the app, run this command, then remove the old keys.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from ..models import EcwidUpdate, PaymentAttempt, Store
from ..secrets_box import SecretBox
from .common import load

ENCRYPTED_COLUMNS = (
    (Store, ("key_test_enc", "key_prod_enc", "ecwid_token_enc")),
    (PaymentAttempt, ("ecwid_token_enc",)),
    (EcwidUpdate, ("token_enc",)),
)
BATCH = 500


def rotate(engine: Engine, box: SecretBox) -> int:
    """Re-encrypt all secrets with ``box``'s newest key, in batches; returns how many values."""
    rotated = 0
    with engine.connect() as conn:
        for model, columns in ENCRYPTED_COLUMNS:
            last_id = 0
            while True:
                with conn.begin():
                    rows = conn.execute(
                        select(model.id, *(getattr(model, c) for c in columns))
                        .where(model.id > last_id)
                        .order_by(model.id)
                        .limit(BATCH)
                    ).all()
                    for row in rows:
                        values = {c: box.rotate(v) for c, v in zip(columns, row[1:], strict=True) if v}
                        if values:
                            conn.execute(update(model).where(model.id == row[0]).values(**values))
                            rotated += len(values)
                if len(rows) < BATCH:
                    break
                last_id = rows[-1][0]
    return rotated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config_uri")
    args = parser.parse_args(argv)
    env = load(args.config_uri)
    try:
        count = rotate(env.engine, env.box)
    finally:
        env.close()
    print(f"{count} secret(s) re-encrypted with the newest key.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
