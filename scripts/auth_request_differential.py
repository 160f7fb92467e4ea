#!/usr/bin/python3
"""Request-level differential reference: keystoneauth1 5.0 loaders and openstacksdk 0.101 get_one.

Reads {"cases": [...]} as JSON on stdin, prints {"keystoneauth1", "openstacksdk", "results"}
on stdout (one result per case, same order). Every token request goes to the recording server
of tests/unit/_recorder.ts (the case's URLs point at it), which keeps what was sent; this script
reports what keystoneauth1/openstacksdk computed.

Case kinds:
  {"kind": "loader", "name": <plugin name>, "options": {...}}
      keystoneauth1.loading.get_plugin_loader(name).load_from_options(**options), then
      get_auth_ref (identity plugins: discovery and the token request) or get_headers /
      get_endpoint (admin_token, none, http_basic).
  {"kind": "cloud", "clouds": <text>, "secure": <text|null>, "public": <text|null>,
   "env": {...}, "cloud": <name|null>, "region": <name|null>, "services": [types]}
      (or "clouds_path"/"secure_path"/"public_path": files the caller wrote; "no_auth": true
      compares the config only)
      the files written to a temporary directory, OS_* variables exactly as given,
      OpenStackConfig(config_files=..., secure_files=..., vendor_files=...).get_one(cloud,
      region_name=region); the normalised config, per-service values, then the token request.

Result: {"ok": bool, "error": <exception class> (stage "load" or "auth"), "config": {...},
         "headers": {...}, "endpoint": ...}. Needs python3-keystoneauth1 and python3-openstacksdk.
"""

import json
import logging
import os
import sys
import tempfile
import warnings


def service_map(config, suffix):
    out = {}
    for key, value in config.items():
        if key.endswith(suffix) and len(key) > len(suffix) and value not in (None, ""):
            out[key[: -len(suffix)].replace("_", "-")] = str(value)
    return out


def normalise(region, services):
    c = region.config
    verify, cert = region.get_requests_verify_args()
    timeout = c.get("api_timeout")
    per_service = {}
    for st in services:
        version = region.get_api_version(st)
        version = version if version not in ("", None) else None
        per_service[st] = {
            "interface": region.get_interface(st),
            "region_name": region.get_region_name(st) or None,
            "endpoint_override": region.get_endpoint(st) or None,
            "api_version": str(version) if version is not None else None,
        }
    return {
        "name": region.name,
        "region_name": c.get("region_name") or "",
        "auth_type": c.get("auth_type"),
        "auth": {k: (str(v) if not isinstance(v, (list, bool)) else v)
                 for k, v in (c.get("auth") or {}).items()},
        "interface": c.get("interface"),
        "identity_api_version": (str(c.get("identity_api_version"))
                                 if c.get("identity_api_version") is not None else None),
        "verify": verify,
        "cert": list(cert) if isinstance(cert, tuple) else cert,
        "api_timeout": float(timeout) if timeout not in (None, "") else None,
        "endpoint_overrides": service_map(c, "_endpoint_override"),
        "api_versions": service_map(c, "_api_version"),
        "services": per_service,
    }


def authenticate(plugin, session, out):
    from keystoneauth1.identity import base as identity_base
    if isinstance(plugin, identity_base.BaseIdentityPlugin):
        plugin.get_auth_ref(session)
    else:
        out["headers"] = plugin.get_headers(session)
        out["endpoint"] = plugin.get_endpoint(session)


def run_loader(case, session_mod, loading):
    out = {"ok": False}
    try:
        plugin = loading.get_plugin_loader(case["name"]).load_from_options(**case["options"])
    except Exception as e:  # the test compares "both refused"
        out["error"] = type(e).__name__
        out["stage"] = "load"
        return out
    try:
        authenticate(plugin, session_mod.Session(), out)
    except Exception as e:
        out["error"] = type(e).__name__
        out["stage"] = "auth"
        return out
    out["ok"] = True
    return out


def run_cloud(case, loader, tmp, keep):
    out = {"ok": False}
    paths = {}
    for kind in ("clouds", "secure", "public"):
        if case.get(kind + "_path"):  # a file the caller wrote
            paths[kind] = [case[kind + "_path"]]
            continue
        text = case.get(kind)
        if text is None:
            continue
        path = os.path.join(tmp, "%s-%s.yaml" % (case["id"], kind))
        with open(path, "w") as f:
            f.write(text)
        paths[kind] = [path]
    env = dict(keep)
    env.update(case.get("env") or {})
    os.environ.clear()
    os.environ.update(env)
    try:
        config = loader.OpenStackConfig(
            config_files=paths.get("clouds", []),
            secure_files=paths.get("secure", []),
            vendor_files=paths.get("public", []),
        )
        kwargs = {}
        if case.get("region"):
            kwargs["region_name"] = case["region"]
        region = config.get_one(case.get("cloud"), **kwargs)
        out["config"] = normalise(region, case.get("services") or [])
    except Exception as e:
        out["error"] = type(e).__name__
        out["stage"] = "load"
        return out
    if case.get("no_auth"):  # compare the config only (the auth URL is a real cloud's)
        out["ok"] = True
        return out
    try:
        authenticate(region.get_auth(), region.get_session(), out)
    except Exception as e:
        out["error"] = type(e).__name__
        out["stage"] = "auth"
        return out
    out["ok"] = True
    return out


def main():
    cases = json.load(sys.stdin)["cases"]
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    import keystoneauth1
    from keystoneauth1 import loading
    from keystoneauth1 import session as session_mod
    import openstack.version
    from openstack.config import loader

    keep = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        keep.pop(k, None)
    keep["no_proxy"] = keep["NO_PROXY"] = "*"
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            if case["kind"] == "loader":
                results.append(run_loader(case, session_mod, loading))
            else:
                results.append(run_cloud(case, loader, tmp, keep))
    json.dump({
        "keystoneauth1": getattr(keystoneauth1, "__version__", "5.0"),
        "openstacksdk": openstack.version.__version__,
        "results": results,
    }, sys.stdout, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
