"""The requester's private link to their case, in every message they get.

The confirmation's link carries a random token of which the case keeps only a hash (shown
once, ``domain.tracking_tokens.new_tracking_token``). Every later mail and SMS to the requester carries a
token derived from the case number with the stack's link key (``domain.tracking_tokens.LinkKey``): it is
stored nowhere, and each function that writes to the requester derives it again. Both open the
case's private view; ``docs/decisions.md`` (2026-12-01, "The requester's link in every
message") says why, and how the key is rotated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..domain.tracking_tokens import derive_tracking_token, derived_token_key_id, derived_token_matches, token_matches
from ..domain.tracking_tokens import tracking_url as portal_url

if TYPE_CHECKING:  # annotations only: the ports' protocols are not built at cold start
    from .ports import LinkKeys


class TrackingLinks:
    """Writes and checks the requester's tracking links.

    Examples
    --------
    >>> from civicdesk.domain.tracking_tokens import LinkKey, hash_token
    >>> class Keys:
    ...     def keys(self, *, fresh=False):
    ...         return [LinkKey(b"k" * 32)]
    >>> links = TrackingLinks(Keys(), "https://prijave.demo.rs")
    >>> url = links.private_url("2026-000123", "sr-Latn")
    >>> url.startswith("https://prijave.demo.rs/track.html?number=2026-000123&token=7c6c.")
    True
    >>> token = url.split("token=")[1].split("&")[0]
    >>> links.authorises("2026-000123", token, hash_token("the confirmation's token"))
    True
    >>> links.authorises("2026-000124", token, hash_token("the confirmation's token"))
    False
    >>> links.authorises("2026-000123", "the confirmation's token", hash_token("the confirmation's token"))
    True
    """

    def __init__(self, keys: LinkKeys, public_url: str):
        self._keys = keys
        self._public_url = public_url.rstrip("/")

    def token(self, number: str) -> str:
        """The derived token of case ``number`` under the current key."""
        return derive_tracking_token(number, self._keys.keys()[0])

    def private_url(self, number: str, language: str) -> str:
        """The link that opens case ``number``'s private view, in ``language``."""
        return portal_url(self._public_url, number, self.token(number), language)

    def public_url(self, number: str, language: str) -> str:
        """The case's public page (no token): what anyone may see of a public case."""
        return portal_url(self._public_url, number, None, language)

    def authorises(self, number: str, token: str | None, token_hash: str | None) -> bool:
        """Whether ``token`` opens case ``number``: the confirmation's token (its hash is the
        case's ``token_hash``), or a derived token under a key in force. The keys are read
        only for a token of the derived shape."""
        return token_matches(token, token_hash) or self.derived_authorises(number, token)

    def derived_authorises(self, number: str, token: str | None) -> bool:
        """Whether ``token`` is case ``number``'s derived token under a key in force: known
        without reading the case."""
        key_id = derived_token_key_id(token)
        if key_id is None:
            return False
        keys = self._keys.keys()
        if all(key.id != key_id for key in keys):
            keys = self._keys.keys(fresh=True)
        return derived_token_matches(number, token, keys)
