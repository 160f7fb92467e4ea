#!/usr/bin/python3
"""`query` request option differential: the python side (requests, as keystoneauth1 sends `params`).

Usage: /usr/bin/python3 scripts/query_differential.py < cases.json

Reads a JSON list of cases {url, params: [[key, value-or-list-of-values], ...]} on stdin (values
are strings; JSON null stands for a value that is left out) and prints ONE JSON list on stdout:
for each case the URL `requests` prepares for GET url with params=<the pairs, in order> (what
keystoneauth1's Session.request(url, 'GET', params=...) sends). tests/unit/query_differential.test.ts
compares osauth's `query` option with it.
"""

import json
import sys

import requests


def main():
    out = []
    for case in json.load(sys.stdin):
        params = [(k, v) for k, v in case["params"]]
        out.append(requests.Request("GET", case["url"], params=params).prepare().url)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
