#!/usr/bin/python3
"""keystoneauth1's answers for the catalog differential (tests/unit/catalog_differential.test.ts).

Reads one JSON document on stdin and writes one on stdout, so that a test run
starts Python once for thousands of cases:

  {"cases": [{"id": 0, "kind": "v3" | "v2", "catalog": [...], "filter": {...}}, ...]}
    -> {"results": [{"id": 0, "urls": [...] | null, "first": {...} | null,
                     "error": "EndpointNotFound" | ..., "fallback": bool}, ...]}

  {"service_types": ["volumev3", ...]}
    -> os_service_types' is_known / get_service_type / get_all_types for each
       name and is_match for every (requested, found) pair.

The filter holds keystoneauth1's keyword arguments (service_type, interface,
region_name, service_name, service_id, endpoint_id). keystoneauth1 5.0 with
os_service_types 1.7 (Debian's python3-keystoneauth1) is the reference; this
script only calls it.

Where keystoneauth1 raises "Programming error choosing an endpoint" (several
matching types, none of them in the registry's list for the requested type),
osauth takes the first matching type that has endpoints, in catalog order
(docs/DIFFERENCES.md#D-catalog-alias-fallback): the answer is computed that
way here and marked "fallback".
"""
import json
import sys

from keystoneauth1 import discover
from keystoneauth1 import exceptions
from keystoneauth1.access import service_catalog

_original = service_catalog.ServiceCatalog._endpoints_by_type
_fallback_used = []


def _endpoints_by_type(self, requested, endpoints):
    try:
        return _original(self, requested, endpoints)
    except ValueError:
        _fallback_used.append(True)
        for service_type, data in endpoints.items():
            if data:
                return {service_type: data}
        return {}


service_catalog.ServiceCatalog._endpoints_by_type = _endpoints_by_type


def endpoint_fields(data):
    return {
        "url": data.url,
        "service_type": data.service_type,
        "service_name": data.service_name or None,
        "service_id": data.service_id or None,
        "interface": data.interface,
        "region_name": data.region_name or None,
        "endpoint_id": data.endpoint_id or None,
    }


def run_case(case):
    cls = (service_catalog.ServiceCatalogV3 if case["kind"] == "v3"
           else service_catalog.ServiceCatalogV2)
    catalog = cls(case["catalog"])
    kwargs = case["filter"]
    out = {"id": case["id"]}
    del _fallback_used[:]
    try:
        out["urls"] = list(catalog.get_urls(**kwargs))
    except Exception as e:  # noqa: BLE001 - the class name is the answer
        out["urls"] = None
        out["urls_error"] = type(e).__name__
    try:
        out["first"] = endpoint_fields(catalog.endpoint_data_for(**kwargs))
    except Exception as e:  # noqa: BLE001
        out["first"] = None
        out["error"] = type(e).__name__
    out["fallback"] = bool(_fallback_used)
    return out


def service_types(names):
    st = discover._SERVICE_TYPES
    return {
        "known": {n: st.is_known(n) for n in names},
        "official": {n: st.get_service_type(n) for n in names},
        "all": {n: st.get_all_types(n) for n in names},
        "match": {r: [f for f in names if st.is_match(r, f)] for r in names},
        "data": st.all_types_by_service_type,
    }


def main():
    doc = json.load(sys.stdin)
    if "service_types" in doc:
        json.dump(service_types(doc["service_types"]), sys.stdout)
        return
    json.dump({"results": [run_case(c) for c in doc["cases"]]}, sys.stdout)


if __name__ == "__main__":
    try:
        main()
    except exceptions.ClientException as e:
        sys.exit("unexpected keystoneauth1 error: %r" % e)
