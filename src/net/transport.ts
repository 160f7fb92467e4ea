/**
 * The transport: the `fetch` a Session sends with, configured for `verify`
 * (CA bundle or no verification) and `cert` (client certificate).
 *
 * @module
 */
import { OptionError } from "../errors.ts";

/** TLS options of a Session. */
export interface TransportOptions {
  /** true (default), false (no verification) or a CA bundle path. */
  verify?: boolean | string;
  /** Client certificate path, or [certificate path, key path]. */
  cert?: string | readonly [string, string];
  /** A user-supplied fetch; used as is (TLS options are then the caller's job). */
  fetch?: typeof fetch;
}

/** A fetch-like function. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Builds the fetch function for the TLS options. With default options the
 * global fetch is used.
 */
export function createTransport(options: TransportOptions): FetchLike {
  const { verify = true, cert, fetch: custom } = options;
  if (custom) return (input, init) => custom(input, init);
  if (verify === true && cert === undefined) {
    return (input, init) => fetch(input, init);
  }
  throw new OptionError(
    "verify/cert options are not supported on this runtime yet; pass a configured `fetch`",
  );
}
