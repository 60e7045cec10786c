#!/usr/bin/env python3
"""Differential check: the reference server (fastapi-jwt-auth 0.5.0) against authjwt-demo.

Both servers implement ../../../shared/demo-contract.md. For each configuration in CONFIGS this
starts both on free loopback ports with identical AUTHJWT_* settings, sends every request of the
scenario to both in lock-step (the reference first, then the demo, then the comparison), stops
them and prints a report. Exit status: 0 when every difference is a documented deviation of
authjwt, 1 when an unexpected difference (a bug) was found, 2 when the check could not run.

Standard library only, plus `wsproto` (present in the reference virtualenv) for the WebSocket
routes; run it with the reference venv's python (run.sh does).
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

try:
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Ping,
                                RejectConnection, RejectData, Request, TextMessage)
except ImportError:  # pragma: no cover
    sys.exit("differential.py needs wsproto: run it with the reference venv's python (see run.sh)")

# A 64-byte secret: long enough for HS512 under authjwt's weak-secret rule; just a secret for
# the reference.
SECRET = hashlib.sha256(b"authjwt differential check").hexdigest()
OTHER_SECRET = hashlib.sha256(b"some other secret").hexdigest()
CREDS = {"username": "test", "password": "test"}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
TOKEN_KEYS = {"access_token", "refresh_token", "token"}
RANDOM_KEYS = {"jti", "csrf"}
TIME_KEYS = {"iat", "nbf", "exp"}
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
JWT_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
TIME_TOLERANCE = 3  # seconds: the two servers see a request a few milliseconds apart
# The original reads the clock once for each of exp, iat and nbf, so when a second ends between
# two reads its token has nbf = iat + 1 (or exp one second short): offsets from iat may differ by
# one second, never more.
CLOCK_TICK = 1

# --------------------------------------------------------------------------------------------
# Documented deviations of authjwt: a difference is "expected" only when the request was marked
# with the deviation and the answers fit its pattern.
# --------------------------------------------------------------------------------------------


def outcome(resp):
    """The status of an answer: HTTP status, or for a WebSocket the frame's status (200 for a
    success frame, 500 when the server dropped the connection without a frame)."""
    if resp is None or resp.error:
        return 0
    if resp.kind == "http":
        return resp.status
    if resp.status != 101:
        return resp.status
    if not resp.frames:
        return 500
    frame = resp.frames[0]
    if isinstance(frame, dict) and "status" in frame:
        return frame["status"]
    return 200


def detail(resp):
    if resp is None:
        return None
    body = resp.frames[0] if resp.kind == "ws" and resp.frames else resp.json
    if isinstance(body, dict):
        return body.get("detail")
    return None


def is4xx(resp):
    return 400 <= outcome(resp) < 500 or outcome(resp) == 1008


DEVIATIONS = {
    "ref500": (
        "the reference answers 500 (unhandled exception); the demo answers a 4xx",
        lambda r, d: outcome(r) == 500 and is4xx(d)),
    "cookie-helpers": (
        "cookie helpers or /logout when cookies are not a token location: reference 500 "
        "(RuntimeWarning), demo 200",
        lambda r, d: outcome(r) == 500 and outcome(d) == 200),
    "set-cookie-no-csrf": (
        "set cookies with a token lacking csrf: reference 500 (KeyError), demo 422 "
        "'Missing claim: csrf'",
        lambda r, d: outcome(r) == 500 and outcome(d) == 422
        and detail(d) == "Missing claim: csrf"),
    "token-bad-args": (
        "bad algorithm/arguments on POST /token: reference 500, demo 422",
        lambda r, d: outcome(r) == 500 and outcome(d) == 422),
    "malformed-header-noauth": (
        "malformed Authorization header on a route that never asks for a token: reference 422, "
        "demo proceeds",
        lambda r, d: outcome(r) == 422 and str(detail(r) or "").startswith("Bad ")
        and outcome(d) < 400),
    "deletion-cookie-attrs": (
        "deletion cookies carry the configured Secure/SameSite (reference: SameSite=lax, "
        "never Secure)", None),
    "strict-jose": (
        "strict base64url and JSON (padding, alphabet, trailing bits, duplicate members, crit): "
        "demo 422",
        lambda r, d: outcome(d) == 422),
    "numeric-string-claims": (
        "numeric-string exp/nbf/iat refused: demo 422",
        lambda r, d: outcome(d) == 422),
    "fresh-json-true": (
        "fresh only when JSON true (reference treats truthy values as fresh)",
        lambda r, d: outcome(r) == 200 and is4xx(d)),
    "two-auth-headers": (
        "two Authorization headers refused: demo 422",
        lambda r, d: outcome(d) == 422),
    "user-claims-reserved": (
        "user_claims overriding reserved claims refused on POST /token: demo 422",
        lambda r, d: outcome(r) == 200 and outcome(d) == 422),
    "typed-claims": (
        "claims typed, never coerced: exp/nbf/iat must be JSON numbers within 2^53 (null, true, "
        "1e300 refused), sub a string or an integer, jti a string: demo 422",
        lambda r, d: outcome(d) == 422),
    "size-cap": (
        "tokens larger than authjwt_max_token_size (8192 bytes) refused before decoding: demo "
        "422 'Token is larger than 8192 bytes'",
        lambda r, d: outcome(d) == 422 and detail(d) == "Token is larger than 8192 bytes"),
    "non-ascii-header": (
        "an Authorization value that is not visible ASCII is the bad-header 422",
        lambda r, d: outcome(d) == 422 and str(detail(d) or "").startswith("Bad ")),
    "expiry-default-disabled": (
        "expires_time true/1 with the configured expiry disabled writes no exp (the original "
        "wrote exp = iat)",
        lambda r, d: outcome(r) == 200 and outcome(d) == 200),
    "revoke-refused": (
        "revoking a token the denylist never checks (denylist off, or its type not in "
        "denylist_token_checks): reference 200 while the token keeps working, demo 500 "
        "(the application's configuration cannot do what it asked; the reason is logged)",
        lambda r, d: outcome(r) == 200 and outcome(d) == 500
        and detail(d) == "Internal Server Error"),
    "startup-weak-secret": (
        "weak secrets (<32 bytes for HS256) refused at start-up unless "
        "AUTHJWT_ALLOW_WEAK_SECRET=true", None),
    "startup-samesite-none": ("SameSite=none without Secure refused at start-up", None),
}

# Normalisations the comparison applies silently (counted, listed in the report).
NORMALISED = {
    "samesite-case": "SameSite value capitalisation (e.g. `lax` vs `Lax`)",
    "attr-name-case": "cookie attribute name capitalisation (e.g. `expires` vs `Expires`)",
    "python-json-text": "messages embedding Python json error text compared by prefix "
                        "(`Invalid header string: `, `Invalid payload string: `)",
    "cookie-order": "Set-Cookie header order",
}

# --------------------------------------------------------------------------------------------
# JWT helpers
# --------------------------------------------------------------------------------------------


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_dec(text):
    text = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text.encode())


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def decode_jwt(token):
    """(header, payload) as ordered dicts, or None."""
    if not isinstance(token, str) or not JWT_RE.match(token):
        return None
    try:
        head, payload, _ = token.split(".")
        header = json.loads(b64u_dec(head))
        claims = json.loads(b64u_dec(payload))
    except Exception:
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims


def claim(token, name, default=None):
    decoded = decode_jwt(token)
    if decoded is None:
        return default
    return decoded[1].get(name, default)


def short(value, limit=70):
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_token(token):
    decoded = decode_jwt(token)
    if decoded is None:
        return short(token, 60)
    return "<JWT %s %s>" % (compact(decoded[0]), short(compact(decoded[1]), 160))


class Signer:
    """Signs hand-crafted tokens with the configuration's key material."""

    def __init__(self, private_key_file=None):
        self.private_key_file = private_key_file

    def sign(self, alg, signing_input, secret=SECRET):
        data = signing_input.encode()
        if alg in ("HS256", "HS384", "HS512"):
            digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384,
                      "HS512": hashlib.sha512}[alg]
            return hmac.new(secret.encode(), data, digest).digest()
        if alg == "RS256" and self.private_key_file:
            out = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.private_key_file],
                                 input=data, capture_output=True, check=True)
            return out.stdout
        return b"not-a-signature"

    def token(self, header, claims, alg=None, secret=SECRET, sig=None):
        """header/claims: dict (serialised compactly) or str/bytes (raw segment text)."""
        if alg is None:
            alg = header.get("alg", "HS256") if isinstance(header, dict) else "HS256"
        h = header if isinstance(header, (str, bytes)) else compact(header)
        p = claims if isinstance(claims, (str, bytes)) else compact(claims)
        signing_input = b64u(h) + "." + b64u(p)
        if sig is None:
            sig = self.sign(alg, signing_input, secret)
        return signing_input + "." + b64u(sig)


# --------------------------------------------------------------------------------------------
# Configurations
# --------------------------------------------------------------------------------------------

SETTING_DEFAULTS = {
    "token_location": ["headers"],
    "algorithm": "HS256",
    "decode_algorithms": None,
    "decode_leeway": 0,
    "encode_issuer": None,
    "decode_issuer": None,
    "decode_audience": None,
    "access_token_expires": 900,
    "refresh_token_expires": 2592000,
    "denylist_enabled": True,
    "denylist_token_checks": ["access", "refresh"],
    "header_name": "Authorization",
    "header_type": "Bearer",
    "access_cookie_key": "access_token_cookie",
    "refresh_cookie_key": "refresh_token_cookie",
    "access_cookie_path": "/",
    "refresh_cookie_path": "/",
    "cookie_max_age": None,
    "cookie_domain": None,
    "cookie_secure": False,
    "cookie_samesite": None,
    "cookie_csrf_protect": True,
    "access_csrf_cookie_key": "csrf_access_token",
    "refresh_csrf_cookie_key": "csrf_refresh_token",
    "access_csrf_cookie_path": "/",
    "refresh_csrf_cookie_path": "/",
    "access_csrf_header_name": "X-CSRF-Token",
    "refresh_csrf_header_name": "X-CSRF-Token",
    "csrf_methods": ["POST", "PUT", "PATCH", "DELETE"],
}


class Config:
    def __init__(self, name, settings=None, rsa=False, secret=True, note=""):
        self.name = name
        self.given = dict(settings or {})
        self.s = dict(SETTING_DEFAULTS)
        self.s.update(self.given)
        self.rsa = rsa
        self.secret = secret
        self.note = note
        self.keydir = None

    # what the configuration means -----------------------------------------------------------
    @property
    def headers(self):
        return "headers" in self.s["token_location"]

    @property
    def cookies(self):
        return "cookies" in self.s["token_location"]

    @property
    def both(self):
        return self.headers and self.cookies

    @property
    def csrf(self):
        return bool(self.s["cookie_csrf_protect"])

    @property
    def alg(self):
        return self.s["algorithm"]

    def csrf_claim_minted(self):
        return self.cookies and self.csrf

    def cookie_key(self, kind):
        return self.s[kind + "_cookie_key"]

    def csrf_cookie_key(self, kind):
        return self.s[kind + "_csrf_cookie_key"]

    def csrf_header(self, kind):
        return self.s[kind + "_csrf_header_name"]

    def csrf_method(self, method):
        return method in [m.upper() for m in self.s["csrf_methods"]]

    def header_value(self, token):
        if self.s["header_type"] is None:
            return token
        return "%s %s" % (self.s["header_type"], token)

    def env(self):
        env = {}
        for key, value in self.given.items():
            name = "AUTHJWT_" + key.upper()
            if isinstance(value, bool):
                env[name] = "true" if value else "false"
            elif isinstance(value, list):
                env[name] = json.dumps(value)
            elif value is None and key == "header_type":
                env[name] = "none"
            else:
                env[name] = str(value)
        if self.secret:
            env["AUTHJWT_SECRET_KEY"] = SECRET
        if self.rsa:
            env["AUTHJWT_PRIVATE_KEY_FILE"] = os.path.join(self.keydir, "private.pem")
            env["AUTHJWT_PUBLIC_KEY_FILE"] = os.path.join(self.keydir, "public.pem")
        return env

    def signer(self):
        return Signer(os.path.join(self.keydir, "private.pem") if self.rsa else None)

    # how a token is sent ----------------------------------------------------------------------
    def auth(self, kind, token, method, path, via=None, csrf="auto", body=None, extra=()):
        """A request carrying `token` where the configuration looks for it: the header when
        headers are a location, else the cookie of `kind` plus (for CSRF methods) its CSRF
        header with the token's own csrf claim."""
        via = via or ("headers" if self.headers else "cookies")
        headers = list(extra)
        cookies = {}
        if token is not None:
            if via == "headers":
                headers.append((self.s["header_name"], self.header_value(token)))
            else:
                cookies[self.cookie_key(kind)] = token
                if csrf == "auto":
                    csrf = claim(token, "csrf") if self.csrf_method(method) else None
                if csrf is not None:
                    headers.append((self.csrf_header(kind), csrf or ""))
        return dict(method=method, path=path, headers=headers, cookies=cookies, body=body)


