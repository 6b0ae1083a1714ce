"""The local runtime of CivicDesk (``make run``): the same handlers against moto's server."""
