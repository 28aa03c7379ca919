"""Package list for setuptools; everything else is in pyproject.toml.

The jinja2 page templates live in templates/ at the repository top (next to docs/), and ship inside
the wheel as the data-only package `viz.templates`, so `lucid-viz docs` works from a plain install.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["lucid", "lucid.*", "viz", "viz.*"]), "viz.templates"],
    package_dir={"viz.templates": "templates"},
    package_data={"viz.templates": ["*.j2"]},
)
