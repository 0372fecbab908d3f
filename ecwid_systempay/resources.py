"""Traversal resources: the root, the stores, and the attempts a buyer returns to.

``/stores/{store_id}`` is the store of the brand named by ``app-name`` (Systempay
by default); ``/return/{public_id}`` is one payment attempt. Unknown names raise
``KeyError``, which Pyramid turns into a 404.
"""

from __future__ import annotations

import re
from typing import Any

from pyramid.authorization import Allow
from sqlalchemy import select

from .models import Store

MANAGE = "manage"
#: Path segments, ASCII to the end (``str.isdigit`` takes "²" and other scripts' digits).
STORE_ID = re.compile(r"[0-9]{1,18}")
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def brand_name(request: Any) -> str:
    return (request.GET.get("app-name") or "systempay").strip().lower()


class Root:
    __name__ = ""
    __parent__ = None

    def __init__(self, request: Any) -> None:
        self.request = request

    def __getitem__(self, name: str) -> Any:
        if name == "stores":
            return StoreContainer(self, self.request)
        if name == "return":
            return ReturnContainer(self, self.request)
        raise KeyError(name)


class StoreContainer:
    __name__ = "stores"

    def __init__(self, parent: Root, request: Any) -> None:
        self.__parent__ = parent
        self.request = request

    def __getitem__(self, name: str) -> "StoreResource":
        if not STORE_ID.fullmatch(name):
            raise KeyError(name)
        store = self.request.dbsession.scalar(
            select(Store).where(Store.brand == brand_name(self.request), Store.ecwid_store_id == int(name))
        )
        if store is None:
            raise KeyError(name)
        return StoreResource(self, store)


class StoreResource:
    """One store; only a holder of that store's settings token may manage it."""

    def __init__(self, parent: StoreContainer, store: Store) -> None:
        self.__parent__ = parent
        self.__name__ = str(store.ecwid_store_id)
        self.store = store

    @property
    def __acl__(self) -> list[tuple[str, str, str]]:
        return [(Allow, store_principal(self.store.brand, self.store.ecwid_store_id), MANAGE)]


class ReturnContainer:
    __name__ = "return"

    def __init__(self, parent: Root, request: Any) -> None:
        self.__parent__ = parent
        self.request = request

    def __getitem__(self, name: str) -> "ReturnResource":
        # No lookup here: the return handler runs its own short transactions
        # (it calls Ecwid in between) and reports unknown attempts itself.
        if not PUBLIC_ID.fullmatch(name):
            raise KeyError(name)
        return ReturnResource(self, name)


class ReturnResource:
    """The attempt a buyer comes back to, named by its unguessable public id."""

    def __init__(self, parent: ReturnContainer, public_id: str) -> None:
        self.__parent__ = parent
        self.__name__ = public_id
        self.public_id = public_id


def store_principal(brand: str, ecwid_store_id: int | str) -> str:
    return f"store:{brand}:{ecwid_store_id}"


def root_factory(request: Any) -> Root:
    return Root(request)
