"""Lambda's event source mappings, locally: poll a table's stream (and queues) and invoke the
subscribed functions with the batches Lambda would send them.

In AWS, a ``Type: DynamoDB`` or ``Type: SQS`` event of a function becomes an event source
mapping: a poller inside Lambda reads the stream's shards (or the queue), drops what the
``FilterCriteria`` reject, gathers batches (``BatchSize``, ``MaximumBatchingWindowInSeconds``),
invokes the function synchronously and acts on the outcome. This package does the same against
moto, with everything read from ``template.yaml``:

* **Streams** (``StreamMapping``): one thread per shard (moto's tables have exactly one, which
  never splits) reads with ``GetRecords`` every ``POLL_INTERVAL`` seconds, builds the event
  records exactly as Lambda does (``lambda_stream_record``) and delivers them *in order*. A batch
  that fails is retried (short local delays), split in halves first with
  ``BisectBatchOnFunctionError`` (a split costs no retry, as in Lambda), resumed after the
  records a ``ReportBatchItemFailures`` response says succeeded, and after
  ``MaximumRetryAttempts`` (or ``MaximumRecordAgeInSeconds``) given up: its *location* goes to
  the ``OnFailure`` queue in Lambda's format (``stream_failure_record``) and the shard moves on.
  A poison record never stops the shard.
* **Queues** (``QueueMapping``): ``ReceiveMessage`` (long polling, so a message is taken as
  soon as it arrives), the batch invoked, then only the messages that succeeded deleted. A
  failed message becomes visible again after the queue's visibility timeout -- in the runtime
  after its short local retry delay instead -- and, after the queue's ``maxReceiveCount``,
  moto moves it to the queue's dead-letter queue (its ``RedrivePolicy``), as SQS does:
  Lambda's SQS mappings have no retry settings. ``BatchSize``,
  ``MaximumBatchingWindowInSeconds``, ``ReportBatchItemFailures`` and ``FilterCriteria`` apply
  as in Lambda; ``ScalingConfig`` is checked and shown (one poller invokes a function one batch
  at a time locally, within any ``MaximumConcurrency``).
* **Filters** (``compile_filter_criteria``, ``matches_any``): the subset of Lambda's event
  filtering pattern language a template needs (exact values, nested objects, ``prefix``,
  ``suffix``, ``equals-ignore-case``, ``anything-but``, ``numeric``, ``exists``); any other
  operator stops the start rather than being ignored. Records that do not match are dropped
  and count as processed (a dropped message is deleted).

**Where a stream starts.** The runtime's state directory (``infra.local.store``) keeps every
stream record until each mapping of the stream is done with it (delivered, given up to the
on-failure destination, or filtered out: ``StreamPoller`` reports the last one of each batch,
``EventSources.start``'s ``stream_done`` is told when all mappings passed it). Its restore loads
the items without writing stream records, then puts the records not done with back into the new
shard, so the runtime opens its readers at ``TRIM_HORIZON``: what was written before a crash and
not delivered is delivered after the restart, at least once, and nothing already delivered is
(``LATEST``, the default of ``EventSources.open``, reads only what is written from then on).
Records written but not delivered when the runtime stops are flushed by ``stop`` (within its
timeout), then the queues are drained (what the stream's functions published may be in them);
the rest waits in the state directory for the next start.

Invocations go through ``LocalFunction.invoke``, so they are serialised with the API's
invocations of the same function; ``after_invoke`` runs after each one.

The modules: ``filters`` (the pattern language), ``records`` (what the function receives and what
Lambda reports), ``mappings`` (the events of ``template.yaml``, checked), ``polling`` (the thread
and stop signal every poller shares), ``stream_batches`` (delivering one shard's batch, with its
retries), ``stream_poller`` and ``queue_poller``, ``moto_housekeeping`` (what AWS does by itself
and moto does not) and ``sources`` (``EventSources``: all of it bound to the provisioned account).
"""

from infra.local.event_sources.filters import FilterPatternError
from infra.local.event_sources.mappings import QueueMapping, StreamMapping
from infra.local.event_sources.records import lambda_sqs_record, lambda_stream_record
from infra.local.event_sources.sources import EventSources

__all__ = ["EventSources", "FilterPatternError", "QueueMapping", "StreamMapping",
           "lambda_sqs_record", "lambda_stream_record"]
