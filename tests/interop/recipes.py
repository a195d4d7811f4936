"""The recipes of docs/signing.md, taken out of the page as they are written there.

A fenced block right after ``<!-- recipe NAME: FILE -->`` is the file FILE of recipe NAME; after
``<!-- recipe-part NAME: PART -->`` it is a named alternative piece (e.g. the SigningCertificate V1
element for the xmlsec1 template).  Every recipe has a ``sign.sh``, run in a folder holding
``message.xml``, ``signer.pem``, ``signer.key.pem`` and ``ca.pem``, which writes ``signed.xml``;
``install.sh``, where there is one, installs the signer and is checked, not run (see test_recipes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

SIGNING_DOC = ROOT / "docs" / "signing.md"
_BLOCK = re.compile(
    r"^<!-- (recipe|recipe-part) ([\w.-]+): ([\w.-]+) -->\n```[\w-]*\n(.*?)^```$", re.MULTILINE | re.DOTALL
)


@dataclass(frozen=True)
class Recipe:
    name: str
    files: dict[str, str] = field(default_factory=dict)
    parts: dict[str, str] = field(default_factory=dict)

    def write(self, folder: Path, *, skip: frozenset[str] = frozenset({"install.sh"})) -> None:
        for name, text in self.files.items():
            if name not in skip:
                (folder / name).write_text(text, encoding="utf-8")


@cache
def recipes() -> dict[str, Recipe]:
    found: dict[str, Recipe] = {}
    for kind, name, item, text in _BLOCK.findall(SIGNING_DOC.read_text(encoding="utf-8")):
        recipe = found.setdefault(name, Recipe(name))
        target = recipe.files if kind == "recipe" else recipe.parts
        assert item not in target, f"{name}: {item} is written twice in {SIGNING_DOC.name}"
        target[item] = text
    return found


def recipe(name: str) -> Recipe:
    return recipes()[name]
