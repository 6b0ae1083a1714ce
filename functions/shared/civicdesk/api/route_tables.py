"""The admin API's table-driven routes, which ``functions/api/app.py`` registers: the staff
console's (handlers in ``console_handlers``) and finding cases (``search_views``). Data only: it
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
