"""The HTTP edge: the error table and bodies, request schemas and their validation, the OpenAPI
document, and the views that shape responses. Only the API function imports it; services take
typed commands and return typed results."""
