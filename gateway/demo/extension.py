"""The demo extension: ``gateway pki``, ``gateway samples``, ``gateway simulate`` and, with
``signature.pki_dir`` set, the demo PKI trusted, asked in-process for revocation and served at ``/pki/``.

Registered as an entry point (pyproject.toml) and found by :mod:`gateway.extensions`: nothing in
production imports this package.
"""

from __future__ import annotations

import threading
from pathlib import Path

from aiohttp import web
from cryptography import x509

from gateway.adapters.trust_setup import TrustContribution
from gateway.config import Settings, SignatureSettings
from gateway.core.signature.model import SignerKind
from gateway.demo.pki.cli import add_pki_commands
from gateway.demo.pki.local import local_authorities
from gateway.demo.pki.routes import add_pki_routes
from gateway.demo.pki.store import PkiDirectory
from gateway.demo.samplegen.cli import add_samples_commands
from gateway.demo.simulator.cli import add_simulate_commands
from gateway.extensions import Commands


class DemoExtension:
    name = "demo"

    def __init__(self) -> None:
        self._folders: dict[Path, PkiDirectory] = {}
        self._lock = threading.Lock()

    def add_commands(self, commands: Commands) -> None:
        add_pki_commands(commands)
        add_samples_commands(commands)
        add_simulate_commands(commands)

    def trust(self, settings: SignatureSettings) -> TrustContribution | None:
        pki = self._pki(settings.pki_dir)
        if pki is None:
            return None
        anchors: dict[SignerKind, tuple[x509.Certificate, ...]] = {}
        for kind in (SignerKind.SC, SignerKind.CBTD):
            if pki.has(kind.value):  # type: ignore[arg-type]
                anchors[kind] = (pki.authority(kind.value).certificate,)  # type: ignore[arg-type]
        if pki.has("epuap"):  # the seal certificates themselves: each is its own anchor
            seals = pki.authority("epuap")
            anchors[SignerKind.EPUAP] = tuple(
                issued.certificate
                for serial, issued in seals.issued.items()
                if seals.record(serial).kind == "epuap" and seals.record(serial).status == "good"
            )
        trusted_lists: tuple[tuple[Path, x509.Certificate], ...] = ()
        if pki.trusted_list_path.exists():
            trusted_lists = ((pki.trusted_list_path, pki.tsl_signer().certificate),)
        return TrustContribution(anchors, trusted_lists, local_authorities(pki))

    def add_routes(self, app: web.Application, settings: Settings) -> None:
        pki = self._pki(settings.signature.pki_dir)
        if pki is not None:
            add_pki_routes(app, pki)

    def _pki(self, folder: Path | None) -> PkiDirectory | None:
        """One object per folder, shared by trust and routes: one set of locks over the folder."""
        if folder is None:
            return None
        with self._lock:
            found = self._folders.get(folder)
            if found is None:
                found = self._folders[folder] = PkiDirectory(folder)
            return found
