"""The messages per error code that testers can try (a folder like ``samples/errors``: one
subfolder per code, its XML files, and an optional ``expected.toml`` of the errors each gives).
Read once at start-up, from ``console.samples_dir``; without one the page says so."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from gateway.core.errors import error_class_for


@dataclass(frozen=True, slots=True)
class Sample:
    code: str
    name: str
    body: bytes
    #: what ``expected.toml`` says of it: the errors with their places
    expected: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class SampleShelf:
    folder: Path | None
    by_code: dict[str, tuple[Sample, ...]]

    @classmethod
    def read(cls, folder: Path | None) -> SampleShelf:
        if folder is None or not folder.is_dir():
            return cls(folder, {})
        by_code: dict[str, tuple[Sample, ...]] = {}
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            try:
                code = error_class_for(sub.name).code
            except KeyError:
                continue  # not named after a code
            manifest = sub / "expected.toml"
            expected = tomllib.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
            by_code[code] = tuple(
                Sample(
                    code, path.name, path.read_bytes(), tuple(expected.get(path.name, {}).get("errors", ()))
                )
                for path in sorted(sub.glob("*.xml"))
            )
        return cls(folder, by_code)

    def find(self, code: str, name: str) -> Sample | None:
        return next((s for s in self.by_code.get(code, ()) if s.name == name), None)


SAMPLES = web.AppKey("console_samples", SampleShelf)
