"""What events say of their cases, read for a batch of stream records."""

from __future__ import annotations

from .items import CaseItem
from .keys import CASE_SK, case_pk
from .mappers import parse_time


class DynamoCaseFacts:
    """``CaseFactsSource`` on the cases table (one ``BatchGetItem`` per batch)."""

    def case_facts(self, numbers) -> dict:
        from ...domain.events import CaseFacts

        keys = [(case_pk(number), CASE_SK) for number in sorted(set(numbers))]
        facts = {}
        for item in CaseItem.batch_get(keys):
            contact = item.contact.as_dict() if item.contact else {}
            location = item.location.as_dict() if item.location else {}
            facts[item.number] = CaseFacts(
                department=item.department, category=item.category, case_type=item.type,
                status=item.status, public=item.public, language=item.language,
                # what the event's text is redacted of; never in the event itself
                names=tuple(n for n in (contact.get("name"),) if n),
                addresses=tuple(a for a in (location.get("address"), contact.get("address")) if a),
                channel=item.channel, assignee=item.assignee or "",
                area=str((item.routing.as_dict() if item.routing else {}).get("area") or ""),
                opened_at=parse_time(item.received_at or item.created_at))
        return facts
