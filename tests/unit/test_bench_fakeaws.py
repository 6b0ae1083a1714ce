"""The cold-start bench's constant-time AWS endpoint (``bench/fakeaws.py``): it records what the
upstream answers, then answers alone, and refuses what it never saw."""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.fakeaws import FakeAws

SCOPE = "AWS4-HMAC-SHA256 Credential=bench/20261201/eu-central-1/{}/aws4_request, SignedHeaders=host"


class Upstream(ThreadingHTTPServer):
    """Answers each request with how many it has seen, so a replayed answer is recognisable."""

    def __init__(self):
        self.seen = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler):  # noqa: N805 - the server is ``self`` here
                handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
                self.seen += 1
                body = json.dumps({"seen": self.seen}).encode()
                handler.send_response(200)
                handler.send_header("Content-Type", "application/x-amz-json-1.0")
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)

            do_GET = do_POST

            def log_message(handler, *args):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def call(url: str, service: str, method: str = "POST", path: str = "/", target: str | None = None,
         body: dict | None = None) -> tuple[int, dict]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Authorization": SCOPE.format(service)}
    if target:
        headers["X-Amz-Target"] = target
    connection.request(method, path, body=json.dumps(body or {}).encode(), headers=headers)
    response = connection.getresponse()
    answer = response.status, json.loads(response.read() or b"{}")
    connection.close()
    return answer


def test_it_replays_what_the_upstream_answered_and_refuses_the_rest():
    upstream = Upstream()
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        with FakeAws(upstream="http://%s:%d" % upstream.server_address[:2]) as fake:
            get = {"TableName": "cases", "Key": {"pk": {"S": "CASE#1"}, "sk": {"S": "CASE"}}}
            other = {"TableName": "cases", "Key": {"pk": {"S": "CASE#2"}, "sk": {"S": "CASE"}}}
            assert call(fake.url, "dynamodb", target="DynamoDB_20120810.GetItem", body=get) == (200, {"seen": 1})
            assert call(fake.url, "dynamodb", target="DynamoDB_20120810.GetItem", body=other) == (200, {"seen": 2})
            assert call(fake.url, "s3", "GET", "/mail/inbound/a") == (200, {"seen": 3})
            fake.replay()
            upstream.shutdown()
            # the same item's answer, whatever else the request says (a write's values change)
            assert call(fake.url, "dynamodb", target="DynamoDB_20120810.GetItem",
                        body={**get, "ConsistentRead": True}) == (200, {"seen": 1})
            assert call(fake.url, "dynamodb", target="DynamoDB_20120810.GetItem", body=other) == (200, {"seen": 2})
            assert call(fake.url, "s3", "GET", "/mail/inbound/a") == (200, {"seen": 3})
            assert upstream.seen == 3  # nothing reached the upstream once replaying
            status, _ = call(fake.url, "dynamodb", target="DynamoDB_20120810.Query", body={"TableName": "cases"})
            assert status == 500
            assert fake.unanswered == [("dynamodb", "DynamoDB_20120810.Query")]
    finally:
        upstream.server_close()