def configurations():
    return [
        Config("header-default", note="headers only, all defaults"),
        Config("cookies-csrf", {"token_location": ["cookies"]}),
        Config("cookies-nocsrf", {"token_location": ["cookies"], "cookie_csrf_protect": False}),
        Config("both-locations", {"token_location": ["headers", "cookies"]}),
        Config("header-custom", {"header_name": "X-Auth-Token", "header_type": "JWT"}),
        Config("header-type-none", {"header_type": None}),
        Config("cookie-custom-strict", {
            "token_location": ["cookies"],
            "access_cookie_key": "acc", "refresh_cookie_key": "ref",
            "access_cookie_path": "/", "refresh_cookie_path": "/r",
            "access_csrf_cookie_key": "csrf_acc", "refresh_csrf_cookie_key": "csrf_ref",
            "access_csrf_cookie_path": "/ac", "refresh_csrf_cookie_path": "/rc",
            "access_csrf_header_name": "X-CSRF-Access",
            "refresh_csrf_header_name": "X-CSRF-Refresh",
            "cookie_domain": "example.com", "cookie_max_age": 90, "cookie_secure": True,
            "cookie_samesite": "strict"}),
        Config("cookie-custom-lax", {
            "token_location": ["headers", "cookies"], "cookie_samesite": "lax",
            "cookie_max_age": 3600, "csrf_methods": ["GET", "post", "DELETE"]}),
        Config("samesite-none-secure", {
            "token_location": ["cookies"], "cookie_samesite": "none", "cookie_secure": True}),
        Config("denylist-access-only", {"denylist_token_checks": ["access"]}),
        Config("denylist-disabled", {"denylist_enabled": False}),
        Config("issuer-audience", {
            "encode_issuer": "urn:foo", "decode_issuer": "urn:foo",
            "decode_audience": ["foo", "bar"]}),
        Config("issuer-mismatch-audience-one", {
            "encode_issuer": "urn:bar", "decode_issuer": "urn:foo", "decode_audience": "foo"}),
        Config("leeway", {"decode_leeway": 30}),
        Config("no-expiry", {"access_token_expires": False, "refresh_token_expires": False,
                             "token_location": ["headers", "cookies"]}),
        Config("rs256", {"algorithm": "RS256"}, rsa=True, secret=False),
        Config("rs256-cookies-with-secret", {
            "algorithm": "RS256", "token_location": ["cookies"]}, rsa=True, secret=True),
        Config("hs512", {"algorithm": "HS512"}),
        Config("hs256-decode-hs512", {"decode_algorithms": ["HS256", "HS512"]}),
    ]


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


class Resp:
    def __init__(self, kind):
        self.kind = kind
        self.status = None
        self.headers = []
        self.body = b""
        self.json = None
        self.frames = []
        self.close_code = None
        self.error = None
        self.t = time.time()

    @property
    def set_cookies(self):
        return [v for k, v in self.headers if k.lower() == "set-cookie"]

    def summary(self):
        if self.error:
            return "client error: " + self.error
        if self.kind == "ws":
            frames = [json.dumps(f) if not isinstance(f, str) else f for f in self.frames]
            return "handshake %s, frames %s, close %s" % (self.status, frames, self.close_code)
        body = self.body.decode("latin-1")
        text = "%s %s" % (self.status, short(body, 400))
        for cookie in self.set_cookies:
            text += "\n        set-cookie: " + short(cookie, 220)
        return text


def cookie_header(cookies):
    return "; ".join("%s=%s" % (k, v) for k, v in cookies.items())


def http_call(port, method, path, headers=(), cookies=None, body=None):
    resp = Resp("http")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        conn.putrequest(method, path, skip_accept_encoding=True)
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(data)))
        if cookies:
            conn.putheader("Cookie", cookie_header(cookies))
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(data)
        r = conn.getresponse()
        resp.status = r.status
        resp.headers = r.getheaders()
        resp.body = r.read()
        conn.close()
        try:
            resp.json = json.loads(resp.body)
        except ValueError:
            resp.json = None
    except Exception as err:  # noqa: BLE001
        resp.error = "%s: %s" % (type(err).__name__, err)
    return resp


def ws_call(port, path, headers=(), cookies=None):
    """Handshake, read every text frame until the close (or EOF / timeout)."""
    resp = Resp("ws")
    sock = None
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        ws = WSConnection(ConnectionType.CLIENT)
        extra = [(k.encode(), v.encode("latin-1")) for k, v in headers]
        if cookies:
            extra.append((b"Cookie", cookie_header(cookies).encode()))
        sock.sendall(ws.send(Request(host="127.0.0.1:%d" % port, target=path,
                                     extra_headers=extra)))
        text = ""
        done = False
        while not done:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                resp.error = resp.error or None
                resp.close_code = "timeout"
                break
            ws.receive_data(data or None)
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    resp.status = 101
                elif isinstance(event, RejectConnection):
                    resp.status = event.status_code
                    if not event.has_body:
                        done = True
                elif isinstance(event, RejectData):
                    resp.body += event.data
                    if event.body_finished:
                        done = True
                elif isinstance(event, TextMessage):
                    text += event.data
                    if event.message_finished:
                        try:
                            resp.frames.append(json.loads(text))
                        except ValueError:
                            resp.frames.append(text)
                        text = ""
                elif isinstance(event, BytesMessage):
                    resp.frames.append("<binary %d bytes>" % len(event.data))
                elif isinstance(event, Ping):
                    sock.sendall(ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    resp.close_code = int(event.code)
                    try:
                        sock.sendall(ws.send(event.response()))
                    except Exception:  # noqa: BLE001
                        pass
                    done = True
            if not data:
                if resp.close_code is None:
                    resp.close_code = "eof"
                break
    except Exception as err:  # noqa: BLE001
        resp.error = "%s: %s" % (type(err).__name__, err)
    finally:
        if sock is not None:
            sock.close()
    if resp.status is not None and resp.status != 101:
        try:
            resp.json = json.loads(resp.body)
        except ValueError:
            pass
    return resp


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith("AUTHJWT_") and not k.startswith("DEMO_")}


