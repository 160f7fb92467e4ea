#!/usr/bin/python3
"""Pagination differential on the dev cloud's REAL services: the openstacksdk 0.101 side.

Usage:  /usr/bin/python3 scripts/paginate_differential.py [FIXTURES_JSON] [--setup] [--limit N]
        [--count N] [--only A,B]

--setup makes sure that at least --count (default 7) resources named `osauth-page-<kind>-<i>`
of every kind below exist (idempotent: only the missing ones are created): Glance images, Nova
flavors, Cinder volume types, Neutron networks, Manila shares (with a share type
`osauth-page-share-type`; the share stays `creating`: no scheduler), Ironic nodes (written with
Ironic's own db api: creating a node through the API needs a conductor) and Keystone users.

Then it lists every kind through openstacksdk's proxies (`conn.image.images(limit=N)`, ...)
and prints ONE JSON object {kind: {ids: [...], requests: [GET urls sent], error?}} on stdout
(sorted keys; `ids` are those yielded before an error); progress goes to stderr. tests/integration/paginate_real.test.ts lists the same
resources through osauth's paginate and compares the ids (same items, same order).

Kinds: images, flavors, volume_types, networks, shares, nodes, users (openstacksdk lists users
without a limit: Keystone does not paginate, and openstacksdk's marker retry on it with a limit
is an "Endless pagination loop detected" error: users_with_limit records that). Manila (this
release) ignores the `marker` of the next links it builds (it pages by `offset`): its second page
is its first again, which openstacksdk reports as an endless loop, as osauth must.
"""

import json
import os
import sys
import uuid

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from os_differential import fixtures_path, only_names  # noqa: E402

PREFIX = "osauth-page-"
KINDS = ["images", "flavors", "volume_types", "networks", "shares", "nodes", "users"]


def log(msg):
    print(f"[paginate_differential] {msg}", file=sys.stderr, flush=True)


def arg(argv, name, default):
    return int(argv[argv.index(name) + 1]) if name in argv else default


def connect(fx):
    import openstack

    os.environ["OS_CLIENT_CONFIG_FILE"] = fx["files"]["clouds_yaml"]
    return openstack.connect(cloud="osauth-admin")


def ironic_nodes(fx):
    """A function creating an Ironic node with Ironic's own objects (no conductor needed)."""
    sys.argv = [sys.argv[0]]
    from ironic.common import config  # noqa: F401 (registers the options)
    from ironic.conf import CONF

    CONF(["--config-file", os.path.join(fx["os_dir"], "ironic", "ironic.conf")], project="ironic")
    from ironic import objects
    from ironic.common import context

    objects.register_all()
    ctx = context.get_admin_context()

    def create(name):
        objects.Node(ctx, uuid=str(uuid.uuid4()), driver="fake-hardware", name=name).create()

    return create


def setup(conn, fx, count):
    """Creates the missing `osauth-page-<kind>-<i>` resources."""

    def ensure(kind, existing, create):
        names = set(existing)
        made = 0
        for i in range(count):
            name = f"{PREFIX}{kind}-{i}"
            if name not in names:
                create(name)
                made += 1
        log(f"{kind}: {made} created")

    ensure("images", [i.name for i in conn.image.images()],
           lambda n: conn.image.post("/images", json={"name": n}).raise_for_status())
    ensure("flavors", [f.name for f in conn.compute.flavors()],
           lambda n: conn.compute.create_flavor(name=n, ram=64, vcpus=1, disk=1))
    ensure("volume_types", [t.name for t in conn.block_storage.types()],
           lambda n: conn.block_storage.create_type(name=n))
    ensure("networks", [n.name for n in conn.network.networks()],
           lambda n: conn.network.create_network(name=n))
    stype = f"{PREFIX}share-type"
    types = conn.shared_file_system.get("/types", microversion="2.50").json()["share_types"]
    if not any(t["name"] == stype for t in types):
        conn.shared_file_system.post("/types", microversion="2.50", json={"share_type": {
            "name": stype, "extra_specs": {"driver_handles_share_servers": False}}},
        ).raise_for_status()
    ensure("shares", [s.name for s in conn.shared_file_system.shares()],
           lambda n: conn.shared_file_system.post("/shares", microversion="2.50", json={
               "share": {"share_proto": "NFS", "size": 1, "name": n, "share_type": stype}},
           ).raise_for_status())
    ensure("nodes", [n.name for n in conn.baremetal.nodes()], ironic_nodes(fx))
    ensure("users", [u.name for u in conn.identity.users()],
           lambda n: conn.identity.create_user(name=n, domain_id="default"))


def listing(conn, limit):
    """kind -> a function giving openstacksdk's listing (a generator of resources)."""
    return {
        "images": lambda: conn.image.images(limit=limit),
        "flavors": lambda: conn.compute.flavors(limit=limit),
        "volume_types": lambda: conn.block_storage.types(limit=limit),
        "networks": lambda: conn.network.networks(limit=limit),
        "shares": lambda: conn.shared_file_system.shares(limit=limit),
        "nodes": lambda: conn.baremetal.nodes(limit=limit),
        "users": lambda: conn.identity.users(),
        "users_with_limit": lambda: conn.identity.users(limit=limit),
    }


def main(argv):
    with open(fixtures_path(argv)) as f:
        fx = json.load(f)
    limit = arg(argv, "--limit", 2)
    only = only_names(argv)
    conn = connect(fx)
    if "--setup" in argv:
        setup(conn, fx, arg(argv, "--count", 7))
    sent = []
    real_send = requests.Session.send

    def send(self, request, **kwargs):
        if request.method == "GET":
            sent.append(request.url)
        return real_send(self, request, **kwargs)

    requests.Session.send = send
    out = {}
    for kind, fn in listing(conn, limit).items():
        if only and kind not in only:
            continue
        sent.clear()
        ids = []
        out[kind] = {"ids": ids}
        try:
            for r in fn():
                ids.append(r.id)
        except Exception as e:  # noqa: BLE001 (recorded: shares, users_with_limit)
            out[kind]["error"] = f"{type(e).__name__}: {e}"
        out[kind]["requests"] = list(sent)
        log(f"{kind}: {len(out[kind].get('ids', []))} items, {len(sent)} GETs")
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
