"""The campaigns' operations of the OpenAPI document (``openapi_operations`` lists them)."""

from __future__ import annotations

from . import campaign_schemas as cs
from .operation import Operation

_W = (400, 401, 403, 404, 409, 413, 415)
_BASE = "/v1/admin/campaigns"
_ONE = f"{_BASE}/{{campaign_id}}"
_CONFLICT = "409 with `current_version` when the campaign changed since `version` was read."

OPERATIONS = (
    Operation("GET", _BASE, "listCampaigns", "staff", "Campaigns, newest first",
              cs.CAMPAIGN_PAGE, query=cs.LIST_QUERY, staff=True, errors=(400, 401, 403),
              description="`campaign.view`. One `Query` of the campaigns' index partition; each "
                          "with its progress counters."),
    Operation("POST", _BASE, "createCampaign", "staff", "Write a campaign (a draft)",
              cs.CAMPAIGN_RESULT, 201, body=cs.CAMPAIGN, staff=True,
              errors=(400, 401, 403, 413, 415),
              refusals=(("messages.<language>.<text>", "required",
                         "the text a listed channel needs is missing"),
                        ("messages.<language>.<text>", "campaign_unknown_placeholder",
                         "a placeholder other than {link}"),
                        ("messages.<language>.<text>", "campaign_link_without_survey",
                         "{link} in a campaign without survey_id"),
                        ("channels", "campaign_duplicate_channel", "a channel listed twice"),
                        ("send_at", "campaign_too_far", "more than 60 days ahead")),
              description="`campaign.manage`. The author is the signed-in staff member."),
    Operation("GET", _ONE, "getCampaign", "staff", "A campaign with its live progress",
              cs.CAMPAIGN_RESULT, staff=True, errors=(401, 403, 404),
              description="Counts by state, channel, language, area and call outcome, kept on "
                          "the campaign as its recipients move (one `GetItem`). Poll it to follow."),
    Operation("PUT", _ONE, "updateCampaign", "staff", "Change a draft (its author)",
              cs.CAMPAIGN_RESULT, body=cs.CAMPAIGN_CHANGE, staff=True, errors=_W,
              description=_CONFLICT + " 409 `conflict` also when it is no draft."),
    Operation("POST", f"{_ONE}/submit", "submitCampaign", "staff",
              "Submit a draft for approval (its author)", cs.CAMPAIGN_RESULT, body=cs.VERSION,
              staff=True, errors=_W, refusals=(("send_at", "campaign_in_the_past",
                                                "the send time has passed"),),
              description=_CONFLICT),
    Operation("POST", f"{_ONE}/approve", "approveCampaign", "staff",
              "Approve a submitted campaign (supervisors, administrators; never its author)",
              cs.CAMPAIGN_RESULT, body=cs.VERSION, staff=True, errors=_W,
              description="`campaign.approve`; 403 for the campaign's author (four eyes). "
                          + _CONFLICT),
    Operation("POST", f"{_ONE}/reject", "rejectCampaign", "staff",
              "Send a submitted campaign back to draft, with a reason", cs.CAMPAIGN_RESULT,
              body=cs.REJECTION, staff=True, errors=_W, description="As approve. " + _CONFLICT),
    Operation("POST", f"{_ONE}/test", "testCampaign", "staff",
              "Send the campaign's mail to oneself; see its SMS as it would go",
              cs.TEST_RESULT, body=cs.TEST_SEND, staff=True, errors=(400, 401, 403, 404, 413, 415),
              refusals=(("to", "campaign_no_own_address", "the account has no e-mail address"),),
              description="No recipient is touched; the subject is marked as a test. Body `{}` "
                          "for one's own language."),
    Operation("POST", f"{_ONE}/send", "sendCampaign", "staff",
              "Send an approved campaign: at its send time (a one-time schedule) or now",
              cs.CAMPAIGN_RESULT, body=cs.VERSION, staff=True, errors=_W,
              description="`scheduled` with a `send_at` ahead, else `sending`: the planner "
                          "resolves the audience and queues every recipient. " + _CONFLICT),
    Operation("POST", f"{_ONE}/cancel", "cancelCampaign", "staff",
              "Cancel a campaign before or during sending", cs.CAMPAIGN_RESULT, body=cs.VERSION,
              staff=True, errors=_W,
              description="What is still queued is not sent (recipients `cancelled`); a message "
                          "already sent is still followed. " + _CONFLICT),
    Operation("GET", f"{_ONE}/estimate", "estimateCampaign", "staff",
              "Whom sending would reach and what it would cost (shown before approval)",
              cs.ESTIMATE, staff=True, errors=(401, 403, 404),
              description="Resolves the audience now; SMS parts per language as the SMS policy "
                          "writes the text (with the STOP hint where it fits); list prices in USD, "
                          "first attempts only."),
    Operation("GET", f"{_ONE}/recipients", "listCampaignRecipients", "staff",
              "A page of the campaign's recipients with every step, by state; or all as CSV",
              cs.RECIPIENT_PAGE, query=cs.RECIPIENT_QUERY, staff=True, errors=(400, 401, 403, 404),
              csv=True, description="`format=csv`: every recipient, UTF-8 with a byte order mark, "
                                    "the header translated, as an attachment."),
    Operation("GET", f"{_ONE}/calls", "listCampaignCalls", "staff",
              "The call list: recipients no channel reached", cs.RECIPIENT_PAGE,
              query=cs.PAGE_QUERY, staff=True, errors=(400, 401, 403, 404),
              description="`campaign.call`. One `Query` of the call list's index partition."),
    Operation("PUT", f"{_ONE}/calls/{{key}}", "recordCampaignCall", "staff",
              "Record what happened when an operator called an unreached recipient",
              cs.RECIPIENT, body=cs.CALL, staff=True, errors=(400, 401, 403, 404, 409, 413, 415),
              description="409 when the recipient is not unreachable."),
)