class Server:
    def __init__(self, name, argv, env, logdir):
        self.name = name
        self.argv = argv
        self.env = env
        self.port = None
        self.proc = None
        self.log_path = os.path.join(logdir, "%s.log" % name)
        self.st = {}

    def start(self):
        self.port = free_port()
        env = clean_env()
        env.update(self.env)
        env["DEMO_ADDR"] = "127.0.0.1:%d" % self.port
        env["RUST_LOG"] = "warn"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

    def wait_ready(self, timeout):
        """True when /public answers; False when the process exited first."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            r = http_call(self.port, "GET", "/public")
            if not r.error and r.status == 200:
                return True
            time.sleep(0.1)
        return False

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


class Diff:
    def __init__(self, where, ref, demo, category=None, normalised=None):
        self.where = where
        self.ref = ref
        self.demo = demo
        self.category = category      # a DEVIATIONS key when this one item is expected
        self.normalised = normalised  # a NORMALISED key: not a difference, only counted

    def text(self):
        return "%s: reference %s | demo %s" % (self.where, short(self.ref, 200),
                                                short(self.demo, 200))


class Comparer:
    def __init__(self, cfg, ref_resp, demo_resp):
        self.cfg = cfg
        self.r = ref_resp
        self.d = demo_resp
        self.diffs = []

    def add(self, where, ref, demo, category=None, normalised=None):
        self.diffs.append(Diff(where, ref, demo, category, normalised))

    # scalars, JSON ----------------------------------------------------------------------------
    @staticmethod
    def same_scalar(a, b):
        """Equal values of the same JSON type (1, 1.0 and true are three different values)."""
        return type(a) is type(b) and a == b

    def json(self, a, b, where, key=None):
        if key in TOKEN_KEYS and isinstance(a, str) and isinstance(b, str) and (
                decode_jwt(a) or decode_jwt(b)):
            self.tokens(a, b, where)
            return
        if key in RANDOM_KEYS and isinstance(a, str) and isinstance(b, str):
            if a == b:
                return
            if not (UUID_RE.match(a) and UUID_RE.match(b)):
                self.add(where, a, b)
            return
        if key in TIME_KEYS and isinstance(a, (int, float)) and isinstance(b, (int, float)) \
                and not isinstance(a, bool) and not isinstance(b, bool):
            if type(a) is not type(b):
                self.add(where + " (type)", a, b)
            elif abs((a - self.r.t) - (b - self.d.t)) > TIME_TOLERANCE:
                self.add(where + " (relative to request time)", a, b)
            return
        if key == "detail" and isinstance(a, str) and isinstance(b, str):
            for prefix in ("Invalid header string: ", "Invalid payload string: "):
                if a.startswith(prefix) and b.startswith(prefix):
                    if a != b:
                        self.add(where, a, b, normalised="python-json-text")
                    return
        if isinstance(a, dict) and isinstance(b, dict):
            if list(a) != list(b):
                if set(a) != set(b):
                    self.add(where + " keys", list(a), list(b))
                else:
                    self.add(where + " key order", list(a), list(b))
            for k in a:
                if k in b:
                    self.json(a[k], b[k], "%s.%s" % (where, k), key=k)
            return
        if isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                self.add(where + " length", a, b)
                return
            for i, (x, y) in enumerate(zip(a, b)):
                self.json(x, y, "%s[%d]" % (where, i), key=key)
            return
        if not self.same_scalar(a, b):
            self.add(where, a, b)

    def tokens(self, a, b, where):
        da, db = decode_jwt(a), decode_jwt(b)
        if da is None or db is None:
            if a != b:
                self.add(where + " (not both JWTs)", describe_token(a), describe_token(b))
            return
        (ha, ca), (hb, cb) = da, db
        if list(ha.items()) != list(hb.items()):
            self.add(where + " JOSE header", ha, hb)
        if list(ca) != list(cb):
            self.add(where + " claim keys/order", list(ca), list(cb))
        for k in ca:
            if k not in cb:
                continue
            x, y = ca[k], cb[k]
            if k in RANDOM_KEYS:
                if not (isinstance(x, str) and isinstance(y, str)
                        and UUID_RE.match(x) and UUID_RE.match(y)):
                    if x != y:
                        self.add("%s.%s" % (where, k), x, y)
            elif k in TIME_KEYS and isinstance(x, int) and isinstance(y, int) \
                    and not isinstance(x, bool) and not isinstance(y, bool):
                base_a, base_b = ca.get("iat"), cb.get("iat")
                if k != "iat" and isinstance(base_a, int) and isinstance(base_b, int):
                    if abs((x - base_a) - (y - base_b)) > CLOCK_TICK:
                        self.add("%s.%s-iat" % (where, k), x - base_a, y - base_b)
                elif abs((x - self.r.t) - (y - self.d.t)) > TIME_TOLERANCE:
                    self.add("%s.%s (relative to request time)" % (where, k), x, y)
            elif not self.same_scalar(x, y):
                self.add("%s.%s" % (where, k), x, y)

    # cookies ----------------------------------------------------------------------------------
    @staticmethod
    def parse_cookie(raw):
        parts = [p.strip() for p in raw.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {}
        names = {}
        for part in parts[1:]:
            if not part:
                continue
            k, eq, v = part.partition("=")
            attrs[k.strip().lower()] = v.strip() if eq else True
            names[k.strip().lower()] = k.strip()
        return name.strip(), value.strip(), attrs, names

    def cookie_class(self, value, resp, jwt_values):
        if value == '""':
            return "deleted"
        if value == "":
            return "empty"
        body = resp.json if isinstance(resp.json, dict) else {}
        for key in sorted(TOKEN_KEYS):
            if body.get(key) == value:
                return "body:" + key
        for cname, token in jwt_values.items():
            if claim(token, "csrf") == value:
                return "csrf-of:" + cname
        if decode_jwt(value):
            return "jwt"
        return "literal:" + value

    def cookies(self):
        rc = [self.parse_cookie(c) for c in self.r.set_cookies]
        dc = [self.parse_cookie(c) for c in self.d.set_cookies]
        if [c[0] for c in rc] != [c[0] for c in dc]:
            if sorted(c[0] for c in rc) != sorted(c[0] for c in dc):
                self.add("set-cookie names", [c[0] for c in rc], [c[0] for c in dc])
                return
            self.add("set-cookie order", [c[0] for c in rc], [c[0] for c in dc],
                     normalised="cookie-order")
        rjwt = {c[0]: c[1] for c in rc if decode_jwt(c[1])}
        djwt = {c[0]: c[1] for c in dc if decode_jwt(c[1])}
        by_name_d = {}
        for c in dc:
            by_name_d.setdefault(c[0], []).append(c)
        for name, rvalue, rattrs, rnames in rc:
            name_, dvalue, dattrs, dnames = by_name_d[name].pop(0)
            where = "set-cookie %s" % name
            rclass = self.cookie_class(rvalue, self.r, rjwt)
            dclass = self.cookie_class(dvalue, self.d, djwt)
            if rclass != dclass:
                self.add(where + " value", "%s (%s)" % (rclass, short(rvalue, 40)),
                         "%s (%s)" % (dclass, short(dvalue, 40)))
            elif rclass == "jwt":
                self.tokens(rvalue, dvalue, where + " value")
            deletion = rclass == "deleted" and dclass == "deleted"
            for attr in sorted(set(rattrs) | set(dattrs)):
                a, b = rattrs.get(attr), dattrs.get(attr)
                if attr in rnames and attr in dnames and rnames[attr] != dnames[attr]:
                    self.add("%s attribute name %s" % (where, attr), rnames[attr],
                             dnames[attr], normalised="attr-name-case")
                if attr == "expires":
                    if (a is None) != (b is None):
                        self.add(where + " Expires presence", a, b)
                    continue
                if attr == "samesite" and isinstance(a, str) and isinstance(b, str):
                    if a.lower() != b.lower():
                        cat = self.deletion_category(deletion, attr, b)
                        self.add(where + " SameSite", a, b, category=cat)
                    elif a != b:
                        self.add(where + " SameSite", a, b, normalised="samesite-case")
                    continue
                if a != b:
                    cat = self.deletion_category(deletion, attr, b)
                    self.add("%s %s" % (where, attr), a, b, category=cat)

    def deletion_category(self, deletion, attr, demo_value):
        """A deletion cookie whose Secure/SameSite follow the configuration."""
        if not deletion:
            return None
        if attr == "secure" and bool(demo_value) == bool(self.cfg.s["cookie_secure"]):
            return "deletion-cookie-attrs"
        if attr == "samesite":
            want = self.cfg.s["cookie_samesite"] or "lax"
            if isinstance(demo_value, str) and demo_value.lower() == want:
                return "deletion-cookie-attrs"
        return None

    # whole answers ----------------------------------------------------------------------------
    def run(self):
        r, d = self.r, self.d
        if r.error or d.error:
            if r.error != d.error:
                self.add("transport", r.error, d.error)
            return self.diffs
        if r.status != d.status:
            self.add("status", r.status, d.status)
        if r.kind == "ws":
            if len(r.frames) != len(d.frames):
                self.add("frames", r.frames, d.frames)
            for i, (a, b) in enumerate(zip(r.frames, d.frames)):
                self.json(a, b, "frame[%d]" % i)
            if r.close_code != d.close_code:
                self.add("close code", r.close_code, d.close_code)
            return self.diffs
        if r.json is not None and d.json is not None:
            self.json(r.json, d.json, "body")
        elif r.body != d.body:
            self.add("body", r.body.decode("latin-1"), d.body.decode("latin-1"))
        self.cookies()
        return self.diffs


# --------------------------------------------------------------------------------------------
# The lock-step runner
# --------------------------------------------------------------------------------------------


class Record:
    def __init__(self, config, label, requests, ref, demo, diffs, hint, anchor):
        self.config = config
        self.label = label
        self.requests = requests  # (ref request, demo request)
        self.ref = ref
        self.demo = demo
        self.diffs = diffs
        self.hint = hint          # (category, reason) or None
        self.anchor = anchor      # security-anchors §7 id, for the report
        self.verdict = None       # "same", "expected", "bug"
        self.categories = []

    def classify(self):
        real = [d for d in self.diffs if d.normalised is None]
        if not real:
            self.verdict = "same"
            return
        uncovered = [d for d in real if d.category is None]
        self.categories = sorted({d.category for d in real if d.category})
        if not uncovered:
            self.verdict = "expected"
            return
        if self.hint:
            category = self.hint[0]
            matcher = DEVIATIONS[category][1]
            if matcher is not None and matcher(self.ref, self.demo):
                self.verdict = "expected"
                self.categories = sorted(set(self.categories) | {category})
                return
        if DEVIATIONS["ref500"][1](self.ref, self.demo):
            # the general rule (reference 500, demo 4xx) on a request not marked with it
            self.verdict = "expected"
            self.hint = ("ref500", "general 500 -> 4xx rule; %s" % (
                "marked %s (%s) but the demo answered %s" % (
                    self.hint[0], self.hint[1], outcome(self.demo))
                if self.hint else "not marked in the scenario"))
            self.categories = sorted(set(self.categories) | {"ref500"})
            return
        self.verdict = "bug"


def describe_request(req):
    if req is None:
        return "-"
    text = "%s %s" % (req["method"], req["path"])
    for name, value in req.get("headers", []):
        shown = value
        parts = value.split(None, 1) if isinstance(value, str) else []
        for part in [value] + parts:
            if decode_jwt(part):
                shown = value.replace(part, describe_token(part))
                break
        text += "\n        %s: %s" % (name, short(repr(shown)[1:-1], 300))
    for name, value in (req.get("cookies") or {}).items():
        text += "\n        cookie %s=%s" % (name, describe_token(value))
    if req.get("body") is not None:
        body = req["body"]
        if isinstance(body, dict):
            body = {k: (describe_token(v) if isinstance(v, str) and decode_jwt(v) else v)
                    for k, v in body.items()}
        text += "\n        body: %s" % short(json.dumps(body), 300)
    return text


class Runner:
    def __init__(self, cfg, ref, demo):
        self.cfg = cfg
        self.ref = ref
        self.demo = demo
        self.records = []
        self.labels = set()

    def send(self, side, req):
        if req.get("ws"):
            return ws_call(side.port, req["path"], req.get("headers", ()), req.get("cookies"))
        return http_call(side.port, req["method"], req["path"], req.get("headers", ()),
                         req.get("cookies"), req.get("body"))

    def req(self, label, build, hint=None, anchor=None, save=None, must=None):
        """Send build(side) to the reference, then to the demo; compare; keep the record.
        build is a request dict (identical for both) or a function of the side."""
        assert label not in self.labels, "duplicate label: " + label
        self.labels.add(label)
        answers = []
        requests = []
        for side in (self.ref, self.demo):
            req = build(side) if callable(build) else build
            req.setdefault("method", "GET")
            resp = self.send(side, req)
            if save is not None:
                try:
                    save(side, resp)
                except Exception:  # noqa: BLE001
                    pass
            requests.append(req)
            answers.append(resp)
        comparer = Comparer(self.cfg, answers[0], answers[1])
        # a cookie holding the token sent in that side's request body (POST /cookies/*)
        ref_body, demo_body = requests[0].get("body"), requests[1].get("body")
        if isinstance(ref_body, dict) and isinstance(demo_body, dict) \
                and "token" in ref_body and "token" in demo_body:
            comparer.cookie_class = _sent_aware(comparer, ref_body["token"], demo_body["token"])
        diffs = comparer.run()
        if must is not None:
            for name, resp in (("reference", answers[0]), ("demo", answers[1])):
                if outcome(resp) != must:
                    diffs.append(Diff("cross-verification: %s must answer %s" % (name, must),
                                      outcome(answers[0]), outcome(answers[1])))
        record = Record(self.cfg.name, label, requests, answers[0], answers[1], diffs, hint,
                        anchor)
        record.classify()
        self.records.append(record)
        return answers


def _sent_aware(comparer, ref_token, demo_token):
    plain = Comparer.cookie_class

    def classify(value, resp, jwt_values):
        token = ref_token if resp is comparer.r else demo_token
        if value == token and value not in ('""', ""):
            return "request:token"
        return plain(comparer, value, resp, jwt_values)
    return classify


def saver(*pairs):
    """save=saver(("A", "access_token"), ...): keep body fields in the side's state."""
    def save(side, resp):
        for state_key, body_key in pairs:
            if isinstance(resp.json, dict) and isinstance(resp.json.get(body_key), str):
                side.st[state_key] = resp.json[body_key]
    return save


def st(name):
    return lambda side: side.st.get(name, "missing-token-" + name)


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


