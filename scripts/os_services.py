#!/usr/bin/python3
"""The eight OpenStack API services of osauth's dev cloud (besides Keystone and Placement).

Glance, Nova, Cinder, Ironic, Manila, Neutron, Heat and Barbican run from Debian's python3-*
packages, each one process of its real WSGI app behind keystonemiddleware's auth_token (its
own service user), sqlite databases, `transport_url = fake://` (no message queue: anything that
needs a conductor, scheduler or engine over RPC fails, discovery, lists and 4xx errors are
real). This module is the one table of what each needs; scripts/openstack-dev.sh,
scripts/os_wsgi_server.py and scripts/os_fixtures.py use it. Always /usr/bin/python3.

    os_services.py ports BASE                  "name public internal admin" lines
    os_services.py prepare OS_DIR BASE KS_PORT paste files, configs, databases (parallel,
                                               idempotent); prints the names whose config
                                               changed (their running servers must restart)

Ports: public BASE+offset, internal BASE+10+offset, admin BASE+20+offset; offsets 2..9 in the
order of SERVICES (0 and 1 are Keystone's and Placement's).

The paste .ini files are only in Debian's *-common packages, whose postinst scripts want
debconf/dbconfig: they are fetched with `apt-get download` and unpacked with `dpkg-deb -x`
into OS_DIR/pkg/ (never installed).
"""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

PY = "/usr/bin/python3"
HOST = "127.0.0.1"

# name: catalog type, service name, port offset, path of the catalog URL (Keystone fills in
# %(project_id)s / %(tenant_id)s), Debian packages, the *-common package with the paste file,
# the discovery document's path below the catalog's root. The URL forms are those real
# deployments register (devstack, kolla, OpenStack-Ansible).
SERVICES = {
    "glance": {"type": "image", "service_name": "glance", "offset": 2, "path": "",
               "common": "glance-common", "packages": ["python3-glance"]},
    "nova": {"type": "compute", "service_name": "nova", "offset": 3, "path": "/v2.1",
             "common": "nova-common", "packages": ["python3-nova"]},
    "cinder": {"type": "volumev3", "service_name": "cinderv3", "offset": 4,
               "path": "/v3/%(project_id)s", "common": "cinder-common",
               "packages": ["python3-cinder"]},
    "ironic": {"type": "baremetal", "service_name": "ironic", "offset": 5, "path": "",
               "common": None, "packages": ["python3-ironic"]},
    "manila": {"type": "sharev2", "service_name": "manilav2", "offset": 6, "path": "/v2",
               "common": "manila-common", "packages": ["python3-manila"]},
    "neutron": {"type": "network", "service_name": "neutron", "offset": 7, "path": "",
                "common": "neutron-common", "packages": ["python3-neutron"]},
    "heat": {"type": "orchestration", "service_name": "heat", "offset": 8,
             "path": "/v1/%(tenant_id)s", "common": "heat-common",
             "packages": ["python3-heat"]},
    "barbican": {"type": "key-manager", "service_name": "barbican", "offset": 9, "path": "",
                 "common": "barbican-common", "packages": ["python3-barbican"]},
}
PACKAGES = sorted({p for s in SERVICES.values() for p in s["packages"]}
                  | {"python3-keystonemiddleware"})
# Bump when a service's database initialisation changes: a mismatch re-creates its database.
DB_VERSION = 1


def ports(base, name):
    off = SERVICES[name]["offset"]
    return {"public": base + off, "internal": base + 10 + off, "admin": base + 20 + off}


def password(name):
    return os.environ.get(f"OSAUTH_{name.upper()}_PASSWORD", f"{name}-secret-pw")


