#!/usr/bin/python3
"""collectTiming differential: the keystoneauth1 side (Session(collect_timing=True).get_timings()).

Usage: /usr/bin/python3 scripts/timings_differential.py BASE_URL

BASE_URL is the 127.0.0.1 server of tests/unit/timings.test.ts (/ok: 200, /redirect: 302 to /ok,
/missing: 404, /flaky: 503 once then 200). Prints ONE JSON object {case: [[method, url], ...]}:
the timings keystoneauth1 collected for that case (a new Session each), elapsed left out.
"""

import json
import sys

from keystoneauth1 import exceptions
from keystoneauth1 import session as ksa_session

CASES = {
    "ok": ("GET", "/ok", {}),
    "head": ("HEAD", "/ok", {}),
    "post_redirect": ("POST", "/redirect", {"json": {"a": 1}}),
    "redirect": ("GET", "/redirect", {}),
    "missing_no_raise": ("GET", "/missing", {"raise_exc": False}),
    "missing_raise": ("GET", "/missing", {}),
    "flaky_retried": ("GET", "/flaky", {"status_code_retries": 1,
                                        "status_code_retry_delay": 0.001}),
}


def main(base):
    out = {}
    for name, (method, path, kwargs) in CASES.items():
        sess = ksa_session.Session(collect_timing=True)
        try:
            sess.request(base + path + "?case=" + name, method, **kwargs)
        except exceptions.HttpError:
            pass
        out[name] = [[t.method, t.url] for t in sess.get_timings()]
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
