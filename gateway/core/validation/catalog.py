"""The versioned schema catalog.

A schema *set* is a folder of XSD files with a ``manifest.toml`` (format in ``docs/catalog.md``).
Every XSD is compiled once, when the catalog is loaded; looking a message up is a dictionary access
by root QName followed by a choice among the versions of that root in force at the time of receipt.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

from gateway.core.errors import (
    SchemaNotInbound,
    SchemaUnknown,
    SchemaVersionInactive,
    SystemLegacyChannel,
)
from gateway.core.timefmt import as_utc, parse_rfc3339
from gateway.core.validation.xsd import XsdValidator, compile_xsd

MANIFEST_NAME = "manifest.toml"
LEGACY_MANIFEST_NAME = "legacy.toml"


class CatalogError(Exception):
    """A manifest or schema that cannot be loaded: a start-up failure, never a client's fault."""


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True, slots=True)
class EnvelopePaths:
    """Where, relative to the message root, the identifiers and parties are."""

    message_id: etree.XPath
    lrn: etree.XPath | None
    arc: etree.XPath | None
    #: principal parties in order of preference (holder, declarant, consignor, ...)
    parties: tuple[tuple[str, etree.XPath], ...]
    representative: etree.XPath | None


@dataclass(frozen=True, slots=True)
class MessageSchema:
    set_id: str
    system: str
    message_type: str
    version: str
    root: str  # Clark notation: {namespace}local
    direction: Direction
    valid_from: datetime
    valid_to: datetime | None
    paths: EnvelopePaths
    #: False: accepted messages are not published to RabbitMQ (SZPROT: stored for an officer)
    routed: bool = True
    # keyword-only, so that it may follow the defaulted ``routed``
    validator: XsdValidator = field(repr=False, compare=False, kw_only=True)

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True, slots=True)
class LegacyChannel:
    system: str
    pointer: str


@dataclass(frozen=True, slots=True)
class Catalog:
    by_root: Mapping[str, tuple[MessageSchema, ...]]
    legacy_by_root: Mapping[str, LegacyChannel]
    legacy_by_local_name: Mapping[str, LegacyChannel]

    def __iter__(self) -> Iterator[MessageSchema]:
        for versions in self.by_root.values():
            yield from versions

    def identify(self, root: str) -> tuple[str, str] | None:
        """System and message type of a root, whatever its direction or window."""
        candidates = self.by_root.get(root)
        return (candidates[-1].system, candidates[-1].message_type) if candidates else None

    def resolve(self, root: str, at: datetime) -> MessageSchema:
        """The schema for a message whose root is ``root`` (Clark notation) received at ``at``."""
        if at.tzinfo is None:
            raise ValueError("the time of receipt must carry its time zone")
        legacy = self.legacy_by_root.get(root) or self.legacy_by_local_name.get(etree.QName(root).localname)
        if legacy is not None:
            raise SystemLegacyChannel(
                f"{legacy.system} messages are not handled by this gateway: {legacy.pointer}"
            )
        candidates = self.by_root.get(root)
        if not candidates:
            raise SchemaUnknown(f"no schema in the catalog has the root element {root}")
        inbound = [s for s in candidates if s.direction is Direction.INBOUND]
        if not inbound:
            first = candidates[0]
            raise SchemaNotInbound(
                f"{first.system} {first.message_type} flows only from the customs system to traders"
            )
        in_force = [s for s in inbound if s.in_force(at)]
        if not in_force:
            windows = ", ".join(f"{s.version} ({_window(s)})" for s in inbound)
            raise SchemaVersionInactive(
                f"{inbound[0].system} {inbound[0].message_type} in this version is not in force "
                f"at {at.isoformat()}: {windows}"
            )
        # The newest version in force wins when windows overlap (a transition period).
        return max(in_force, key=lambda s: s.valid_from)


def _window(schema: MessageSchema) -> str:
    until = schema.valid_to.isoformat() if schema.valid_to else "open"
    return f"{schema.valid_from.isoformat()} to {until}"


def load_catalog(roots: Iterable[Path]) -> Catalog:
    """Load every ``manifest.toml`` and ``legacy.toml`` found under ``roots``; compile every XSD."""
    schemas: list[MessageSchema] = []
    legacy: list[tuple[str, LegacyChannel]] = []
    for root in roots:
        if root.is_file():
            manifests = [root]
        elif root.is_dir():
            manifests = sorted(root.rglob(MANIFEST_NAME)) + sorted(root.rglob(LEGACY_MANIFEST_NAME))
        else:
            raise CatalogError(f"catalog path {root} does not exist")
        for manifest in manifests:
            if manifest.name == LEGACY_MANIFEST_NAME:
                legacy.extend(_load_legacy(manifest))
            else:
                schemas.extend(load_manifest(manifest))
    return build_catalog(schemas, legacy)


