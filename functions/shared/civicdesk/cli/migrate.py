"""Data migrations of the cases table, run once after the deploy that needs them.

``queue-entries`` (after upgrading a stack made before 2026-12-01): writes the filtered queues'
entries (GSI5) of every case stored before, then marks the migration done; until then the
filtered queue pages are read as before (``docs/data-model.md``, "Migrations"). Safe to repeat and
to run while the stack takes changes. ``search-index`` (likewise): the words, requesters and
places of the cases stored before (search, requester lookup, map). ``due-times`` (after
upgrading to service levels, or changing ``service_levels.json`` and re-seeding): the clocks
and due-time index keys of the open cases, their histories replayed. ``public-map`` (after
upgrading to issue 16): the public map's index keys and public fields of the cases stored
before, their public answers from their histories. Usage:
``python -m civicdesk.cli.migrate queue-entries`` (or ``search-index``, ``due-times``, ``public-map``)
with ``CIVICDESK_CASES_TABLE`` (and the AWS credentials/region) in the environment.
"""

from __future__ import annotations

import argparse
import sys

from .. import wiring


def queue_entries(log=print) -> dict:
    from ..adapters.dynamodb import migrations

    wiring.queue_repository()  # points the table's models at the stack's table
    return migrations.backfill_queue_entries(log)


def search_index(log=print) -> dict:
    from ..adapters.dynamodb import migrations

    wiring.search_index()  # points the table's models at the stack's table
    return migrations.backfill_search_index(log)


def due_times(log=print) -> dict:
    from ..adapters.dynamodb import migrations

    wiring.due_cases()  # points the table's models at the stack's table
    return migrations.backfill_due_times(wiring.municipality_provider().get().service_levels, log)


def public_map(log=print) -> dict:
    from ..adapters.dynamodb import public_map_migration

    wiring.case_repository()  # points the table's models at the stack's table
    return public_map_migration.backfill_public_map(log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("migration", choices=["queue-entries", "search-index", "due-times",
                                                     "public-map"])
    migration = parser.parse_args(argv).migration
    if migration == "due-times":
        done = due_times()
        print(f"due times: {done['cases']} open cases, {done['written']} written, "
              f"{done['indexed']} due, {done['changed_meanwhile']} changed meanwhile (kept)")
        return 0
    if migration == "public-map":
        done = public_map()
        print(f"public map: {done['cases']} cases, {done['written']} written, {done['public']} public, "
              f"{done['changed_meanwhile']} changed meanwhile (kept)")
        return 0
    if migration == "search-index":
        found = search_index()
        print(f"search index: {found['cases']} cases, {found['entries']} entries written, "
              f"{found['located']} placed on the map, {found['removed']} removed (deleted cases)")
        return 0
    counts = queue_entries()
    print(f"queue entries: {counts['cases']} cases, {counts['written']} entries written, "
          f"{counts['current']} already current, {counts['removed']} removed (deleted cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
