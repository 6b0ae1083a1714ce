"""Keys of the cases table that items already stored carry: a new spelling would orphan them."""

from datetime import datetime, timedelta, timezone

from civicdesk.adapters.dynamodb import keys


def test_the_auto_reply_counter_of_a_sender_and_hour_keeps_its_key():
    hour = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)

    assert keys.auto_reply_rate_pk("marko@example.rs", hour) == \
        "RATE#autoreply#marko@example.rs#2026112509"
    assert keys.auto_reply_rate_pk("marko@example.rs", hour + timedelta(minutes=59)) == \
        keys.auto_reply_rate_pk("marko@example.rs", hour)
