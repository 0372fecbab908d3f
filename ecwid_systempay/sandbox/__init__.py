"""Sandbox placeholder, replaced by the simulated Ecwid store and Systempay platform."""


def includeme(config):  # type: ignore[no-untyped-def]
    return None
