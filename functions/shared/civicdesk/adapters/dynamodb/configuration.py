"""The municipality's configuration document, stored gzipped in one item."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

from ...domain.cases import iso
from .items import ConfigItem
from .keys import CONFIG_PK, CONFIG_SK


class DynamoConfigRepository:
    """``ConfigRepository`` on the cases table (written by ``civicdesk.cli.seed``)."""

    def load(self) -> dict | None:
        try:
            item = ConfigItem.get(CONFIG_PK, CONFIG_SK)
        except ConfigItem.DoesNotExist:
            return None
        return json.loads(gzip.decompress(item.document))

    def store(self, document: dict) -> None:
        data = gzip.compress(json.dumps(document, ensure_ascii=False).encode("utf-8"))
        ConfigItem(PK=CONFIG_PK, SK=CONFIG_SK, document=data,
                   updated_at=iso(datetime.now(timezone.utc))).save()
