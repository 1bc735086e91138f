#!/usr/bin/env python3
"""A small stateful stand-in for GitHub's REST API, run *behind* Stoplight Prism's validation
proxy (`prism proxy <GitHub's description> http://this --errors`), never instead of it.

Prism checks every request against GitHub's own OpenAPI description (@octokit/openapi) and
rejects what is off the schema (422) before it gets here, and checks the answers given here
against the same description. Prism keeps no state, so this fake adds the little state the
tests need to see that slipway edits one comment in place, moves a check run through its
states, posts deployments with their statuses, and retries what GitHub asks it to retry.

What it emulates, per repository (tests use one repository each, so they can share it):
  - issue comments: list (paged: per_page, page, a Link header), create, update;
  - check runs: create, update (status, conclusion, output; annotations kept);
  - commit statuses: create;
  - deployments and deployment statuses: create (auto_inactive marks the environment's earlier
    deployments' latest status inactive, as GitHub does);
  - GitHub App authentication: GET /repos/{owner}/{repo}/installation with an RS256 JWT
    verified against the App's public key, and installation access tokens (1 hour) that the
    repository endpoints then require. Tests register an App per repository, and two may use
    the same installation id with different keys: a token is sold for the installations
    whose App's key verifies the JWT (GitHub's installation ids are unique);
  - faults on demand: the next N requests matching a path answer a given status and headers
    (503, 403 with x-ratelimit-remaining: 0 and x-ratelimit-reset, 429 with Retry-After);
  - team memberships of an organization: GET /orgs/{org}/teams/{team_slug}/memberships/
    {username} answers the state set for that person (active, pending), else 404 (as GitHub
    does for no membership); a token is needed (any: whether it may read the members is not
    checked).
What it does not: permissions, team hierarchies (a parent team's membership), pagination of anything but comments, check suites, reviews,
webhooks, search, every other endpoint (Prism's own mock answers those; here they are 404).

Every answer body is GitHub's own example for that operation from the description, with the
fields this fake keeps (ids, bodies, states, times) overwritten, so Prism's validation of the
answer passes for the same reason it passes for GitHub.

Control (straight to this server, not through Prism): GET /_fake/state?repo=o/r (or ?org=o:
its teams and the membership requests), POST /_fake/reset {"repo", "app_id", "public_key",
"installation_id", "token_ttl"}, POST /_fake/faults {"repo", "path", "status", "headers",
"count", "body"}, POST /_fake/teams {"org", "team", "members": {"login": "active"}}.
"""
import argparse
import base64
import copy
import datetime
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LOCK = threading.Lock()
EXAMPLES = {}
REPOS = {}  # "owner/repo" -> state
ORGS = {}  # "org" -> {"teams": {slug: {login: state}}, "requests": [...]}


def now_iso(offset=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        parts = node["$ref"].lstrip("#/").split("/")
        node = spec
        for p in parts:
            node = node[p]
    return node


def load_examples(spec_file):
    spec = json.load(open(spec_file))
    wanted = {
        "list_comments": ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "get", "200"),
        "comment": ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "post", "201"),
        "check_run": ("/repos/{owner}/{repo}/check-runs", "post", "201"),
        "check_run_updated": ("/repos/{owner}/{repo}/check-runs/{check_run_id}", "patch", "200"),
        "status": ("/repos/{owner}/{repo}/statuses/{sha}", "post", "201"),
        "deployment": ("/repos/{owner}/{repo}/deployments", "post", "201"),
        "deployment_status": ("/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "post", "201"),
        "installation": ("/repos/{owner}/{repo}/installation", "get", "200"),
        "token": ("/app/installations/{installation_id}/access_tokens", "post", "201"),
        "team_membership": ("/orgs/{org}/teams/{team_slug}/memberships/{username}", "get", "200"),
    }
    for key, (path, method, code) in wanted.items():
        response = resolve(spec, spec["paths"][path][method]["responses"][code])
        examples = response["content"]["application/json"]["examples"]
        EXAMPLES[key] = resolve(spec, next(iter(examples.values())))["value"]


