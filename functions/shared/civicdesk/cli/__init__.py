"""The operator tools, run from an administrator's machine (``python -m civicdesk.cli.<tool>``):
``staff`` (accounts of the staff user pool), ``seed`` (the municipality's configuration into the
cases table) and ``redrive`` (failed incoming mail events replayed). Like a function's
``app.py`` they parse arguments, call what ``civicdesk.wiring`` builds and print; every AWS call
is an adapter's."""
