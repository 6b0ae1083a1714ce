"""Opening a case's attachments: the file a staff member may see, as a short-lived link.

Access is exactly the case's (``case.view`` with its scope; a deleted case only for those who
see deleted cases); the link is signed for a few minutes, so it can be opened in the page or
downloaded without the browser holding any credential for the store."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from msgspec import Struct

from ..domain.attachments import StoredAttachment, content_disposition, find_attachment
from ..domain.cases import parse_number, utc_now
from ..domain.errors import NotFoundError
from ..domain.policy import Action, Principal, Scope, authorise, authorise_case
from .ports import AttachmentLinks, CaseHistory

#: How long a link works: enough to open it, too short to pass it around.
LINK_SECONDS = 300


class AttachmentLink(Struct, frozen=True):
    attachment: StoredAttachment
    url: str
    expires_at: datetime


class CaseAttachments:
    def __init__(self, cases: CaseHistory, links: AttachmentLinks, *,
                 clock: Callable[[], datetime] = utc_now):
        self._cases = cases
        self._links = links
        self._clock = clock

    def link(self, principal: Principal | None, number: str, attachment_id: str) -> AttachmentLink:
        """A link to attachment ``attachment_id`` of case ``number``: refused as the case is
        (401, 403, 404), and 404 for an id that names no kept file of this case."""
        scope = authorise(principal, Action.VIEW_CASES)
        if parse_number(number) is None:
            authorise_case(principal, Action.VIEW_CASES, None)
        if scope is not Scope.ALL:
            # as the case view: another department's case costs the reads of a missing one
            case = self._cases.get_case(number)
            authorise_case(principal, Action.VIEW_CASES, case.department if case else None,
                           deleted=bool(case and case.deleted))
        found = self._cases.get_with_history(number)
        authorise_case(principal, Action.VIEW_CASES, found[0].department if found else None,
                       deleted=bool(found and found[0].deleted))
        assert found is not None  # authorise_case refuses a missing case
        attachment = find_attachment(found[0].number, found[1], attachment_id)
        if attachment is None:
            raise NotFoundError("error.attachment_not_found")
        now = self._clock()
        url = self._links.download_url(
            attachment.key, content_type=attachment.content_type,
            disposition=content_disposition(attachment.filename, attachment.inline),
            expires_in=LINK_SECONDS)
        return AttachmentLink(attachment, url, now + timedelta(seconds=LINK_SECONDS))