def org_state(name):
    if name not in ORGS:
        ORGS[name] = {"teams": {}, "requests": []}
    return ORGS[name]


def repo_state(name):
    if name not in REPOS:
        REPOS[name] = {"comments": {}, "check_runs": {}, "statuses": [], "deployments": {},
                       "deployment_statuses": [], "requests": [], "faults": [], "app": None,
                       "tokens": {}, "next_id": 1000}
    return REPOS[name]


def new_id(state):
    state["next_id"] += 1
    return state["next_id"]


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(token, app):
    """The App's JWT: RS256 over header.payload with the App's key, iss = app id, iat/exp
    within GitHub's limits (exp at most 10 minutes after iat, not expired)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    try:
        header_b64, payload_b64, sig_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        payload = json.loads(b64url_decode(payload_b64))
        key = serialization.load_pem_public_key(app["public_key"].encode())
        key.verify(b64url_decode(sig_b64), f"{header_b64}.{payload_b64}".encode(),
                   padding.PKCS1v15(), hashes.SHA256())
    except Exception as e:  # noqa: BLE001 - any defect is a 401, as GitHub answers
        return f"bad JWT: {e}"
    if header.get("alg") != "RS256":
        return "alg is not RS256"
    if str(payload.get("iss")) != str(app["app_id"]):
        return f"iss {payload.get('iss')} is not the App's id {app['app_id']}"
    t = time.time()
    if payload.get("exp", 0) < t or payload.get("iat", t + 100) > t + 60:
        return "JWT expired or issued in the future"
    if payload["exp"] - payload["iat"] > 600:
        return "JWT lives longer than 10 minutes"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet; the requests are in the state
        pass

    def answer(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return json.loads(raw) if raw else {}

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PATCH(self):
        self.route("PATCH")

    def route(self, method):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        try:
            payload = self.body() if method != "GET" else {}
        except json.JSONDecodeError:
            return self.answer(400, {"message": "Problems parsing JSON"})
        if url.path.startswith("/_fake/"):
            return self.control(method, url.path, query, payload)
        with LOCK:
            status, body, headers = self.github(method, url.path, query, payload)
        self.answer(status, body, headers)

    # --- the test's side door ------------------------------------------------------------
    def control(self, method, path, query, payload):
        with LOCK:
            if path == "/_fake/state" and "org" in query:
                return self.answer(200, org_state(query["org"]))
            if path == "/_fake/state":
                return self.answer(200, repo_state(query["repo"]))
            if path == "/_fake/teams":
                org = org_state(payload["org"])
                org["teams"][payload["team"]] = dict(payload.get("members", {}))
                org["requests"] = []
                return self.answer(200, {})
            if path == "/_fake/reset":
                name = payload["repo"]
                REPOS.pop(name, None)
                state = repo_state(name)
                if payload.get("public_key"):
                    state["app"] = {"app_id": payload["app_id"],
                                    "public_key": payload["public_key"],
                                    "installation_id": payload.get("installation_id", 4242),
                                    "token_ttl": payload.get("token_ttl", 3600)}
                return self.answer(200, {})
            if path == "/_fake/faults":
                repo_state(payload["repo"])["faults"].append(payload)
                return self.answer(200, {})
        self.answer(404, {"message": "no such control"})

    # --- GitHub ---------------------------------------------------------------------------
    def github(self, method, path, query, payload):
        m = re.match(r"^/repos/([^/]+)/([^/]+)(/.*)$", path)
        app_match = re.match(r"^/app/installations/(\d+)/access_tokens$", path)
        if app_match:
            return self.access_token(int(app_match.group(1)))
        team_match = re.match(r"^/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)$", path)
        if team_match and method == "GET":
            return self.team_membership(*team_match.groups())
        if not m:
            return 404, {"message": "Not Found"}, {}
        name, rest = f"{m.group(1)}/{m.group(2)}", m.group(3)
        state = repo_state(name)
        for fault in state["faults"]:
            if fault.get("count", 1) > 0 and fault.get("path", "") in rest and \
                    fault.get("method", method) == method:
                fault["count"] = fault.get("count", 1) - 1
                state["requests"].append({"method": method, "path": rest,
                                          "status": fault["status"], "at": time.time()})
                return fault["status"], fault.get("body", {"message": "fault"}), \
                    fault.get("headers", {})
        if rest == "/installation" and method == "GET":
            status, body = self.installation(state)
        else:
            why = self.unauthorized(state)
            status, body = (401, {"message": why}) if why else self.repo_call(state, method,
                                                                              rest, query, payload)
        state["requests"].append({"method": method, "path": rest, "status": status,
                                  "at": time.time(), "body": payload})
        headers = {}
        if isinstance(body, tuple):
            body, headers = body
        return status, body, headers

    def unauthorized(self, state):
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else ""
        if not token:
            return "Requires authentication"
        if state["app"] is not None:
            expiry = state["tokens"].get(token)
            if expiry is None or expiry < time.time():
                return "Bad credentials"
        return None

    def team_membership(self, org_name, slug, login):
        org = org_state(org_name)
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else ""
        if not token:
            status, body = 401, {"message": "Bad credentials"}
        else:
            state = org["teams"].get(slug, {}).get(login)
            if state is None:
                status, body = 404, {"message": "Not Found"}
            else:
                body = copy.deepcopy(EXAMPLES["team_membership"])
                body.update({"state": state, "role": "member",
                             "url": f"https://api.github.com/teams/1/memberships/{login}"})
                status = 200
        org["requests"].append({"team": slug, "login": login, "status": status,
                                "at": time.time()})
        return status, body, {}

    def installation(self, state):
        app = state["app"]
        if app is None:
            return 404, {"message": "Not Found"}
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return 401, {"message": "A JSON web token could not be decoded"}
        why = verify_jwt(auth[len("Bearer "):], app)
        if why:
            return 401, {"message": why}
        body = copy.deepcopy(EXAMPLES["installation"])
        body["id"] = app["installation_id"]
        body["app_id"] = int(app["app_id"])
        return 200, body

    def access_token(self, installation_id):
        with_app = [s for s in REPOS.values()
                    if s["app"] and s["app"]["installation_id"] == installation_id]
        if not with_app:
            return 404, {"message": "Not Found"}, {}
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return 401, {"message": "no JWT"}, {}
        whys = [verify_jwt(auth[len("Bearer "):], s["app"]) for s in with_app]
        if all(whys):
            return 401, {"message": whys[0]}, {}
        with_app = [s for s, why in zip(with_app, whys) if not why]
        token = f"ghs_fake{int(time.time() * 1000)}{len(with_app[0]['tokens'])}"
        ttl = with_app[0]["app"]["token_ttl"]
        body = copy.deepcopy(EXAMPLES["token"])
        body["token"] = token
        body["expires_at"] = now_iso(ttl)
        for s in with_app:
            s["tokens"][token] = time.time() + ttl
            s["requests"].append({"method": "POST", "path": "/app/installations/access_tokens",
                                  "status": 201, "at": time.time()})
        return 201, body, {}

    def repo_call(self, state, method, rest, query, payload):
        m = re.match(r"^/issues/(\d+)/comments$", rest)
        if m and method == "GET":
            return self.list_comments(state, int(m.group(1)), query)
        if m and method == "POST":
            c = {"id": new_id(state), "issue": int(m.group(1)), "body": payload["body"],
                 "created_at": now_iso(), "updated_at": now_iso(), "edits": 0}
            state["comments"][str(c["id"])] = c
            return 201, self.comment_body(c)
        m = re.match(r"^/issues/comments/(\d+)$", rest)
        if m and method == "PATCH":
            c = state["comments"].get(m.group(1))
            if c is None:
                return 404, {"message": "Not Found"}
            c["body"], c["updated_at"] = payload["body"], now_iso()
            c["edits"] += 1
            return 200, self.comment_body(c)
        if rest == "/check-runs" and method == "POST":
            run = dict(payload, id=new_id(state), updates=[dict(payload)])
            run.setdefault("status", "queued")
            state["check_runs"][str(run["id"])] = run
            return 201, self.check_run_body(run, "check_run")
        m = re.match(r"^/check-runs/(\d+)$", rest)
        if m and method == "PATCH":
            run = state["check_runs"].get(m.group(1))
            if run is None:
                return 404, {"message": "Not Found"}
            run["updates"].append(dict(payload))
            run.update(payload)
            if "conclusion" in payload:
                run["status"] = "completed"
            return 200, self.check_run_body(run, "check_run_updated")
        m = re.match(r"^/statuses/([0-9a-f]{40})$", rest)
        if m and method == "POST":
            status = dict(payload, sha=m.group(1), id=new_id(state))
            state["statuses"].append(status)
            body = copy.deepcopy(EXAMPLES["status"])
            body.update({"id": status["id"], "state": payload["state"],
                         "context": payload.get("context", "default"),
                         "description": payload.get("description"),
                         "target_url": payload.get("target_url")})
            return 201, body
        if rest == "/deployments" and method == "POST":
            d = dict(payload, id=new_id(state), created_at=now_iso())
            state["deployments"][str(d["id"])] = d
            body = copy.deepcopy(EXAMPLES["deployment"])
            body.update({"id": d["id"], "ref": payload["ref"], "sha": payload["ref"],
                         "environment": payload.get("environment", "production"),
                         "description": payload.get("description"),
                         "payload": payload.get("payload", {}),
                         "production_environment": payload.get("production_environment", False)})
            return 201, body
        m = re.match(r"^/deployments/(\d+)/statuses$", rest)
        if m and method == "POST":
            d = state["deployments"].get(m.group(1))
            if d is None:
                return 404, {"message": "Not Found"}
            if payload["state"] == "success" and payload.get("auto_inactive", True):
                for other in state["deployments"].values():
                    if other["id"] != d["id"] and other.get("environment") == d.get("environment"):
                        other["inactive"] = True
            s = dict(payload, deployment_id=d["id"], id=new_id(state), at=time.time())
            state["deployment_statuses"].append(s)
            body = copy.deepcopy(EXAMPLES["deployment_status"])
            body.update({"id": s["id"], "state": payload["state"],
                         "description": payload.get("description", ""),
                         "environment": d.get("environment", "production")})
            for key in ("log_url", "environment_url", "target_url"):  # URIs: never ""
                if payload.get(key):
                    body[key] = payload[key]
            return 201, body
        return 404, {"message": "Not Found"}

    def comment_body(self, c):
        body = copy.deepcopy(EXAMPLES["comment"])
        body.update({"id": c["id"], "body": c["body"], "created_at": c["created_at"],
                     "updated_at": c["updated_at"]})
        return body

    def check_run_body(self, run, example):
        body = copy.deepcopy(EXAMPLES[example])
        body.update({"id": run["id"], "name": run["name"], "head_sha": run["head_sha"],
                     "status": run.get("status", "queued"),
                     "conclusion": run.get("conclusion"),
                     "details_url": run.get("details_url", body.get("details_url"))})
        return body

    def list_comments(self, state, issue, query):
        per_page = int(query.get("per_page", 30))
        page = int(query.get("page", 1))
        mine = [c for c in state["comments"].values() if c["issue"] == issue]
        mine.sort(key=lambda c: c["id"])
        chunk = mine[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(mine):
            headers["Link"] = f'<{self.path.split("?")[0]}?per_page={per_page}&page={page + 1}>; rel="next"'
        return 200, ([self.comment_body(c) for c in chunk], headers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    load_examples(args.spec)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
