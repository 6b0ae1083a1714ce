"""The municipality's configuration, read from its repository and cached per container."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from ..domain.errors import ConfigurationError
from ..domain.municipality import Municipality
from ..domain.municipality_config import parse_municipality

if TYPE_CHECKING:  # annotations only: the ports' protocols are not built at cold start
    from .ports import ConfigRepository


class MunicipalityProvider:
    """Parses the configuration once and keeps it for ``ttl_seconds``.

    A warm container therefore answers requests without reading the configuration again;
    a change made by an administrator reaches every container within the TTL.
    """

    def __init__(self, repository: ConfigRepository, ttl_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic):
        self._repository = repository
        self._ttl = ttl_seconds
        self._clock = clock
        self._cached: Municipality | None = None
        self._loaded_at = 0.0

    def get(self) -> Municipality:
        now = self._clock()
        if self._cached is None or now - self._loaded_at > self._ttl:
            document = self._repository.load()
            if document is None:
                raise ConfigurationError("error.configuration",
                                         detail="no configuration stored; run the seed step")
            self._cached = parse_municipality(document, deferred=True)  # checked when stored
            self._loaded_at = now
        return self._cached

    def invalidate(self) -> None:
        self._cached = None
