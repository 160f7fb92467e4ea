#!/usr/bin/python3
"""keystoneauth1's side of osauth's shared-auth-state differential.

Reads one JSON request on stdin and prints one JSON answer on stdout.

  {"op": "cache_ids", "cases": [{"plugin": "v3password", "args": {...}, "receipt": "..."}]}
      -> {"ids": [<get_cache_id() or null>, ...], "elements": [<get_cache_id_elements()>...]}
  {"op": "load_state", "plugin": ..., "args": ..., "state": "<auth state JSON>"}
      -> what set_auth_state made of it (token, ids, expiry, catalog urls) and get_auth_state()
  {"op": "authenticate", "plugin": ..., "args": ...}
      -> a real authentication's get_auth_state() (the args' auth_url is a real Keystone)

Plugins: v3password v3token v3applicationcredential v3totp v3multifactor v2password
v2token password token (generic). Args use keystoneauth1's keyword names.
"""
import json
import sys

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic, v2, v3
from keystoneauth1.identity.v3 import receipt as ks_receipt


def make(name, args):
    args = dict(args)
    if name == "v3password":
        return v3.Password(**args)
    if name == "v3token":
        return v3.Token(**args)
    if name == "v3applicationcredential":
        return v3.ApplicationCredential(**args)
    if name == "v3totp":
        return v3.TOTP(**args)
    if name == "v3multifactor":
        return v3.MultiFactor(**args)
    if name == "v2password":
        return v2.Password(**args)
    if name == "v2token":
        return v2.Token(**args)
    if name == "password":
        return generic.Password(**args)
    if name == "token":
        return generic.Token(**args)
    raise SystemExit("unknown plugin %s" % name)


def cache_ids(cases):
    ids, elements = [], []
    for case in cases:
        plugin = make(case["plugin"], case["args"])
        if case.get("receipt"):
            plugin.add_method(ks_receipt.ReceiptMethod(receipt=case["receipt"]))
        ids.append(plugin.get_cache_id())
        try:
            elements.append(plugin.get_cache_id_elements())
        except NotImplementedError:
            elements.append(None)
    return {"ids": ids, "elements": elements}


def describe(plugin):
    ref = plugin.auth_ref
    if ref is None:
        return None
    urls = sorted(
        ep[key]
        for service in (ref.service_catalog.catalog or [])
        for ep in service.get("endpoints", [])
        for key in ("url", "publicURL", "internalURL", "adminURL")
        if key in ep
    )
    return {
        "token": ref.auth_token,
        "version": ref.version,
        "user_id": ref.user_id,
        "project_id": ref.project_id,
        "domain_id": ref.domain_id,
        "expires": ref.expires.isoformat(),
        "role_names": sorted(ref.role_names),
        "catalog_urls": urls,
    }


def main():
    req = json.load(sys.stdin)
    op = req["op"]
    if op == "cache_ids":
        out = cache_ids(req["cases"])
    elif op == "load_state":
        plugin = make(req["plugin"], req["args"])
        plugin.set_auth_state(req["state"])
        out = {"access": describe(plugin), "state": plugin.get_auth_state()}
    elif op == "authenticate":
        plugin = make(req["plugin"], req["args"])
        sess = ks_session.Session(auth=plugin)
        plugin.get_access(sess)
        out = {"access": describe(plugin), "state": plugin.get_auth_state()}
    else:
        raise SystemExit("unknown op %s" % op)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
