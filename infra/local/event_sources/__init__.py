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

**Where a stream starts.** The state directory keeps the tables' items, not their streams:
restoring them re-writes every item, and moto appends an ``INSERT`` record for each to the new,
empty stream. Those are not changes and must not reach a function (they would publish every
case's history again at each start). So ``EventSources.open`` is called right after the
restore and takes a ``LATEST`` shard iterator then: everything written after the restore is
delivered -- the seeding, the API, the functions -- and nothing before. That is what Lambda does
for both ``TRIM_HORIZON`` and ``LATEST`` here: in AWS the mapping is created with the table,
before anything is written, and keeps its checkpoint across deployments; a restart of the local
runtime is a deployment that kept the data. Records written but not delivered when the runtime
stops are flushed by ``stop`` (within its timeout), then the queues are drained (what the
stream's functions published may be in them); whatever is still pending after that is logged,
not replayed at the next start (queues, like streams, are not in the state directory).

Invocations go through ``LocalFunction.invoke``, so they are serialised with the API's
invocations of the same function; after each one the runtime saves a snapshot if the function
changed data (``after_invoke``), as for asynchronous invocations.

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
