r"""Query the local archive of case events with DuckDB, as Athena queries the Glue table in AWS.

The runtime's Firehose stream writes every case event as Parquet under
``<state>/archive/events/day=<yyyy-MM-dd>/`` (``infra.local.firehose``); this command gives each
Glue table of ``template.yaml`` that such a stream writes a view of the same name and columns
(``case_events``, partition column ``day``), and runs a query on them::

    .venv/bin/python -m infra.local.archive query "SELECT type, count(*) AS n FROM case_events GROUP BY type"
    .venv/bin/python -m infra.local.archive query --format json \
        "SELECT id, \"at\" FROM case_events WHERE day = '2026-12-01'"
    .venv/bin/python -m infra.local.archive tables

``case`` is a keyword in SQL: write ``"case".department`` (in Athena too). It reads the files,
so it works with the runtime running or stopped; events still in the stream's buffer (at most a
few seconds) are not in the files yet: ``POST /_local/archive/flush`` writes them now.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from infra.local.firehose import StreamSpec, stream_specs
from infra.local.state import DEFAULT_STATE_DIR
from infra.local.template import Template


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def connect(archive_dir: Path, template: Template | None = None) -> Any:
    """A DuckDB connection with one view per archived Glue table (empty until files exist)."""
    import duckdb

    connection = duckdb.connect()
    for spec in stream_specs(template or Template()):
        connection.execute(view_sql(spec, archive_dir))
    return connection


def view_sql(spec: StreamSpec, archive_dir: Path) -> str:
    """``CREATE VIEW <table>`` over the table's Parquet files, with its partition column(s)
    from the file paths (Hive style, ``day=...``) as text, as the Glue table declares them."""
    name, partitions = spec.table_name, spec.partitions
    root = archive_dir / spec.location
    files = list(root.glob("**/*.parquet"))
    if files:
        hive_types = "{" + ", ".join(f"'{p}': 'VARCHAR'" for p in partitions) + "}"
        source = (f"read_parquet('{_sql_text(str(root))}/**/*.parquet', hive_partitioning = true, "
                  f"union_by_name = true" + (f", hive_types = {hive_types}" if partitions else "")
                  + ")")
        return f'CREATE VIEW "{name}" AS SELECT * FROM {source}'
    columns = [f'CAST(NULL AS {c.type.duckdb()}) AS "{c.name}"' for c in spec.columns]
    columns += [f'CAST(NULL AS VARCHAR) AS "{p}"' for p in partitions]
    return f'CREATE VIEW "{name}" AS SELECT {", ".join(columns)} WHERE false'


def query(sql: str, archive_dir: Path, template: Template | None = None) -> tuple[list[str], list[tuple]]:
    """The query's column names and rows."""
    connection = connect(archive_dir, template)
    try:
        result = connection.execute(sql)
        names = [column[0] for column in result.description or ()]
        return names, result.fetchall()
    finally:
        connection.close()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _print(names: list[str], rows: list[tuple], form: str) -> None:
    if form == "json":
        for row in rows:
            print(json.dumps({name: _plain(value) for name, value in zip(names, row, strict=True)},
                             ensure_ascii=False))
        return
    if form == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows([[json.dumps(_plain(v), ensure_ascii=False)
                           if isinstance(v, (dict, list)) else v for v in row] for row in rows])
        return
    cells = [[str(_plain(value)) if value is not None else "NULL" for value in row] for row in rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(names)]
    print("  ".join(name.ljust(width) for name, width in zip(names, widths, strict=True)))
    print("  ".join("-" * width for width in widths))
    for row in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.archive", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", default=os.environ.get("CIVICDESK_STATE_DIR",
                                                              str(DEFAULT_STATE_DIR)))
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("query", help="run one SQL query (DuckDB's dialect)")
    run.add_argument("sql")
    run.add_argument("--format", choices=("table", "json", "csv"), default="table")
    commands.add_parser("tables", help="the archived tables and their columns")
    args = parser.parse_args(argv)
    archive_dir = Path(args.state_dir) / "archive"
    try:
        if args.command == "tables":
            for spec in stream_specs(Template()):
                names, rows = query(f"DESCRIBE SELECT * FROM {_view_name(spec)}", archive_dir)
                print(spec.table_name + ": " + ", ".join(f"{row[0]} {row[1]}" for row in rows))
            return 0
        names, rows = query(args.sql, archive_dir)
    except Exception as error:  # noqa: BLE001 - DuckDB's errors (syntax, missing column) for the user
        print(f"error: {error}", file=sys.stderr)
        return 2
    _print(names, rows, args.format)
    return 0


def _view_name(spec: StreamSpec) -> str:
    return f'"{spec.table_name}"'


if __name__ == "__main__":
    sys.exit(main())
