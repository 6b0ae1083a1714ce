"""API Gateway's Cognito user pool authorizer (REST API, ``COGNITO_USER_POOLS``), emulated.

For a method guarded by such an authorizer API Gateway, before the function sees anything:

1. reads the identity source (``Identity.Header``, ``Authorization`` by default); a missing or
   empty header is ``401`` (the ``UNAUTHORIZED`` gateway response);
2. verifies the JWT: RS256-signed by a key of one of the authorizer's user pools (their JWKS,
   ``<issuer>/.well-known/jwks.json``), not expired, ``iss`` one of those pools;
3. without OAuth scopes on the method, accepts an ID token (``token_use`` ``id``, ``aud`` an
   app client of the pool) or an access token (``client_id`` one); with scopes, only an access
   token whose ``scope`` holds one of them;
4. hands the token's claims to the integration as ``requestContext.authorizer.claims``, every
   value a string (``render_claims``).

A token with the ``Bearer`` prefix is accepted as well as the raw token. Any failure is the same
``401``; only an expired token gets its own message (``The incoming token has expired``), as in
API Gateway. There is no authorizer-result cache here: every request is verified.

``verify_token`` and ``render_claims`` are pure (keys and client ids are looked up through
callables) and unit-tested in ``tests/unit/test_local_authorizer.py``; ``JwksCache``,
``PoolClients`` and ``RouteAuthorizer`` are the I/O around them that the server uses. Locally the
keys come from moto over HTTP: ``GET <moto url>/<pool id>/.well-known/jwks.json``. moto 5.2.1
routes that request to cognito-idp by its path alone (``get_service_from_unsigned_path`` in
``moto.moto_server.werkzeug_app``), so no ``Host: cognito-idp.<region>.amazonaws.com`` header is
needed.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Collection, Mapping

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from infra.local.apigateway import ApiRoute, HttpRequest

ALGORITHM = "RS256"
EXPIRED_MESSAGE = "The incoming token has expired"
UNAUTHORIZED_MESSAGE = "Unauthorized"
#: Claims API Gateway renders as dates (``exp``, ``iat``); ``auth_time`` stays a number.
_DATE_CLAIMS = ("exp", "iat")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_BEARER = re.compile(r"^\s*bearer(\s+|$)", re.IGNORECASE)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Unauthorized(Exception):
    """The request does not pass the authorizer; ``message`` is API Gateway's
    ``$context.error.message`` for it."""

    def __init__(self, message: str = UNAUTHORIZED_MESSAGE, reason: str = ""):
        super().__init__(reason or message)
        self.message = message
        #: Why, for the runtime's log (API Gateway does not tell the caller).
        self.reason = reason or message


@dataclass(frozen=True)
class PoolRef:
    """A user pool an authorizer trusts."""

    pool_id: str
    region: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"


@dataclass(frozen=True)
class CognitoAuthorizer:
    """One ``Auth.Authorizers`` entry with a ``UserPoolArn``, its pools resolved."""

    name: str
    pools: tuple[PoolRef, ...]
    identity_header: str = "Authorization"


#: ``(pool id, kid)`` -> the pool's public key with that id, or ``None``.
KeyLookup = Callable[[str, str], Any]
#: pool id -> whether ``client id`` is an app client of it.
ClientCheck = Callable[[str, str], bool]


def token_from_header(value: str | None) -> str | None:
    """The token in an identity header: the raw token, or after a ``Bearer`` prefix.

    Examples
    --------
    >>> token_from_header("Bearer abc.def.ghi"), token_from_header("abc.def.ghi")
    ('abc.def.ghi', 'abc.def.ghi')
    >>> token_from_header("  "), token_from_header(None), token_from_header("bearer ")
    (None, None, None)
    """
    if value is None:
        return None
    value = _BEARER.sub("", value, count=1).strip()
    return value or None


def verify_token(token: str, authorizer: CognitoAuthorizer, keys: KeyLookup,
                 is_client: ClientCheck, now: float, scopes: Collection[str] = ()) -> dict:
    """The verified claims of ``token``, or ``Unauthorized`` (see the module docstring)."""
    try:
        compact = jws.extract_compact(token.encode("ascii"))
        header = compact.headers()
        # The pool is told by the (not yet verified) issuer; the signature check then proves it.
        unverified = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError, TypeError, IndexError) as error:
        raise Unauthorized(reason=f"not a JWT ({type(error).__name__})") from None
    if not isinstance(unverified, dict):
        raise Unauthorized(reason="the token's payload is not a JSON object")
    if header.get("alg") != ALGORITHM:
        raise Unauthorized(reason=f"algorithm {header.get('alg')!r}, not {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise Unauthorized(reason="no kid in the token's header")
    pool = next((p for p in authorizer.pools if p.issuer == unverified.get("iss")), None)
    if pool is None:
        raise Unauthorized(reason=f"issuer {unverified.get('iss')!r} is not a pool of "
                                  f"{authorizer.name}")
    key = keys(pool.pool_id, kid)
    if key is None:
        raise Unauthorized(reason=f"no key {kid!r} in the JWKS of {pool.pool_id}")
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM]).claims
    except JoseError as error:
        raise Unauthorized(reason=f"signature: {type(error).__name__}") from None

    if claims.get("iss") != pool.issuer:
        raise Unauthorized(reason="issuer changed under the signature")
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)) or isinstance(expires, bool):
        raise Unauthorized(reason="no numeric exp")
    if expires <= now:
        raise Unauthorized(EXPIRED_MESSAGE, reason=f"expired {now - expires:.0f} s ago")

    token_use = claims.get("token_use")
    if scopes:
        granted = set(str(claims.get("scope", "")).split())
        if token_use != "access" or not granted & set(scopes):
            raise Unauthorized(reason=f"needs an access token with one of {sorted(scopes)}")
    if token_use == "id":
        audience = claims.get("aud")
        if not isinstance(audience, str) or not is_client(pool.pool_id, audience):
            raise Unauthorized(reason=f"aud {audience!r} is not an app client of {pool.pool_id}")
    elif token_use == "access":
        client_id = claims.get("client_id")
        if not isinstance(client_id, str) or not is_client(pool.pool_id, client_id):
            raise Unauthorized(reason=f"client_id {client_id!r} is not an app client of "
                                      f"{pool.pool_id}")
    else:
        raise Unauthorized(reason=f"token_use {token_use!r}")
    return claims


def render_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as API Gateway hands them to a proxy integration: every value a string.

    ``exp`` and ``iat`` become dates the way API Gateway prints them (Java's ``Date.toString``
    in UTC: ``Sun Dec 17 07:28:12 UTC 2017``, as real ``requestContext.authorizer.claims``
    show); ``auth_time`` and other numbers stay decimal numbers; booleans are ``true``/``false``;
    lists (``cognito:groups``) are joined with commas; objects become JSON.

    Examples
    --------
    >>> claims = render_claims({"exp": 1513495692, "auth_time": 1513492092, "sub": "42",
    ...                         "email_verified": True, "cognito:groups": ["operator", "admin"]})
    >>> claims["exp"], claims["auth_time"], claims["sub"]
    ('Sun Dec 17 07:28:12 UTC 2017', '1513492092', '42')
    >>> claims["email_verified"], claims["cognito:groups"]
    ('true', 'operator,admin')
    """
    rendered = {}
    for name, value in claims.items():
        if name in _DATE_CLAIMS and isinstance(value, (int, float)) and not isinstance(value, bool):
            rendered[name] = claim_date(value)
        else:
            rendered[name] = _claim_text(value)
    return rendered


