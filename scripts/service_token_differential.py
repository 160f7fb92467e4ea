#!/usr/bin/python3
"""ServiceTokenAuth differential: the keystoneauth1 side (ServiceTokenAuthWrapper).

Usage: /usr/bin/python3 scripts/service_token_differential.py < cases.json

Reads a JSON list of cases {endpoint, url, method, user_token, service_token, json?} on stdin;
sends each through a keystoneauth1 Session whose auth is
ServiceTokenAuthWrapper(token_endpoint.Token(endpoint, user_token),
token_endpoint.Token(endpoint, service_token)) to the 127.0.0.1 recorder the URL names (the
TypeScript side, tests/unit/service_token.test.ts, records what arrives), and prints ONE JSON list
{status, get_token, headers_sent} per case on stdout: the headers keystoneauth1 handed to requests
(lower-case names), as sent.
"""

import json
import sys

from keystoneauth1 import session as ksa_session
from keystoneauth1 import service_token
from keystoneauth1 import token_endpoint


def main():
    cases = json.load(sys.stdin)
    out = []
    for c in cases:
        auth = service_token.ServiceTokenAuthWrapper(
            token_endpoint.Token(c["endpoint"], c["user_token"]),
            token_endpoint.Token(c["endpoint"], c["service_token"]),
        )
        sess = ksa_session.Session(auth=auth)
        kwargs = {"raise_exc": False}
        if c.get("json") is not None:
            kwargs["json"] = c["json"]
        resp = sess.request(c["url"], c["method"], **kwargs)
        sent = {k.lower(): v for k, v in resp.request.headers.items()}
        out.append({"status": resp.status_code, "get_token": auth.get_token(sess),
                    "headers_sent": sent})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
