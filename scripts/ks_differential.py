#!/usr/bin/python3
"""Differential scenarios: python keystoneauth1 against the dev cloud of scripts/openstack-dev.sh.

Usage:  /usr/bin/python3 scripts/ks_differential.py [FIXTURES_JSON] [--only NAME[,NAME...]] [--list]
        (FIXTURES_JSON defaults to $OSAUTH_OS_DIR/fixtures.json or <repo>/.openstack/fixtures.json)

Prints ONE JSON object {scenario_name: result} on stdout (sorted keys); progress and
tracebacks of unexpected failures go to stderr. The TypeScript integration test runs the same
scenarios through osauth and compares. Scenario names are stable: add, never rename.

Result fields (absent when not applicable; compare only the fields both sides produce):
  ok           true when the scenario ran without an exception
  status       HTTP status of the scenario's probe request
  endpoint     URL resolved from the catalog (get_endpoint)
  error        osauth error class name (keystoneauth1's when osauth has the same class; HTTP
               errors keep their per-status name)
  error_class  keystoneauth1's own class name          http_status  status carried by the error
  detail       the server's error message (Keystone error.message / Placement errors[0].title)
  scope        project | domain | system | unscoped   (from the token response)
  user_id, project_id, domain_id, system ("all"), roles (sorted), catalog (sorted service types
  that have endpoints)
  + scenario-specific fields documented below.

Scenarios (every auth scenario's probe is GET <auth_url>/auth/projects with the new token):
  password.project.name         admin: username + user_domain_id, project_name + project_domain_id
  password.project.id           admin: user_id, project_id
  password.project.domain_name  osauth-user: user_domain_name=osauth, project osauth-project
                                with project_domain_name=osauth
  password.domain.id            admin, domain_id=default
  password.domain.name          admin, domain_name=Default
  password.system               admin, system_scope=all
  password.unscoped             admin, no scope (admin has no default project) -> unscoped
  password.default_project      demo, no scope -> scoped to demo's default project
  password.unscoped_forced      demo, unscoped=True -> unscoped despite the default project
  password.wrong_password       admin, wrong password -> Unauthorized 401
  password.unknown_user         unknown username -> Unauthorized 401
  password.unknown_project      admin, project_name that does not exist -> Unauthorized 401
  password.no_role_on_project   demo scoping to project admin -> Unauthorized 401
  token.project                 unscoped admin token, re-scoped by v3.Token to project admin
  token.domain                  same, to domain default
  token.system                  same, to system all
  token.invalid                 v3.Token with a garbage token -> error
  appcred.id                    application_credential_id + secret -> project admin
  appcred.name                  application_credential_name + username + user_domain_id + secret
  appcred.wrong_secret          id + wrong secret -> Unauthorized 401
  totp.project                  totp-user: v3.TOTP (passcode from fixtures' totp_secret), project demo
  mfa.password_only             mfa-user: password only -> 401 with an auth receipt;
                                extra: receipt (bool), required_methods (sorted lists)
  mfa.password_totp             mfa-user: v3.MultiFactor [password, totp], project demo
  catalog.identity.public       get_endpoint identity interface=public        (admin project token)
  catalog.identity.internal     ... interface=internal
  catalog.identity.admin        ... interface=admin
  catalog.identity.interface_list   interface=[internal, public] -> the internal URL
  catalog.identity.region_two   identity in RegionTwo -> EndpointNotFound
  catalog.placement.default     placement, no interface/region given (keystoneauth1: public)
  catalog.placement.public      placement, public, RegionOne
  catalog.placement.internal    placement, internal
  catalog.placement.admin       placement, admin
  catalog.placement.publicURL   placement, interface=publicURL (v2 spelling)
  catalog.placement.region_two  placement, RegionTwo (public)
  catalog.placement.region_two.interface_list  RegionTwo, [internal, public] -> RegionTwo public
  catalog.placement.region_two.internal        RegionTwo, internal -> EndpointNotFound
  catalog.placement.service_name               service_type placement + service_name placement
  catalog.placement.service_name_mismatch      service_name nova -> EndpointNotFound
  catalog.unknown_service       service_type dns (not in the dev cloud) -> EndpointNotFound
  catalog.unknown_region        placement in RegionNine -> EndpointNotFound
  catalog.unscoped              unscoped token, placement -> EndpointNotFound
  request.identity_root.unauthenticated   GET http://127.0.0.1:KS/ authenticated=False (300)
  request.identity_v3.unauthenticated     GET <auth_url> authenticated=False (200);
                                          extra: version (e.g. v3.14)
  request.identity.relative     GET /auth/projects relative to the identity endpoint; extra: count
  request.placement_root.unauthenticated  GET / (placement endpoint) authenticated=False;
                                          extra: min_version, max_version
  request.placement.resource_providers    GET /resource_providers with a token; extra: count
  request.placement.unauthenticated       GET /resource_providers authenticated=False -> 401
  request.placement.microversion          microversion 1.10; extra: version_header (echoed
                                          OpenStack-API-Version)
  request.placement.microversion_too_high microversion 1.99 -> NotAcceptable 406
  request.placement.not_found             GET /resource_providers/<random uuid> -> NotFound 404
  request.placement.raise_exc_false       same, raise_exc=False -> ok, status 404
  request.revoked_token.placement         token revoked by admin, then GET /resource_providers:
                                          401 -> re-auth -> 200; extra: token_changed
  request.revoked_token.identity          same against Keystone GET /auth/projects
  request.revoked_token.no_reauth         allow_reauth=False -> Unauthorized 401
  discovery.identity            get_endpoint_data identity public; extra: url, catalog_url,
                                api_version ("3.14")
  discovery.placement           get_endpoint_data placement; extra: url, catalog_url,
                                api_version ("1.0"), min_microversion, max_microversion
  generic.password.root_url     identity.generic.Password with auth_url http://127.0.0.1:KS
                                (discovery picks v3), project admin
  generic.password.v3_url       identity.generic.Password with auth_url .../v3
"""

