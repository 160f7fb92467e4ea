/**
 * Internal: a plugin's credentials as they are now, read without awaiting.
 *
 * `AuthPlugin`'s methods are asynchronous because a plugin may have to
 * authenticate first. Once it holds valid credentials, every request would
 * still go through several promise chains (`getHeaders`, `getEndpoint`,
 * `getTrustedOrigins`) only to read cached values. The plugins of this
 * package register a synchronous reader here; the Session uses it when it
 * answers and falls back to the asynchronous methods when it does not (no
 * token yet, or one about to expire). Not part of the public API: the values
 * are the same as the asynchronous methods give.
 *
 * @module
 */
import type { AuthPlugin, EndpointFilter } from "../types.ts";

/** What a plugin holds now. */
export interface CurrentAuth {
  /** Exactly what `getHeaders` gives now (not to be modified). */
  readonly headers: Readonly<Record<string, string>>;
  /** Exactly what `getTrustedOrigins` gives now: a frozen list, the same one while the credentials last. */
  readonly trustedOrigins: readonly string[];
  /** What `getEndpoint` gives for a filter now (it may throw as that does). */
  endpoint(filter: EndpointFilter): string | undefined;
}

/** Reads a plugin's current credentials, or `undefined` when only the asynchronous methods can. */
export type CurrentAuthReader = (now: () => number) => CurrentAuth | undefined;

/** A frozen empty origins list: a plugin that trusts no origin of its own. */
export const NO_ORIGINS: readonly string[] = Object.freeze([]);

const READERS = new WeakMap<object, CurrentAuthReader>();

/** Registers `plugin`'s reader (called by the plugins' constructors). */
export function registerCurrentAuth(plugin: object, reader: CurrentAuthReader): void {
  READERS.set(plugin, reader);
}

/** `plugin`'s current credentials when it can give them without awaiting. */
export function currentAuth(plugin: object, now: () => number): CurrentAuth | undefined {
  return READERS.get(plugin)?.(now);
}

/**
 * Registers a plugin whose credentials never change: `current` always,
 * unless a subclass or the instance replaced one of the methods the values
 * stand for (`proto` holds the class's own).
 */
export function registerFixedAuth(
  plugin: AuthPlugin,
  proto: AuthPlugin,
  current: CurrentAuth,
): void {
  registerCurrentAuth(
    plugin,
    () =>
      plugin.getHeaders === proto.getHeaders && plugin.getEndpoint === proto.getEndpoint &&
        plugin.getTrustedOrigins === proto.getTrustedOrigins
        ? current
        : undefined,
  );
}

/** Plugins whose headers are no credential (NoAuth's `notused`) -> their class's prototype. */
const NO_CREDENTIALS = new WeakMap<object, AuthPlugin>();

/**
 * Registers `plugin` as sending no credential (called by `NoAuth`): its
 * requests go to any origin, as long as neither a subclass nor the instance
 * replaced `getHeaders` (`proto` holds the class's own).
 */
export function registerNoCredentials(plugin: AuthPlugin, proto: AuthPlugin): void {
  NO_CREDENTIALS.set(plugin, proto);
}

/** Whether `plugin` sends no credential (see {@linkcode registerNoCredentials}). */
export function sendsNoCredentials(plugin: AuthPlugin): boolean {
  const proto = NO_CREDENTIALS.get(plugin);
  return proto !== undefined && plugin.getHeaders === proto.getHeaders;
}
