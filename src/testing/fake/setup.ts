/**
 * Builds a fake cloud's {@linkcode CloudState} from its options: the default
 * admin user and projects, domains, credentials, trusts, regions and
 * services (Keystone first) with their lists.
 *
 * @module
 */
import { checkedListItems } from "./lists.ts";
import { defaultServices, serviceDef } from "./services.ts";
import { type CloudState, StatsImpl } from "./state.ts";
import { FAKE_CLOUD_DEFAULTS as D, type FakeCloudOptions, type FakeUser } from "./types.ts";

/** The users of a cloud built without `users`: admin, with roles on two projects. */
function defaultUsers(): FakeUser[] {
  return [{
    id: D.userId,
    name: D.username,
    password: D.password,
    domainId: D.domainId,
    totpPasscode: D.totpPasscode,
    projects: [
      {
        id: D.projectId,
        name: D.projectName,
        domainId: D.domainId,
        roles: ["admin", "member", "reader"],
      },
      {
        id: D.demoProjectId,
        name: D.demoProjectName,
        domainId: D.domainId,
        roles: ["member", "reader"],
      },
    ],
    domainRoles: { [D.domainId]: ["admin"] },
    systemRoles: ["admin"],
  }];
}

/** The state of a new cloud with `options` (see {@linkcode FakeCloudOptions} for the defaults). */
export function createState(options: FakeCloudOptions): CloudState {
  const regions = options.regions && options.regions.length > 0 ? [...options.regions] : [D.region];
  const given = options.services ?? defaultServices();
  const identityOpts = given.find((s) => s.type === "identity");
  const identity = serviceDef(
    { name: "keystone", path: "", ...identityOpts, type: "identity" },
    regions,
    true,
  );
  const s: CloudState = {
    users: new Map(),
    domains: new Map(),
    projects: new Map(),
    appCreds: new Map(),
    trusts: new Map(),
    services: [identity],
    identity,
    tokens: new Map(),
    receipts: new Map(),
    faults: [],
    stalls: new Set(),
    v2: options.identityV2 ?? true,
    v3: options.identityV3 ?? true,
    ttlMs: (options.tokenTtlSeconds ?? 3600) * 1000,
    now: options.now ?? Date.now,
    format: options.tokenFormat ?? "fernet",
    primaryRegion: regions[0] ?? D.region,
    stats: new StatsImpl(),
  };

  s.domains.set(D.domainId, { id: D.domainId, name: D.domainName });
  for (const d of options.domains ?? []) s.domains.set(d.id, { ...d });

  const users = options.users ?? defaultUsers();
  for (const u of users) {
    const user: FakeUser = {
      ...u,
      domainId: u.domainId ?? D.domainId,
      projects: (u.projects ?? []).map((p) => ({
        ...p,
        domainId: p.domainId ?? D.domainId,
        roles: [...(p.roles ?? ["member"])],
      })),
    };
    s.users.set(user.id, user);
    ensureDomain(s, user.domainId ?? D.domainId);
    for (const p of user.projects ?? []) {
      const domainId = p.domainId ?? D.domainId;
      ensureDomain(s, domainId);
      if (!s.projects.has(p.id)) {
        s.projects.set(p.id, { id: p.id, name: p.name, domainId });
      }
    }
    for (const domainId of Object.keys(user.domainRoles ?? {})) ensureDomain(s, domainId);
  }

  const creds = options.applicationCredentials ?? (options.users ? [] : [{
    id: D.applicationCredentialId,
    name: D.applicationCredentialName,
    secret: D.applicationCredentialSecret,
    userId: D.userId,
    projectId: D.projectId,
  }]);
  for (const c of creds) s.appCreds.set(c.id, { ...c });
  for (const t of options.trusts ?? []) s.trusts.set(t.id, { ...t });

  for (const svc of given) {
    if (svc.type !== "identity") s.services.push(serviceDef(svc, regions, false));
  }
  for (const [type, lists] of Object.entries(options.lists ?? {})) {
    const svc = s.services.find((x) => x.type === type && !x.identity);
    if (!svc) {
      throw new Error(
        `FakeCloud: lists.${type}: the cloud has no ${type} service` +
          (type === "identity" ? " with lists (Keystone's lists are not paginated)" : ""),
      );
    }
    for (const [name, items] of Object.entries(lists ?? {})) {
      svc.lists.set(name, checkedListItems(type, name, items));
    }
  }
  return s;
}

/** Adds a domain named as its id unless it is known. */
function ensureDomain(s: CloudState, id: string): void {
  if (!s.domains.has(id)) s.domains.set(id, { id, name: id });
}
