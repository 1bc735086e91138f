"""A fault-injecting HTTP proxy in front of moto_server, for tests of what real AWS does and
moto cannot be made to do on cue: throttle a call, refuse it, or hang it while the test
kills slipway. `fault_proxy.py PORT UPSTREAM_URL RULES_JSON [READY_FILE]`.

Every request is forwarded unchanged to UPSTREAM_URL (Host header and SigV4 signature
included, so moto checks the real signature) unless a rule takes it. RULES_JSON is a list
of rules, tried in order:

  {"action": "DescribeStackEvents",   the Query Action= or the X-Amz-Target operation
   "after": "ExecuteChangeSet",       only once this action has been forwarded (optional)
   "after_times": 2,                  ... this many times (default 1)
   "times": 3,                        how many requests the rule takes (default: all)
   "status": 400,                     the answer it gives ...
   "code": "Throttling",              ... as an AWS Query error with this code
   "hang": false,                     or: hold the request open without answering
   "stale": false,                    or: answer with moto's last answer to this action
                                      (a read that lags behind, as AWS's may right after
                                      a change; forwarded when there is none yet)
   "mark": "/path/file"}              write this file when the rule first takes a request

Each forwarded or answered request is appended to READY_FILE's neighbour `<READY>.log` as
"<action> <forwarded|STATUS|hang>" so tests can check what happened. READY_FILE is written
once the proxy listens.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
UPSTREAM = urllib.parse.urlsplit(sys.argv[2])
with open(sys.argv[3], encoding="utf-8") as f:
    RULES = json.load(f)
READY = sys.argv[4] if len(sys.argv) > 4 else None
LOG = READY + ".log" if READY else None

lock = threading.Lock()
seen = {}  # action -> how many times it was forwarded
last = {}  # action -> (status, headers, body) of moto's latest answer
taken = [0] * len(RULES)


def action_of(headers, body):
    target = headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return fields.get("Action", [""])[0]


def log(line):
    if LOG:
        with lock, open(LOG, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def rule_for(action):
    with lock:
        for i, rule in enumerate(RULES):
            if rule.get("action") != action:
                continue
            if rule.get("after") and seen.get(rule["after"], 0) < rule.get("after_times", 1):
                continue
            if "times" in rule and taken[i] >= rule["times"]:
                continue
            taken[i] += 1
            if rule.get("mark") and taken[i] == 1:
                with open(rule["mark"], "w", encoding="utf-8") as f:
                    f.write(action + "\n")
            return rule
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        action = action_of(self.headers, body)
        rule = rule_for(action)
        if rule and rule.get("hang"):
            log(action + " hang")
            time.sleep(3600)
            return
        if rule and rule.get("stale"):
            with lock:
                answer = last.get(action)
            if answer:
                log(action + " stale")
                self.answer_with(*answer)
                return
            rule = None
        if rule:
            log(f"{action} {rule.get('status', 400)}")
            self.answer_error(rule)
            return
        self.forward(body, action)
        log(action + " forwarded")

    def answer_error(self, rule):
        code = rule.get("code", "Throttling")
        text = (
            '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
            f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{code} injected by the "
            "test proxy</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
        ).encode()
        self.send_response(rule.get("status", 400))
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(text)))
        self.send_header("x-amzn-RequestId", "fault-proxy")
        self.end_headers()
        self.wfile.write(text)

    def forward(self, body, action):
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        conn.request(self.command, self.path, body=body, headers=headers)
        reply = conn.getresponse()
        data = reply.read()
        kept = [(k, v) for k, v in reply.getheaders()
                if k.lower() not in ("transfer-encoding", "connection", "content-length")]
        with lock:  # counted before the caller hears the answer, so its next call sees it
            seen[action] = seen.get(action, 0) + 1
            if reply.status < 300:
                last[action] = (reply.status, kept, data)
        self.answer_with(reply.status, kept, data)
        conn.close()

    def answer_with(self, status, headers, data):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
if READY:
    with open(READY, "w", encoding="utf-8") as f:
        f.write("ready\n")
server.serve_forever()
