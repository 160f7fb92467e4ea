#!/usr/bin/python3
"""Differential check of osauth's YAML parsing (src/clouds/yaml.ts, js-yaml 5
with PyYAML's rules) against PyYAML's safe_load, which openstacksdk uses.

Usage: /usr/bin/python3 scripts/yaml_differential.py < cases.json
Input: a JSON list of {"id", "text"}. Output: {"pyyaml": "<version>",
"results": [{"id", "ok", "value" | "error"}]}, each value in the JSON form
osauth's parser gives the same data: a float as the text of Python's str()
(openstacksdk str()s config floats, osauth keeps that text), bytes as
{"$bytes": hex}, a set as a mapping of its members to null, tuples (omap,
pairs) as lists, an int beyond 2^53 as {"$int": digits}, mapping keys as
JavaScript's String() of the key.
tests/unit/yaml_differential.test.ts generates the seeded random cases.
"""

import datetime
import json
import sys

import yaml


def key(k):
    if isinstance(k, bool):
        return "true" if k else "false"
    if k is None:
        return "null"
    if isinstance(k, float):
        return str(k)
    if isinstance(k, (str, int)):
        return str(k)
    raise TypeError("unencodable key %r" % (k,))


def encode(v):
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53 - 1:
        return {"$int": str(v)}  # beyond JavaScript's exact integers: compared as text
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return str(v)
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, (datetime.date, datetime.datetime)):
        return {"$timestamp": str(v)}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, set):
        return {key(x): None for x in v}
    if isinstance(v, dict):
        return {key(k): encode(x) for k, x in v.items()}
    raise TypeError("unencodable value %r" % (v,))


def main():
    cases = json.load(sys.stdin)
    results = []
    for case in cases:
        try:
            value = yaml.safe_load(case["text"])
            results.append({"id": case["id"], "ok": True, "value": encode(value)})
        except Exception as exc:  # noqa: BLE001 (any failure is an error case)
            first = str(exc).splitlines()[0] if str(exc) else ""
            results.append({"id": case["id"], "ok": False, "error": "%s: %s" % (type(exc).__name__, first)})
    json.dump({"pyyaml": yaml.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
