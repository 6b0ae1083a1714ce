"""The survey item kinds of the cases table (``docs/data-model.md``, surveys): a survey's
definition, its invitations, the respondents' answers, the phone calls and the number an SMS
survey was sent to. Keys in ``keys`` (the surveys' section)."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from .table import DueIndex, TableItem


class SurveyItem(TableItem, discriminator="survey"):
    """``SURVEYS`` / ``SURVEY#<id>``: the design (JSON: texts, questions, channels, audience)
    and the survey's life; ``survey_version`` is checked by every change."""

    survey_id = UnicodeAttribute()
    design = UnicodeAttribute()  # JSON (``surveys.design_to_json``)
    state = UnicodeAttribute()
    survey_version = NumberAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    opened_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)


class SurveyInviteeItem(TableItem, discriminator="survey_invitee"):
    """``SURVEY#<id>`` / ``INVITEE#<member key>``: one invited person and their link's secret."""

    secret = UnicodeAttribute()
    language = UnicodeAttribute()
    channels = ListAttribute(of=UnicodeAttribute)
    created_at = UnicodeAttribute()
    area = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    department = UnicodeAttribute(null=True)


class SurveyPhoneItem(TableItem, discriminator="survey_phone"):
    """``SURVEYPHONE#<number>`` / ``<created ISO>#<survey id>``: an SMS survey sent to a number,
    so that a digit reply from it finds its survey."""

    survey_id = UnicodeAttribute()
    member_key = UnicodeAttribute()


class SurveyResponseItem(TableItem, discriminator="survey_response"):
    """``SURVEY#<id>`` / ``RESPONSE#<member key>``: one respondent's answers (JSON), written
    only if absent: the first answer counts."""

    answers = UnicodeAttribute()
    language = UnicodeAttribute()
    channel = UnicodeAttribute()
    answered_at = UnicodeAttribute()
    area = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    department = UnicodeAttribute(null=True)
    recorded_by = UnicodeAttribute(null=True)


class SurveyCallItem(TableItem, discriminator="survey_call"):
    """``SURVEY#<id>`` / ``CALL#<member key>``: one call of a phone survey's list. While it is
    to be called it is in GSI7 (``SURVEYCALLS#<id>#<lane>`` / ``<served at>#<member key>``); a
    claim moves its index key to the claim's end, a final outcome removes it."""

    member_key = UnicodeAttribute()
    phone = UnicodeAttribute()
    language = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    area = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    lane = UnicodeAttribute()
    due_at = UnicodeAttribute(null=True)
    attempts = NumberAttribute()
    call_backs = NumberAttribute()
    claimed_by = UnicodeAttribute(null=True)
    claim_id = UnicodeAttribute(null=True)
    claimed_until = UnicodeAttribute(null=True)
    history = UnicodeAttribute()  # JSON list of attempts
    GSI7PK = UnicodeAttribute(null=True)
    GSI7SK = UnicodeAttribute(null=True)
    survey_queue = DueIndex()
