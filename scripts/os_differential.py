#!/usr/bin/python3
"""What the keystoneauth1 sides of the dev-cloud differentials share (ks_differential.py,
svc_differential.py): where fixtures.json is, and the loop that runs named scenarios, keeps
going past a failing one and prints one JSON object {scenario: result} on stdout.
"""

import json
import os
import sys
import time
import traceback


def fixtures_path(argv):
    """The first *.json argument, else $OSAUTH_OS_DIR/fixtures.json or <repo>/.openstack/."""
    for a in argv:
        if not a.startswith("--") and a.endswith(".json"):
            return a
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(os.environ.get("OSAUTH_OS_DIR") or os.path.join(repo, ".openstack"),
                        "fixtures.json")


def only_names(argv):
    """The names of --only A,B (None: all)."""
    return set(argv[argv.index("--only") + 1].split(",")) if "--only" in argv else None


def run_and_print(scenarios, only, expected=(), describe=None):
    """Runs {name: callable}; an exception of the classes in `expected` becomes describe(e),
    any other a ScenarioFailed result (with its traceback on stderr). Prints the results."""
    results = {}
    for name, fn in scenarios.items():
        if only and name not in only:
            continue
        t = time.monotonic()
        try:
            results[name] = fn()
        except tuple(expected) as e:
            results[name] = describe(e)
        except Exception as e:  # a bug in the scenario itself: keep going, but say so
            traceback.print_exc()
            results[name] = {"ok": False, "error": "ScenarioFailed",
                             "error_class": type(e).__name__, "detail": str(e)}
        sys.stderr.write("%-50s %7.1f ms  %s\n" % (name, (time.monotonic() - t) * 1000,
                                                  "ok" if results[name].get("ok") else
                                                  results[name].get("error")))
    json.dump(results, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0
