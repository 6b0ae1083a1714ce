"""The API's table-driven routes, which ``functions/api/app.py`` registers: those of each
handler module (``HANDLED``) and finding cases (``search_views``). Data only: it
imports nothing, so the handler's cold start does not grow with it."""

#: (method, path, handler); the handler's name is the route's.
CONSOLE = (("GET", "/v1/public/staff-sign-in", "public_staff_sign_in"),
           ("GET", "/v1/admin/categories", "admin_categories"),
           ("POST", "/v1/admin/routing-preview", "admin_routing_preview"),
           ("GET", "/v1/admin/me/views", "admin_list_views"),
           ("POST", "/v1/admin/me/views", "admin_create_view"),
           ("PUT", "/v1/admin/me/views/{view_id}", "admin_update_view"),
           ("DELETE", "/v1/admin/me/views/{view_id}", "admin_delete_view"),
           ("GET", "/v1/admin/canned-replies", "admin_list_canned_replies"),
           ("POST", "/v1/admin/canned-replies", "admin_create_canned_reply"),
           ("PUT", "/v1/admin/canned-replies/{reply_id}", "admin_update_canned_reply"),
           ("DELETE", "/v1/admin/canned-replies/{reply_id}", "admin_delete_canned_reply"),
           ("PUT", "/v1/admin/me/language", "admin_set_language"),
           ("GET", "/v1/admin/board", "admin_board"),
           ("GET", "/v1/admin/case-count", "admin_case_count"),
           ("GET", "/v1/admin/quarantine/{quarantine_id}", "admin_quarantined_message"))

#: (path, route name, parser, service use case, view) in api.search_views / services.search
FINDING = (("/v1/admin/search", "admin_search", "search_query", "search", "search_page"),
           ("/v1/admin/requesters", "admin_requester", "requester_query", "requester", "requester_page"),
           ("/v1/admin/map", "admin_map", "map_query", "map", "map_page"),
           ("/v1/admin/cases/nearby", "admin_nearby", "nearby_query", "nearby", "nearby_page"))

#: (method, path, handler) in api.stats_handlers: the statistics (JSON, or CSV as text)
REPORTS = (("GET", "/v1/admin/stats", "admin_stats"),
           ("GET", "/v1/public/stats", "public_stats"))

#: (method, path, handler) in api.audience_handlers: audiences and contact lists (issue 15)
AUDIENCES = (("GET", "/v1/admin/audiences", "admin_list_audiences"),
             ("POST", "/v1/admin/audiences", "admin_create_audience"),
             ("POST", "/v1/admin/audiences/preview", "admin_preview_rule"),
             ("GET", "/v1/admin/audiences/{audience_id}", "admin_audience"),
             ("PUT", "/v1/admin/audiences/{audience_id}", "admin_update_audience"),
             ("DELETE", "/v1/admin/audiences/{audience_id}", "admin_delete_audience"),
             ("GET", "/v1/admin/audiences/{audience_id}/preview", "admin_preview_audience"),
             ("GET", "/v1/admin/contact-lists", "admin_list_contact_lists"),
             ("POST", "/v1/admin/contact-lists", "admin_create_contact_list"),
             ("GET", "/v1/admin/contact-lists/{list_id}", "admin_contact_list"),
             ("PUT", "/v1/admin/contact-lists/{list_id}", "admin_update_contact_list"),
             ("DELETE", "/v1/admin/contact-lists/{list_id}", "admin_delete_contact_list"),
             ("POST", "/v1/admin/contact-lists/{list_id}/imports", "admin_import_contacts"))
#: (method, path, handler) in api.alerts_handlers: residents' alert subscriptions (public)
ALERTS = (("GET", "/v1/public/alerts/options", "public_alert_options"),
          ("POST", "/v1/public/alerts", "public_subscribe_alerts"),
          ("POST", "/v1/public/alerts/{subscription_id}/sms-code", "public_resend_alert_code"),
          ("POST", "/v1/public/alerts/{subscription_id}/sms-confirmation", "public_confirm_alert_phone"),
          ("POST", "/v1/public/alerts/confirmation", "public_confirm_alert_email"),
          ("GET", "/v1/public/alerts/subscription", "public_alert_subscription"),
          ("PUT", "/v1/public/alerts/subscription", "public_change_alert_subscription"),
          ("POST", "/v1/public/alerts/unsubscribe", "public_end_alert_subscription"))


def media_types(method: str, path: str) -> dict:
    """The media types a table's route accepts: none for a read; JSON only (a form from another
    site needs a CORS preflight then), but for an unsubscribe (the alerts'), which also takes
    the RFC 8058 one-click form mail clients post to the ``List-Unsubscribe`` URL."""
    if method == "GET":
        return {}
    if path.endswith("/unsubscribe"):
        return {"content_types": ["application/json", "application/x-www-form-urlencoded",
                                  "multipart/form-data"]}
    return {"content_types": ["application/json"]}
