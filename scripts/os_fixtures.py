#!/usr/bin/python3
"""Create (find-or-create, idempotent) the dev cloud's fixtures and write fixtures.json,
openrc and clouds.yaml. Called by scripts/openstack-dev.sh start with /usr/bin/python3;
all inputs come from the environment that script exports (OSAUTH_OS_*).

Steps: wait until Keystone and Placement answer; then, as the bootstrap admin:
- projects `service`, `demo` (Default domain); domain `osauth` with project `osauth-project`
- users `placement` (admin on `service`), `demo` (member on `demo`, default project `demo`),
  `totp-user` (member on `demo`, TOTP credential), `mfa-user` (member on `demo`, TOTP
  credential, MFA rules [["password", "totp"]]), `osauth-user` in domain `osauth` (member on
  `osauth-project`)
- admin: admin role on the Default domain; system-scope admin (bootstrap already grants it)
- service `placement` with public/internal/admin endpoints in RegionOne, region `RegionTwo`
  with a public placement endpoint (its own port on the same server)
- application credential `osauth-appcred` for admin on project `admin` (secret kept across
  starts through fixtures.json; recreated if it no longer works)
- for each service of OSAUTH_OS_SERVICES (scripts/os_services.py: glance nova cinder ironic
  manila neutron heat barbican): a service user <name> (admin on `service`), the service with
  public/internal/admin endpoints in RegionOne in the URL form real deployments use
- a trust from admin (trustor) to demo (trustee) on project admin with role member,
  impersonation on (AccessInfo's trust accessors are compared on its token)
Finally checks Placement end to end (GET /resource_providers with an admin token), and each
service: its version document answers without a token, an authenticated GET passes
keystonemiddleware (not 401) and the same GET without a token is 401.
"""

import base64
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import os_services  # noqa: E402

OS_DIR = os.environ["OSAUTH_OS_DIR"]
KS_PORTS = [int(p) for p in os.environ["OSAUTH_OS_KS_PORTS"].split()]
PL_PORTS = [int(p) for p in os.environ["OSAUTH_OS_PL_PORTS"].split()]
ADMIN_PASSWORD = os.environ["OSAUTH_ADMIN_PASSWORD"]
DEMO_PASSWORD = os.environ["OSAUTH_DEMO_PASSWORD"]
PLACEMENT_PASSWORD = os.environ["OSAUTH_PLACEMENT_PASSWORD"]
START_TIMEOUT = float(os.environ.get("OSAUTH_OS_START_TIMEOUT", "90"))
PIDS = dict(item.split(":", 1) for item in os.environ.get("OSAUTH_OS_PIDS", "").split())
SERVICES = os.environ.get("OSAUTH_OS_SERVICES", "").split()
PORT_BASE = int(os.environ.get("OSAUTH_OS_PORT_BASE", "15000"))
SVC_PORTS = {n: os_services.ports(PORT_BASE, n) for n in SERVICES}
# A path below each service's root that passes keystonemiddleware and the service's routing
# without RPC (the end-to-end check: with a token not 401, without a token 401).
SVC_PROBE = {"glance": "/v2/images", "nova": "/v2.1/flavors", "cinder": "/v3/{project}/types",
             "ironic": "/v1/drivers", "manila": "/v2/{project}/types",
             "neutron": "/v2.0/networks", "heat": "/v1/{project}/no-such-resource",
             "barbican": "/v1/secrets"}

HOST = "http://127.0.0.1"
KS_URL = {"public": f"{HOST}:{KS_PORTS[0]}", "internal": f"{HOST}:{KS_PORTS[1]}",
          "admin": f"{HOST}:{KS_PORTS[2]}"}
PL_URL = {"public": f"{HOST}:{PL_PORTS[0]}", "internal": f"{HOST}:{PL_PORTS[1]}",
          "admin": f"{HOST}:{PL_PORTS[2]}"}
