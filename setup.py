"""Which packages the wheel holds; everything else about the build is in pyproject.toml.

The catalogs stay in the top-level locales/ where translators expect them and ship inside the
package as ``reminders.catalogs``, so a plain ``pip install .`` renders every language. Data
folders are listed as namespace packages so that setuptools copies them without warnings.
"""

from setuptools import find_namespace_packages, setup

CATALOGS = "reminders.catalogs"

setup(
    packages=[
        *find_namespace_packages(include=["reminders", "reminders.*"], exclude=["*.__pycache__"]),
        CATALOGS,
        *(f"{CATALOGS}.{p}" for p in find_namespace_packages(where="locales")),
    ],
    package_dir={CATALOGS: "locales"},
)