#: (method, path, handler) in api.survey_handlers: the surveys (staff and the one-time links)
SURVEYS = (("GET", "/v1/admin/surveys", "admin_list_surveys"),
           ("POST", "/v1/admin/surveys", "admin_create_survey"),
           ("GET", "/v1/admin/surveys/{survey_id}", "admin_survey"),
           ("PUT", "/v1/admin/surveys/{survey_id}", "admin_update_survey"),
           ("DELETE", "/v1/admin/surveys/{survey_id}", "admin_delete_survey"),
           ("POST", "/v1/admin/surveys/{survey_id}/open", "admin_open_survey"),
           ("POST", "/v1/admin/surveys/{survey_id}/close", "admin_close_survey"),
           ("GET", "/v1/admin/surveys/{survey_id}/calls", "admin_survey_calls"),
           ("POST", "/v1/admin/surveys/{survey_id}/calls", "admin_refresh_survey_calls"),
           ("POST", "/v1/admin/surveys/{survey_id}/calls/next", "admin_next_survey_call"),
           ("POST", "/v1/admin/surveys/{survey_id}/calls/{member_key}/outcome", "admin_record_survey_call"),
           ("GET", "/v1/admin/surveys/{survey_id}/results", "admin_survey_results"),
           ("GET", "/v1/public/surveys/{token}", "public_survey"),
           ("POST", "/v1/public/surveys/{token}", "public_answer_survey"))
#: (method, path, handler) in api.campaign_handlers: campaigns (mass notifications)
CAMPAIGNS = (("GET", "/v1/admin/campaigns", "admin_list_campaigns"),
             ("POST", "/v1/admin/campaigns", "admin_create_campaign"),
             ("GET", "/v1/admin/campaigns/{campaign_id}", "admin_get_campaign"),
             ("PUT", "/v1/admin/campaigns/{campaign_id}", "admin_update_campaign"),
             ("POST", "/v1/admin/campaigns/{campaign_id}/submit", "admin_submit_campaign"),
             ("POST", "/v1/admin/campaigns/{campaign_id}/approve", "admin_approve_campaign"),
             ("POST", "/v1/admin/campaigns/{campaign_id}/reject", "admin_reject_campaign"),
             ("POST", "/v1/admin/campaigns/{campaign_id}/test", "admin_test_campaign"),
             ("POST", "/v1/admin/campaigns/{campaign_id}/send", "admin_send_campaign"),
             ("POST", "/v1/admin/campaigns/{campaign_id}/cancel", "admin_cancel_campaign"),
             ("GET", "/v1/admin/campaigns/{campaign_id}/estimate", "admin_campaign_estimate"),
             ("GET", "/v1/admin/campaigns/{campaign_id}/recipients", "admin_campaign_recipients"),
             ("GET", "/v1/admin/campaigns/{campaign_id}/calls", "admin_campaign_calls"),
             ("PUT", "/v1/admin/campaigns/{campaign_id}/calls/{key}", "admin_record_campaign_call"))
#: (method, path, handler) in api.public_map_handlers: the public map (issue 16, GeoJSON)
PUBLIC_MAP = (("GET", "/v1/public/reports", "public_reports"),
              ("GET", "/v1/public/reports/nearby", "public_reports_nearby"),
              ("GET", "/v1/public/reports/{number}", "public_report"))
#: (method, path, handler) in api.accounts_handlers: citizen accounts (issue 16, item 4); the
#: ``/v1/public/account/`` routes have the citizen pool's authorizer in template.yaml
ACCOUNTS = (("GET", "/v1/public/citizen-sign-in", "public_citizen_sign_in"),
            ("GET", "/v1/public/account/profile", "public_account_profile"),
            ("PUT", "/v1/public/account/profile", "public_account_save_profile"),
            ("POST", "/v1/public/account/cases", "public_account_file_case"),
            ("GET", "/v1/public/account/cases", "public_account_cases"),
            ("GET", "/v1/public/account/subscriptions", "public_account_subscriptions"),
            ("PUT", "/v1/public/account/subscriptions/{number}", "public_account_follow"),
            ("DELETE", "/v1/public/account/subscriptions/{number}", "public_account_unfollow"),
            ("POST", "/v1/public/my-cases/link", "public_my_cases_link"),
            ("POST", "/v1/public/my-cases", "public_my_cases"))
#: (method, path, handler) in api.photo_handlers: photos and documents on the web form (issue 16)
PHOTOS = (("POST", "/v1/public/uploads", "public_start_upload"),
          ("GET", "/v1/public/cases/{number}/attachments", "public_case_files"),
          ("POST", "/v1/admin/cases/{number}/attachments/{attachment_id}/publication", "admin_publish_photo"),
          ("DELETE", "/v1/admin/cases/{number}/attachments/{attachment_id}/publication", "admin_withdraw_photo"))
#: (method, path, handler) in api.citizen_handlers: the requester answers back (issue 16, item 5)
CITIZEN = (("POST", "/v1/public/cases/{number}/messages", "public_answer_case"),
           ("POST", "/v1/public/cases/{number}/reopening", "public_reopen_case"))
#: (method, path, handler) in api.open311_admin_handlers: the apps' Open311 API keys (issue 16)
OPEN311 = (("GET", "/v1/admin/open311/keys", "admin_list_open311_keys"),
           ("POST", "/v1/admin/open311/keys", "admin_issue_open311_key"),
           ("DELETE", "/v1/admin/open311/keys/{key_id}", "admin_revoke_open311_key"))


#: Every (method, path, handler) table with the module of ``civicdesk.api`` holding its
#: handlers; ``functions/api/app.py`` registers them all alike (``media_types``).
HANDLED = ((CONSOLE, "console_handlers"),
           (REPORTS, "stats_handlers"),
           (ALERTS, "alerts_handlers"),
           (SURVEYS, "survey_handlers"),
           (CAMPAIGNS, "campaign_handlers"),
           (AUDIENCES, "audience_handlers"),
           (PUBLIC_MAP, "public_map_handlers"),
           (ACCOUNTS, "accounts_handlers"),
           (PHOTOS, "photo_handlers"),
           (CITIZEN, "citizen_handlers"),
           (OPEN311, "open311_admin_handlers"))
