"""Build step beyond setup.cfg: compile the gettext catalogs before the package data is collected.

``pip install .`` (and ``pip install -e .``, hence ``scripts/setup-env``) runs
``build_py``, which first runs Babel's ``compile_catalog`` (configured in setup.cfg):
every ``ecwid_systempay/locale/<lang>/LC_MESSAGES/<domain>.po`` gets its ``.mo``,
which is never committed.
"""

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_catalogs(build_py):  # noqa: N801 (setuptools command naming)
    def run(self) -> None:
        self.run_command("compile_catalog")
        super().run()


setup(cmdclass={"build_py": build_py_with_catalogs})
