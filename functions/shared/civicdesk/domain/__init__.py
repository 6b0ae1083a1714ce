"""Pure domain model: only the standard library is imported here."""
