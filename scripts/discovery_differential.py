#!/usr/bin/python3
"""keystoneauth1's answers for the discovery differential (tests/unit/discovery_differential.test.ts).

Reads one JSON document on stdin, writes one on stdout; every case of a run in
one process:

  {"marker": "http://127.0.0.1:PORT/__case", "cases": [
     {"id": 0, "token": {...v3 token body...}, "mode": "data" | "endpoint" | "sequence",
      "calls": [{"service_type": ..., "interface": ..., "min_version": ...,
                 "max_version": ..., "endpoint_override": ..., "mode": ...}]}, ...]}
    -> {"results": [{"id": 0, "calls": [{"result": {...} | null, "error": "Name" | null}]}]}

Before each case it GETs <marker>/<id>/py, so that the test's HTTP servers (real
servers on 127.0.0.1, shared with osauth's side) can tell which requests
belong to which case. Each case gets a new Session and plugin (fresh discovery
caches); the calls of a case share them.

"data" is Session.get_endpoint_data(...), "endpoint" is Session.get_endpoint(...),
"request" Session.get(path, endpoint_filter=...), and "adapter-data",
"adapter-endpoint", "adapter-request" the same through an Adapter with those
filter keywords (tests/unit/discovery_requests.test.ts counts the GETs).
The token's catalog is what the plugin returns; no Keystone is involved (the
plugin is keystoneauth1's own BaseIdentityPlugin with get_auth_ref answering
from the given body).
"""
import json
import sys

import requests

from keystoneauth1 import access
from keystoneauth1 import adapter
from keystoneauth1 import discover
from keystoneauth1.identity import base as identity_base
from keystoneauth1 import session as ks_session


class BodyPlugin(identity_base.BaseIdentityPlugin):
    """A plugin whose token is the given v3 body (X-Auth-Token: tok)."""

    def __init__(self, body):
        super(BodyPlugin, self).__init__(auth_url="http://127.0.0.1:9/identity/v3")
        self._body = body

    def get_auth_ref(self, session, **kwargs):
        return access.create(body=self._body, auth_token="tok")


def version_string(v):
    if v is None:
        return None
    return discover.version_to_string(v)


def data_fields(data):
    api = data.api_version
    return {
        "url": data.url,
        "catalog_url": data.catalog_url,
        "service_type": data.service_type,
        "api_version": None if api is None else [
            "latest" if p == discover.LATEST else p for p in api],
        "min_microversion": version_string(data.min_microversion),
        "max_microversion": version_string(data.max_microversion),
    }


def run_call(sess, call):
    kwargs = {k: call[k] for k in
              ("service_type", "interface", "min_version", "max_version",
               "endpoint_override", "version")
              if call.get(k) is not None}
    mode = call["mode"]
    try:
        if mode == "endpoint":
            return {"result": sess.get_endpoint(**kwargs), "error": None}
        if mode == "request":
            resp = sess.get(call["path"], endpoint_filter=kwargs)
            return {"result": resp.status_code, "error": None}
        if mode.startswith("adapter-"):
            adap = adapter.Adapter(sess, **kwargs)
            if mode == "adapter-endpoint":
                return {"result": adap.get_endpoint(), "error": None}
            if mode == "adapter-request":
                return {"result": adap.get(call["path"]).status_code, "error": None}
            data = adap.get_endpoint_data()
        else:
            data = sess.get_endpoint_data(**kwargs)
        return {"result": None if data is None else data_fields(data), "error": None}
    except Exception as e:  # noqa: BLE001 - the class name is the answer
        return {"result": None, "error": type(e).__name__, "message": str(e)[:200]}


def main():
    doc = json.load(sys.stdin)
    marker = doc["marker"]
    results = []
    http = requests.Session()
    for case in doc["cases"]:
        http.get("%s/%s/py" % (marker, case["id"])).raise_for_status()
        sess = ks_session.Session(auth=BodyPlugin(case["token"]))
        results.append({"id": case["id"],
                        "calls": [run_call(sess, c) for c in case["calls"]]})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
