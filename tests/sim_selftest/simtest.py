"""Plumbing shared by the simulator's self-tests: raw HTTP calls, one host with an admin key."""

from __future__ import annotations

import http.client
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sim"))

KEY_RE = re.compile(r"^wag_live_[A-Za-z0-9_-]{43}=$")

class Resp:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw

    @property
    def json(self):
        return json.loads(self.raw)

    @property
    def code(self):
        return self.json["error"]["code"]

    @property
    def data(self):
        body = self.json
        assert body["success"] is True, body
        return body["data"]


def call(base, method, path, key=None, body=None, raw_body=None, headers=None, timeout=10):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = dict(headers or {})
    if key is not None:
        h["X-API-Key"] = key
    data = raw_body
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return Resp(r.status, dict(r.getheaders()), r.read())
    finally:
        conn.close()


class Host:
    def __init__(self, name, url, ctl):
        self.name, self.url, self.ctl = name, url, ctl
        self.admin = ctl.add_key(name, label="admin", scopes=["*"], role="admin")["key"]

    def __call__(self, method, path, key="admin", **kw):
        return call(self.url, method, path, key=self.admin if key == "admin" else key, **kw)

    def key(self, scopes, role="agent", label="agent"):
        return self.ctl.add_key(self.name, label=label, scopes=scopes, role=role)["key"]


def events(h: Host, **match):
    evs = h.ctl.activity(h.name)
    return [e for e in evs if all(e.get(k) == v for k, v in match.items())]


def by_name(h, name):
    return [c for c in h("GET", "/api/containers").data if c["name"] == name]
