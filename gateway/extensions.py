"""Extensions: code the gateway runs without importing it.

Production code never imports the demo package (the test PKI, the sample generator).  The demo
registers itself under the entry-point group :data:`ENTRY_POINT_GROUP` (see pyproject.toml), and
start-up finds it here: its commands join the CLI, and when its settings ask for it (a demo PKI
folder in ``signature.pki_dir``) it adds trust anchors, an in-process revocation source and the
``/pki/`` routes.  A deployment that uninstalls or never configures the demo runs without it.
"""

from __future__ import annotations

import argparse
import functools
import logging
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol, TypeAlias

from aiohttp import web

from gateway.adapters.trust_setup import TrustContribution
from gateway.config import Settings, SignatureSettings

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "customs_gateway.extensions"

if TYPE_CHECKING:  # subscriptable for type checkers only
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Commands = argparse._SubParsersAction


class Extension(Protocol):
    name: str

    def add_commands(self, commands: Commands) -> None:
        """Adds the extension's ``gateway`` sub-commands."""

    def trust(self, settings: SignatureSettings) -> TrustContribution | None:
        """What the extension adds to the signature stage's trust, if anything."""

    def add_routes(self, app: web.Application, settings: Settings) -> None:
        """Adds the extension's HTTP routes, if its settings ask for any."""


@functools.cache
def load_extensions() -> tuple[Extension, ...]:
    """The installed extensions, each made once, in name order."""
    found: list[Extension] = []
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        factory = entry.load()
        found.append(factory())
    return tuple(found)


def trust_contributions(settings: SignatureSettings) -> tuple[TrustContribution, ...]:
    contributions = (extension.trust(settings) for extension in load_extensions())
    return tuple(c for c in contributions if c is not None)
