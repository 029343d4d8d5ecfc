"""The import contracts (pyproject.toml, [tool.importlinter]) cover every package and hold.

`make imports` runs the same check with `lint-imports`; this keeps it in the suite too, and makes sure a
new top-level package cannot slip out of the layer map by not being named.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from importlinter import api as importlinter_api
from importlinter.application import use_cases

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["importlinter"]


def _top_packages() -> set[str]:
    return {p.parent.name for p in ROOT.glob("*/__init__.py")}


def _named_by(contract: dict) -> set[str]:
    names: set[str] = set()
    for layer in contract.get("layers", []):
        names.update(part.strip() for part in layer.replace("|", ":").split(":"))
    names.update(contract.get("source_modules", []))
    names.update(contract.get("forbidden_modules", []))
    return {name.split(".")[0] for name in names}


def test_every_top_level_package_is_a_root_package_of_the_contracts() -> None:
    assert _top_packages() == set(_config()["root_packages"])


def test_every_root_package_is_placed_by_some_contract() -> None:
    config = _config()
    named = set().union(*(_named_by(c) for c in config["contracts"]))
    assert set(config["root_packages"]) <= named


def test_type_checking_imports_are_checked_too() -> None:
    assert _config().get("exclude_type_checking_imports", False) is False


def test_the_contracts_hold() -> None:
    """What `lint-imports` checks; on failure the report above names each upward import and its line."""
    assert importlinter_api.read_configuration(str(ROOT / "pyproject.toml"))["contracts_options"]
    assert use_cases.lint_imports(str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
