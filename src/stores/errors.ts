/**
 * The error a store throws for an entry it cannot read.
 *
 * @module
 */
import { OsAuthError } from "../errors.ts";

/**
 * A stored entry could not be read: corrupted, truncated, written by
 * something else, or encrypted with another key (or without one). Identity
 * plugins ignore such an entry (with a debug log line) and overwrite it; a
 * store of your own may throw it for the same effect.
 */
export class StateEntryUnreadable extends OsAuthError {}
