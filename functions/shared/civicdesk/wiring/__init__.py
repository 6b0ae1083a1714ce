"""Composition root: builds the services lazily, once per container. Nothing here touches AWS
at import time, so tests can start moto first and cold starts stay short.

Every factory is a function of this package (``wiring.casework_service()``), written in the
module of its part: ``core`` (clients, the cases table's repositories, the channels and the
case work), ``console`` (the staff console's services), ``jobs`` (scheduled jobs and the
statistics) and ``tools`` (the operator tools' clients).
"""

from __future__ import annotations

from functools import _lru_cache_wrapper

from ..config import settings
from . import (
    accounts,
    alerts,
    audiences,
    campaigns,
    citizen,
    console,
    core,
    jobs,
    open311,
    photos,
    public_map,
    sms,
    surveys,
    tools,
)
from .accounts import *  # noqa: F403
from .alerts import *  # noqa: F403
from .audiences import *  # noqa: F403
from .campaigns import *  # noqa: F403
from .citizen import *  # noqa: F403
from .console import *  # noqa: F403
from .core import *  # noqa: F403
from .core import _tables_configured  # noqa: F401  (the adapters' tests configure the table)
from .jobs import *  # noqa: F403
from .open311 import *  # noqa: F403
from .photos import *  # noqa: F403
from .public_map import *  # noqa: F403
from .sms import *  # noqa: F403
from .surveys import *  # noqa: F403
from .tools import *  # noqa: F403


def reset() -> None:
    """Forget every built object (tests, and the local runtime after re-seeding): every cached
    factory of the part modules, so that a new one cannot be forgotten here."""
    settings.cache_clear()
    for module in (core, console, jobs, tools, sms, audiences, alerts, surveys, campaigns, public_map,
                   accounts, photos, citizen, open311):
        for value in vars(module).values():
            if isinstance(value, _lru_cache_wrapper) and value is not settings:
                value.cache_clear()
