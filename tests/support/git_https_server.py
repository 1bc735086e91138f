#!/usr/bin/env python3
"""A git server over HTTPS on 127.0.0.1 for tests: git's smart HTTP protocol, TLS with a
test CA made at start-up.

    git_https_server.py PROJECT_ROOT WORK_DIR

Makes, with the openssl CLI, in WORK_DIR: ca.pem (a test certificate authority, trusted
by nothing on the machine) and a server certificate it signs for localhost and 127.0.0.1
(subjectAltName DNS:localhost, IP:127.0.0.1). Binds 127.0.0.1 on a free port (only ever
loopback), serves every repository under PROJECT_ROOT by running `git http-backend` as a
CGI program (GIT_PROJECT_ROOT, GIT_HTTP_EXPORT_ALL), then prints its URL
("https://localhost:PORT") on one line of stdout: the sign that it is ready. Each request
is logged as "METHOD PATH STATUS" to WORK_DIR/requests.log. Stops on SIGTERM or SIGINT.

With CODECOMMIT_SECRET_KEY set (and CODECOMMIT_REGION), it authenticates as CodeCommit does
git over HTTPS: HTTP Basic with the user "<access key id>[%<session token>]" and the password
"<YYYYmmddTHHMMSS>Z<signature>", the signature being SigV4 for the service codecommit over
"GIT\n<repository path>\n\nhost:<Host>\n\nhost\n", recomputed here with botocore (the
official client, as git-remote-codecommit signs) from the secret key; anything else is a
401 asking for Basic credentials. The repository path is the request's path up to the
repository (without /info/refs or /git-upload-pack). It emulates CodeCommit's check of the
signature, not IAM: any access key id with the secret passes, and the time is not checked.
"""
import http.server
import os
import signal
import ssl
import subprocess
import sys
import threading


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_certificates(work):
    """ca.pem/ca.key, then server.pem/server.key signed by it (P-256 keys: fast to make)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=slipway test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=work)
    openssl("req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost", cwd=work)
    with open(os.path.join(work, "server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", "2", "-days", "2", "-extfile", "server.ext",
            "-out", "server.pem", cwd=work)


def read_body(handler):
    """The request body: by Content-Length, or chunked (libgit2 and git may send either)."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(body)
            body += handler.rfile.read(size)
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def codecommit_authorized(handler, path):
    """Whether the request carries CodeCommit's signed Basic credentials for its repository."""
    import base64
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    header = handler.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    key_id, _, token = user.partition("%")
    timestamp, _, signature = password.partition("Z")
    repository = path
    for suffix in ("/info/refs", "/git-upload-pack", "/git-receive-pack"):
        if repository.endswith(suffix):
            repository = repository[: -len(suffix)]
    host = handler.headers.get("Host", "")
    request = botocore.awsrequest.AWSRequest(method="GIT", url=f"https://{host}{repository}")
    request.context["timestamp"] = timestamp
    credentials = botocore.credentials.Credentials(key_id, os.environ["CODECOMMIT_SECRET_KEY"],
                                                   token or None)
    signer = botocore.auth.SigV4Auth(credentials, "codecommit", os.environ["CODECOMMIT_REGION"])
    canonical = f"GIT\n{repository}\n\nhost:{host}\n\nhost\n"
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return bool(signature) and signature == expected


class GitHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    project_root = ""
    log_path = ""
    log_lock = threading.Lock()

    def do_GET(self):
        self.run_backend(b"")

    def do_POST(self):
        self.run_backend(read_body(self))

    def run_backend(self, body):
        path, _, query = self.path.partition("?")
        if os.environ.get("CODECOMMIT_SECRET_KEY") and not codecommit_authorized(self, path):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="codecommit"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            with self.log_lock, open(self.log_path, "a") as log:
                log.write(f"{self.command} {path} 401\n")
            return
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.project_root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
        }
        for header, var in (("Content-Encoding", "HTTP_CONTENT_ENCODING"),
                            ("Git-Protocol", "GIT_PROTOCOL")):
            if self.headers.get(header):
                env[var] = self.headers[header]
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = out.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        with self.log_lock, open(self.log_path, "a") as log:
            log.write(f"{self.command} {path} {status}\n")

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: git_https_server.py PROJECT_ROOT WORK_DIR")
    root, work = (os.path.abspath(a) for a in sys.argv[1:])
    make_certificates(work)
    GitHandler.project_root = root
    GitHandler.log_path = os.path.join(work, "requests.log")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GitHandler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(work, "server.pem"), os.path.join(work, "server.key"))
    # The handshake happens in each request's thread (on its first read), so a client that
    # rejects the certificate never stalls the accepting loop.
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"https://localhost:{server.server_address[1]}", flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()


if __name__ == "__main__":
    main()
