"""Distribution metadata shared by the package, ``vads_contrib`` and the setup."""

__version__ = "1.0.0"
MODULE_NAME = "ecwid-systempay"
