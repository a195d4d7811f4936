"""The mailbox use case: the customs systems' responses for the traders' software to poll, under
the documents' read rules (semantics in gateway/adapters/storage/mailbox.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from gateway.adapters.storage.access import ReadRules
from gateway.adapters.storage.mailbox import Mailbox, MailboxQuery
from gateway.core.domain import SYSTEMS, Sender
from gateway.core.errors import BadRequest
from gateway.core.mailbox import MAX_RESPONSE_ID, MailboxItem, MailboxPage, MailboxState, ResponseFilter
from gateway.core.paging import DEFAULT_PAGE, check_limit


@dataclass(frozen=True, slots=True)
class MailboxRequest:
    #: the document the responses answer (a reference, already a well-formed UUID)
    reference: str | None = None
    acting_for: str | None = None
    system: str | None = None
    state: MailboxState = MailboxState.UNREAD
    #: ``state=all`` only: the id of the last response of the previous page
    after: int | None = None
    limit: int = DEFAULT_PAGE
    #: the SEAP channel's narrower selections
    narrowed: ResponseFilter = field(default_factory=ResponseFilter)

    def checked(self) -> MailboxRequest:
        if self.system is not None and self.system not in SYSTEMS:
            raise BadRequest(f"system must be one of {', '.join(SYSTEMS)}")
        check_limit(self.limit)
        if self.after is not None and self.after > MAX_RESPONSE_ID:
            raise BadRequest(f"after must be at most {MAX_RESPONSE_ID}")
        if self.after is not None and self.state is not MailboxState.ALL:
            # unread responses leave the mailbox as they are read: polling again is the next page
            raise BadRequest("after pages state=all only")
        return self


class MailboxService:
    def __init__(
        self,
        mailbox: Mailbox,
        read_rules: ReadRules,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._mailbox = mailbox
        self._read_rules = read_rules
        self._clock = clock

    async def take(self, sender: Sender, wanted: MailboxRequest) -> MailboxPage:
        """A page of responses; the unread ones in it are now read (for everyone who may read them)."""
        wanted = wanted.checked()
        now = self._clock()
        readers = await self._read_rules.readers(sender.account_id, now)
        query = MailboxQuery(
            readers=readers,
            reference=wanted.reference,
            acting_for=wanted.acting_for,
            system=wanted.system,
            state=wanted.state,
            after=wanted.after,
            limit=wanted.limit,
            narrowed=wanted.narrowed,
        )
        return await self._mailbox.take(query, now)

    async def get(self, sender: Sender, response_id: int) -> MailboxItem:
        """One response with its bytes as the customs system sent them, now read."""
        now = self._clock()
        readers = await self._read_rules.readers(sender.account_id, now)
        return await self._mailbox.get(response_id, readers, now)
