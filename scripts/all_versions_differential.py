#!/usr/bin/python3
"""getAllVersionData differential on the dev cloud's real services: the keystoneauth1 side.

Usage: /usr/bin/python3 scripts/all_versions_differential.py [FIXTURES_JSON]

Prints ONE JSON object {case: result} on stdout; result is keystoneauth1 5.0's
`Session.get_all_version_data(...)` (or `Adapter.get_all_version_data()`) for the admin user on
project admin, every VersionData as a dict with camelCase keys (version, url, collection,
minMicroversion, maxMicroversion, nextMinVersion, notBefore, status, rawStatus) and a region
None as "". keystoneauth1 leaves next_min_version a tuple in version_string_data: written here as
its string, as osauth gives it. tests/integration/all_versions_real.test.ts runs the same cases
through osauth and compares.

Cases (name: keyword arguments):
"""

import json
import os
import sys

from keystoneauth1 import adapter as ksa_adapter
from keystoneauth1 import discover
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from os_differential import fixtures_path  # noqa: E402

CASES = {
    "default": {},
    "all_interfaces": {"interface": None},
    "internal": {"interface": "internal"},
    "admin_then_public": {"interface": ["admin", "public"]},
    "region_one": {"region_name": "RegionOne"},
    "compute": {"service_type": "compute"},
    "volumev3": {"service_type": "volumev3"},
    "block_storage": {"service_type": "block-storage"},
    "identity": {"service_type": "identity"},
}
ADAPTER_CASES = ["placement", "sharev2", "baremetal"]
__doc__ += "".join(f"  {k}: {v}\n" for k, v in CASES.items())
__doc__ += "".join(f"  adapter.{t}: Adapter(service_type={t!r}).get_all_version_data()\n"
                   for t in ADAPTER_CASES)


def vstr(v):
    if v is None or isinstance(v, str):
        return v
    return discover.version_to_string(v)


def convert(data):
    out = {}
    for region, by_iface in data.items():
        r = out.setdefault("" if region is None else region, {})
        for iface, by_type in by_iface.items():
            r[iface] = {t: [{
                "version": vstr(v.get("version")),
                "url": v.get("url"),
                "collection": v.get("collection"),
                "minMicroversion": vstr(v.get("min_microversion")),
                "maxMicroversion": vstr(v.get("max_microversion")),
                "nextMinVersion": vstr(v.get("next_min_version")),
                "notBefore": v.get("not_before"),
                "status": v.get("status"),
                "rawStatus": v.get("raw_status"),
            } for v in versions] for t, versions in by_type.items()}
    return out


def session(fx):
    u = fx["users"]["admin"]
    auth = v3.Password(auth_url=fx["auth_url"], username=u["name"], password=u["password"],
                       user_domain_id=u["domain_id"], project_name="admin",
                       project_domain_id="default")
    return ksa_session.Session(auth=auth)


def main(argv):
    with open(fixtures_path(argv)) as f:
        fx = json.load(f)
    out = {}
    for name, kwargs in CASES.items():
        out[name] = convert(session(fx).get_all_version_data(**kwargs))
    for t in ADAPTER_CASES:
        a = ksa_adapter.Adapter(session(fx), service_type=t)
        out[f"adapter.{t}"] = convert(a.get_all_version_data())
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
