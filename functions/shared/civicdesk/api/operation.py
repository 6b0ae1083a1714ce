"""One operation of the OpenAPI document (``openapi.OPERATIONS``): its route, its schemas and
the answers it may give."""

from __future__ import annotations

from msgspec import Struct, field

from .validation import Obj


class Operation(Struct, frozen=True):
    method: str
    path: str
    operation_id: str
    tag: str
    summary: str
    response: Obj | None
    status: int = 200
    description: str = ""
    body: Obj | None = None
    query: Obj | None = None
    staff: bool = False
    errors: tuple[int, ...] = (400,)
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    body_required: bool = True
    form_body: Obj | None = None  # also accepted as application/x-www-form-urlencoded
    #: 400s beyond the body's schema, checked against the municipality: (field, code, when).
    refusals: tuple[tuple[str, str, str], ...] = ()
    csv: bool = False  # also answers ``text/csv`` (a download, ``format=csv``)
    #: Needs a citizen's ID token (``CitizenAuthorizer``: the account routes, issue 16)
    citizen: bool = False
