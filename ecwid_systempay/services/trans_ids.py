"""Allocation of ``vads_trans_id``: unique per shop per UTC day, below 900000, race-free.

One counter row per (site_id, UTC day), bumped with an atomic upsert
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``): here on SQLite, and on
PostgreSQL inside the statement that inserts the attempt (:mod:`.new_attempts`).
The first id of the day is taken from the clock (tenths of a second since
midnight, as Lyra's modules do), so a freshly reset database does not replay the
ids it already sent that day; later ids follow it and wrap below 900000.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import TransIdCounter, mark_changed

GATEWAY_RESERVED_FROM = 900_000


class TransIdsExhausted(RuntimeError):
    """All 900000 ids of the day are used for this shop."""


def clock_start(now: datetime) -> int:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return int((now - midnight).total_seconds() * 10) % GATEWAY_RESERVED_FROM


def _upsert(insert: Any) -> Any:
    stmt = insert(TransIdCounter.__table__).values(
        site_id=bindparam("site_id"), day=bindparam("day"), start=bindparam("start"), used=1
    )
    return stmt.on_conflict_do_update(
        index_elements=[TransIdCounter.site_id, TransIdCounter.day],
        set_={"used": TransIdCounter.used + 1},
    ).returning(TransIdCounter.start, TransIdCounter.used)


#: Built once per dialect, with bound parameters (each checkout runs it).
_UPSERT = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


def allocate_trans_id(dbsession: Session, site_id: str, now: datetime) -> str:
    """The next free id for ``site_id`` on ``now``'s UTC day, as 6 digits."""
    stmt = _UPSERT[dbsession.get_bind().dialect.name]
    mark_changed(dbsession)
    start, used = dbsession.connection().execute(stmt, {"site_id": site_id, "day": now.date(), "start": clock_start(now)}).one()
    if used > GATEWAY_RESERVED_FROM:
        raise TransIdsExhausted(site_id)
    return f"{(start + used - 1) % GATEWAY_RESERVED_FROM:06d}"
