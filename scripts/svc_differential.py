#!/usr/bin/python3
"""Differential scenarios on the dev cloud's nine REAL service APIs: python keystoneauth1 side.

Usage:  /usr/bin/python3 scripts/svc_differential.py [FIXTURES_JSON] [--seed N] [--only A,B]
        [--list | --plan]   (--plan: the scenarios as JSON data, which the TypeScript side runs)      (FIXTURES_JSON defaults to $OSAUTH_OS_DIR/fixtures.json or
                       <repo>/.openstack/fixtures.json; the seed to 1)

Prints ONE JSON object {scenario_name: result} on stdout (sorted keys); progress goes to stderr.
tests/integration/services_differential.test.ts runs the same scenarios through osauth's public
API and compares. Scenario names are stable: add, never rename.

Every scenario starts from a NEW v3.Password plugin (admin on project admin) and a NEW Session:
keystoneauth1 caches version documents on both, so each scenario's discovery requests are its
own. Each request the session sends is recorded (requests.Session.send); `discovery_gets` is the
number of GETs other than the scenario's own API request (token requests are POSTs), and
`discovery_urls` lists them.

Scenarios, for each service S of SERVICES below (placement and the eight of os_services.py):
  S.discovery.none      get_endpoint_data(service_type, interface=public), no version bounds
  S.discovery.bounds    ... min_version=<major>, max_version=<major>.latest
  S.discovery.latest    ... min_version=latest, max_version=latest
  S.discovery.old       (nova: 2.0-2.0, manila: 1.0-1.0) the older API version the root lists
                        (manila by its official type: see below)
  S.discovery.latest_official   (cinder, manila) latest by the official type (block-storage,
                        shared-file-system): keystoneauth1 refuses `latest` with the catalog's
                        versioned alias (volumev3, sharev2: ImpliedMinVersionMismatch)
  S.adapter.microversion         Adapter(min/max = the major) GET <list path>, microversion
                                 <mv> (raise_exc=False): request sent, status, headers echoed
  S.adapter.microversion_latest  the same with microversion "latest" (services with a range)
  S.error.not_found     GET <path of a missing resource> -> HttpError 404
  S.error.client        the service's other 4xx (bad query, bad body or unsupported mv)
  cinder.error.html     GET <cinder root>/no-such-path (absolute URL): webob's HTML 404

Result fields:
  ok, status; endpoint data: url, catalog_url, api_version ("2.1"), min_microversion,
  max_microversion, service_type, service_name, interface, region_name, status_text;
  request: the scenario's own request as sent {method, url, headers (lower-case names, the
  token as "<token>", transport headers left out), body}; echoed: the api-version response
  headers; errors: error (class name), http_status, has_request_id, message (keystoneauth1's
  exc.message without the " (HTTP n) (Request-ID: x)" it appends), details (exc.details), schema (what from_response understood: error | errors |
  text | unrecognized | none), content_type, body (the response text, 4000 chars at most).
"""

import hashlib
import json
import os
import re
import sys
import uuid

import requests
from keystoneauth1 import adapter as ksa_adapter
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from os_differential import fixtures_path, only_names, run_and_print  # noqa: E402

# service: major version, microversion for the adapter request (None: no range), the list
# path, the missing-resource path ({id}), the other 4xx request (method, path, json body or
# None, microversion or None), and a microversion every error request carries (manila's
# project-less URLs need >= 2.60).
SERVICES = {
    "placement": {"major": "1", "mv": "1.10", "range": True, "list": "/resource_providers",
                  "missing": "/resource_providers/{id}",
                  "client": ("GET", "/resource_providers", None, "1.99")},
    "glance": {"major": "2", "mv": "2.5", "range": False, "list": "/images",
               "missing": "/images/{id}", "client": ("GET", "/images?limit=abc", None, None)},
    "nova": {"major": "2", "mv": "2.60", "range": True, "list": "/flavors",
             "missing": "/servers/{id}", "client": ("GET", "/servers?limit=abc", None, None),
             "old": ("2.0", "2.0")},
    "cinder": {"major": "3", "mv": "3.50", "range": True, "list": "/types",
               "official": "block-storage",
               "missing": "/volumes/{id}", "client": ("GET", "/volumes", None, "3.99")},
    "ironic": {"major": "1", "mv": "1.40", "range": True, "list": "/drivers",
               "missing": "/nodes/{id}", "client": ("GET", "/nodes", None, "1.99")},
    "manila": {"major": "2", "mv": "2.65", "range": True, "list": "/types",
               "missing": "/shares/{id}", "client": ("GET", "/shares", None, "2.99"),
               "error_mv": "2.65", "old": ("1.0", "1.0"), "official": "shared-file-system"},
    "neutron": {"major": "2", "mv": "2.1", "range": False, "list": "/networks",
                "missing": "/networks/{id}",
                "client": ("GET", "/networks?limit=abc", None, None)},
    "heat": {"major": "1", "mv": "1.1", "range": False, "list": "/stacks?limit=abc",
             "missing": "/no-such-resource/{id}",
             "client": ("GET", "/stacks?limit=abc", None, None)},
    "barbican": {"major": "1", "mv": "1.1", "range": True, "list": "/secrets",
                 "missing": "/secrets/{id}",
                 "client": ("POST", "/secrets", {"name": 5}, None)},
}
TRANSPORT_HEADERS = {"user-agent", "accept-encoding", "connection", "content-length", "host"}


