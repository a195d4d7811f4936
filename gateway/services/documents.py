"""Reading stored documents: one document's status, its signed receipt, and lists, under the read
rules (gateway/core/registry/access.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.adapters.storage.access import ReadRules
from gateway.adapters.storage.documents import DocumentQuery, DocumentStore, StoredDocument
from gateway.core.domain import SYSTEMS, Receipt, Sender, Status
from gateway.core.errors import BadRequest, NotFound
from gateway.core.paging import DEFAULT_PAGE, check_limit, decode_cursor, encode_cursor
from gateway.core.registry.access import not_readable
from gateway.services.receipts import Receipts


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    acting_for: str | None = None
    system: str | None = None
    status: str | None = None
    since: datetime | None = None
    #: ``next_cursor`` of the previous page
    cursor: str | None = None
    limit: int = DEFAULT_PAGE

    def checked(self) -> DocumentFilter:
        if self.system is not None and self.system not in SYSTEMS:
            raise BadRequest(f"system must be one of {', '.join(SYSTEMS)}")
        if self.status is not None and self.status not in {s.value for s in Status}:
            raise BadRequest(f"status must be one of {', '.join(s.value for s in Status)}")
        check_limit(self.limit)
        return self


@dataclass(frozen=True, slots=True)
class DocumentPage:
    items: tuple[Receipt, ...]
    has_next: bool
    next_cursor: str | None


class DocumentService:
    def __init__(
        self,
        store: DocumentStore,
        read_rules: ReadRules,
        receipts: Receipts,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._read_rules = read_rules
        self._receipts = receipts
        self._clock = clock

    async def status(self, sender: Sender, reference: str) -> Receipt:
        """The document's receipt with the responses it has had."""
        return (await self._readable(sender, reference, with_responses=True)).receipt

    async def receipt(self, sender: Sender, reference: str) -> bytes:
        """The document's signed UPO (received) or NPP (refused)."""
        stored = await self._readable(sender, reference, with_responses=False)  # a receipt lists none
        return await self._receipts.for_document(stored.receipt)

    async def list(self, sender: Sender, wanted: DocumentFilter) -> DocumentPage:
        wanted = wanted.checked()
        readers = await self._read_rules.readers(sender.account_id, self._clock())
        found = await self._store.list(
            DocumentQuery(
                readers=readers,
                acting_for=wanted.acting_for,
                system=wanted.system,
                status=wanted.status,
                since=wanted.since,
                after=decode_cursor(wanted.cursor) if wanted.cursor else None,
                limit=wanted.limit + 1,
            )
        )
        items = tuple(found[: wanted.limit])
        has_next = len(found) > wanted.limit
        last = items[-1] if has_next else None
        next_cursor = encode_cursor(last.received_at, last.reference) if last else None
        return DocumentPage(items, has_next, next_cursor)

    async def _readable(self, sender: Sender, reference: str, *, with_responses: bool) -> StoredDocument:
        """The document, if ``sender`` may read it (``FORBIDDEN`` if not, ``NOT_FOUND`` if none)."""
        stored = await self._store.get(reference, with_responses=with_responses)
        if stored is None:
            raise NotFound(f"no document {reference}")
        if stored.sender_account_id != sender.account_id:
            readers = await self._read_rules.readers(sender.account_id, self._clock())
            system = stored.receipt.verdict.identification.system
            if not readers.may_read(stored.sender_account_id, stored.podmiot_id, system):
                raise not_readable(reference)
        return stored
