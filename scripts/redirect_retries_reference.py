"""keystoneauth1's answer to a GET with status retries through redirects.

Reads {"url": ..., "retries": n} on stdin; prints {"raised": status} or
{"status": status} (tests/unit/redirect_retries.test.ts).
"""
import json
import sys

from keystoneauth1 import exceptions, session

args = json.load(sys.stdin)
sess = session.Session()
try:
    resp = sess.get(args["url"], status_code_retries=args["retries"],
                    retriable_status_codes=[503], authenticated=False,
                    connect_retry_delay=0.01, status_code_retry_delay=0.01)
    print(json.dumps({"status": resp.status_code}))
except exceptions.HttpError as e:
    print(json.dumps({"raised": e.http_status}))
