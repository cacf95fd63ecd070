"""Packaging facts a user's tools rely on."""

from __future__ import annotations

import importlib.resources
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_py_typed_marker_is_shipped() -> None:
    """PEP 561: mypy/pyright read neuropil's annotations only if py.typed is in the installed package."""
    assert importlib.resources.files("neuropil").joinpath("py.typed").is_file()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data["neuropil"]


def test_croissant_extra_and_test_extra_name_mlcroissant() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(r.startswith("mlcroissant") for r in extras["croissant"])
    assert any(r.startswith("mlcroissant") for r in extras["test"])