import base64
import hashlib
import hmac
import json
import os
import struct
import sys
import time
import uuid

from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import generic, v3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from os_differential import fixtures_path, only_names, run_and_print  # noqa: E402

ERROR_NAMES = {
    "EmptyCatalog": "EmptyCatalog",
    "EndpointNotFound": "EndpointNotFound",
    "MissingAuthMethods": "MissingAuthMethods",
    "ConnectFailure": "ConnectFailure",
    "ConnectTimeout": "ConnectTimeout",
    "DiscoveryFailure": "DiscoveryFailure",
    "VersionNotAvailable": "VersionNotAvailable",
    "AuthorizationFailure": "AuthorizationFailure",
    "MissingAuthPlugin": "MissingAuthPlugin",
}


def totp_passcode(secret, now=None, step=30, digits=6):
    """RFC 6238 passcode (SHA1, 30 s, 6 digits), as Keystone's totp method checks it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((now if now is not None else time.time()) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


def describe_access(access):
    if access.system_scoped:
        scope = "system"
    elif access.domain_scoped:
        scope = "domain"
    elif access.project_scoped:
        scope = "project"
    else:
        scope = "unscoped"
    out = {"scope": scope, "user_id": access.user_id, "roles": sorted(access.role_names or [])}
    if scope == "project":
        out["project_id"] = access.project_id
    if scope == "domain":
        out["domain_id"] = access.domain_id
    if scope == "system":
        out["system"] = "all" if (access.system or {}).get("all") else access.system
    catalog = access.service_catalog.catalog if access.service_catalog else []
    # types with endpoints: Keystone lists cinder and heat without endpoints in domain- and
    # system-scoped catalogs (their URLs name the project); osauth's catalog is its endpoints
    out["catalog"] = sorted({s.get("type") for s in catalog or [] if s.get("endpoints")})
    return out


def server_detail(response):
    if response is None:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        if isinstance(body.get("error"), dict):
            return body["error"].get("message")
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return errors[0].get("title")
    return None


def describe_error(exc):
    name = type(exc).__name__
    out = {"ok": False, "error_class": name, "error": ERROR_NAMES.get(name, name)}
    status = getattr(exc, "http_status", None)
    if isinstance(status, int):
        out["http_status"] = status
        out["status"] = status
    detail = server_detail(getattr(exc, "response", None))
    if detail is not None:
        out["detail"] = detail
    return out


class Runner:
    def __init__(self, fx):
        self.fx = fx
        self.auth_url = fx["auth_url"]
        self.ks_root = fx["keystone"]["url"]
        u = fx["users"]
        self.admin = u["admin"]
        self.demo = u["demo"]
        self.projects = fx["projects"]
        self.ac = fx["application_credentials"]["admin"]
        self._admin_sess = None

    # ------------------------------------------------------------------ helpers
    def password(self, user, **kw):
        args = {"auth_url": self.auth_url, "username": user["name"], "password": user["password"],
                "user_domain_id": user["domain_id"]}
        args.update(kw)
        return v3.Password(**args)

    def admin_project(self, **kw):
        return self.password(self.admin, project_name="admin", project_domain_id="default", **kw)

    def admin_session(self):
        if self._admin_sess is None:
            self._admin_sess = ksa_session.Session(auth=self.admin_project())
        return self._admin_sess

    def auth_probe(self, plugin):
        sess = ksa_session.Session(auth=plugin)
        access = plugin.get_access(sess)
        resp = sess.get(self.auth_url + "/auth/projects")
        return {"ok": True, "status": resp.status_code, **describe_access(access)}

    def endpoint(self, plugin=None, **filt):
        sess = ksa_session.Session(auth=plugin or self.admin_project())
        url = sess.get_endpoint(**filt)
        if url is None:
            raise ksa_exc.EndpointNotFound("get_endpoint returned None")
        return {"ok": True, "endpoint": url}

    def revoke(self, token):
        self.admin_session().delete(self.auth_url + "/auth/tokens",
                                    headers={"X-Subject-Token": token})

    def unscoped_admin_token(self):
        plugin = self.password(self.admin)
        return plugin.get_token(ksa_session.Session())

    # --------------------------------------------------------------- scenarios
    def scenarios(self):
        fx = self.fx
        admin, demo, ac = self.admin, self.demo, self.ac
        osauth_user = fx["users"]["osauth"]
        totp_user, mfa_user = fx["users"]["totp"], fx["users"]["mfa"]
        demo_project = self.projects["demo"]["id"]
        pl = {"service_type": "placement"}
        s = {}

        s["password.project.name"] = lambda: self.auth_probe(self.admin_project())
        s["password.project.id"] = lambda: self.auth_probe(v3.Password(
            auth_url=self.auth_url, user_id=admin["id"], password=admin["password"],
            project_id=self.projects["admin"]["id"]))
        s["password.project.domain_name"] = lambda: self.auth_probe(v3.Password(
            auth_url=self.auth_url, username=osauth_user["name"], password=osauth_user["password"],
            user_domain_name=fx["domains"]["osauth"]["name"],
            project_name=self.projects["osauth"]["name"],
            project_domain_name=fx["domains"]["osauth"]["name"]))
        s["password.domain.id"] = lambda: self.auth_probe(self.password(admin, domain_id="default"))
        s["password.domain.name"] = lambda: self.auth_probe(
            self.password(admin, domain_name=fx["domains"]["default"]["name"]))
        s["password.system"] = lambda: self.auth_probe(self.password(admin, system_scope="all"))
        s["password.unscoped"] = lambda: self.auth_probe(self.password(admin))
        s["password.default_project"] = lambda: self.auth_probe(self.password(demo))
        s["password.unscoped_forced"] = lambda: self.auth_probe(self.password(demo, unscoped=True))
        s["password.wrong_password"] = lambda: self.auth_probe(v3.Password(
            auth_url=self.auth_url, username="admin", password="not-the-password",
            user_domain_id="default", project_name="admin", project_domain_id="default"))
        s["password.unknown_user"] = lambda: self.auth_probe(v3.Password(
            auth_url=self.auth_url, username="no-such-user", password="x",
            user_domain_id="default"))
        s["password.unknown_project"] = lambda: self.auth_probe(self.password(
            admin, project_name="no-such-project", project_domain_id="default"))
        s["password.no_role_on_project"] = lambda: self.auth_probe(self.password(
            demo, project_name="admin", project_domain_id="default"))

        s["token.project"] = lambda: self.auth_probe(v3.Token(
            auth_url=self.auth_url, token=self.unscoped_admin_token(),
            project_name="admin", project_domain_id="default"))
        s["token.domain"] = lambda: self.auth_probe(v3.Token(
            auth_url=self.auth_url, token=self.unscoped_admin_token(), domain_id="default"))
        s["token.system"] = lambda: self.auth_probe(v3.Token(
            auth_url=self.auth_url, token=self.unscoped_admin_token(), system_scope="all"))
        s["token.invalid"] = lambda: self.auth_probe(v3.Token(
            auth_url=self.auth_url, token="gAAAAAB-not-a-token", project_name="admin",
            project_domain_id="default"))

        s["appcred.id"] = lambda: self.auth_probe(v3.ApplicationCredential(
            auth_url=self.auth_url, application_credential_id=ac["id"],
            application_credential_secret=ac["secret"]))
        s["appcred.name"] = lambda: self.auth_probe(v3.ApplicationCredential(
            auth_url=self.auth_url, application_credential_name=ac["name"],
            username=ac["user_name"], user_domain_id=ac["user_domain_id"],
            application_credential_secret=ac["secret"]))
        # NB: a *suffix* on the secret would still authenticate (bcrypt truncates to 72 bytes)
        s["appcred.wrong_secret"] = lambda: self.auth_probe(v3.ApplicationCredential(
            auth_url=self.auth_url, application_credential_id=ac["id"],
            application_credential_secret="wrong-" + ac["secret"][:20]))

        s["totp.project"] = lambda: self.auth_probe(v3.TOTP(
            auth_url=self.auth_url, username=totp_user["name"],
            user_domain_id=totp_user["domain_id"], passcode=totp_passcode(totp_user["totp_secret"]),
            project_id=demo_project))

        def mfa_password_only():
            try:
                self.auth_probe(self.password(mfa_user, project_id=demo_project))
            except ksa_exc.MissingAuthMethods as e:
                out = describe_error(e)
                out.update({"http_status": 401, "status": 401, "receipt": bool(e.receipt),
                            "required_methods": sorted(sorted(m) for m in e.required_auth_methods),
                            "methods": sorted(e.methods)})
                return out
            raise AssertionError("password-only auth of mfa-user succeeded")
        s["mfa.password_only"] = mfa_password_only
        s["mfa.password_totp"] = lambda: self.auth_probe(v3.MultiFactor(
            auth_url=self.auth_url, auth_methods=["v3password", "v3totp"],
            username=mfa_user["name"], user_domain_id=mfa_user["domain_id"],
            password=mfa_user["password"], passcode=totp_passcode(mfa_user["totp_secret"]),
            project_id=demo_project))

        idt = {"service_type": "identity"}
        s["catalog.identity.public"] = lambda: self.endpoint(**idt, interface="public")
        s["catalog.identity.internal"] = lambda: self.endpoint(**idt, interface="internal")
        s["catalog.identity.admin"] = lambda: self.endpoint(**idt, interface="admin")
        s["catalog.identity.interface_list"] = lambda: self.endpoint(
            **idt, interface=["internal", "public"])
        s["catalog.identity.region_two"] = lambda: self.endpoint(**idt, region_name="RegionTwo")
        s["catalog.placement.default"] = lambda: self.endpoint(**pl)
        s["catalog.placement.public"] = lambda: self.endpoint(
            **pl, interface="public", region_name="RegionOne")
        s["catalog.placement.internal"] = lambda: self.endpoint(**pl, interface="internal")
        s["catalog.placement.admin"] = lambda: self.endpoint(**pl, interface="admin")
        s["catalog.placement.publicURL"] = lambda: self.endpoint(**pl, interface="publicURL")
        s["catalog.placement.region_two"] = lambda: self.endpoint(**pl, region_name="RegionTwo")
        s["catalog.placement.region_two.interface_list"] = lambda: self.endpoint(
            **pl, region_name="RegionTwo", interface=["internal", "public"])
        s["catalog.placement.region_two.internal"] = lambda: self.endpoint(
            **pl, region_name="RegionTwo", interface="internal")
        s["catalog.placement.service_name"] = lambda: self.endpoint(**pl, service_name="placement")
        s["catalog.placement.service_name_mismatch"] = lambda: self.endpoint(
            **pl, service_name="nova")
        s["catalog.unknown_service"] = lambda: self.endpoint(service_type="dns")
        s["catalog.unknown_region"] = lambda: self.endpoint(**pl, region_name="RegionNine")
        s["catalog.unscoped"] = lambda: self.endpoint(self.password(admin), **pl)

        def identity_root():
            resp = self.admin_session().get(self.ks_root + "/", authenticated=False)
            return {"ok": True, "status": resp.status_code}
        s["request.identity_root.unauthenticated"] = identity_root

        def identity_v3():
            resp = self.admin_session().get(self.auth_url, authenticated=False)
            return {"ok": True, "status": resp.status_code, "version": resp.json()["version"]["id"]}
        s["request.identity_v3.unauthenticated"] = identity_v3

        def identity_relative():
            resp = self.admin_session().get("/auth/projects", endpoint_filter={
                "service_type": "identity", "interface": "public"})
            return {"ok": True, "status": resp.status_code, "count": len(resp.json()["projects"])}
        s["request.identity.relative"] = identity_relative

        def placement_root():
            resp = self.admin_session().get("/", endpoint_filter=pl, authenticated=False)
            v = resp.json()["versions"][0]
            return {"ok": True, "status": resp.status_code, "min_version": v["min_version"],
                    "max_version": v["max_version"]}
        s["request.placement_root.unauthenticated"] = placement_root

        def resource_providers():
            resp = self.admin_session().get("/resource_providers", endpoint_filter=pl)
            return {"ok": True, "status": resp.status_code,
                    "count": len(resp.json()["resource_providers"])}
        s["request.placement.resource_providers"] = resource_providers

        def placement_unauth():
            resp = self.admin_session().get("/resource_providers", endpoint_filter=pl,
                                            authenticated=False)
            return {"ok": True, "status": resp.status_code}
        s["request.placement.unauthenticated"] = placement_unauth

        def microversion(v):
            def run():
                resp = self.admin_session().get("/", endpoint_filter=pl, microversion=v)
                return {"ok": True, "status": resp.status_code,
                        "version_header": resp.headers.get("OpenStack-API-Version")}
            return run
        s["request.placement.microversion"] = microversion("1.10")
        s["request.placement.microversion_too_high"] = microversion("1.99")

        def not_found(raise_exc):
            def run():
                resp = self.admin_session().get(f"/resource_providers/{uuid.uuid4()}",
                                                endpoint_filter=pl, raise_exc=raise_exc)
                return {"ok": True, "status": resp.status_code}
            return run
        s["request.placement.not_found"] = not_found(True)
        s["request.placement.raise_exc_false"] = not_found(False)

        def revoked(target, allow_reauth=True):
            def run():
                plugin = self.admin_project()
                sess = ksa_session.Session(auth=plugin)
                before = sess.get_token()
                self.revoke(before)
                if target == "placement":
                    resp = sess.get("/resource_providers", endpoint_filter=pl,
                                    allow_reauth=allow_reauth)
                else:
                    resp = sess.get(self.auth_url + "/auth/projects", allow_reauth=allow_reauth)
                return {"ok": True, "status": resp.status_code,
                        "token_changed": sess.get_token() != before}
            return run
        s["request.revoked_token.placement"] = revoked("placement")
        s["request.revoked_token.identity"] = revoked("identity")
        s["request.revoked_token.no_reauth"] = revoked("placement", allow_reauth=False)

        def version_str(v):
            return None if v is None else ".".join(str(x) for x in v)

        def discovery(**filt):
            def run():
                sess = self.admin_session()
                data = sess.get_endpoint_data(interface="public", **filt)
                if data is None:
                    raise ksa_exc.EndpointNotFound("get_endpoint_data returned None")
                out = {"ok": True, "url": data.url, "catalog_url": data.catalog_url,
                       "api_version": version_str(data.api_version)}
                if data.min_microversion is not None or data.max_microversion is not None:
                    out["min_microversion"] = version_str(data.min_microversion)
                    out["max_microversion"] = version_str(data.max_microversion)
                return out
            return run
        s["discovery.identity"] = discovery(service_type="identity")
        s["discovery.placement"] = discovery(service_type="placement")

        s["generic.password.root_url"] = lambda: self.auth_probe(generic.Password(
            auth_url=self.ks_root, username="admin", password=admin["password"],
            user_domain_id="default", project_name="admin", project_domain_id="default"))
        s["generic.password.v3_url"] = lambda: self.auth_probe(generic.Password(
            auth_url=self.auth_url, username="admin", password=admin["password"],
            user_domain_id="default", project_name="admin", project_domain_id="default"))
        return s


def main(argv):
    with open(fixtures_path(argv)) as f:
        fx = json.load(f)
    scenarios = Runner(fx).scenarios()
    if "--list" in argv:
        print("\n".join(scenarios))
        return 0
    return run_and_print(scenarios, only_names(argv), (ksa_exc.ClientException, ksa_exc.HttpError),
                         describe_error)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