def scenario(run, cfg):
    c = cfg
    sig = cfg.signer()
    now = int(time.time())
    A, R, N, F = st("A"), st("R"), st("N"), st("F")

    def auth(kind, token_fn, method, path, **kw):
        return lambda side: c.auth(kind, token_fn(side) if callable(token_fn) else token_fn,
                                   method, path, **kw)

    # ---- crafted tokens (identical bytes to both servers) --------------------------------------
    def claims(kind="access", fresh=True, drop=(), **over):
        t = int(time.time())
        out = {"sub": "test", "iat": t, "nbf": t, "jti": str(uuid.uuid4()), "exp": t + 600}
        if kind == "access" and c.s["decode_issuer"]:
            out["iss"] = c.s["decode_issuer"]
        if c.s["decode_audience"]:
            aud = c.s["decode_audience"]
            out["aud"] = aud[0] if isinstance(aud, list) else aud
        out["type"] = kind
        if kind == "access":
            out["fresh"] = fresh
        if c.csrf_claim_minted():
            out["csrf"] = str(uuid.uuid4())
        for k in drop:
            out.pop(k, None)
        out.update(over)
        return out

    hdr = {"typ": "JWT", "alg": c.alg}

    def craft(kind="access", header=None, raw_header=None, raw_payload=None, alg=None,
              secret=SECRET, sig_bytes=None, **claim_kw):
        h = raw_header if raw_header is not None else (header if header is not None else hdr)
        p = raw_payload if raw_payload is not None else claims(kind, **claim_kw)
        use_alg = alg or (h.get("alg") if isinstance(h, dict) else None) or c.alg
        if use_alg not in ("HS256", "HS384", "HS512", "RS256"):
            use_alg = c.alg
        return sig.token(h, p, alg=use_alg, secret=secret, sig=sig_bytes)

    cA = craft("access", fresh=True)
    cN = craft("access", fresh=False)
    cR = craft("refresh")

    def probe(label, token, path="/protected", method="GET", hint=None, anchor=None, kind="access"):
        run.req("probe %s %s: %s" % (method, path, label), c.auth(kind, token, method, path),
                hint=hint, anchor=anchor)

    # ---- basic routes and login ----------------------------------------------------------------
    run.req("GET /public", dict(method="GET", path="/public"))
    run.req("POST /login bad password", dict(method="POST", path="/login",
                                             body={"username": "test", "password": "nope"}))
    run.req("POST /login bad username", dict(method="POST", path="/login",
                                             body={"username": "root", "password": "test"}))
    run.req("POST /login", dict(method="POST", path="/login", body=CREDS),
            save=saver(("A", "access_token"), ("R", "refresh_token")))
    run.req("POST /fresh-login bad", dict(method="POST", path="/fresh-login",
                                          body={"username": "test", "password": "x"}))
    run.req("POST /fresh-login", dict(method="POST", path="/fresh-login", body=CREDS),
            save=saver(("F", "access_token")))
    run.req("GET /refresh with refresh", auth("refresh", R, "GET", "/refresh"),
            save=saver(("N", "access_token")))
    run.req("POST /refresh with refresh", auth("refresh", R, "POST", "/refresh"))
    aud_value = None
    if c.s["decode_audience"]:
        # login tokens carry no aud, which an audience configuration refuses everywhere: the
        # flows below use tokens minted with the configured audience instead
        aud = c.s["decode_audience"]
        aud_value = aud[0] if isinstance(aud, list) else aud
        for key, body in (("A", {"type": "access", "fresh": True}),
                          ("F", {"type": "access", "fresh": True}),
                          ("N", {"type": "access", "fresh": False}),
                          ("R", {"type": "refresh"})):
            body = dict(body, subject="test", audience=aud_value)
            run.req("POST /token %s with the configured audience" % key,
                    dict(method="POST", path="/token", body=body), save=saver((key, "token")))

    # ---- every guard with every method ---------------------------------------------------------
    for m in METHODS:
        run.req("%s /protected fresh access" % m, auth("access", A, m, "/protected"))
        run.req("%s /protected non-fresh access" % m, auth("access", N, m, "/protected"))
        run.req("%s /protected no token" % m, dict(method=m, path="/protected"))
        run.req("%s /protected refresh token" % m, auth("access", R, m, "/protected"))
        run.req("%s /optional access" % m, auth("access", A, m, "/optional"))
        run.req("%s /optional no token" % m, dict(method=m, path="/optional"))
        run.req("%s /optional refresh token" % m, auth("access", R, m, "/optional"))
        run.req("%s /fresh fresh access" % m, auth("access", F, m, "/fresh"))
        run.req("%s /fresh non-fresh access" % m, auth("access", N, m, "/fresh"))
        run.req("%s /fresh no token" % m, dict(method=m, path="/fresh"))
        run.req("%s /fresh refresh token" % m, auth("access", R, m, "/fresh"))
    for m in ("GET", "POST"):
        run.req("%s /refresh access token" % m, auth("refresh", A, m, "/refresh"))
        run.req("%s /refresh no token" % m, dict(method=m, path="/refresh"))
    run.req("GET /claims access", auth("access", A, "GET", "/claims"))
    run.req("GET /claims non-fresh", auth("access", N, "GET", "/claims"))
    run.req("GET /claims refresh token", auth("access", R, "GET", "/claims"))
    run.req("GET /claims no token", dict(method="GET", path="/claims"))
    run.req("GET /headers access", auth("access", A, "GET", "/headers"))
    run.req("GET /headers refresh token", auth("access", R, "GET", "/headers"))
    run.req("GET /headers no token", dict(method="GET", path="/headers"))

    # ---- POST /token ---------------------------------------------------------------------------
    def mint(label, body, key=None, hint=None, anchor=None):
        run.req("POST /token " + label, dict(method="POST", path="/token", body=body),
                hint=hint, anchor=anchor, save=saver((key, "token")) if key else None)

    mint("access", {"type": "access", "subject": "test"}, "T_plain")
    mint("refresh", {"type": "refresh", "subject": "test"}, "T_refresh")
    mint("access fresh", {"type": "access", "subject": "test", "fresh": True}, "T_fresh")
    mint("access expires 30", {"type": "access", "subject": "test", "expires_time": 30})
    mint("refresh expires 30", {"type": "refresh", "subject": "test", "expires_time": 30})
    mint("access expires -10", {"type": "access", "subject": "test", "fresh": True,
                                "expires_time": -10}, "T_exp")
    mint("access expires -100", {"type": "access", "subject": "test", "fresh": True,
                                 "expires_time": -100}, "T_exp100")
    mint("refresh expires -10", {"type": "refresh", "subject": "test", "expires_time": -10},
         "T_rexp")
    mint("access expires false", {"type": "access", "subject": "test",
                                  "expires_time": False}, "T_noexp")
    mint("refresh expires false", {"type": "refresh", "subject": "test",
                                   "expires_time": False})
    mint("access expires null", {"type": "access", "subject": "test", "expires_time": None})
    mint("access expires 0", {"type": "access", "subject": "test", "expires_time": 0})
    disabled = ("expiry-default-disabled", "configured access expiry is false") \
        if c.s["access_token_expires"] is False else None
    mint("access expires 1", {"type": "access", "subject": "test", "expires_time": 1},
         hint=disabled)
    mint("access expires true", {"type": "access", "subject": "test", "expires_time": True},
         hint=disabled)
    mint("access audience str", {"type": "access", "subject": "test", "audience": "foo"},
         "T_aud_foo")
    mint("access audience list", {"type": "access", "subject": "test",
                                  "audience": ["foo", "bar"]}, "T_aud_list")
    mint("access audience other", {"type": "access", "subject": "test", "audience": "zzz"},
         "T_aud_zzz")
    mint("refresh audience str", {"type": "refresh", "subject": "test", "audience": "foo"},
         "T_raud_foo")
    mint("access audience empty", {"type": "access", "subject": "test", "audience": ""})
    mint("access audience []", {"type": "access", "subject": "test", "audience": []})
    mint("access headers kid", {"type": "access", "subject": "test",
                                "headers": {"kid": "key-1", "foo": "bar"}}, "T_kid")
    mint("refresh headers", {"type": "refresh", "subject": "test",
                             "headers": {"refresh": "foo"}}, "T_rhdr")
    mint("access user_claims", {"type": "access", "subject": "test",
                                "user_claims": {"role": "admin", "n": 1, "l": [1, "a"],
                                                "o": {"x": None}}}, "T_uc")
    mint("refresh user_claims", {"type": "refresh", "subject": "test",
                                 "user_claims": {"role": "admin"}})
    mint("access int subject", {"type": "access", "subject": 42, "fresh": True}, "T_int")
    mint("access numeric-string subject", {"type": "access", "subject": "123"}, "T_numstr")
    mint("refresh int subject", {"type": "refresh", "subject": 7}, "T_rint")
    other_hs = "HS512" if c.alg == "HS256" else "HS256"
    mint("access algorithm %s" % other_hs, {"type": "access", "subject": "test",
                                            "algorithm": other_hs}, "T_otheralg",
         hint=("ref500", "HS algorithm with no secret (RS256-only configuration)")
         if not c.secret else None)
    mint("access algorithm none", {"type": "access", "subject": "test", "algorithm": "none"},
         hint=("token-bad-args", "algorithm none"))
    mint("access algorithm XYZ", {"type": "access", "subject": "test", "algorithm": "XYZ"},
         hint=("token-bad-args", "unknown algorithm"))
    mint("refresh algorithm XYZ", {"type": "refresh", "subject": "test", "algorithm": "XYZ"},
         hint=("token-bad-args", "unknown algorithm"))
    mint("access headers kid int", {"type": "access", "subject": "test",
                                    "headers": {"kid": 1}},
         hint=("token-bad-args", "kid header not a string"))
    if not c.rsa:
        mint("access algorithm RS256 without key", {"type": "access", "subject": "test",
                                                    "algorithm": "RS256"},
             hint=("token-bad-args", "RS256 with no private key"))
    mint("access user_claims type=refresh", {"type": "access", "subject": "test",
                                             "user_claims": {"type": "refresh"}},
         hint=("user-claims-reserved", "type"), anchor="E21")
    mint("access user_claims sub/exp", {"type": "access", "subject": "test",
                                        "user_claims": {"sub": "evil", "exp": 1}},
         hint=("user-claims-reserved", "sub, exp"), anchor="E21")
    mint("refresh user_claims jti", {"type": "refresh", "subject": "test",
                                     "user_claims": {"jti": "fixed"}},
         hint=("user-claims-reserved", "jti"), anchor="E21")

    # use the minted tokens
    run.req("GET /claims minted access", auth("access", st("T_plain"), "GET", "/claims"))
    run.req("GET /protected minted access", auth("access", st("T_plain"), "GET", "/protected"))
    run.req("GET /fresh minted non-fresh", auth("access", st("T_plain"), "GET", "/fresh"))
    run.req("GET /fresh minted fresh", auth("access", st("T_fresh"), "GET", "/fresh"))
    run.req("GET /refresh minted refresh", auth("refresh", st("T_refresh"), "GET", "/refresh"))
    for path in ("/protected", "/optional", "/fresh", "/claims", "/headers"):
        run.req("GET %s expired access (-10)" % path, auth("access", st("T_exp"), "GET", path))
    run.req("GET /protected expired access (-100)",
            auth("access", st("T_exp100"), "GET", "/protected"))
    run.req("POST /optional expired access (-10)",
            auth("access", st("T_exp"), "POST", "/optional"))
    run.req("GET /refresh expired refresh", auth("refresh", st("T_rexp"), "GET", "/refresh"))
    run.req("GET /claims no-exp access", auth("access", st("T_noexp"), "GET", "/claims"))
    run.req("GET /protected aud foo", auth("access", st("T_aud_foo"), "GET", "/protected"))
    run.req("GET /claims aud list", auth("access", st("T_aud_list"), "GET", "/claims"))
    run.req("GET /protected aud zzz", auth("access", st("T_aud_zzz"), "GET", "/protected"))
    run.req("GET /optional aud zzz", auth("access", st("T_aud_zzz"), "GET", "/optional"))
    run.req("GET /refresh refresh aud foo", auth("refresh", st("T_raud_foo"), "GET", "/refresh"))
    run.req("GET /headers minted kid", auth("access", st("T_kid"), "GET", "/headers"))
    run.req("GET /claims minted kid", auth("access", st("T_kid"), "GET", "/claims"))
    run.req("GET /claims user_claims", auth("access", st("T_uc"), "GET", "/claims"))
    run.req("GET /protected int subject", auth("access", st("T_int"), "GET", "/protected"))
    run.req("GET /fresh int subject", auth("access", st("T_int"), "GET", "/fresh"))
    run.req("GET /claims numeric-string subject",
            auth("access", st("T_numstr"), "GET", "/claims"))
    run.req("GET /refresh int subject", auth("refresh", st("T_rint"), "GET", "/refresh"))
    run.req("GET /protected minted other-alg token",
            auth("access", st("T_otheralg"), "GET", "/protected"))

    # ---- hand-crafted tokens: §10 probes and the security catalogue ----------------------------
    probe("crafted valid", cA)
    probe("crafted valid", cA, path="/claims")
    probe("crafted valid fresh", cA, path="/fresh")
    probe("crafted non-fresh", cN, path="/fresh")
    probe("crafted refresh", cR, path="/refresh", kind="refresh")
    probe("crafted refresh at access route", cR)
    probe("nbf in the future", craft(nbf=now + 3600), anchor="E9")
    probe("iat 'abc'", craft(iat="abc"), anchor="E11")
    probe("exp 'abc'", craft(exp="abc"), anchor="E5")
    probe("exp null", craft(exp=None), hint=("typed-claims", "exp null"), anchor="E5")
    probe("exp true", craft(exp=True), hint=("typed-claims", "exp true"), anchor="E5")
    probe("exp float", craft(exp=now + 100.5), anchor="E6")
    probe("exp 1e300", craft(exp=1e300), hint=("typed-claims", "exp 1e300"), anchor="E7")
    probe("exp missing", craft(drop=("exp",)), anchor="E8")
    probe("iat in the future", craft(iat=now + 3600), anchor="E11")
    probe("header kid 1", craft(header=dict(hdr, kid=1)))
    probe("header kid string", craft(header=dict(hdr, kid="../../dev/null")))
    probe("header typ at+jwt", craft(header=dict(hdr, typ="at+jwt")))
    probe("header not JSON", craft(raw_header="notjson"))
    probe("header JSON array", craft(raw_header="[1,2]"))
    probe("header JSON string", craft(raw_header='"x"'))
    probe("payload not JSON", craft(raw_payload="notjson"))
    probe("payload JSON array", craft(raw_payload="[1,2]"))
    probe("aud unexpected", craft(aud="someone-else"), anchor="E18")
    probe("aud list with ours", craft(aud=["x", "foo"]), anchor="E18")
    probe("aud 5", craft(aud=5), anchor="E18")
    probe("iss wrong", craft(iss="urn:wrong"), anchor="E19")
    probe("iss wrong", craft(iss="urn:wrong"), path="/optional")
    probe("iss missing", craft(drop=("iss",)), anchor="E19")
    probe("iss on refresh wrong", craft("refresh", iss="urn:wrong"), path="/refresh",
          kind="refresh")
    probe("alg none", craft(header={"typ": "JWT", "alg": "none"}, sig_bytes=b""),
          hint=("ref500", "alg none"), anchor="C1")
    probe("alg None", craft(header={"typ": "JWT", "alg": "None"}, sig_bytes=b""),
          hint=("ref500", "alg unknown (None)"), anchor="C2")
    probe("alg hs256 lower-case", craft(header={"typ": "JWT", "alg": "hs256"}),
          hint=("ref500", "alg unknown (hs256)"), anchor="C4")
    probe("alg missing", craft(header={"typ": "JWT"}), hint=("ref500", "alg missing"),
          anchor="C10")
    if c.rsa:
        probe("HS256 token on an RS256 app", craft(header={"typ": "JWT", "alg": "HS256"}),
              hint=("ref500", "HS256 token with no secret configured") if not c.secret
              else None, anchor="C9")
    else:
        probe("RS256 token on an HS app", craft(header={"typ": "JWT", "alg": "RS256"}),
              hint=("ref500", "RS256 token with no public key"), anchor="C9")
    probe("ES256 token on this app", craft(header={"typ": "JWT", "alg": "ES256"},
                                           sig_bytes=b"x" * 64),
          hint=("ref500", "ES256 token with no public key"), anchor="C9")
    probe("type missing", craft(drop=("type",)), hint=("ref500", "type claim missing"),
          anchor="E12")
    probe("type missing", craft(drop=("type",)), path="/refresh", kind="refresh",
          hint=("ref500", "type claim missing"), anchor="E12")
    probe("type ACCESS", craft(type="ACCESS"), anchor="E14")
    probe("type 1", craft(type=1), anchor="E14")
    probe("fresh missing", craft(drop=("fresh",)), path="/fresh",
          hint=("ref500", "fresh claim missing"), anchor="E15")
    probe("fresh missing", craft(drop=("fresh",)))
    probe("fresh 1", craft(fresh=1), path="/fresh", hint=("fresh-json-true", "fresh: 1"),
          anchor="E15")
    probe("fresh 'false'", craft(fresh="false"), path="/fresh",
          hint=("fresh-json-true", 'fresh: "false"'), anchor="E15")
    probe("fresh 'true'", craft(fresh="true"), path="/fresh",
          hint=("fresh-json-true", 'fresh: "true"'), anchor="E15")
    probe("jti missing", craft(drop=("jti",)), hint=("ref500", "jti missing, denylist on")
          if c.s["denylist_enabled"] and "access" in c.s["denylist_token_checks"] else None,
          anchor="E16")
    probe("jti object", craft(jti={"a": 1}), hint=("ref500", "jti not a string, denylist on")
          if c.s["denylist_enabled"] and "access" in c.s["denylist_token_checks"]
          else ("typed-claims", "jti not a string"), anchor="E16")
    probe("sub integer", craft(sub=123), anchor="E20")
    probe("sub object", craft(sub={"id": 1}), hint=("typed-claims", "sub object"), anchor="E20")
    probe("sub null", craft(sub=None), hint=("typed-claims", "sub null"), anchor="E20")
    probe("exp numeric string", craft(exp=str(now + 3600)),
          hint=("numeric-string-claims", "exp"), anchor="E4")
    probe("nbf numeric string (past)", craft(nbf=str(now - 10)),
          hint=("numeric-string-claims", "nbf"), anchor="E10")
    probe("nbf numeric string (future)", craft(nbf=str(now + 3600)),
          hint=("numeric-string-claims", "nbf"), anchor="E10")
    probe("iat numeric string", craft(iat=str(now)),
          hint=("numeric-string-claims", "iat"), anchor="E11")
    probe("expired (exp now-100)", craft(exp=now - 100), anchor="E1")
    probe("expired (exp now-10)", craft(exp=now - 10), anchor="E3")
    probe("expired (exp now-10)", craft(exp=now - 10), path="/optional")
    probe("nbf now+10", craft(nbf=now + 10), anchor="E9")
    if c.rsa:
        probe("wrong signature (random bytes)", craft(sig_bytes=os.urandom(256)), anchor="D14")
    else:
        probe("wrong signature (other secret)", craft(secret=OTHER_SECRET), anchor="D14")
    probe("signature of another token", cA.rsplit(".", 1)[0] + "." + cN.rsplit(".", 1)[1],
          anchor="D14")
    probe("signature stripped", cA.rsplit(".", 1)[0] + ".")
    for hs in ("HS384", "HS512", "HS256"):
        if hs == c.alg or (hs in (c.s["decode_algorithms"] or [])):
            continue
        probe("%s token (not allowed)" % hs, craft(header={"typ": "JWT", "alg": hs}),
              hint=("ref500", "%s token with no secret configured" % hs)
              if c.rsa and not c.secret else None, anchor="C6")
    if "HS512" in (c.s["decode_algorithms"] or []):
        probe("HS512 token (allowed by decode_algorithms)",
              craft(header={"typ": "JWT", "alg": "HS512"}))
    # malformed compact serialisations
    probe("token 'asd'", "asd", anchor="B1")
    probe("token '.'", ".", anchor="B1")
    probe("token '..'", "..", anchor="B1")
    probe("two segments", ".".join(cA.split(".")[:2]), anchor="B2")
    # PyJWT keeps "p.s" as the payload segment and its lenient base64 decoder skips the dot,
    # so the reference's message depends on the segment lengths (padding or signature error)
    probe("four segments", cA + ".AAAA", anchor="B3",
          hint=("strict-jose", "a '.' inside the payload segment (base64 alphabet)"))
    probe("trailing dot", cA + ".", anchor="B3",
          hint=("strict-jose", "a '.' inside the payload segment (base64 alphabet)"))
    probe("padding on signature", cA + "=", hint=("strict-jose", "base64 padding"),
          anchor="B6")
    probe("padding on payload", ".".join([cA.split(".")[0], cA.split(".")[1] + "==",
                                          cA.split(".")[2]]),
          hint=("strict-jose", "base64 padding"), anchor="B6")
    # a token whose signature uses - or _, rewritten to the + / alphabet
    alpha = cA
    for _ in range(200):
        if "-" in alpha.rsplit(".", 1)[1] or "_" in alpha.rsplit(".", 1)[1]:
            break
        alpha = craft("access")
    head, sig_part = alpha.rsplit(".", 1)
    probe("+/ alphabet in signature",
          head + "." + sig_part.replace("-", "+").replace("_", "/"),
          hint=("strict-jose", "base64 alphabet"), anchor="B8")
    # non-canonical trailing bits: change the last signature character to a sibling
    sig_text = cA.rsplit(".", 1)[1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    unused_bits = {2: 4, 3: 2}.get(len(sig_text) % 4, 0)
    if unused_bits:
        idx = alphabet.index(sig_text[-1])
        sibling = alphabet[idx ^ 1]
        probe("non-canonical trailing bits", cA.rsplit(".", 1)[0] + "." + sig_text[:-1]
              + sibling, hint=("strict-jose", "non-canonical trailing bits"), anchor="B7")
    probe("duplicate header member alg",
          craft(raw_header='{"typ":"JWT","alg":"none","alg":"%s"}' % c.alg,
                alg=c.alg), hint=("strict-jose", "duplicate member"), anchor="C")
    dup_payload = compact(claims())[:-1] + ',"type":"refresh"}'
    probe("duplicate claim type", craft(raw_payload=dup_payload),
          hint=("strict-jose", "duplicate member"), anchor="E17")
    probe("crit header", craft(header=dict(hdr, crit=["exp2"], exp2="x")),
          hint=("strict-jose", "crit"), anchor="C12")
    probe("header with trailing bytes", craft(raw_header=compact(hdr) + "xyz"), anchor="B11")
    probe("header UTF-8 BOM", craft(raw_header="\ufeff" + compact(hdr)), anchor="B12")
    probe("9 KiB token (large claim)", craft(big="x" * 9000), hint=("size-cap", "9 KiB"),
          anchor="I1")

    # exp == now, with both requests inside one second
    while time.time() % 1 > 0.3:
        time.sleep(0.05)
    probe("exp == now", craft(exp=int(time.time())), anchor="E2")

    # ---- Authorization header table (§5.1) and header quirks -----------------------------------
    if c.headers:
        hn = c.s["header_name"]
        ht = c.s["header_type"]
        tok = cA
        if ht is not None:
            variants = [
                ("type + one space", "%s %s" % (ht, tok)),
                ("type + two spaces", "%s  %s" % (ht, tok)),
                ("type + tab", "%s\t%s" % (ht, tok)),
                ("lower-case type", "%s %s" % (ht.lower(), tok)),
                ("type only", ht),
                ("type + space", ht + " "),
                ("type a b", "%s a b" % ht),
                ("type token extra", "%s %s extra" % (ht, tok)),
                ("other scheme JWT", "JWT %s" % tok if ht != "JWT" else "Bearer %s" % tok),
                ("Basic scheme", "Basic %s" % tok),
                ("typex", "%sx %s" % (ht, tok)),
                ("Test asd", "Test asd"),
                ("Test", "Test "),
                ("bare token", tok),
                ("type asd", "%s asd" % ht),
                ("empty value", ""),
                ("type + 0xff byte", "%s \xff%s" % (ht, tok[1:])),
            ]
        else:
            variants = [
                ("bare token", tok),
                ("Bearer token", "Bearer %s" % tok),
                ("JWT token", "JWT %s" % tok),
                ("token extra", "%s extra" % tok),
                ("asd", "asd"),
                ("empty value", ""),
                ("0xff byte", "\xff" + tok[1:]),
            ]
        for name, value in variants:
            run.req("header %s: %s" % (hn, name),
                    dict(method="GET", path="/protected", headers=[(hn, value)]),
                    hint=("non-ascii-header", name) if "\xff" in value else None,
                    anchor="A")
        run.req("header name lower-case", dict(method="GET", path="/protected",
                                               headers=[(hn.lower(), c.header_value(tok))]))
        run.req("header value on /optional: type only",
                dict(method="POST", path="/optional",
                     headers=[(hn, ht if ht else "a b")]))
        if hn != "Authorization":
            run.req("plain Authorization header with a custom header name",
                    dict(method="GET", path="/protected",
                         headers=[("Authorization", "Bearer %s" % tok)]))
        # two headers
        run.req("two %s headers: valid then garbage" % hn,
                dict(method="GET", path="/protected",
                     headers=[(hn, c.header_value(tok)), (hn, c.header_value("garbage"))]),
                hint=("two-auth-headers", "valid then garbage"), anchor="A5")
        run.req("two %s headers: garbage then valid" % hn,
                dict(method="GET", path="/protected",
                     headers=[(hn, c.header_value("garbage")), (hn, c.header_value(tok))]),
                hint=("two-auth-headers", "garbage then valid"), anchor="A5")
        # malformed header on routes that never ask for a token
        bad = [(hn, ht if ht else "a b")]
        for label, req in [
            ("POST /login", dict(method="POST", path="/login", body=CREDS)),
            ("POST /fresh-login", dict(method="POST", path="/fresh-login", body=CREDS)),
            ("POST /token", dict(method="POST", path="/token",
                                 body={"type": "access", "subject": "test"})),
            ("DELETE /logout", dict(method="DELETE", path="/logout")),
            ("DELETE /cookies", dict(method="DELETE", path="/cookies")),
            ("GET /public", dict(method="GET", path="/public")),
        ]:
            req["headers"] = bad
            hint = None if label == "GET /public" else (
                "malformed-header-noauth", "malformed %s header on %s" % (hn, label))
            if label in ("DELETE /logout", "DELETE /cookies") and not c.cookies:
                hint = ("malformed-header-noauth", "malformed header on %s (the reference "
                        "would 500 anyway: cookies not a location)" % label)
            run.req("malformed header on " + label, req, hint=hint)

    # ---- cookies and CSRF (HTTP) ---------------------------------------------------------------
    if c.cookies:
        ak, rk = c.cookie_key("access"), c.cookie_key("refresh")
        ah, rh = c.csrf_header("access"), c.csrf_header("refresh")
        a_csrf, r_csrf = claim(cA, "csrf"), claim(cR, "csrf")

        def ck(method, path, cookies, headers=(), label=None, hint=None, anchor=None):
            run.req("cookie %s %s: %s" % (method, path, label),
                    dict(method=method, path=path, cookies=cookies, headers=list(headers)),
                    hint=hint, anchor=anchor)

        ck("GET", "/protected", {ak: cA}, label="no CSRF header", anchor="F7")
        ck("GET", "/protected", {ak: cA}, [(ah, "wrong")], label="wrong CSRF header ignored")
        for m in ("POST", "PUT", "PATCH", "DELETE"):
            ck(m, "/protected", {ak: cA}, label="no CSRF header", anchor="F1")
        ck("POST", "/protected", {ak: cA}, [(ah, a_csrf or "x")], label="correct CSRF")
        ck("POST", "/protected", {ak: cA}, [(ah.lower(), a_csrf or "x")],
           label="CSRF header name lower-case", anchor="F10")
        ck("POST", "/protected", {ak: cA}, [(ah, "wrong")], label="wrong CSRF", anchor="F2")
        ck("POST", "/protected", {ak: cA}, [(ah, (a_csrf or "x")[:-1])],
           label="CSRF one char short", anchor="F2")
        ck("POST", "/protected", {ak: cA}, [(ah, "")], label="empty CSRF", anchor="F3")
        ck("POST", "/protected", {ak: cA}, [(ah, r_csrf or "y")],
           label="refresh token's CSRF on access route", anchor="F5")
        ck("POST", "/protected", {c.csrf_cookie_key("access"): a_csrf or "x"},
           [(ah, a_csrf or "x")], label="only the CSRF cookie", anchor="F4")
        ck("POST", "/protected", {ak: cA, c.csrf_cookie_key("access"): a_csrf or "x"},
           label="CSRF cookie but no header", anchor="F11")
        ck("POST", "/protected", {ak: cR}, [(ah, r_csrf or "y")],
           label="refresh token in access cookie")
        ck("POST", "/protected", {ak: "garbage"}, [(ah, "wrong")],
           label="garbage cookie + wrong CSRF")
        nocsrf = craft("access", drop=("csrf",))
        ck("POST", "/protected", {ak: nocsrf}, [(ah, "invalid")],
           label="token without csrf claim", anchor="F6")
        ck("GET", "/protected", {ak: nocsrf}, label="token without csrf claim, GET")
        ck("POST", "/protected", {ak: cA}, [(ah, a_csrf or "x"), ("X-HTTP-Method-Override",
                                                                 "GET")],
           label="method override header with CSRF", anchor="F9")
        ck("POST", "/protected", {ak: cA}, [("X-HTTP-Method-Override", "GET")],
           label="method override header without CSRF", anchor="F9")
        ck("GET", "/protected", {}, label="no cookie")
        ck("GET", "/protected", {ak: ""}, label="empty cookie")
        ck("POST", "/optional", {}, label="no cookie")
        ck("POST", "/optional", {ak: ""}, label="empty cookie")
        ck("POST", "/optional", {ak: cA}, label="cookie without CSRF")
        ck("POST", "/optional", {ak: cA}, [(ah, a_csrf or "x")], label="cookie with CSRF")
        ck("POST", "/optional", {ak: cA}, [(ah, "wrong")], label="cookie with wrong CSRF")
        ck("POST", "/optional", {ak: nocsrf}, [(ah, "x")], label="token without csrf claim")
        ck("POST", "/fresh", {ak: cN}, [(ah, claim(cN, "csrf") or "x")],
           label="non-fresh with CSRF")
        ck("POST", "/fresh", {ak: cA}, label="fresh without CSRF")
        ck("POST", "/refresh", {rk: cR}, [(rh, r_csrf or "y")], label="refresh with CSRF")
        ck("POST", "/refresh", {rk: cR}, label="refresh without CSRF")
        ck("POST", "/refresh", {rk: cR}, [(rh, a_csrf or "x")],
           label="refresh with the access CSRF")
        ck("POST", "/refresh", {rk: cA}, [(rh, a_csrf or "x")], label="access in refresh cookie")
        ck("GET", "/refresh", {ak: cR}, label="refresh token in the access cookie")
        ck("GET", "/refresh", {}, label="no cookie")
        ck("DELETE", "/access-revoke", {ak: craft("access")}, label="revoke without CSRF")
        ck("GET", "/protected", {ak: cA}, [("Authorization", "Bearer garbage")],
           label="cookie + garbage Authorization header")
        ck("GET", "/protected", {}, [("Authorization", "Bearer %s" % cA)],
           label="Authorization header only")
        two_cookies = {"Cookie": "%s=%s; %s=%s" % (ak, "garbage", ak, cA)}
        run.req("cookie GET /protected: two access cookies (garbage, valid)",
                dict(method="GET", path="/protected", headers=list(two_cookies.items())),
                anchor="F16")
        two_cookies = {"Cookie": "%s=%s; %s=%s" % (ak, cA, ak, "garbage")}
        run.req("cookie GET /protected: two access cookies (valid, garbage)",
                dict(method="GET", path="/protected", headers=list(two_cookies.items())),
                anchor="F16")
    if c.both:
        hn = c.s["header_name"]
        ak, ah = c.cookie_key("access"), c.csrf_header("access")
        run.req("both: header valid + cookie, POST without CSRF",
                dict(method="POST", path="/protected", headers=[(hn, c.header_value(cA))],
                     cookies={ak: cN}), anchor="A7")
        run.req("both: garbage header + good cookie",
                dict(method="POST", path="/protected",
                     headers=[(hn, c.header_value("garbage")), (ah, claim(cA, "csrf") or "")],
                     cookies={ak: cA}))
        run.req("both: bad header format + good cookie",
                dict(method="GET", path="/protected",
                     headers=[(hn, "Nope x y")], cookies={ak: cA}))
        run.req("both: refresh in header, access cookie",
                dict(method="GET", path="/protected", headers=[(hn, c.header_value(cR))],
                     cookies={ak: cA}))
        run.req("both: POST /refresh header refresh + no CSRF",
                dict(method="POST", path="/refresh", headers=[(hn, c.header_value(cR))]))

    # ---- cookie helpers and logout -------------------------------------------------------------
    helper_hint = None if c.cookies else ("cookie-helpers", "cookies are not a token location")

    def helper(label, req, hint=None):
        run.req(label, req, hint=hint or helper_hint)

    helper("POST /cookies/access", lambda s: dict(method="POST", path="/cookies/access",
                                                  body={"token": st("A")(s)}))
    helper("POST /cookies/access max_age 60",
           lambda s: dict(method="POST", path="/cookies/access",
                          body={"token": st("A")(s), "max_age": 60}))
    helper("POST /cookies/access max_age 0",
           lambda s: dict(method="POST", path="/cookies/access",
                          body={"token": st("A")(s), "max_age": 0}))
    helper("POST /cookies/refresh", lambda s: dict(method="POST", path="/cookies/refresh",
                                                   body={"token": st("R")(s)}))
    helper("POST /cookies/refresh max_age 120",
           lambda s: dict(method="POST", path="/cookies/refresh",
                          body={"token": st("R")(s), "max_age": 120}))
    helper("POST /cookies/access crafted", dict(method="POST", path="/cookies/access",
                                                body={"token": cA}))
    helper("POST /cookies/access expired token",
           lambda s: dict(method="POST", path="/cookies/access",
                          body={"token": st("T_exp")(s)}))
    helper("POST /cookies/access garbage", dict(method="POST", path="/cookies/access",
                                                body={"token": "garbage"}))
    helper("POST /cookies/refresh aud zzz",
           lambda s: dict(method="POST", path="/cookies/refresh",
                          body={"token": st("T_aud_zzz")(s)}))
    helper("POST /cookies/access refresh token (no type check)",
           lambda s: dict(method="POST", path="/cookies/access",
                          body={"token": st("R")(s)}))
    if not c.cookies:
        helper("POST /cookies/access token with a csrf claim",
               dict(method="POST", path="/cookies/access",
                    body={"token": craft("access", csrf=str(uuid.uuid4()))}))
    nocsrf_tok = craft("access", drop=("csrf",))
    if c.cookies and c.csrf:
        helper("POST /cookies/access token without csrf",
               dict(method="POST", path="/cookies/access", body={"token": nocsrf_tok}),
               hint=("set-cookie-no-csrf", "access token without csrf claim"))
        helper("POST /cookies/refresh token without csrf",
               dict(method="POST", path="/cookies/refresh",
                    body={"token": craft("refresh", drop=("csrf",))}),
               hint=("set-cookie-no-csrf", "refresh token without csrf claim"))
    elif not c.cookies:
        helper("POST /cookies/access token without csrf",
               dict(method="POST", path="/cookies/access", body={"token": nocsrf_tok}),
               hint=("cookie-helpers", "cookies are not a token location (the token has "
                     "no csrf claim: demo 422 Missing claim: csrf)"))
    for label, path in (("DELETE /cookies/access", "/cookies/access"),
                        ("DELETE /cookies/refresh", "/cookies/refresh"),
                        ("DELETE /cookies", "/cookies"), ("DELETE /logout", "/logout")):
        helper(label, dict(method="DELETE", path=path))

    # ---- WebSocket ------------------------------------------------------------------------------
    def ws(label, path, cookies=None, headers=(), hint=None, anchor=None):
        def build(side):
            p = path(side) if callable(path) else path
            ck_ = cookies(side) if callable(cookies) else cookies
            return dict(ws=True, method="WS", path=p, cookies=ck_, headers=list(headers))
        run.req("ws %s" % label, build, hint=hint, anchor=anchor)

    def q(token_fn, name="token"):
        return lambda side: "?%s=%s" % (name, token_fn(side) if callable(token_fn) else token_fn)

    for guard in ("protected", "optional", "refresh", "fresh"):
        right = R if guard == "refresh" else (F if guard == "fresh" else A)
        wrong = A if guard == "refresh" else R
        ws("/ws/%s minted right type" % guard,
           lambda s, g=guard, t=right: "/ws/%s%s" % (g, q(t)(s)))
        ws("/ws/%s minted wrong type" % guard,
           lambda s, g=guard, t=wrong: "/ws/%s%s" % (g, q(t)(s)), anchor="G6")
        ws("/ws/%s no token" % guard, "/ws/%s" % guard, anchor="G1")
        ws("/ws/%s empty token" % guard, "/ws/%s?token=" % guard)
        ws("/ws/%s garbage token" % guard, "/ws/%s?token=garbage" % guard)
        ws("/ws/%s expired token" % guard,
           lambda s, g=guard: "/ws/%s?token=%s" % (g, st("T_rexp" if g == "refresh"
                                                         else "T_exp")(s)))
        ws("/ws/%s crafted" % guard,
           "/ws/%s?token=%s" % (guard, cR if guard == "refresh" else cA))
        ws("/ws/%s alg none" % guard, "/ws/%s?token=%s" % (
            guard, craft(guard if guard == "refresh" else "access",
                         header={"typ": "JWT", "alg": "none"}, sig_bytes=b"")),
           hint=("ref500", "alg none (WebSocket)"))
    ws("/ws/fresh non-fresh", lambda s: "/ws/fresh" + q(N)(s), anchor="G6")
    ws("/ws/protected header ignored", "/ws/protected",
       headers=[("Authorization", "Bearer %s" % cA)])
    ws("/ws/protected iss wrong", "/ws/protected?token=%s" % craft(iss="urn:wrong"))
    ws("/ws/optional iss wrong", "/ws/optional?token=%s" % craft(iss="urn:wrong"))
    # cookie mode (works whatever the token location)
    ak, rk = c.cookie_key("access"), c.cookie_key("refresh")
    for guard in ("protected", "optional", "refresh", "fresh"):
        kind = "refresh" if guard == "refresh" else "access"
        key = rk if kind == "refresh" else ak
        tok_fn = R if guard == "refresh" else (F if guard == "fresh" else A)
        crafted = cR if kind == "refresh" else cA
        base = "/ws/cookie/%s" % guard
        ws("%s minted + own csrf" % base,
           lambda s, b=base, t=tok_fn: b + q(lambda s2: claim(t(s2), "csrf") or "x",
                                              "csrf_token")(s),
           cookies=lambda s, k=key, t=tok_fn: {k: t(s)})
        ws("%s crafted + csrf" % base,
           "%s?csrf_token=%s" % (base, claim(crafted, "csrf") or "x"), cookies={key: crafted})
        ws("%s crafted, no csrf_token" % base, base, cookies={key: crafted}, anchor="G2")
        ws("%s crafted, wrong csrf_token" % base, base + "?csrf_token=wrong",
           cookies={key: crafted}, anchor="G3")
        ws("%s no cookie" % base, base + "?csrf_token=x")
        ws("%s no cookie, no csrf" % base, base)
        ws("%s wrong type in cookie" % base,
           "%s?csrf_token=%s" % (base, claim(cR if kind == "access" else cA, "csrf") or "x"),
           cookies={key: cR if kind == "access" else cA}, anchor="G6")
        ws("%s token without csrf claim" % base, base + "?csrf_token=x",
           cookies={key: craft(kind, drop=("csrf",))})
        ws("%s garbage cookie" % base, base + "?csrf_token=x", cookies={key: "garbage"})
    ws("/ws/cookie/fresh non-fresh crafted",
       "/ws/cookie/fresh?csrf_token=%s" % (claim(cN, "csrf") or "x"), cookies={ak: cN})

    # ---- revocation ------------------------------------------------------------------------------
    run.req("POST /login for revocation", dict(method="POST", path="/login", body=CREDS),
            save=saver(("A2", "access_token"), ("R2", "refresh_token")))
    if aud_value is not None:
        for key, body in (("A2", {"type": "access", "fresh": True}), ("R2", {"type": "refresh"})):
            body = dict(body, subject="test", audience=aud_value)
            run.req("POST /token %s with the configured audience" % key,
                    dict(method="POST", path="/token", body=body), save=saver((key, "token")))
    A2, R2 = st("A2"), st("R2")

    def revoke_hint(kind):
        checked = c.s["denylist_enabled"] and kind in c.s["denylist_token_checks"]
        return None if checked else ("revoke-refused", "%s tokens are not checked" % kind)

    run.req("DELETE /access-revoke refresh token", auth("access", R2, "DELETE",
                                                        "/access-revoke"))
    run.req("DELETE /refresh-revoke access token", auth("refresh", A2, "DELETE",
                                                        "/refresh-revoke"))
    run.req("DELETE /access-revoke no token", dict(method="DELETE", path="/access-revoke"))
    run.req("DELETE /access-revoke", auth("access", A2, "DELETE", "/access-revoke"), anchor="H1",
            hint=revoke_hint("access"))
    run.req("GET /protected revoked access", auth("access", A2, "GET", "/protected"),
            anchor="H1")
    run.req("POST /optional revoked access", auth("access", A2, "POST", "/optional"))
    run.req("GET /fresh revoked access", auth("access", A2, "GET", "/fresh"))
    run.req("GET /claims revoked access", auth("access", A2, "GET", "/claims"))
    run.req("GET /refresh revoked access (denylist before type)",
            auth("refresh", A2, "GET", "/refresh"))
    run.req("DELETE /access-revoke again", auth("access", A2, "DELETE", "/access-revoke"),
            hint=revoke_hint("access"))
    run.req("ws /ws/protected revoked access", lambda s: dict(
        ws=True, method="WS", path="/ws/protected?token=" + A2(s)))
    run.req("DELETE /refresh-revoke", auth("refresh", R2, "DELETE", "/refresh-revoke"),
            anchor="H2", hint=revoke_hint("refresh"))
    run.req("GET /refresh revoked refresh", auth("refresh", R2, "GET", "/refresh"), anchor="H2")
    run.req("GET /protected revoked refresh", auth("access", R2, "GET", "/protected"),
            anchor="H9")
    run.req("ws /ws/refresh revoked refresh", lambda s: dict(
        ws=True, method="WS", path="/ws/refresh?token=" + R2(s)))
    run.req("GET /protected after revocations, other access token",
            auth("access", A, "GET", "/protected"))
    run.req("DELETE /logout after revocations", dict(method="DELETE", path="/logout"),
            hint=helper_hint)

    # ---- cross-verification: each server's tokens at both servers ------------------------------
    # The same token goes to both servers; where the token is valid for the route, both must
    # accept it (a reference token at the demo, a demo token at the reference).
    aud_cfg = bool(c.s["decode_audience"])
    iss_ok = not c.s["decode_issuer"] or c.s["encode_issuer"] == c.s["decode_issuer"]
    cross_tokens = [("A", "access", True), ("N", "access", False), ("R", "refresh", None),
                    ("F", "access", True)]
    if aud_cfg:
        cross_tokens += [("T_aud_foo", "access", False), ("T_raud_foo", "refresh", None)]
    for owner in ("ref", "demo"):
        def tok(name, owner=owner):
            return lambda side: (run.ref if owner == "ref" else run.demo).st.get(name, "missing")
        for name, kind, fresh in cross_tokens:
            valid = True
            for method, path in (("GET", "/protected"), ("POST", "/protected"),
                                 ("GET", "/refresh"), ("POST", "/refresh"), ("GET", "/fresh"),
                                 ("GET", "/claims")):
                use_kind = "refresh" if path == "/refresh" else "access"
                must = None
                if valid and kind == "access" and iss_ok and (
                        path in ("/protected", "/claims") or (path == "/fresh" and fresh)):
                    must = 200
                if valid and kind == "refresh" and path == "/refresh":
                    must = 200
                run.req("cross: %s-minted %s (%s) at %s %s" % (owner, name, kind, method, path),
                        auth(use_kind, tok(name), method, path), must=must)


def run_config(cfg, args, keydir, logdir):
    cfg.keydir = keydir
    env = cfg.env()
    ref = Server("%s-reference" % cfg.name,
                 ["bash", os.path.join(args.shared, "reference", "run.sh")], env, logdir)
    # The comparison mints tokens and cookies at /token and /cookies/*, which the demo serves
    # only with DEMO_TEST_ROUTES=true.
    demo = Server("%s-demo" % cfg.name, [args.demo], dict(env, DEMO_TEST_ROUTES="true"), logdir)
    runner = Runner(cfg, ref, demo)
    problems = []
    try:
        ref.start()
        demo.start()
        ok_ref = ref.wait_ready(args.start_timeout)
        ok_demo = demo.wait_ready(args.start_timeout)
        if not ok_ref or not ok_demo:
            for name, ok, srv in (("reference", ok_ref, ref), ("demo", ok_demo, demo)):
                if not ok:
                    problems.append("%s did not start:\n%s" % (name, srv.log_tail()))
            return runner, problems
        scenario(runner, cfg)
    except Exception:  # noqa: BLE001
        problems.append("harness error:\n" + traceback.format_exc())
    finally:
        ref.stop()
        demo.stop()
    return runner, problems


# --------------------------------------------------------------------------------------------
# Start-up probes: settings one server refuses and the other accepts
# --------------------------------------------------------------------------------------------

STARTUP_PROBES = [
    # (label, env, expected: "deviation:<key>" or "both-refuse" or "both-start")
    ("weak secret (6 bytes)", {"AUTHJWT_SECRET_KEY": "secret"}, "deviation:startup-weak-secret"),
    ("weak secret accepted with AUTHJWT_ALLOW_WEAK_SECRET=true",
     {"AUTHJWT_SECRET_KEY": "secret", "AUTHJWT_ALLOW_WEAK_SECRET": "true"}, "both-start"),
    ("SameSite=none without Secure",
     {"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_TOKEN_LOCATION": "cookies",
      "AUTHJWT_COOKIE_SAMESITE": "none"}, "deviation:startup-samesite-none"),
    ("SameSite=Lax (capitalised)", {"AUTHJWT_SECRET_KEY": SECRET,
                                    "AUTHJWT_COOKIE_SAMESITE": "Lax"}, "both-refuse"),
    ("token_location foo", {"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_TOKEN_LOCATION": "foo"},
     "both-refuse"),
    ("access_token_expires true", {"AUTHJWT_SECRET_KEY": SECRET,
                                   "AUTHJWT_ACCESS_TOKEN_EXPIRES": "true"}, "both-refuse"),
    ("csrf_methods OPTIONS", {"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_CSRF_METHODS": "OPTIONS"},
     "both-refuse"),
]


def run_startup_probes(args, logdir):
    results = []
    for i, (label, env, expected) in enumerate(STARTUP_PROBES):
        ref = Server("startup%d-reference" % i,
                     ["bash", os.path.join(args.shared, "reference", "run.sh")], env, logdir)
        demo = Server("startup%d-demo" % i, [args.demo], env, logdir)
        try:
            ref.start()
            demo.start()
            r_ok = ref.wait_ready(args.start_timeout)
            d_ok = demo.wait_ready(args.start_timeout)
        finally:
            ref.stop()
            demo.stop()
        observed = ("reference %s, demo %s" % ("starts" if r_ok else "refuses",
                                               "starts" if d_ok else "refuses"))
        d_msg = "" if d_ok else demo.log_tail(1)
        r_msg = "" if r_ok else ref.log_tail(1)
        if expected.startswith("deviation:"):
            verdict = "expected" if (r_ok and not d_ok) else ("same" if r_ok == d_ok else "bug")
            category = expected.split(":", 1)[1]
        else:
            want = expected == "both-start"
            verdict = "same" if (r_ok == want and d_ok == want) else "bug"
            category = None
        results.append(dict(label=label, env=env, observed=observed, verdict=verdict,
                            category=category, demo_message=d_msg, reference_message=r_msg))
    return results


# --------------------------------------------------------------------------------------------
# Self-test of the comparison (runs before any server starts: a comparator that finds nothing
# would make every run pass)
# --------------------------------------------------------------------------------------------


def selftest():
    sig = Signer()
    t = int(time.time())

    def tok(**over):
        claims = {"sub": "test", "iat": t, "nbf": t, "jti": str(uuid.uuid4()), "exp": t + 900,
                  "type": "access", "fresh": True, "csrf": str(uuid.uuid4())}
        claims.update(over)
        return sig.token({"typ": "JWT", "alg": "HS256"}, claims)

    def resp(status, body, cookies=(), kind="http"):
        r = Resp(kind)
        r.status = status
        r.json = body
        r.body = json.dumps(body).encode()
        r.headers = [("set-cookie", c) for c in cookies]
        return r

    def login(token, cookies):
        return resp(200, {"access_token": token}, cookies)

    def diffs(a, b, cfg=None):
        cfg = cfg or Config("selftest")
        return [d for d in Comparer(cfg, a, b).run() if d.normalised is None]

    ta, tb = tok(), tok()
    good_a = ["access_token_cookie=%s; HttpOnly; Path=/" % ta,
              "csrf_access_token=%s; Path=/" % claim(ta, "csrf")]
    good_b = ["access_token_cookie=%s; Path=/; HttpOnly" % tb,
              "csrf_access_token=%s; Path=/" % claim(tb, "csrf")]
    checks = [
        ("identical answers with other random values", diffs(login(ta, good_a),
                                                            login(tb, good_b)), False),
        ("status", diffs(resp(200, {"a": 1}), resp(401, {"a": 1})), True),
        ("detail", diffs(resp(401, {"detail": "x"}), resp(401, {"detail": "y"})), True),
        ("body type 1 vs true", diffs(resp(200, {"a": 1}), resp(200, {"a": True})), True),
        ("claim order", diffs(login(ta, []), login(sig.token(
            {"typ": "JWT", "alg": "HS256"}, dict(reversed(list(decode_jwt(tb)[1].items())))),
            [])), True),
        ("exp - iat", diffs(login(ta, []), login(tok(exp=t + 902), [])), True),
        ("a second ends between the original's iat and nbf", diffs(
            login(tok(nbf=t + 1), []), login(tb, [])), False),
        ("claim value", diffs(login(ta, []), login(tok(fresh=False), [])), True),
        ("JOSE header", diffs(login(ta, []), login(sig.token(
            {"alg": "HS256", "typ": "JWT"}, decode_jwt(tb)[1]), [])), True),
        ("HttpOnly missing", diffs(login(ta, good_a), login(tb, [
            "access_token_cookie=%s; Path=/" % tb, good_b[1]])), True),
        ("CSRF cookie not the claim", diffs(login(ta, good_a), login(tb, [
            good_b[0], "csrf_access_token=%s; Path=/" % uuid.uuid4()])), True),
        ("cookie Max-Age", diffs(login(ta, good_a), login(tb, [
            good_b[0] + "; Max-Age=60", good_b[1]])), True),
        ("cookie missing", diffs(login(ta, good_a), login(tb, good_b[:1])), True),
        ("SameSite case only", diffs(
            resp(200, {}, ['a=""; expires=x; Max-Age=0; Path=/; SameSite=lax']),
            resp(200, {}, ['a=""; SameSite=Lax; Path=/; Max-Age=0; Expires=y'])), False),
        ("deletion cookie SameSite", [d for d in diffs(
            resp(200, {}, ['a=""; Max-Age=0; Path=/; SameSite=lax']),
            resp(200, {}, ['a=""; Max-Age=0; Path=/; SameSite=strict'])) if not d.category],
         True),
    ]
    failed = [name for name, found, want in checks if bool(found) != want]
    if failed:
        raise SystemExit("differential: comparator self-test failed: %s" % ", ".join(failed))
    return len(checks)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def render_record(rec, indent="    "):
    lines = ["%s[%s] %s" % (indent, rec.config, rec.label)]
    reqs = rec.requests
    if describe_request(reqs[0]) == describe_request(reqs[1]):
        lines.append("%s  request: %s" % (indent, describe_request(reqs[0])))
    else:
        lines.append("%s  request (reference): %s" % (indent, describe_request(reqs[0])))
        lines.append("%s  request (demo):      %s" % (indent, describe_request(reqs[1])))
    lines.append("%s  reference: %s" % (indent, rec.ref.summary()))
    lines.append("%s  demo:      %s" % (indent, rec.demo.summary()))
    for d in rec.diffs:
        if d.normalised is None:
            lines.append("%s  - %s%s" % (indent, d.text(),
                                         "  [%s]" % d.category if d.category else ""))
    if rec.anchor:
        lines.append("%s  (security-anchors §7 %s)" % (indent, rec.anchor))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", required=True, help="the shared folder (reference/, spec/)")
    parser.add_argument("--demo", required=True, help="the authjwt-demo binary")
    parser.add_argument("--only", action="append", default=[],
                        help="run only the configurations whose name contains this")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up probes")
    parser.add_argument("--start-timeout", type=float, default=60)
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument("--verbose", action="store_true",
                        help="list every expected deviation with its answers")
    args = parser.parse_args()
    for path in (args.demo, os.path.join(args.shared, "reference", "run.sh")):
        if not os.path.exists(path):
            print("differential: not found: %s" % path, file=sys.stderr)
            return 2

    started = time.time()
    selftest()
    workdir = tempfile.mkdtemp(prefix="authjwt-differential-")
    keydir = os.path.join(workdir, "keys")
    logdir = os.path.join(workdir, "logs")
    os.makedirs(keydir)
    os.makedirs(logdir)
    subprocess.run(["openssl", "genrsa", "-out", os.path.join(keydir, "private.pem"), "2048"],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "rsa", "-in", os.path.join(keydir, "private.pem"), "-pubout",
                    "-out", os.path.join(keydir, "public.pem")], check=True,
                   capture_output=True)

    configs = [c for c in configurations()
               if not args.only or any(o in c.name for o in args.only)]
    all_records = []
    problems = []
    summary_lines = []
    for cfg in configs:
        t0 = time.time()
        runner, probs = run_config(cfg, args, keydir, logdir)
        all_records.extend(runner.records)
        problems.extend("[%s] %s" % (cfg.name, p) for p in probs)
        counts = {"same": 0, "expected": 0, "bug": 0}
        for rec in runner.records:
            counts[rec.verdict] += 1
        summary_lines.append("  %-30s %4d requests  same %4d  expected %3d  BUGS %3d  (%.1fs)%s"
                             % (cfg.name, len(runner.records), counts["same"],
                                counts["expected"], counts["bug"], time.time() - t0,
                                "  HARNESS PROBLEM" if probs else ""))
        print(summary_lines[-1], flush=True)

    startup = [] if args.no_startup else run_startup_probes(args, logdir)

    # ---- the report --------------------------------------------------------------------------
    out = []
    out.append("")
    out.append("=" * 100)
    out.append("authjwt differential check: reference (fastapi-jwt-auth 0.5.0) vs authjwt-demo")
    out.append("=" * 100)
    out.append("configurations: %d, requests compared: %d (each sent to both servers), "
               "start-up probes: %d, time %.0fs"
               % (len(configs), len(all_records), len(startup), time.time() - started))
    out.extend(summary_lines)
    for cfg in configs:
        out.append("    %-30s %s" % (cfg.name, " ".join(
            "%s=%s" % (k, v if k != "AUTHJWT_SECRET_KEY" else "<64-byte secret>")
            for k, v in sorted(cfg.env().items())) or "(secret only)"))

    expected = [r for r in all_records if r.verdict == "expected"]
    bugs = [r for r in all_records if r.verdict == "bug"]
    normalised = {}
    for rec in all_records:
        for d in rec.diffs:
            if d.normalised:
                normalised.setdefault(d.normalised, []).append(rec)

    out.append("")
    out.append("-" * 100)
    out.append("EXPECTED DEVIATIONS (documented; not failures): %d requests" % len(expected))
    out.append("-" * 100)
    by_cat = {}
    for rec in expected:
        for cat in rec.categories or ["?"]:
            by_cat.setdefault(cat, []).append(rec)
    for s in startup:
        if s["verdict"] == "expected":
            by_cat.setdefault(s["category"], []).append(s)
    for cat in DEVIATIONS:
        if cat not in by_cat:
            continue
        recs = by_cat[cat]
        out.append("* %s — %s (%d)" % (cat, DEVIATIONS[cat][0], len(recs)))
        for rec in recs:
            if isinstance(rec, dict):
                out.append("    [start-up] %s: %s; demo says: %s" % (
                    rec["label"], rec["observed"], short(rec["demo_message"], 200)))
                continue
            reason = rec.hint[1] if rec.hint and rec.hint[0] == cat else ""
            if args.verbose:
                out.append(render_record(rec))
            else:
                out.append("    [%s] %s%s\n        reference %s | demo %s" % (
                    rec.config, rec.label, " (%s)" % reason if reason else "",
                    short(rec.ref.summary().split("\n")[0], 110),
                    short(rec.demo.summary().split("\n")[0], 110)))
    out.append("")
    out.append("Normalised silently (not counted as differences):")
    for key, recs in normalised.items():
        out.append("  * %s: %d requests, e.g. [%s] %s" % (NORMALISED[key], len(recs),
                                                         recs[0].config, recs[0].label))

    out.append("")
    out.append("-" * 100)
    startup_bugs = [s for s in startup if s["verdict"] == "bug"]
    out.append("UNEXPECTED DIFFERENCES (bugs): %d requests%s" % (
        len(bugs), ", %d start-up probes" % len(startup_bugs) if startup_bugs else ""))
    out.append("-" * 100)
    groups = {}
    for rec in bugs:
        groups.setdefault(rec.label, []).append(rec)
    if groups:
        out.append("Distinct differences (request label: configurations), first instance's answers:")
        for label, recs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            out.append("  * %s: %d configuration(s) (%s)" % (
                label, len(recs), ", ".join(r.config for r in recs)
                if len(recs) < len(configs) else "all"))
            out.append("      reference %s\n      demo      %s" % (
                short(recs[0].ref.summary().split("\n")[0], 150),
                short(recs[0].demo.summary().split("\n")[0], 150)))
            first = [d for d in recs[0].diffs if d.normalised is None and d.category is None]
            for d in first[:3]:
                out.append("      - " + short(d.text(), 300))
        out.append("")
        out.append("Every instance:")
    for rec in bugs:
        out.append(render_record(rec))
    for s in startup_bugs:
        out.append("    [start-up] %s (%s): %s" % (s["label"], s["env"], s["observed"]))
    for s in startup:
        if s["verdict"] == "same":
            out.append("    (start-up probe agrees: %s — %s%s)" % (
                s["label"], s["observed"], "; reference: %s; demo: %s" % (
                    short(s["reference_message"], 120), short(s["demo_message"], 120))
                if s["reference_message"] or s["demo_message"] else ""))
    if problems:
        out.append("")
        out.append("HARNESS PROBLEMS:")
        out.extend(problems)
    out.append("")
    verdict = "FAIL" if bugs or startup_bugs or problems else "PASS"
    out.append("%s: %d configurations, %d requests compared, %d same, %d expected deviations, "
               "%d unexpected differences. Server logs: %s"
               % (verdict, len(configs), len(all_records),
                  sum(r.verdict == "same" for r in all_records), len(expected),
                  len(bugs) + len(startup_bugs), logdir))
    print("\n".join(out))

    if args.json:
        with open(args.json, "w") as f:
            json.dump({
                "configurations": [c.name for c in configs],
                "records": [dict(config=r.config, label=r.label, verdict=r.verdict,
                                 categories=r.categories, anchor=r.anchor,
                                 hint=r.hint,
                                 request=describe_request(r.requests[0]),
                                 reference=r.ref.summary(), demo=r.demo.summary(),
                                 diffs=[d.text() for d in r.diffs if d.normalised is None])
                            for r in all_records],
                "startup": startup, "problems": problems}, f, indent=1)
    shutil.rmtree(keydir, ignore_errors=True)
    if problems:
        return 2
    return 1 if bugs or startup_bugs else 0


if __name__ == "__main__":
    sys.exit(main())
