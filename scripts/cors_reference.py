"""oslo.middleware's CORS middleware itself, for tests/unit/cors.test.ts.

Reads {"cases": [{"cors": {...}, "requests": [{"method", "headers"}]}]} as JSON
on stdin; for each case it configures oslo_middleware.cors.CORS ([cors]
allowed_origin, allow_headers, expose_headers, allow_methods,
allow_credentials, max_age) in front of a WSGI app that answers 200 (404 for
OPTIONS, which the middleware turns into its own 200), sends each request
through it and prints {"results": [[{"status", "headers"}]]}: the status and
the Vary and Access-Control-* response headers.

Run with /usr/bin/python3 (Debian's python3-oslo.middleware).
"""
import json
import sys

import webob
from oslo_config import cfg
from oslo_middleware import cors


def app(environ, start_response):
    if environ["REQUEST_METHOD"] == "OPTIONS":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"{}"]


def middleware(options):
    conf = cfg.ConfigOpts()
    conf([], project="osauth-cors-reference", default_config_files=[])
    conf.register_opts(cors.CORS_OPTS, "cors")
    for key, value in options.items():
        conf.set_override(key, value, group="cors")
    return cors.CORS(app, conf)


def main():
    data = json.load(sys.stdin)
    results = []
    for case in data["cases"]:
        mw = middleware(case["cors"])
        answers = []
        for r in case["requests"]:
            req = webob.Request.blank("/v3", method=r["method"], headers=r["headers"])
            resp = req.get_response(mw)
            headers = {
                k.lower(): v
                for k, v in resp.headers.items()
                if k.lower() == "vary" or k.lower().startswith("access-control-")
            }
            answers.append({"status": resp.status_int, "headers": headers})
        results.append(answers)
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