PL_REGION2_URL = f"{HOST}:{PL_PORTS[3]}"
AUTH_URL = KS_URL["public"] + "/v3"
FIXTURES = os.path.join(OS_DIR, "fixtures.json")

T0 = time.monotonic()


def log(msg):
    sys.stderr.write("[os_fixtures %6.2fs] %s\n" % (time.monotonic() - T0, msg))
    sys.stderr.flush()


def alive(pid):
    try:
        with open(f"/proc/{int(pid)}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return line.split()[1] not in ("Z", "X")
    except (OSError, ValueError):
        return False
    return False


def wait_http(urls, any_status=()):
    """Wait until every url answers 200 (unauthenticated version documents); the names in
    any_status may answer with any HTTP status below 500 (Glance's root is a 300)."""
    pending = dict(urls)
    deadline = time.monotonic() + START_TIMEOUT
    while pending:
        for name, url in list(pending.items()):
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        log(f"{name} answers at {url}")
                        del pending[name]
            except urllib.error.HTTPError as e:
                if name.split(":")[0] in any_status and e.code < 500:
                    log(f"{name} answers at {url} ({e.code})")
                    del pending[name]
            except (urllib.error.URLError, OSError):
                pass
        if not pending:
            break
        for service, pid in PIDS.items():
            if pid != "0" and not alive(pid):
                raise SystemExit(f"{service} server (pid {pid}) exited; see {OS_DIR}/{service}.log")
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {START_TIMEOUT}s waiting for {sorted(pending)}")
        time.sleep(0.1)


def load_previous():
    try:
        with open(FIXTURES) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def main():
    wait_http({f"keystone:{p}": f"{HOST}:{p}/v3" for p in KS_PORTS}
              | {f"placement:{p}": f"{HOST}:{p}/" for p in PL_PORTS})

    from keystoneauth1 import exceptions as ksa_exc
    from keystoneauth1 import session as ksa_session
    from keystoneauth1.identity import v3

    previous = load_previous()
    admin_auth = v3.Password(auth_url=AUTH_URL, username="admin", password=ADMIN_PASSWORD,
                             user_domain_id="default", project_name="admin",
                             project_domain_id="default")
    sess = ksa_session.Session(auth=admin_auth)
    ks = {"endpoint_override": AUTH_URL}

    def get(path, **params):
        return sess.get(path, params=params, **ks).json()

    def post(path, body):
        return sess.post(path, json=body, **ks).json()

    def patch(path, body):
        return sess.patch(path, json=body, **ks).json()

    def put(path):
        sess.put(path, **ks)

    def one(items, what):
        if len(items) > 1:
            raise SystemExit(f"more than one {what}: {items}")
        return items[0] if items else None

    # ------------------------------------------------------------- domains, roles, projects
    default_domain = get("/domains/default")["domain"]
    osauth_domain = one(get("/domains", name="osauth")["domains"], "domain osauth") or post(
        "/domains", {"domain": {"name": "osauth", "description": "osauth integration tests"}}
    )["domain"]

    roles = {}
    for name in ("admin", "member", "reader"):
        role = one(get("/roles", name=name)["roles"], f"role {name}")
        if role is None:
            role = post("/roles", {"role": {"name": name}})["role"]
        roles[name] = role["id"]

    def project(name, domain_id):
        p = one(get("/projects", name=name, domain_id=domain_id)["projects"], f"project {name}")
        if p is None:
            p = post("/projects", {"project": {"name": name, "domain_id": domain_id,
                                               "description": "osauth integration tests"}})["project"]
            log(f"created project {name}")
        return {"id": p["id"], "name": p["name"], "domain_id": p["domain_id"]}

    projects = {
        "admin": project("admin", "default"),
        "service": project("service", "default"),
        "demo": project("demo", "default"),
        "osauth": project("osauth-project", osauth_domain["id"]),
    }

    # ------------------------------------------------------------------------ users
    def user(name, domain_id, password, default_project_id=None, options=None):
        body = {"name": name, "domain_id": domain_id, "password": password, "enabled": True}
        if default_project_id:
            body["default_project_id"] = default_project_id
        if options:
            body["options"] = options
        u = one(get("/users", name=name, domain_id=domain_id)["users"], f"user {name}")
        if u is None:
            u = post("/users", {"user": body})["user"]
            log(f"created user {name}")
        elif name != "admin":  # keep password/options in line with this run's settings
            body.pop("name")
            body.pop("domain_id")
            u = patch(f"/users/{u['id']}", {"user": body})["user"]
        return {"id": u["id"], "name": u["name"], "domain_id": u["domain_id"],
                "password": password, "default_project_id": u.get("default_project_id")}

    users = {
        "admin": user("admin", "default", ADMIN_PASSWORD),
        "demo": user("demo", "default", DEMO_PASSWORD, projects["demo"]["id"]),
        "placement": user("placement", "default", PLACEMENT_PASSWORD),
        "totp": user("totp-user", "default", "totp-secret-pw"),
        "mfa": user("mfa-user", "default", "mfa-secret-pw", options={
            "multi_factor_auth_enabled": True,
            "multi_factor_auth_rules": [["password", "totp"]]}),
        "osauth": user("osauth-user", osauth_domain["id"], "osauth-secret-pw",
                       projects["osauth"]["id"]),
    }

    # --------------------------------------------------------------- role assignments
    put(f"/projects/{projects['service']['id']}/users/{users['placement']['id']}/roles/{roles['admin']}")
    for u in ("demo", "totp", "mfa"):
        put(f"/projects/{projects['demo']['id']}/users/{users[u]['id']}/roles/{roles['member']}")
    put(f"/projects/{projects['osauth']['id']}/users/{users['osauth']['id']}/roles/{roles['member']}")
    put(f"/domains/default/users/{users['admin']['id']}/roles/{roles['admin']}")
    system_roles = [r["name"] for r in get(f"/system/users/{users['admin']['id']}/roles")["roles"]]
    if "admin" not in system_roles:
        put(f"/system/users/{users['admin']['id']}/roles/{roles['admin']}")
        log("granted admin the admin role on the system")
        system_roles.append("admin")

    # ------------------------------------------------------------------ TOTP credentials
    def totp_secret(user_key):
        creds = get("/credentials", user_id=users[user_key]["id"], type="totp")["credentials"]
        if creds:
            return creds[0]["blob"]
        secret = base64.b32encode(secrets.token_bytes(20)).decode()
        post("/credentials", {"credential": {"type": "totp", "user_id": users[user_key]["id"],
                                             "blob": secret}})
        return secret

    users["totp"]["totp_secret"] = totp_secret("totp")
    users["mfa"]["totp_secret"] = totp_secret("mfa")
    users["mfa"]["mfa_rules"] = [["password", "totp"]]

    # ---------------------------------------------------------- regions, services, endpoints
    if not any(r["id"] == "RegionTwo" for r in get("/regions")["regions"]):
        post("/regions", {"region": {"id": "RegionTwo", "description": "osauth second region"}})
        log("created region RegionTwo")

    def service(stype, name):
        s = one([s for s in get("/services", type=stype)["services"] if s.get("name") == name],
                f"service {stype}")
        if s is None:
            s = post("/services", {"service": {"type": stype, "name": name, "enabled": True}})[
                "service"]
            log(f"created service {stype}")
        return s["id"]

    def endpoints(service_id, wanted):
        """wanted: {(region, interface): url}; creates/updates, deletes the rest."""
        have = get("/endpoints", service_id=service_id)["endpoints"]
        seen = set()
        for ep in have:
            key = (ep["region_id"], ep["interface"])
            if key in wanted and key not in seen:
                seen.add(key)
                if ep["url"] != wanted[key] or not ep.get("enabled", True):
                    patch(f"/endpoints/{ep['id']}", {"endpoint": {"url": wanted[key],
                                                                  "enabled": True}})
            else:
                sess.delete(f"/endpoints/{ep['id']}", **ks)
        for (region, interface), url in wanted.items():
            if (region, interface) not in seen:
                post("/endpoints", {"endpoint": {"service_id": service_id, "region_id": region,
                                                 "interface": interface, "url": url}})
        eps = get("/endpoints", service_id=service_id)["endpoints"]
        out = {}
        for ep in eps:
            out.setdefault(ep["region_id"], {})[ep["interface"]] = {"id": ep["id"],
                                                                    "url": ep["url"]}
        return out

    identity_id = service("identity", "keystone")
    placement_id = service("placement", "placement")
    identity_eps = endpoints(identity_id, {("RegionOne", i): KS_URL[i] + "/v3" for i in KS_URL})
    placement_wanted = {("RegionOne", i): PL_URL[i] for i in PL_URL}
    placement_wanted[("RegionTwo", "public")] = PL_REGION2_URL
    placement_eps = endpoints(placement_id, placement_wanted)

    # ------------------------------------------------- the other services (os_services.py)
    svc = {}
    for name in SERVICES:
        meta = os_services.SERVICES[name]
        u = user(name, "default", os_services.password(name))
        put(f"/projects/{projects['service']['id']}/users/{u['id']}/roles/{roles['admin']}")
        sid = service(meta["type"], meta["service_name"])
        roots = {i: f"{HOST}:{p}" for i, p in SVC_PORTS[name].items()}
        eps = endpoints(sid, {("RegionOne", i): roots[i] + meta["path"] for i in roots})
        svc[name] = {"type": meta["type"], "service_name": meta["service_name"],
                     "service_id": sid, "user": u, "roots": roots,
                     "catalog_path": meta["path"], "ports": SVC_PORTS[name],
                     "endpoints": eps, "log": os.path.join(OS_DIR, f"{name}.log")}
    # Services of an earlier run that this one does not start: out of the catalog.
    for name, meta in os_services.SERVICES.items():
        if name in SERVICES:
            continue
        for old in get("/services", type=meta["type"])["services"]:
            if old.get("name") == meta["service_name"]:
                sess.delete(f"/services/{old['id']}", **ks)
                log(f"removed service {meta['type']} (not started)")

    # ------------------------------------------------------------------------ trust
    trust_roles = ["member"]
    trust = None
    for t in get("/OS-TRUST/trusts", trustor_user_id=users["admin"]["id"])["trusts"]:
        if (t["trustee_user_id"] == users["demo"]["id"] and t["project_id"] ==
                projects["admin"]["id"] and t.get("impersonation") is True
                and not t.get("expires_at")):
            trust = t
            break
    if trust is None:
        trust = post("/OS-TRUST/trusts", {"trust": {
            "trustor_user_id": users["admin"]["id"], "trustee_user_id": users["demo"]["id"],
            "project_id": projects["admin"]["id"], "impersonation": True,
            "roles": [{"name": r} for r in trust_roles]}})["trust"]
        log("created trust admin -> demo")
    trust_fx = {"id": trust["id"], "trustor_user_id": users["admin"]["id"],
                "trustee_user_id": users["demo"]["id"], "project_id": projects["admin"]["id"],
                "impersonation": True, "roles": trust_roles}

    # --------------------------------------------------------- application credential
    admin_id = users["admin"]["id"]
    ac_name = "osauth-appcred"
    prev_ac = (previous.get("application_credentials") or {}).get("admin") or {}
    existing = one(get(f"/users/{admin_id}/application_credentials", name=ac_name)[
        "application_credentials"], "application credential")
    ac = None
    if existing and prev_ac.get("id") == existing["id"] and prev_ac.get("secret"):
        try:  # still valid with the secret we recorded?
            probe = v3.ApplicationCredential(auth_url=AUTH_URL, application_credential_id=existing["id"],
                                             application_credential_secret=prev_ac["secret"])
            probe.get_access(ksa_session.Session())
            ac = dict(prev_ac)
        except ksa_exc.Unauthorized:
            ac = None
    if ac is None:
        if existing:
            sess.delete(f"/users/{admin_id}/application_credentials/{existing['id']}", **ks)
        created = post(f"/users/{admin_id}/application_credentials", {"application_credential": {
            "name": ac_name, "description": "osauth integration tests"}})["application_credential"]
        log("created application credential osauth-appcred")
        ac = {"id": created["id"], "name": created["name"], "secret": created["secret"]}
    ac.update({"user_id": admin_id, "user_name": "admin", "user_domain_id": "default",
               "project_id": projects["admin"]["id"], "roles": ["admin"]})

    # ------------------------------------------------------------ end-to-end placement check
    admin_auth.invalidate()  # the cached token's catalog predates the placement service
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        resp = sess.get("/resource_providers", endpoint_filter={
            "service_type": "placement", "interface": "public", "region_name": "RegionOne"},
            raise_exc=False)
        if resp.status_code == 200:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"placement GET /resource_providers -> {resp.status_code}: {resp.text[:300]}")
        time.sleep(0.2)
    root = sess.get(PL_URL["public"] + "/", authenticated=False).json()
    pl_version = root["versions"][0]
    ks_version = sess.get(AUTH_URL, authenticated=False).json()["version"]
    log(f"placement GET /resource_providers 200; version {pl_version['min_version']}"
        f"..{pl_version['max_version']}; identity {ks_version['id']}")

    # --------------------------------------------------- the other services, end to end
    wait_http({f"{n}:{p}": f"{HOST}:{p}/" for n in SERVICES for p in SVC_PORTS[n].values()},
              any_status=SERVICES)
    token = sess.get_token()
    admin_project_id = projects["admin"]["id"]
    for name in SERVICES:
        url = svc[name]["roots"]["public"] + SVC_PROBE[name].format(project=admin_project_id)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with_token = sess.get(url, authenticated=False, headers={"X-Auth-Token": token},
                                  raise_exc=False)
            if with_token.status_code not in (401, 503):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} GET {url} with a token -> {with_token.status_code}: "
                                 f"{with_token.text[:300]}")
            time.sleep(0.2)
        without = sess.get(url, authenticated=False, raise_exc=False)
        if without.status_code != 401 or with_token.status_code >= 500:
            raise SystemExit(f"{name} GET {url}: {with_token.status_code} with a token, "
                             f"{without.status_code} without (want not 401 / 401)")
        svc[name]["urls"] = {i: svc[name]["roots"][i] + svc[name]["catalog_path"].replace(
            "%(project_id)s", admin_project_id).replace("%(tenant_id)s", admin_project_id)
            for i in svc[name]["roots"]}
        log(f"{name} ({svc[name]['type']}) GET {SVC_PROBE[name]}: {with_token.status_code} "
            "with a token, 401 without")

    fixtures = {
        "schema": 1,
        "os_dir": OS_DIR,
        "auth_url": AUTH_URL,
        "region_name": "RegionOne",
        "regions": ["RegionOne", "RegionTwo"],
        "interface": "public",
        "keystone": {
            "url": KS_URL["public"],
            "auth_url": AUTH_URL,
            "urls": {i: KS_URL[i] + "/v3" for i in KS_URL},
            "ports": {i: int(KS_URL[i].rsplit(":", 1)[1]) for i in KS_URL},
            "api_version": ks_version["id"],
            "release": "22 (zed)",
            "log": os.path.join(OS_DIR, "keystone.log"),
        },
        "placement": {
            "url": PL_URL["public"],
            "urls": dict(PL_URL),
            "region_two_url": PL_REGION2_URL,
            "ports": {**{i: int(PL_URL[i].rsplit(":", 1)[1]) for i in PL_URL},
                      "region_two": int(PL_REGION2_URL.rsplit(":", 1)[1])},
            "min_version": pl_version["min_version"],
            "max_version": pl_version["max_version"],
            "release": "8 (zed)",
            "log": os.path.join(OS_DIR, "placement.log"),
        },
        "catalog": {
            "identity": {"service_id": identity_id, "name": "keystone", "endpoints": identity_eps},
            "placement": {"service_id": placement_id, "name": "placement",
                          "endpoints": placement_eps},
        },
        "domains": {
            "default": {"id": default_domain["id"], "name": default_domain["name"]},
            "osauth": {"id": osauth_domain["id"], "name": osauth_domain["name"]},
        },
        "roles": roles,
        "projects": projects,
        "users": users,
        "assignments": {
            "admin": {"projects": {"admin": ["admin"]}, "domains": {"default": ["admin"]},
                      "system": {"all": sorted(system_roles)}},
            "demo": {"projects": {"demo": ["member"]}},
            "placement": {"projects": {"service": ["admin"]}},
            "totp": {"projects": {"demo": ["member"]}},
            "mfa": {"projects": {"demo": ["member"]}},
            "osauth": {"projects": {"osauth": ["member"]}},
        },
        "application_credentials": {"admin": ac},
        "trusts": {"admin_to_demo": trust_fx},
        "port_base": PORT_BASE,
        "services": svc,
        "files": {
            "fixtures": FIXTURES,
            "openrc": os.path.join(OS_DIR, "openrc"),
            "clouds_yaml": os.path.join(OS_DIR, "clouds.yaml"),
        },
    }
    write_outputs(fixtures)
    log("wrote fixtures.json, openrc, clouds.yaml")


