"""Request schemas of the HTTP API. The same objects validate requests and render OpenAPI."""

from __future__ import annotations

from .domain.cases import LANGUAGES
from .schema import Num, Obj, Str

PHONE_PATTERN = r"^\+?[0-9][0-9 ()./-]{4,38}$"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9-]{8,100}$"
MAX_BODY_BYTES = 64 * 1024

LOCATION = Obj({
    "lat": Num(minimum=-90, maximum=90, description="Latitude, WGS 84"),
    "lon": Num(minimum=-180, maximum=180, description="Longitude, WGS 84"),
    "address": Str(max_length=300, description="Street address or a description of the place"),
}, together=(("lat", "lon"),), description="Where the problem is")

CONTACT = Obj({
    "name": Str(max_length=200),
    "email": Str(max_length=254, format="email"),
    "phone": Str(max_length=40, pattern=PHONE_PATTERN),
}, description="How to reach the citizen; never published")

PUBLIC_CASE = Obj({
    "type": Str(required=True, max_length=32,
                description="signal, information, suggestion, complaint or request "
                            "(the municipality's public_form_types)"),
    "category": Str(required=True, max_length=64, description="A category id"),
    "description": Str(required=True, min_length=10, max_length=5000, multiline=True),
    "language": Str(max_length=8, enum=LANGUAGES),
    "channel": Str(max_length=8, enum=("web", "app")),
    "location": LOCATION,
    "contact": CONTACT,
}, description="A case submitted by a citizen through the web form or an app")
