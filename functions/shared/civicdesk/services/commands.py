"""What the typed commands of the staff use cases share: the field errors the HTTP edge found,
and the page of a list.

A staff request is authorised before its input is judged: a caller who may not take an action
learns 401 or 403, never which of their fields were wrong. So the edge does not raise the errors
its schemas find in a staff request; it hands them over on the command (``field_errors``), and
the service raises them once the caller is authorised, together with the errors it finds itself
against the municipality and the data, in one answer.
"""

from __future__ import annotations

from typing import Generic, Iterable, TypeVar

from msgspec import Struct

from ..domain.errors import FieldError, ValidationError

T = TypeVar("T")


class StaffCommand(Struct, frozen=True, kw_only=True):
    """The base of a staff command: ``field_errors`` are the edge's findings on its shape."""

    field_errors: tuple[FieldError, ...] = ()

    def raise_invalid(self, found: Iterable[FieldError] = ()) -> None:
        """Raise ``ValidationError`` with the edge's field errors and ``found``, if any.

        Examples
        --------
        >>> PageQuery(limit=10).raise_invalid()
        >>> PageQuery(field_errors=(FieldError("limit", "out_of_range"),)).raise_invalid(
        ...     [FieldError("cursor", "invalid")])
        Traceback (most recent call last):
        ...
        civicdesk.domain.errors.ValidationError: error.validation_failed
        """
        errors = [*self.field_errors, *found]
        if errors:
            raise ValidationError(errors)


class PageQuery(StaffCommand, frozen=True, kw_only=True):
    """One page of a list: at most ``limit`` items (``None``: the list's default) after the
    opaque ``cursor`` of the previous page."""

    limit: int | None = None
    cursor: str | None = None


class Page(Struct, Generic[T], frozen=True):
    """A page of a list and the cursor of the next one (``None``: this was the last)."""

    items: list[T]
    next_cursor: str | None
