"""The keys of the public map's index (issue 16, ``docs/data-model.md``: GSI8), re-exported by
``keys``."""

from __future__ import annotations

#: GSI8's one partition: every public case (a municipality writes a few hundred cases a day,
#: far below a partition's 1,000 writes a second; the public reads are cached, ``docs/public-map.md``).
PUBLIC_MAP_PK = "PUBLIC"


def public_map_sk(requested_iso: str, number: str) -> str:
    """``<requested at ISO>#<number>``: newest first when read backwards, a period is a range.

    >>> public_map_sk("2026-11-21T08:00:00.000000Z", "2026-000123")
    '2026-11-21T08:00:00.000000Z#2026-000123'
    """
    return f"{requested_iso}#{number}"

#: ``MIGRATION`` / this: the public map's backfill ran (``public_map_migration``).
PUBLIC_MAP_MIGRATION = "public_map"
