#!/usr/bin/python3
"""keystoneauth1's AccessInfo, field by field, for token bodies: the reference for osauth's.

Usage:  /usr/bin/python3 scripts/access_differential.py < cases.json

stdin: [{"id": str, "token": str | null, "body": <a v3 {"token": ...} or v2 {"access": ...}
response body>}, ...]. stdout: {"results": [{"id", "fields": {name: value}}]} where each field
is keystoneauth1.access.create(body=..., auth_token=...)'s property of that name, as JSON:
datetimes as epoch milliseconds (floored), a property that raises as "error:<Class>", the token
itself only as its sha256 (never printed). service_providers is {id: {auth_url, sp_url}} or
null. Used by tests/unit/access_differential.test.ts (random and fixture bodies) and
tests/integration/access_real.test.ts (real Keystone tokens).
"""

import datetime
import hashlib
import json
import sys

from keystoneauth1 import access

FIELDS = [
    "version", "expires", "issued", "username", "user_id", "user_domain_id",
    "user_domain_name", "role_ids", "role_names", "domain_name", "domain_id", "project_name",
    "project_id", "project_domain_id", "project_domain_name", "project_scoped",
    "domain_scoped", "system_scoped", "system", "scoped", "trust_id", "trust_scoped",
    "trustee_user_id", "trustor_user_id", "application_credential",
    "application_credential_id", "application_credential_access_rules",
    "oauth_access_token_id", "oauth_consumer_id", "is_federated", "is_admin_project",
    "audit_id", "audit_chain_id", "initial_audit_id", "service_providers", "bind",
    "project_is_domain", "auth_token",
]


def jsonable(name, value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return int(value.timestamp() * 1000 // 1)
    if name == "auth_token":
        return None if value is None else hashlib.sha256(value.encode()).hexdigest()
    if name == "service_providers":
        if value is None:
            return None
        return {k: {"auth_url": v.get("auth_url"), "sp_url": v.get("sp_url")}
                for k, v in value._service_providers.items()}
    return value


def fields(case):
    try:
        a = access.create(body=case["body"], auth_token=case.get("token"))
    except Exception as e:  # noqa: BLE001 - the class is the answer
        return {"create": "error:" + type(e).__name__}
    out = {}
    for name in FIELDS:
        try:
            out[name] = jsonable(name, getattr(a, name))
        except Exception as e:  # noqa: BLE001
            out[name] = "error:" + type(e).__name__
    return out


def main():
    cases = json.load(sys.stdin)
    json.dump({"results": [{"id": c["id"], "fields": fields(c)} for c in cases]}, sys.stdout,
              sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