def build_catalog(
    schemas: Iterable[MessageSchema], legacy: Iterable[tuple[str, LegacyChannel]] = ()
) -> Catalog:
    by_root: dict[str, list[MessageSchema]] = {}
    seen: set[tuple[str, str]] = set()
    set_versions: dict[str, str] = {}
    for schema in schemas:
        key = (schema.root, schema.version)
        if key in seen:
            raise CatalogError(f"{schema.root} version {schema.version} is defined twice")
        seen.add(key)
        if set_versions.setdefault(schema.set_id, schema.version) != schema.version:
            raise CatalogError(f"set id {schema.set_id} is declared twice")
        by_root.setdefault(schema.root, []).append(schema)
    legacy_by_root: dict[str, LegacyChannel] = {}
    legacy_by_local_name: dict[str, LegacyChannel] = {}
    for pattern, channel in legacy:
        if pattern.startswith("{*}"):
            legacy_by_local_name[pattern[3:]] = channel
        else:
            legacy_by_root[pattern] = channel
    ours = {etree.QName(root).localname for root in by_root}
    clashes = ours & set(legacy_by_local_name) | set(by_root) & set(legacy_by_root)
    if clashes:
        raise CatalogError(f"legacy roots also in the catalog: {', '.join(sorted(clashes))}")
    return Catalog(
        by_root={k: tuple(sorted(v, key=lambda s: s.valid_from)) for k, v in by_root.items()},
        legacy_by_root=legacy_by_root,
        legacy_by_local_name=legacy_by_local_name,
    )


def load_manifest(manifest: Path) -> list[MessageSchema]:
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        header = data["set"]
        schema_dir = (manifest.parent / header.get("schema_dir", ".")).resolve()
        namespaces: dict[str, str] = dict(header.get("namespaces", {}))
        valid_from = _utc(header["valid_from"])
        valid_to = _utc(header["valid_to"]) if "valid_to" in header else None
        xsd_version = str(header.get("xsd_version", "1.0"))
        routed = header.get("routed", True)
        if not isinstance(routed, bool):
            raise CatalogError(f"set.routed must be true or false, not {routed!r}")
        result = []
        for entry in data["message"]:
            paths = _compile_paths(entry["paths"], entry.get("parties", {}), namespaces)
            result.append(
                MessageSchema(
                    set_id=str(header["id"]),
                    system=str(header["system"]),
                    message_type=str(entry["type"]),
                    version=str(header["version"]),
                    root=str(entry["root"]),
                    direction=Direction(entry["direction"]),
                    valid_from=valid_from,
                    valid_to=valid_to,
                    paths=paths,
                    routed=routed,
                    validator=compile_xsd(schema_dir / entry["xsd"], xsd_version),
                )
            )
        return result
    except CatalogError as exc:
        raise CatalogError(f"{manifest}: {exc}") from exc
    except (
        KeyError,
        ValueError,
        TypeError,
        OSError,
        tomllib.TOMLDecodeError,
        etree.LxmlError,
        xmlschema.XMLSchemaException,
    ) as exc:
        raise CatalogError(f"{manifest}: {type(exc).__name__}: {exc}") from exc


def _load_legacy(manifest: Path) -> Iterator[tuple[str, LegacyChannel]]:
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        for system in data["system"]:
            channel = LegacyChannel(system=str(system["name"]), pointer=str(system["pointer"]))
            for root in system["roots"]:
                yield str(root), channel
    except (KeyError, TypeError, OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{manifest}: {type(exc).__name__}: {exc}") from exc


def _compile_paths(
    paths: Mapping[str, str], parties: Mapping[str, str], namespaces: Mapping[str, str]
) -> EnvelopePaths:
    def compiled(expression: str | None) -> etree.XPath | None:
        if not expression:
            return None
        return etree.XPath(f"string(({expression})[1])", namespaces=dict(namespaces) or None)

    message_id = compiled(paths["message_id"])
    if message_id is None:
        raise CatalogError("paths.message_id is required")
    principal = tuple(
        (role, xpath)
        for role, expression in parties.items()
        if role != "representative" and (xpath := compiled(expression)) is not None
    )
    return EnvelopePaths(
        message_id=message_id,
        lrn=compiled(paths.get("lrn")),
        arc=compiled(paths.get("arc")),
        parties=principal,
        representative=compiled(parties.get("representative")),
    )


def _utc(value: Any) -> datetime:
    return as_utc(value) if isinstance(value, datetime) else parse_rfc3339(str(value))
