#!/usr/bin/python3
"""Differential check of osauth's clouds.yaml loader against openstacksdk's.

Usage: /usr/bin/python3 scripts/clouds_differential.py tests/fixtures/clouds/differential.json

For each case of the JSON file (paths relative to it) this loads the cloud with
openstack.config.loader.OpenStackConfig(config_files=..., secure_files=...,
vendor_files=...).get_one(cloud, region_name=...) under exactly the case's OS_*
variables (HOME=/home/tester), and prints one JSON document on stdout:
{"openstacksdk": "<version>", "results": [{"id", "ok", "result" | "error"}]}.
tests/unit/clouds_differential.test.ts runs it and compares with loadCloudConfig.
Needs python3-openstacksdk (Debian); no network.
"""

import json
import logging
import os
import sys
import warnings

HOME = "/home/tester"
PATH_VARS = ("OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE")


def service_map(config, suffix):
    out = {}
    for key, value in config.items():
        if key.endswith(suffix) and len(key) > len(suffix) and value not in (None, ""):
            out[key[: -len(suffix)].replace("_", "-")] = str(value)
    return out


def normalise(region):
    c = region.config
    verify, cert = region.get_requests_verify_args()
    timeout = c.get("api_timeout")
    return {
        "name": region.name,
        "region_name": c.get("region_name") or "",
        "auth_type": c.get("auth_type"),
        "auth": c.get("auth"),
        "interface": c.get("interface"),
        "identity_api_version": c.get("identity_api_version"),
        "verify": verify,
        "cert": list(cert) if isinstance(cert, tuple) else cert,
        "api_timeout": float(timeout) if timeout not in (None, "") else None,
        "endpoint_overrides": service_map(c, "_endpoint_override"),
        "api_versions": service_map(c, "_api_version"),
    }


def main():
    cases_path = os.path.abspath(sys.argv[1])
    base = os.path.dirname(cases_path)
    with open(cases_path) as f:
        cases = json.load(f)["cases"]

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    import openstack.version
    from openstack.config import loader

    keep = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    results = []
    for case in cases:
        env = dict(keep)
        env["HOME"] = HOME
        for key, value in (case.get("env") or {}).items():
            env[key] = os.path.join(base, value) if key in PATH_VARS else value
        os.environ.clear()
        os.environ.update(env)
        absolute = lambda paths: [os.path.join(base, p) for p in paths or []]  # noqa: E731
        try:
            config = loader.OpenStackConfig(
                config_files=absolute(case.get("files")),
                secure_files=absolute(case.get("secure")),
                vendor_files=absolute(case.get("vendor")),
            )
            kwargs = {}
            if case.get("region"):
                kwargs["region_name"] = case["region"]
            region = config.get_one(case.get("cloud"), **kwargs)
            results.append({"id": case["id"], "ok": True, "result": normalise(region)})
        except Exception as e:  # any failure: the test compares "both failed"
            results.append({"id": case["id"], "ok": False, "error": type(e).__name__})
    json.dump(
        {"openstacksdk": openstack.version.__version__, "results": results},
        sys.stdout,
        default=str,
        indent=1,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
