"""A local AWS endpoint that answers in constant time, for measuring cold starts.

moto answers with the right shapes but at a cost that is not DynamoDB's (a transaction copies the
whole table, every request goes through its werkzeug app and response templates). A cold start
measured against moto therefore measures moto too. This server speaks the AWS protocols the
cold-start paths use (DynamoDB's JSON, S3's and SES v2's REST, SNS's query protocol) without
knowing any of them beyond what identifies a request:

- ``record``: every request is forwarded to an upstream endpoint (moto), and the answer kept;
- ``replay``: every request is answered from what was recorded, by a dictionary look-up, with no
  upstream and no state, so an answer costs the same whatever came before.

A request is identified by its service (the SigV4 credential scope), its operation (DynamoDB's
``X-Amz-Target``, SNS's ``Action``, else the method and path, which for S3 includes bucket and
key) and, for DynamoDB, the item or query it names. Replay first looks for the same request
body, then for the same item or query, then for the last answer to the same operation; an
operation never recorded is answered 500, so a path that changed since recording fails loudly.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
#: Answer headers worth replaying (the rest are the upstream's framing and dates).
_KEPT_HEADERS = ("content-type", "x-amz-crc32", "x-amzn-requestid", "x-amz-request-id", "etag",
                 "last-modified", "accept-ranges", "x-amz-version-id", "x-amzn-errortype")
#: The request fields that name a DynamoDB item or query (not the values written).
_DYNAMODB_IDENTITY = ("TableName", "Key", "IndexName", "KeyConditionExpression",
                      "ExpressionAttributeValues", "RequestItems", "ExclusiveStartKey")

Answer = tuple[int, tuple[tuple[str, str], ...], bytes]


def request_keys(method: str, path: str, headers, body: bytes) -> tuple[tuple, tuple, tuple]:
    """The exact, the identifying and the operation key of a request, most specific first."""
    match = _SCOPE.search(headers.get("Authorization", ""))
    service = match.group(1) if match else "unsigned"
    target = headers.get("X-Amz-Target")
    if target:
        operation = (service, target)
        identity: object = ""
        if service == "dynamodb":
            try:
                document = json.loads(body or b"{}")
            except ValueError:
                document = {}
            if document.get("Item") and not document.get("Key"):
                document["Key"] = {name: value for name, value in document["Item"].items()
                                   if name in ("pk", "sk")}
            identity = json.dumps({name: document.get(name) for name in _DYNAMODB_IDENTITY
                                   if name in document}, sort_keys=True)
    elif service in ("sns", "sqs") and method == "POST":
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        operation, identity = (service, action), ""
    else:
        operation, identity = (service, method, urlsplit(path).path), urlsplit(path).query
    return (*operation, identity, body), (*operation, identity), operation


class Recording:
    """Answers by key; thread-safe, since botocore may use several connections."""

    def __init__(self):
        self._answers: dict[tuple, Answer] = {}
        self._lock = threading.Lock()

    def keep(self, keys: tuple[tuple, ...], answer: Answer) -> None:
        with self._lock:
            for key in keys:
                self._answers[key] = answer

    def find(self, keys: tuple[tuple, ...]) -> Answer | None:
        for key in keys:
            answer = self._answers.get(key)
            if answer is not None:
                return answer
        return None

    def operations(self) -> list[tuple]:
        return sorted({key for key in self._answers if len(key) == 2}, key=str)


class FakeAws(ThreadingHTTPServer):
    """``with FakeAws(upstream="http://127.0.0.1:5000") as aws: ...`` records; ``aws.replay()``
    switches to answering from the recording alone. ``aws.url`` is the endpoint to give
    ``AWS_ENDPOINT_URL``."""

    daemon_threads = True

    def __init__(self, upstream: str | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.recording = Recording()
        self.upstream = urlsplit(upstream) if upstream else None
        self.answered = 0
        self.unanswered: list[tuple] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address) -> None:
        """A client that exits with its connection open (every cold start's process) is not an
        error worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def replay(self) -> None:
        self.upstream = None

    def __enter__(self) -> "FakeAws":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()

    def answer(self, method: str, path: str, headers, body: bytes) -> Answer:
        keys = request_keys(method, path, headers, body)
        if self.upstream is not None:
            answer = self._forward(method, path, headers, body)
            self.recording.keep(keys, answer)
            return answer
        found = self.recording.find(keys)
        if found is None:
            self.unanswered.append(keys[2])
            message = json.dumps({"__type": "FakeAwsNotRecorded", "message": str(keys[2])})
            return 500, (("content-type", "application/x-amz-json-1.0"),), message.encode()
        self.answered += 1
        return found

    def _forward(self, method: str, path: str, headers, body: bytes) -> Answer:
        assert self.upstream is not None
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            forwarded = {name: value for name, value in headers.items()
                         if name.lower() not in ("connection", "keep-alive")}
            connection.request(method, path, body=body, headers=forwarded)
            response = connection.getresponse()
            data = response.read()
            kept = tuple((name.lower(), value) for name, value in response.getheaders()
                         if name.lower() in _KEPT_HEADERS)
            return response.status, kept, data
        finally:
            connection.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects of AWS
    #: An answer leaves in one segment, at once. With Nagle's algorithm on and the head and the
    #: body written apart, the body waited for the client's delayed ACK: every call after a
    #: connection's first took about 40 ms (Linux's delayed-ACK timer), not a look-up's time.
    disable_nagle_algorithm = True
    server: FakeAws

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, data = self.server.answer(self.command, self.path, self.headers, body)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        # The head's end and the body in the buffer ``flush_headers`` sends in one write.
        self._headers_buffer.append(b"\r\n" + (data if self.command != "HEAD" else b""))
        self.flush_headers()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass
