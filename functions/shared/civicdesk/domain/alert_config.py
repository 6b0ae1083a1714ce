"""The ``alert_topics`` section of a municipality's configuration (``municipality.json``):
what residents may subscribe to alerts about, checked when the configuration is loaded (at
seed time and on every read of the stored document), like the rest of it."""

from __future__ import annotations

import re
from typing import Mapping

from .alerts import AlertTopic
from .errors import ConfigurationError

_TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
#: A municipality with more topics than this has made a list nobody reads.
MAX_ALERT_TOPICS = 30


def _fail(detail: str) -> ConfigurationError:
    return ConfigurationError("error.configuration", detail=detail)


def parse_alert_topics(raw: object, languages: tuple[str, ...]) -> dict[str, AlertTopic]:
    """``alert_topics``: a list of ``{"id": "water", "name": {<language>: <text>}}``, each id
    once (lower case letters, digits, ``_``), a name in every language of the municipality.
    Absent: no alerts offered (``{}``).

    >>> parse_alert_topics([{"id": "water", "name": {"en": "Water supply"}}], ("en",))
    {'water': AlertTopic(id='water', name={'en': 'Water supply'})}
    >>> parse_alert_topics([{"id": "Water", "name": {"en": "W"}}], ("en",))
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ConfigurationError: error.configuration
    """
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise _fail("alert_topics must be a list")
    if len(raw) > MAX_ALERT_TOPICS:
        raise _fail(f"alert_topics: at most {MAX_ALERT_TOPICS} topics")
    topics: dict[str, AlertTopic] = {}
    for index, entry in enumerate(raw):
        where = f"alert_topics[{index}]"
        if not isinstance(entry, Mapping):
            raise _fail(f"{where}: expected an object")
        unknown = set(entry) - {"id", "name"}
        if unknown:
            raise _fail(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        topic_id = entry.get("id")
        if not isinstance(topic_id, str) or not _TOPIC_ID.match(topic_id):
            raise _fail(f"{where}: id must be 1-32 lower case letters, digits or _, not {topic_id!r}")
        if topic_id in topics:
            raise _fail(f"{where}: topic {topic_id} appears twice")
        name = entry.get("name")
        if not isinstance(name, Mapping):
            raise _fail(f"{where}: name must be an object of texts by language")
        missing = [lang for lang in languages
                   if not isinstance(name.get(lang), str) or not name[lang].strip()]
        if missing:
            raise _fail(f"alert topic {topic_id}: missing translation(s) {', '.join(missing)}")
        if any(not isinstance(text, str) or len(text) > 80 for text in name.values()):
            raise _fail(f"alert topic {topic_id}: a name is not a text of at most 80 characters")
        topics[topic_id] = AlertTopic(topic_id, {str(k): str(v).strip() for k, v in name.items()})
    return topics
