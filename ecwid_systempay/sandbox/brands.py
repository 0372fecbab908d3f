"""The brands the sandbox simulates: for each, an Ecwid app and a demo shop on the simulated platform.

Each Lyra brand the module serves is its own Ecwid app (client id and secret, ``app-name``)
and, for the merchant, its own shop (site id, test key) whose notification rules point
at ``{module_url}/callback?app-name=<brand>``. The list is ``sandbox.brands``, else the
module's ``ecwid_systempay.brands`` (the sandbox mounted in the module), else
``sandbox.app_name`` (systempay). For each brand ``<name>``, ``sandbox.brand.<name>.*``
overrides the module's ``ecwid_systempay.brand.<name>.*`` (``client_id``,
``client_secret``, ``title``) and gives ``site_id`` and ``key_test``. The first brand
also reads the older single-app settings ``sandbox.client_id``, ``sandbox.client_secret``,
``sandbox.site_id`` and ``sandbox.key_test``.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyramid.settings import aslist

from ..config import BRAND_DEFAULTS

DEFAULT_SHOP = ("12345678", "7731553187454211")
DEFAULT_CLIENT_SECRET = "sandbox-client-secret-0123456789"


@dataclass(frozen=True)
class SandboxBrand:
    """One simulated Ecwid app and its demo shop."""

    name: str  # the module's app-name
    title: str
    client_id: str
    client_secret: str
    site_id: str
    key_test: str


def _derived_shop(name: str) -> tuple[str, str]:
    """A stable site id and test key for a brand's demo shop (other than the first)."""
    seed = zlib.crc32(name.encode("utf-8"))
    site_id = f"{20000000 + seed % 70000000:08d}"
    key_test = f"{(seed * 2654435761) % 10**16:016d}"
    return site_id, key_test


def sandbox_brands(settings: Mapping[str, Any]) -> list[SandboxBrand]:
    """The simulated brands, first one first (see the module docstring)."""
    names = aslist(
        settings.get("sandbox.brands") or settings.get("ecwid_systempay.brands") or settings.get("sandbox.app_name")
        or "systempay"
    )
    brands: list[SandboxBrand] = []
    for index, raw in enumerate(dict.fromkeys(n.lower() for n in names)):
        first = index == 0

        def get(item: str, default: str, name: str = raw, first: bool = first) -> str:
            legacy = settings.get(f"sandbox.{item}") if first else None
            return str(
                legacy
                or settings.get(f"sandbox.brand.{name}.{item}")
                or settings.get(f"ecwid_systempay.brand.{name}.{item}")
                or default
            ).strip()

        site_id, key_test = DEFAULT_SHOP if first else _derived_shop(raw)
        brands.append(
            SandboxBrand(
                name=raw,
                title=get("title", BRAND_DEFAULTS.get(raw, (raw.title(), ""))[0]),
                client_id=get("client_id", raw),
                client_secret=get("client_secret", DEFAULT_CLIENT_SECRET if first else f"{raw}-{DEFAULT_CLIENT_SECRET}"),
                site_id=get("site_id", site_id),
                key_test=get("key_test", key_test),
            )
        )
    return brands
