"""The public map's index on the case item (GSI8, issue 16): ``items.CaseItem`` carries its keys
and ``pub``; the keys are written in ``public_entries`` on the case's one save path."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

#: What the public map's index holds besides its keys: the public fields only (``pub``: the
#: redacted description and answers, the published photos, the point), never the requester,
#: the contact, the address, the assignee or the routing.
PUBLIC_MAP_PROJECTION = ("entity", "number", "type", "category", "department", "status",
                         "created_at", "received_at", "updated_at", "clock", "pub")


class PublicMapIndex(GlobalSecondaryIndex):
    """GSI8: public cases (``Case.public``, a type that may be public, neither deleted nor merged)
    by when they were requested (``PUBLIC`` / ``<requested at>#<number>``), sparse."""

    class Meta:
        index_name = "GSI8"
        projection = IncludeProjection(list(PUBLIC_MAP_PROJECTION))

    GSI8PK = UnicodeAttribute(hash_key=True)
    GSI8SK = UnicodeAttribute(range_key=True)