def log(msg):
    sys.stderr.write("[os_services %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


# ---------------------------------------------------------------- paste files (*-common)
def paste_source(os_dir, name):
    """Path of the service's paste .ini unpacked from its *-common package (None: no paste)."""
    common = SERVICES[name]["common"]
    if common is None:
        return None
    root = os.path.join(os_dir, "pkg", common)
    found = (glob.glob(os.path.join(root, "usr/share", common, "*api-paste.ini"))
             + glob.glob(os.path.join(root, "etc/*/api-paste.ini")))
    return found[0] if found else None


def ensure_common_packages(os_dir):
    """apt-get download + dpkg-deb -x every *-common package not unpacked yet (one download)."""
    missing = [s["common"] for n, s in SERVICES.items()
               if s["common"] and paste_source(os_dir, n) is None]
    if not missing:
        return
    log("fetching the paste files of " + " ".join(missing) + " (apt-get download, dpkg-deb -x)")
    tmp = tempfile.mkdtemp(prefix="debs-", dir=os_dir)
    try:
        cmd = ["apt-get", "download", "-q"] + missing
        r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if r.returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True)
            r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("apt-get download %s failed:\n%s" % (" ".join(missing), r.stderr))
        for common in missing:
            debs = glob.glob(os.path.join(tmp, common + "_*.deb"))
            if len(debs) != 1:
                raise SystemExit(f"apt-get download {common}: got {debs}")
            dest = os.path.join(os_dir, "pkg", common)
            shutil.rmtree(dest, ignore_errors=True)
            os.makedirs(dest)
            subprocess.run(["dpkg-deb", "-x", debs[0], dest], check=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for n in SERVICES:
        if SERVICES[n]["common"] and paste_source(os_dir, n) is None:
            raise SystemExit(f"no api-paste.ini for {n} in {SERVICES[n]['common']}")


# ---------------------------------------------------------------- configuration
def authtoken(name, ks_port):
    return f"""
[keystone_authtoken]
www_authenticate_uri = http://{HOST}:{ks_port}/v3
auth_url = http://{HOST}:{ks_port}/v3
auth_type = password
username = {name}
password = {password(name)}
user_domain_id = default
project_name = service
project_domain_id = default
interface = public
region_name = RegionOne
# never cache validations, so a revoked token is refused at once
token_cache_time = -1
"""


def common_conf(name, d, ks_port, paste=True):
    out = f"""# generated by scripts/openstack-dev.sh (os_services.py) - rewritten on every start
[DEFAULT]
debug = false
use_stderr = true
transport_url = fake://
auth_strategy = keystone
host = osauth-dev
"""
    if paste:
        out += f"api_paste_config = {d}/api-paste.ini\n"
    out += f"""
[oslo_concurrency]
lock_path = {d}/lock

[oslo_messaging_notifications]
driver = noop

[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
"""
    return out + authtoken(name, ks_port)


def render(name, os_dir, ks_port):
    """{file name: text} of the service's config directory OS_DIR/<name>/."""
    d = os.path.join(os_dir, name)
    db = f"sqlite:///{os_dir}/{name}.db"
    conf = common_conf(name, d, ks_port, paste=name not in ("glance", "ironic", "nova", "heat"))
    if name == "glance":
        conf += f"""
[database]
connection = {db}

[paste_deploy]
flavor = keystone

[glance_store]
stores = file
default_store = file
filesystem_store_datadir = {d}/images
"""
        return {"glance-api.conf": conf}
    if name == "nova":
        conf += f"""
[api_database]
connection = sqlite:///{os_dir}/nova_api.db

[database]
connection = {db}

[api]
auth_strategy = keystone

[wsgi]
api_paste_config = {d}/api-paste.ini
"""
        return {"nova.conf": conf}
    if name == "cinder":
        conf += f"""
[database]
connection = {db}
"""
        return {"cinder.conf": conf}
    if name == "ironic":
        conf += f"""
[database]
connection = {db}
"""
        return {"ironic.conf": conf}
    if name == "manila":
        conf += f"""
[database]
connection = {db}
"""
        return {"manila.conf": conf}
    if name == "neutron":
        conf = conf.replace("[DEFAULT]\n", "[DEFAULT]\ncore_plugin = ml2\nservice_plugins =\n", 1)
        conf += f"""
[database]
connection = {db}

[ml2]
type_drivers = local,flat
tenant_network_types = local
mechanism_drivers =
extension_drivers =
"""
        return {"neutron.conf": conf}
    if name == "heat":
        conf += f"""
[paste_deploy]
api_paste_config = {d}/api-paste.ini

[heat_api]
bind_host = {HOST}

[clients_keystone]
auth_uri = http://{HOST}:{ks_port}
"""
        return {"heat.conf": conf}
    if name == "barbican":
        conf = conf.replace("[DEFAULT]\n", f"[DEFAULT]\nsql_connection = {db}\n"
                            "db_auto_create = true\n"
                            "# empty: links name the host the request came to (every port)\n"
                            "host_href =\n", 1)
        conf += f"""
[secretstore]
enabled_secretstore_plugins = store_crypto

[crypto]
enabled_crypto_plugins = simple_crypto
"""
        return {"barbican.conf": conf}
    raise KeyError(name)


def conf_file(os_dir, name):
    return os.path.join(os_dir, name, f"{'glance-api' if name == 'glance' else name}.conf")


def write_config(os_dir, name, ks_port, dry_run=False):
    """Writes the config dir (dry_run: only compares); True when anything changed."""
    d = os.path.join(os_dir, name)
    if not dry_run:
        os.makedirs(os.path.join(d, "lock"), exist_ok=True)
    files = render(name, os_dir, ks_port)
    src = paste_source(os_dir, name)
    if src:
        with open(src) as f:
            files["glance-api-paste.ini" if name == "glance" else "api-paste.ini"] = f.read()
    changed = False
    for fname, text in files.items():
        path = os.path.join(d, fname)
        try:
            with open(path) as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        if dry_run:
            return True
        fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
        changed = True
    return changed


# ---------------------------------------------------------------- databases
def run(cmd, logf, **kw):
    logf.write("\n==== %s: %s\n" % (time.strftime("%H:%M:%S"), " ".join(cmd)))
    logf.flush()
    r = subprocess.run(cmd, stdout=logf, stderr=subprocess.STDOUT, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}")


CREATE_ALL = {
    # Manila's migrations fail on sqlite (ALTER COLUMN), Neutron's take minutes: create the
    # tables from the models.
    "manila": """
from manila.db.sqlalchemy import models
from sqlalchemy import create_engine
models.BASE.metadata.create_all(create_engine(URL))
""",
    "neutron": """
from neutron.db.migration.models import head
from sqlalchemy import create_engine
head.get_metadata().create_all(create_engine(URL))
""",
}


def manage(module, prog, *args):
    """Runs a console script's main() (the scripts themselves are in the uninstalled *-common)."""
    return [PY, "-c", f"import sys; sys.argv[0] = {prog!r}; from {module} import main; "
            "sys.exit(main())", *args]


def init_db(os_dir, name):
    """Creates the service's database(s) once; a signature file records what was done."""
    sig_file = os.path.join(os_dir, name, ".db-initialized")
    sig = f"v{DB_VERSION} {os_dir}"
    try:
        with open(sig_file) as f:
            if f.read() == sig:
                return False
    except OSError:
        pass
    t = time.monotonic()
    for db in glob.glob(os.path.join(os_dir, f"{name}.db*")) + glob.glob(
            os.path.join(os_dir, f"{name}_api.db*")):
        os.remove(db)
    conf = conf_file(os_dir, name)
    url = f"sqlite:///{os_dir}/{name}.db"
    with open(os.path.join(os_dir, name, "dbinit.log"), "a") as logf:
        if name == "glance":
            run(manage("glance.cmd.manage", "glance-manage", "--config-file", conf, "db_sync"),
                logf)
        elif name == "nova":
            nova = ("nova.cmd.manage", "nova-manage", "--config-file", conf)
            run(manage(*nova, "api_db", "sync"), logf)
            run(manage(*nova, "db", "sync"), logf)
        elif name == "cinder":
            run(manage("cinder.cmd.manage", "cinder-manage", "--config-file", conf, "db", "sync"),
                logf)
        elif name == "ironic":
            run(manage("ironic.cmd.dbsync", "ironic-dbsync", "--config-file", conf,
                       "create_schema"), logf)
        elif name in CREATE_ALL:
            run([PY, "-c", f"URL = {url!r}\n" + CREATE_ALL[name]], logf)
            if name == "manila":
                run(manage("manila.cmd.manage", "manila-manage", "--config-file", conf, "db",
                           "stamp", "head"), logf)
        # heat-api keeps no database (the engine does); barbican creates its tables at start
    wal = [p for p in (f"{os_dir}/{name}.db", f"{os_dir}/{name}_api.db") if os.path.exists(p)]
    if wal:
        import sqlite3
        for p in wal:
            c = sqlite3.connect(p)
            c.execute("pragma journal_mode=wal")
            c.close()
    with open(sig_file, "w") as f:
        f.write(sig)
    log(f"{name}: database ready ({time.monotonic() - t:.1f}s)")
    return True


def prepare(os_dir, base, ks_port):
    os.makedirs(os_dir, exist_ok=True)
    names = os.environ.get("OSAUTH_OS_SERVICES", " ".join(SERVICES)).split()
    ensure_common_packages(os_dir)
    changed = [n for n in names if write_config(os_dir, n, ks_port)]
    failures = []
    with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:
        futures = {n: pool.submit(init_db, os_dir, n) for n in names}
        for n, fut in futures.items():
            try:
                fut.result()
            except Exception as e:  # noqa: BLE001 - reported with its log below
                failures.append(f"{n}: {e} (see {os_dir}/{n}/dbinit.log)")
    if failures:
        raise SystemExit("database initialisation failed:\n  " + "\n  ".join(failures))
    print("\n".join(changed))


# ---------------------------------------------------------------- WSGI apps (os_wsgi_server.py)
def build_app(name, os_dir):
    """The service's WSGI application, configured from OS_DIR/<name>/."""
    d = os.path.join(os_dir, name)
    conf = conf_file(os_dir, name)
    sys.argv = [sys.argv[0]]
    if name == "glance":
        os.environ["OS_GLANCE_CONFIG_DIR"] = d
        from glance.common import wsgi_app
        return wsgi_app.init_app()
    if name == "nova":
        os.environ["OS_NOVA_CONFIG_DIR"] = d
        from nova.api.openstack.compute import wsgi as nova_wsgi
        return nova_wsgi.init_application()
    if name == "cinder":
        sys.argv += ["--config-file", conf]
        from cinder.wsgi import wsgi as cinder_wsgi
        return cinder_wsgi.initialize_application()
    if name == "ironic":
        from ironic.api import wsgi as ironic_wsgi
        return ironic_wsgi.initialize_wsgi_app(argv=[sys.argv[0], "--config-file", conf])
    if name == "manila":
        sys.argv += ["--config-file", conf]
        from manila.wsgi import wsgi as manila_wsgi
        return manila_wsgi.initialize_application()
    if name == "neutron":
        os.environ["OS_NEUTRON_CONFIG_DIR"] = d
        os.environ["OS_NEUTRON_CONFIG_FILES"] = "neutron.conf"
        from neutron import server as neutron_server
        neutron_server._init_configuration()
        from neutron.common import config as neutron_config
        return neutron_config.load_paste_app("neutron")
    if name == "heat":
        sys.argv += ["--config-file", conf]
        from heat.httpd import heat_api
        return heat_api.init_application()
    if name == "barbican":
        from barbican.common import config as barbican_config
        barbican_config.parse_args(barbican_config.CONF, args=["--config-file", conf])
        from paste import deploy
        return deploy.loadapp(f"config:{d}/api-paste.ini")
    raise KeyError(name)


def uses_eventlet(name):
    return name in ("nova", "neutron")


def monkey_patch(name):
    """Nova and Neutron need eventlet's monkey-patching before anything imports socket."""
    if name == "nova":
        import nova.monkey_patch  # noqa: F401
    elif name == "neutron":
        import eventlet
        eventlet.monkey_patch()


def main(argv):
    if len(argv) >= 3 and argv[1] == "ports":
        base = int(argv[2])
        for n in SERVICES:
            p = ports(base, n)
            print(n, p["public"], p["internal"], p["admin"])
        return 0
    if len(argv) == 5 and argv[1] == "current":  # exit 0: every config is as prepare writes it
        os_dir = os.path.abspath(argv[2])
        names = os.environ.get("OSAUTH_OS_SERVICES", " ".join(SERVICES)).split()
        stale = [n for n in names if paste_source(os_dir, n) is None and SERVICES[n]["common"]
                 or write_config(os_dir, n, int(argv[4]), dry_run=True)]
        return 1 if stale else 0
    if len(argv) == 5 and argv[1] == "prepare":
        prepare(os.path.abspath(argv[2]), int(argv[3]), int(argv[4]))
        return 0
    if len(argv) == 2 and argv[1] == "packages":
        print(" ".join(PACKAGES))
        return 0
    if len(argv) == 2 and argv[1] == "json":
        print(json.dumps(SERVICES))
        return 0
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
