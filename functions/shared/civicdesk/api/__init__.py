"""The HTTP edge. Only the API function imports it; services take typed commands and return
typed results, and never import from here.

* ``requests``: the JSON body and the language of a request.
* ``schemas`` (on ``validation``): what each request may contain.
* ``commands`` (``case_commands``): requests checked against their schemas, as the services'
  typed commands.
* ``views`` (``case_views``): the services' typed results as JSON answers, names translated.
* ``errors``: the one table of domain error -> HTTP status, and the error bodies.
* ``openapi`` (with ``response_schemas``): the OpenAPI document.
"""
