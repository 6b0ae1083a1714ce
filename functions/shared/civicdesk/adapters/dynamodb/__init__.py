"""The cases table (single-table design) through PynamoDB.

``session``: the one connection every item kind shares, and the botocore session of every AWS
client; ``table`` and ``items``: the table, its indexes and its item kinds; ``keys``: every key;
``mappers``: domain objects <-> items; ``cursors``: page cursors; ``conditions``: conditional
writes that lost. One repository per aggregate: ``cases``, ``queues``, ``mail``, ``quarantine``,
``configuration``, ``case_facts``, ``recipients``, ``subscriptions``, ``notifications``.
Nothing is imported here, so that each function loads only what it uses.
"""
