"""Cities shipped with Qala as data (each figure with its source)."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

BUNDLED = ("astana",)
DEFAULT_CITY = "astana"


@dataclass(frozen=True)
class CityPackage:
    code: str
    country: str
    names: dict[str, str]
    folder: Traversable

    @property
    def activity_file(self) -> Traversable:
        return self.folder.joinpath("activity.csv")

    @property
    def estimates_file(self) -> Traversable:
        """The city's estimation spec (series, inputs and methods for the cells nobody reported)."""
        return self.folder.joinpath("estimates.yaml")

    def notation_keys(self) -> list[dict[str, str]]:
        path = self.folder.joinpath("notation_keys.csv")
        if not path.is_file():
            return []
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))


def bundled(code: str) -> CityPackage:
    folder = resources.files("qala.cities").joinpath(code)
    meta = tomllib.loads(folder.joinpath("city.toml").read_text(encoding="utf-8"))
    return CityPackage(
        code=meta["code"],
        country=meta["country"],
        names={lang: meta[f"name_{lang}"] for lang in ("en", "ru", "kk")},
        folder=folder,
    )
