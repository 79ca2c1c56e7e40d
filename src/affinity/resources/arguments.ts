import { AffinityError } from '../core/errors.js';
import { isIsoTimestamp } from '../schemas/common.js';
import type { HttpMethod } from '../transport.js';

/**
 * Local checks of request arguments. Affinity answers 422 to these mistakes; catching them before
 * sending saves an API call (the scarce resource) and gives a message that names the argument.
 */

/**
 * An argument that Affinity would reject, found before anything was sent. It is an
 * {@link AffinityError} (without `status`) so one `catch` handles local and remote rejections.
 */
export class AffinityArgumentError extends AffinityError {
  override name = 'AffinityArgumentError';
  /** The offending argument, e.g. `end_time`. */
  readonly argument: string;
  constructor(endpoint: string, argument: string, problem: string) {
    const method = endpoint.split(' ')[0] as HttpMethod;
    super({ message: `${endpoint}: ${argument} ${problem}`, endpoint, method, body: null });
    this.argument = argument;
  }
}

/** Exactly one of the keys of `T` set, the others absent: the reference's "custom*" groups. */
export type ExactlyOne<T> = {
  [K in keyof T]: Required<Pick<T, K>> & { [O in Exclude<keyof T, K>]?: never };
}[keyof T];

/** A timestamp argument: an ISO-8601 string or a `Date` (sent as UTC ISO-8601). */
export type DateInput = string | Date;

/** Throws unless `value` is a positive integer id; returns it. */
export function checkId(endpoint: string, name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new AffinityArgumentError(endpoint, name, `must be a positive integer id, got ${String(value)}`);
  }
  return value;
}

/** Checks an optional id. */
export function checkOptionalId(
  endpoint: string,
  name: string,
  value: number | undefined,
): number | undefined {
  return value === undefined ? undefined : checkId(endpoint, name, value);
}

/** Checks every id of an optional id array. */
export function checkIds(
  endpoint: string,
  name: string,
  values: readonly number[] | undefined,
): number[] | undefined {
  if (values === undefined) return undefined;
  return values.map((v, i) => checkId(endpoint, `${name}[${i}]`, v));
}

/** Throws unless `value` is one of `allowed`. */
export function checkCode<T extends number>(
  endpoint: string,
  name: string,
  value: T,
  allowed: readonly number[],
): T {
  if (!allowed.includes(value)) {
    throw new AffinityArgumentError(
      endpoint,
      name,
      `must be one of ${allowed.join(', ')}, got ${String(value)}`,
    );
  }
  return value;
}

/** Checks an optional code. */
export function checkOptionalCode<T extends number>(
  endpoint: string,
  name: string,
  value: T | undefined,
  allowed: readonly number[],
): T | undefined {
  return value === undefined ? undefined : checkCode(endpoint, name, value, allowed);
}

/** Throws unless an optional `page_size` is a positive integer. */
export function checkPageSize(endpoint: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AffinityArgumentError(
      endpoint,
      'page_size',
      `must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

/** The ISO-8601 string of a timestamp argument; throws for strings `Date.parse` cannot read. */
export function toIso(endpoint: string, name: string, value: DateInput): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new AffinityArgumentError(endpoint, name, 'is an invalid Date');
    return value.toISOString();
  }
  if (!isIsoTimestamp(value)) {
    throw new AffinityArgumentError(
      endpoint,
      name,
      `must be an ISO-8601 timestamp, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** {@link toIso} for optional arguments. */
export function toOptionalIso(
  endpoint: string,
  name: string,
  value: DateInput | undefined,
): string | undefined {
  return value === undefined ? undefined : toIso(endpoint, name, value);
}

/**
 * Throws unless exactly one (or, with `atMostOne`, at most one) of `names` is set in `params`.
 * Used where the reference marks a group of parameters "custom*".
 */
export function checkOneOf(
  endpoint: string,
  params: object,
  names: readonly string[],
  mode: 'exactlyOne' | 'atMostOne' = 'exactlyOne',
): void {
  const record = params as Record<string, unknown>;
  const given = names.filter((n) => record[n] !== undefined && record[n] !== null);
  if (given.length > 1) {
    throw new AffinityArgumentError(
      endpoint,
      given.join('/'),
      `are mutually exclusive; give only one of ${names.join(', ')}`,
    );
  }
  if (mode === 'exactlyOne' && given.length === 0) {
    throw new AffinityArgumentError(endpoint, names.join('/'), `missing: give one of ${names.join(', ')}`);
  }
}

/** Drops `undefined` members so bodies carry only what the caller set. */
export function compact(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out;
}

/** Throws unless a required string argument has visible content. */
export function checkNonEmpty(endpoint: string, name: string, value: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AffinityArgumentError(endpoint, name, 'must be a non-empty string');
  }
  return value;
}
