"""What AWS does by itself and moto does not: used shard iterators dropped, stream records every
reader is past trimmed from the shard."""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

log = logging.getLogger("civicdesk.local")


class MotoStreamHousekeeping:
    """``forget`` callbacks for the ``DynamoDBShardReader`` s of one stream, doing what AWS does
    by itself to moto's streams backend, which runs in this process (the runtime's server, or
    ``mock_aws`` in tests):

    * a used shard iterator is dropped (moto keeps every one it handed out);
    * the stream records every reader of the stream is past are dropped from the shard, and its
      starting sequence number moves on (the trim horizon). moto keeps every record of a stream
      forever, starting with one per item the state restore wrote, and deep-copies them all
      with the table on every ``TransactWriteItems``: without this, each change would cost
      more than the one before.

    Trimming waits until every reader made a read (``forgetter`` registers one), so no reader
    loses a record; it holds ``aws.DYNAMODB_LOCK``, as moto's DynamoDB requests do. moto's
    tables have one shard, which never splits, so the readers of a stream read the same shard.
    """

    def __init__(self, stream_arn: str):
        _, _, _, self._region, self._account, _ = stream_arn.split(":", 5)
        self._positions: list[int | None] = []
        self._lock = threading.Lock()

    def forgetter(self) -> Callable[[str], None]:
        """The ``forget`` of one more reader of the stream."""
        with self._lock:
            slot = len(self._positions)
            self._positions.append(None)
        return lambda iterator: self._forget(slot, iterator)

    def _forget(self, slot: int, iterator: str) -> None:
        try:
            from moto.dynamodbstreams.models import dynamodbstreams_backends

            used = dynamodbstreams_backends[self._account][self._region].shard_iterators.pop(
                iterator, None)
            if used is None:
                return
            with self._lock:
                # Everything before the used iterator's position has been read by this reader.
                self._positions[slot] = int(used.sequence_number)
                if any(position is None for position in self._positions):
                    return
                horizon = min(self._positions)  # type: ignore[type-var]
            self._trim(used.stream_shard, horizon)
        except Exception:  # noqa: BLE001 - housekeeping only
            log.debug("stream housekeeping failed", exc_info=True)

    @staticmethod
    def _trim(shard: Any, horizon: int) -> None:
        from infra.local.aws import DYNAMODB_LOCK

        with DYNAMODB_LOCK:
            consumed = horizon - int(shard.starting_sequence_number)
            if consumed > 0:
                del shard.items[:consumed]
                shard.starting_sequence_number += consumed