def write_file(path, text):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def shell_quote(value):
    return "'" + str(value).replace("'", "'\"'\"'") + "'"


def write_outputs(fx):
    import yaml

    write_file(FIXTURES, json.dumps(fx, indent=2, sort_keys=False) + "\n")

    admin = fx["users"]["admin"]
    openrc = {
        "OS_AUTH_URL": fx["auth_url"],
        "OS_USERNAME": admin["name"],
        "OS_PASSWORD": admin["password"],
        "OS_PROJECT_NAME": "admin",
        "OS_USER_DOMAIN_ID": "default",
        "OS_PROJECT_DOMAIN_ID": "default",
        "OS_REGION_NAME": "RegionOne",
        "OS_IDENTITY_API_VERSION": "3",
        "OS_INTERFACE": "public",
    }
    write_file(fx["files"]["openrc"], "# osauth dev cloud (scripts/openstack-dev.sh): admin\n"
               + "".join(f"export {k}={shell_quote(v)}\n" for k, v in openrc.items()))

    common = {"region_name": "RegionOne", "interface": "public", "identity_api_version": 3}
    demo = fx["users"]["demo"]
    ac = fx["application_credentials"]["admin"]
    clouds = {"clouds": {
        "osauth-admin": {"auth_type": "password", "auth": {
            "auth_url": fx["auth_url"], "username": admin["name"], "password": admin["password"],
            "project_name": "admin", "user_domain_id": "default",
            "project_domain_id": "default"}, **common},
        "osauth-demo": {"auth_type": "password", "auth": {
            "auth_url": fx["auth_url"], "username": demo["name"], "password": demo["password"],
            "project_name": "demo", "user_domain_id": "default",
            "project_domain_id": "default"}, **common},
        "osauth-appcred": {"auth_type": "v3applicationcredential", "auth": {
            "auth_url": fx["auth_url"], "application_credential_id": ac["id"],
            "application_credential_secret": ac["secret"]}, **common},
        "osauth-system": {"auth_type": "password", "auth": {
            "auth_url": fx["auth_url"], "username": admin["name"], "password": admin["password"],
            "user_domain_id": "default", "system_scope": "all"}, **common},
    }}
    write_file(fx["files"]["clouds_yaml"],
               "# osauth dev cloud (scripts/openstack-dev.sh)\n"
               + yaml.safe_dump(clouds, sort_keys=False, default_flow_style=False))


if __name__ == "__main__":
    main()
