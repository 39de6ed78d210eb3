""""Our packages" has one owner, ``core.packages.our_apps`` (the installed apps whose code is in this
repository); the tools that read pyproject.toml instead of the app registry list the same ones."""

import pathlib
import tomllib

from core.packages import our_apps

PYPROJECT = tomllib.loads((pathlib.Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())


def test_our_apps_are_the_installed_apps_in_this_repository():
    assert set(our_apps()) == {"core", "portal", "identity", "family", "credentials", "healthcode", "services", "payments", "knowledge", "paysim", "appeals",
                               "benefits", "lutong"}
    assert "django" not in our_apps() and "allauth" not in our_apps()


def test_mutmut_copies_every_one_of_our_packages():
    """mutmut cannot start when a package a mutated module imports (payments, paysim) is not copied."""
    assert sorted(PYPROJECT["tool"]["mutmut"]["source_paths"]) == sorted(our_apps())


def test_import_linter_checks_every_one_of_our_packages():
    assert sorted(PYPROJECT["tool"]["importlinter"]["root_packages"]) == sorted(our_apps())


def test_every_package_but_the_simulator_stands_in_the_layers_and_behind_the_one_door_to_cryptography():
    """A new app left out of these contracts would import a cipher library or sit outside the layers unnoticed
    (the payment simulator is another system: its own contract keeps it apart)."""
    contracts = {c["name"].split(":")[0]: c for c in PYPROJECT["tool"]["importlinter"]["contracts"]}
    layered = {app.strip() for layer in contracts["Apps stand in layers"]["layers"] for app in layer.split("|")}
    assert layered == set(our_apps()) - {"paysim"}
    assert set(contracts["One door to cryptography"]["source_modules"]) == set(our_apps()) - {"paysim"}
