"""The operator tools, run from an administrator's machine (``python -m civicdesk.cli.<tool>``):
``staff`` (accounts of the staff user pool), ``seed`` (the municipality's configuration into the
cases table) and ``redrive`` (failed incoming mail events replayed). Like a function's
``app.py`` they only parse arguments, get what they need from ``civicdesk.wiring`` and print;
their AWS calls are made by adapters."""