def service_types(fx):
    out = {"placement": "placement"}
    for name, svc in fx.get("services", {}).items():
        out[name] = svc["type"]
    return out


def missing_id(seed, name):
    """A random (seeded) uuid per service: sha256("<seed>:<service>"), its first 16 bytes as a
    version-4 uuid (the TypeScript side computes the same)."""
    raw = bytearray(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(raw)))


class Recorder(requests.Session):
    """A requests.Session that records every request it sends."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        return super().send(request, **kwargs)


def describe_request(req):
    headers = {}
    for k, v in req.headers.items():
        k = k.lower()
        if k in TRANSPORT_HEADERS:
            continue
        headers[k] = "<token>" if k == "x-auth-token" else v
    body = req.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return {"method": req.method, "url": req.url, "headers": dict(sorted(headers.items())),
            "body": body}


def version_str(v):
    return None if v is None else ".".join(str(x) for x in v)


ECHOED = ("openstack-api-version", "x-openstack-nova-api-version",
          "x-openstack-ironic-api-version", "x-openstack-ironic-api-minimum-version",
          "x-openstack-ironic-api-maximum-version", "x-openstack-manila-api-version")


def echoed(resp):
    return {h: resp.headers[h] for h in ECHOED if h in resp.headers}


def schema_of(resp):
    ctype = resp.headers.get("Content-Type", "")
    if ctype.startswith("application/json"):
        try:
            body = resp.json()
        except ValueError:
            return "none"
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return "error"
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            return "errors"
        return "unrecognized"
    if ctype.startswith("text/"):
        return "text"
    return "none"


class Runner:
    def __init__(self, fx, seed):
        self.fx = fx
        self.types = service_types(fx)
        self.seed = seed
        self.admin = fx["users"]["admin"]

    def session(self):
        plugin = v3.Password(auth_url=self.fx["auth_url"], username=self.admin["name"],
                             password=self.admin["password"], user_domain_id="default",
                             project_name="admin", project_domain_id="default")
        rec = Recorder()
        return ksa_session.Session(auth=plugin, session=rec), rec

    @staticmethod
    def counted(rec, own):
        """discovery_gets/urls: the GETs sent other than the scenario's own `own` requests."""
        gets = [r for r in rec.sent if r.method == "GET"]
        extra = gets[:len(gets) - own] if own else gets
        return {"discovery_gets": len(extra), "discovery_urls": [r.url for r in extra]}

    def plan(self):
        """The scenarios as data: {name: {kind, service_type, ...}}; --plan prints it and the
        TypeScript test runs the same plan through osauth."""
        p = {}
        for name, spec in SERVICES.items():
            if name not in self.types:
                continue
            st, major = self.types[name], spec["major"]
            bounds = {"min_version": major, "max_version": f"{major}.latest"}

            def disc(service_type=st, **b):
                return {"kind": "discovery", "service": name, "service_type": service_type, **b}

            def call(kind, method, path, body=None, microversion=None):
                return {"kind": kind, "service": name, "service_type": st, "adapter": bounds,
                        "method": method, "path": path, "body": body,
                        "microversion": microversion}
            p[f"{name}.discovery.none"] = disc()
            p[f"{name}.discovery.bounds"] = disc(**bounds)
            p[f"{name}.discovery.latest"] = disc(min_version="latest", max_version="latest")
            if "official" in spec:
                p[f"{name}.discovery.latest_official"] = disc(
                    spec["official"], min_version="latest", max_version="latest")
            if "old" in spec:
                p[f"{name}.discovery.old"] = disc(spec.get("official", st),
                                                  min_version=spec["old"][0],
                                                  max_version=spec["old"][1])
            p[f"{name}.adapter.microversion"] = call("request", "GET", spec["list"],
                                                     microversion=spec["mv"])
            if spec["range"]:
                p[f"{name}.adapter.microversion_latest"] = call(
                    "request", "GET", spec["list"], microversion="latest")
            mv = spec.get("error_mv")
            p[f"{name}.error.not_found"] = call(
                "error", "GET", spec["missing"].format(id=missing_id(self.seed, name)),
                microversion=mv)
            method, path, body, cmv = spec["client"]
            p[f"{name}.error.client"] = call("error", method, path, body, cmv or mv)
        if "cinder" in self.types:
            root = self.fx["services"]["cinder"]["roots"]["public"]
            p["cinder.error.html"] = {"kind": "error", "service": "cinder",
                                      "service_type": self.types["cinder"], "adapter": None,
                                      "method": "GET", "path": root + "/no-such-path",
                                      "body": None, "microversion": None}
        return p

    def run(self, sc):
        sess, rec = self.session()
        if sc["kind"] == "discovery":
            bounds = {k: sc[k] for k in ("min_version", "max_version") if k in sc}
            try:
                data = sess.get_endpoint_data(service_type=sc["service_type"],
                                              interface="public", **bounds)
            except (ksa_exc.ClientException, ksa_exc.ImpliedVersionMismatch) as e:
                out = {"ok": False, "error": type(e).__name__, "detail": str(e)}
                out.update(self.counted(rec, 0))
                return out
            if data is None:
                # keystoneauth1 returns None where osauth raises VersionNotAvailable
                # (docs/DIFFERENCES.md D-version-not-available)
                out = {"ok": False, "error": "VersionNotAvailable"}
            else:
                out = {"ok": True, "url": data.url, "catalog_url": data.catalog_url,
                       "api_version": version_str(data.api_version),
                       "min_microversion": version_str(data.min_microversion),
                       "max_microversion": version_str(data.max_microversion),
                       "service_type": data.service_type, "service_name": data.service_name,
                       "interface": data.interface, "region_name": data.region_name,
                       "status_text": data.status}
            out.update(self.counted(rec, 0))
            return out
        kw = {}
        if sc["microversion"]:
            kw["microversion"] = sc["microversion"]
        if sc["body"] is not None:
            kw["json"] = sc["body"]
        if sc["kind"] == "request":
            kw["raise_exc"] = False
        if sc["adapter"] is None:  # an absolute URL
            send = lambda: sess.request(sc["path"], sc["method"], **kw)  # noqa: E731
        else:
            adapter = ksa_adapter.Adapter(sess, service_type=sc["service_type"],
                                          interface="public", **sc["adapter"])
            send = lambda: adapter.request(sc["path"], sc["method"], **kw)  # noqa: E731
        if sc["kind"] == "request":
            resp = send()
            out = {"ok": True, "status": resp.status_code,
                   "request": describe_request(rec.sent[-1]), "echoed": echoed(resp)}
            out.update(self.counted(rec, 1))
            return out
        try:
            send()
        except ksa_exc.HttpError as e:
            resp = e.response
            out = {"ok": False, "error": type(e).__name__, "http_status": e.http_status,
                   "status": e.http_status, "has_request_id": bool(e.request_id),
                   # from_response's text, without what HttpError appends to it
                   "message": re.sub(r" \(HTTP \d+\)( \(Request-ID: [^)]*\))?$", "",
                                     e.message or ""),
                   "details": e.details, "schema": schema_of(resp),
                   "content_type": resp.headers.get("Content-Type"),
                   "body": resp.text[:4000], "request": describe_request(rec.sent[-1])}
            out.update(self.counted(rec, 1))
            return out
        raise AssertionError(f"{sc['method']} {sc['path']} did not fail")


def main(argv):
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
    with open(fixtures_path(argv)) as f:
        fx = json.load(f)
    runner = Runner(fx, seed)
    plan = runner.plan()
    if "--list" in argv:
        print("\n".join(plan))
        return 0
    if "--plan" in argv:
        json.dump(plan, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return 0
    return run_and_print({name: (lambda sc=sc: runner.run(sc)) for name, sc in plan.items()},
                         only_names(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
