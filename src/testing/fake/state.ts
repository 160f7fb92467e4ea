/**
 * What a fake cloud knows: its users, projects, credentials, services, the
 * tokens and receipts it issued and the faults injected
 * ({@linkcode CloudState}), and how a request's token is checked.
 *
 * @module
 */
import { randomBase64Url, randomHex } from "../_util.ts";
import { FakeHttpError, UNAUTHORIZED_MESSAGE } from "./http.ts";
import type {
  FakeApplicationCredential,
  FakeCloudStats,
  FakeDomain,
  FakeFault,
  FakeInterface,
  FakeListItem,
  FakeMicroversions,
  FakeRequestRecord,
  FakeTokenInfo,
  FakeTrust,
  FakeUser,
  FakeVersion,
} from "./types.ts";

/** A token the cloud issued. */
export interface TokenRecord {
  id: string;
  version: 2 | 3;
  userId: string;
  methods: string[];
  issuedAt: number;
  expiresAt: number;
  auditId: string;
  auditChainId: string | undefined;
  projectId: string | undefined;
  domainId: string | undefined;
  system: boolean;
  trustId: string | undefined;
  appCredId: string | undefined;
  roles: string[];
  revoked: boolean;
}

/** A service as the cloud serves it (its options normalised). */
export interface ServiceDef {
  type: string;
  name: string | undefined;
  id: string;
  path: string;
  identity: boolean;
  versions: FakeVersion[] | undefined;
  versionsStatus: number;
  microversions: FakeMicroversions | undefined;
  legacyHeader: string | undefined;
  catalogVersionPath: string | undefined;
  regions: string[];
  interfaces: FakeInterface[];
  /** Paginated lists by name (`FakeCloudOptions.lists` of this service type). */
  lists: Map<string, FakeListItem[]>;
}

/** Where a request's URL points: origin, region, interface and the path after them. */
export interface Route {
  origin: string;
  region: string;
  iface: FakeInterface;
  /** Path without region/interface prefix. */
  path: string;
  /** origin + region/interface prefix. */
  base: string;
}

/** An injected fault and how often it has answered. */
export interface FaultState {
  fault: FakeFault;
  remaining: number;
  hits: number;
}

/** An auth receipt: the methods a user already passed. */
export interface FakeReceipt {
  userId: string;
  methods: string[];
  expiresAt: number;
}

/** The request counters behind {@linkcode FakeCloudStats}. */
export class StatsImpl implements FakeCloudStats {
  tokenRequests = 0;
  requests: FakeRequestRecord[] = [];
  reset(): void {
    this.tokenRequests = 0;
    this.requests = [];
  }
}

/**
 * Everything a {@linkcode FakeCloud} knows and remembers, shared by the
 * modules that answer its requests (built by `setup.ts`).
 */
export interface CloudState {
  /** Users by id. */
  users: Map<string, FakeUser>;
  /** Domains by id. */
  domains: Map<string, FakeDomain>;
  /** Projects by id. */
  projects: Map<string, { id: string; name: string; domainId: string }>;
  /** Application credentials by id. */
  appCreds: Map<string, FakeApplicationCredential>;
  /** Trusts by id. */
  trusts: Map<string, FakeTrust>;
  /** Every service, Keystone first. */
  services: ServiceDef[];
  /** Keystone. */
  identity: ServiceDef;
  /** Tokens issued, by id. */
  tokens: Map<string, TokenRecord>;
  /** Auth receipts issued, by id. */
  receipts: Map<string, FakeReceipt>;
  /** Injected faults, in order. */
  faults: FaultState[];
  /** Pending fault delays (see `faults.ts`). */
  stalls: Set<() => void>;
  /** Whether Keystone v2.0 is served. */
  v2: boolean;
  /** Whether Keystone v3 is served. */
  v3: boolean;
  /** Token lifetime. */
  ttlMs: number;
  /** The clock (ms since the epoch). */
  now: () => number;
  /** Token id format. */
  format: "fernet" | "uuid";
  /** The region whose URLs have no `/region/<name>` prefix. */
  primaryRegion: string;
  /** Request counters. */
  stats: StatsImpl;
}

/** The valid token of `X-Auth-Token`; a 401 otherwise. */
export function requireAuth(s: CloudState, req: Request): TokenRecord {
  const record = validToken(s, req.headers.get("X-Auth-Token"));
  if (!record) throw new FakeHttpError(401, UNAUTHORIZED_MESSAGE);
  return record;
}

/** The token `id` names when it is known, not revoked and (unless `allowExpired`) not expired. */
export function validToken(
  s: CloudState,
  id: string | null | undefined,
  allowExpired = false,
): TokenRecord | undefined {
  if (!id) return undefined;
  const record = s.tokens.get(id);
  if (!record || record.revoked) return undefined;
  if (!allowExpired && s.now() >= record.expiresAt) return undefined;
  return record;
}

/** Whether a token has a project, domain or system scope. */
export function isScoped(r: TokenRecord): boolean {
  return r.projectId !== undefined || r.domainId !== undefined || r.system;
}

/** A new token id in the cloud's format (fernet-like or uuid). */
export function newTokenId(s: CloudState): string {
  return s.format === "uuid" ? randomHex(16) : `gAAAAAB${randomBase64Url(138)}`;
}

/** A token as {@linkcode FakeCloud.tokens} shows it: the id non-enumerable, so not logged. */
export function tokenInfo(r: TokenRecord): FakeTokenInfo {
  const info = {
    version: r.version,
    userId: r.userId,
    projectId: r.projectId,
    domainId: r.domainId,
    system: r.system,
    trustId: r.trustId,
    applicationCredentialId: r.appCredId,
    methods: [...r.methods],
    roles: [...r.roles],
    issuedAt: new Date(r.issuedAt),
    expiresAt: new Date(r.expiresAt),
    revoked: r.revoked,
  };
  Object.defineProperty(info, "id", { value: r.id, enumerable: false });
  return Object.freeze(info) as unknown as FakeTokenInfo;
}
