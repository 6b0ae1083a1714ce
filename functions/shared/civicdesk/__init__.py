"""CivicDesk: a serverless helpdesk and contact centre for municipalities.

The package is deployed as one Lambda layer. Dependency rule:
``functions/*/app.py -> wiring -> services -> domain``; ``adapters`` implement the ports the
services declare and are the only modules that import boto3 or pynamodb.
"""

__version__ = "0.1.0"

from . import coldstart as _coldstart

# In a Lambda container, the collector waits for the end of the first invocation (coldstart.py).
_coldstart.pause()