def claim_date(seconds: float) -> str:
    """``Sun Dec 17 07:28:12 UTC 2017``: English names whatever the locale."""
    moment = datetime.fromtimestamp(int(seconds), timezone.utc)
    return (f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} "
            f"{moment:%H:%M:%S} UTC {moment.year}")


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ",".join(_claim_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


# -- the I/O around it -----------------------------------------------------------------------------

def fetch_json(url: str, timeout: float = 5.0) -> Any:
    """GET ``url`` as JSON, never through a proxy (the endpoint is moto on 127.0.0.1)."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(urllib.request.Request(url, headers={"Accept": "application/json"}),
                     timeout=timeout) as answer:
        return json.loads(answer.read())


class _RefreshingCache:
    """Values per pool, fetched on first use and fetched again when a lookup misses (a key was
    rotated, a client added), at most once per ``min_refresh`` seconds per pool so that a stream
    of forged tokens cannot turn into a stream of fetches."""

    def __init__(self, fetch: Callable[[str], Any], min_refresh: float,
                 clock: Callable[[], float]):
        self._fetch = fetch
        self._min_refresh = min_refresh
        self._clock = clock
        self._values: dict[str, Any] = {}
        self._fetched_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def get(self, pool_id: str, found: Callable[[Any], Any]) -> Any:
        with self._lock:
            if pool_id in self._values:
                result = found(self._values[pool_id])
                if result is not None or (self._clock() - self._fetched_at[pool_id]
                                          < self._min_refresh):
                    return result
            self._values[pool_id] = self._fetch(pool_id)
            self._fetched_at[pool_id] = self._clock()
            return found(self._values[pool_id])


class JwksCache:
    """The pools' public keys by ``kid``, from their JWKS endpoint (``jwks_url(pool id)``)."""

    def __init__(self, jwks_url: Callable[[str], str],
                 fetch: Callable[[str], Any] = fetch_json, min_refresh: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self._cache = _RefreshingCache(lambda pool_id: self._load(fetch(jwks_url(pool_id))),
                                       min_refresh, clock)

    @staticmethod
    def _load(document: Any) -> dict[str, RSAKey]:
        keys = KeySet.import_key_set(document).keys
        return {key.kid: key for key in keys if key.kid and isinstance(key, RSAKey)}

    def __call__(self, pool_id: str, kid: str) -> RSAKey | None:
        return self._cache.get(pool_id, lambda keys: keys.get(kid))


class PoolClients:
    """Whether a client id is an app client of a pool (``list_clients(pool id)`` gives them)."""

    def __init__(self, list_clients: Callable[[str], Collection[str]], min_refresh: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self._cache = _RefreshingCache(lambda pool_id: frozenset(list_clients(pool_id)),
                                       min_refresh, clock)

    def __call__(self, pool_id: str, client_id: str) -> bool:
        return bool(self._cache.get(pool_id, lambda ids: True if client_id in ids else None))


class RouteAuthorizer:
    """What the local API Gateway calls for a route with an authorizer: ``{"claims": ...}``
    for ``requestContext.authorizer``, or ``Unauthorized``."""

    def __init__(self, authorizers: Mapping[str, CognitoAuthorizer], keys: KeyLookup,
                 is_client: ClientCheck, clock: Callable[[], float] = time.time):
        self._authorizers = dict(authorizers)
        self._keys = keys
        self._is_client = is_client
        self._clock = clock

    def __call__(self, route: ApiRoute, request: HttpRequest) -> dict:
        authorizer = self._authorizers[route.authorizer]
        token = token_from_header(request.header(authorizer.identity_header))
        if token is None:
            raise Unauthorized(reason=f"no {authorizer.identity_header} header")
        claims = verify_token(token, authorizer, self._keys, self._is_client, self._clock(),
                              route.scopes)
        return {"claims": render_claims(claims)}


def list_pool_clients(cognito_client: Any) -> Callable[[str], list[str]]:
    """``pool id -> its app client ids`` through a ``cognito-idp`` client."""
    def list_clients(pool_id: str) -> list[str]:
        paginator = cognito_client.get_paginator("list_user_pool_clients")
        return [client["ClientId"] for page in paginator.paginate(UserPoolId=pool_id)
                for client in page.get("UserPoolClients", [])]

    return list_clients
