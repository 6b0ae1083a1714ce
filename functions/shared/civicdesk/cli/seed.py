"""Store the municipality's configuration in the cases table.

Run after every deploy that changes ``infra/config/`` (``make seed STACK=<name>``), and by the
local runtime at start. Usage: ``python -m civicdesk.cli.seed infra/config`` with
``CIVICDESK_CASES_TABLE`` (and the AWS credentials/region) in the environment.
"""

from __future__ import annotations

import argparse
import sys

from .. import wiring
from ..adapters.config_files import load_config_dir
from ..domain.errors import ConfigurationError


def seed(directory: str) -> dict:
    from ..adapters.dynamodb import migrations

    document = load_config_dir(directory)
    wiring.config_repository().store(document)
    wiring.municipality_provider().invalidate()
    # A new table has no case written before the filtered queues: nothing to backfill.
    migrations.mark_new_table()
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", help="the configuration folder, e.g. infra/config")
    args = parser.parse_args(argv)
    try:
        document = seed(args.directory)
    except ConfigurationError as error:
        print(f"configuration error: {error.params.get('detail')}", file=sys.stderr)
        return 2
    print(f"seeded {document['id']}: {len(document['departments'])} departments, "
          f"{len(document['services'])} support addresses, "
          f"{len(document['categories'])} categories")
    return 0


if __name__ == "__main__":
    sys.exit(main())
