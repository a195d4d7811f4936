"""The outbox for operators: the dead letters (rows past the retry cap, their documents
``undeliverable``), and putting them back in the queue once the cause is mended.  Behind
``gateway outbox`` and ``/api/v1/admin/outbox``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.outbox import DeadLetter, OutboxStore
from gateway.core.errors import BadRequest, NotFound

MAX_LIST = 1000


class OutboxService:
    def __init__(self, store: OutboxStore, on_requeued: Callable[[], None] = lambda: None) -> None:
        self._store = store
        self._on_requeued = on_requeued

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        if not 1 <= limit <= MAX_LIST:
            raise BadRequest(f"limit must be between 1 and {MAX_LIST}")
        async with translate_database_errors():
            return await self._store.dead_letters(limit)

    async def requeue(self, references: Sequence[str] | None) -> Requeued:
        """The named dead letters (``None``: every one) back in the queue, their documents
        ``accepted`` again; ``NotFound`` when none of the named is a dead letter."""
        if references is not None and not references:
            raise BadRequest("name the references to re-queue, or ask for all of them")
        async with translate_database_errors():
            requeued = await self._store.requeue(references)
        if requeued:
            self._on_requeued()
        missing = tuple(sorted(set(references or ()) - set(requeued)))
        if references is not None and not requeued:
            raise NotFound(f"not dead letters of the outbox: {', '.join(missing)}")
        return Requeued(tuple(requeued), missing)


@dataclass(frozen=True, slots=True)
class Requeued:
    references: tuple[str, ...]
    #: named, but not dead letters (published meanwhile, re-queued already, or unknown)
    missing: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"requeued": list(self.references), "missing": list(self.missing)}


def dead_letters_json(letters: Sequence[DeadLetter]) -> dict[str, Any]:
    return {"items": [letter.as_dict() for letter in letters], "count": len(letters)}
