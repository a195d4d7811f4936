"""Issuing receipts: one signed UPO or NPP per document, made when first asked for and kept.

Kept, so that a receipt fetched twice is the same bytes (a client may hash or archive it), and
so that a receipt stays what was issued even after the gateway's key is replaced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.receipt_signer import ReceiptSigner
from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.tables import IssuedReceipt
from gateway.core.domain import Receipt, Verdict
from gateway.core.receipts.document import ReceiptFacts, ReceiptKind, receipt_xml
from gateway.core.receipts.verify import VerifiedReceipt, verify_receipt


class Receipts:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        signer: ReceiptSigner,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_issued: Callable[[ReceiptKind, bool], None] = lambda kind, stored: None,
    ) -> None:
        self._sessions = sessions
        self.signer = signer
        self._clock = clock
        self._on_issued = on_issued

    def issue(self, facts: ReceiptFacts, issued_at: datetime | None = None) -> bytes:
        """A signed receipt for ``facts`` (CPU work: run it off the event loop)."""
        issued_at = issued_at or self._clock()
        return self.signer.sign(receipt_xml(facts, issued_at), issued_at)

    def verify(self, body: bytes, document: bytes | None = None) -> VerifiedReceipt:
        """``gateway upo verify`` of ``body`` against this gateway's receipt certificates (CPU work);
        ``ReceiptNotVerified`` says what is wrong."""
        return verify_receipt(body, self.signer.certificates, document)

    async def for_unstored(self, verdict: Verdict, received_at: datetime) -> bytes:
        """The NPP of a document that was refused and not kept: issued, not stored."""
        facts = ReceiptFacts.unstored(verdict, received_at)
        body = await asyncio.to_thread(self.issue, facts)
        self._on_issued(facts.kind, False)
        return body

    async def for_document(self, receipt: Receipt, *, just_stored: bool = False) -> bytes:
        """The receipt of a stored document in its present state: issued once, then served as is.

        ``just_stored``: the document was stored by this request, so no receipt can exist yet
        (saves a read; should one exist after all, the insert fails and that one is served).
        """
        facts = ReceiptFacts.of(receipt)
        key = (receipt.reference, str(facts.kind))
        async with translate_database_errors():
            if not just_stored:
                async with self._sessions() as session:
                    issued = await session.get(IssuedReceipt, key)
                    if issued is not None:
                        return issued.body
            issued_at = self._clock()
            body = await asyncio.to_thread(self.issue, facts, issued_at)
            try:
                async with self._sessions() as session, session.begin():
                    session.add(
                        IssuedReceipt(
                            reference=receipt.reference,
                            kind=str(facts.kind),
                            issued_at=issued_at,
                            signer=self.signer.fingerprint,
                            body=body,
                        )
                    )
            except IntegrityError:  # issued meanwhile by another request: that one stands
                async with self._sessions() as session:
                    issued = await session.get(IssuedReceipt, key)
                    assert issued is not None
                    return issued.body
        self._on_issued(facts.kind, True)
        return body
