import { z } from 'zod';

/**
 * The one configuration schema of the product. Only the CLI entry reads the environment and
 * flags; it calls {@link loadConfig} once and hands the typed result to everything else.
 */
const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const configSchema = z.object({
  /** Affinity API key. Absent: the product runs against its built-in emulator. */
  affinityApiKey: optionalString,
  /** Affinity base URL. Absent with no key: the built-in emulator; absent with a key: the real API. */
  affinityBaseUrl: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** How the key is sent: HTTP Basic (Affinity's documented way) or Bearer. */
  affinityAuth: z.enum(['basic', 'bearer']).default('basic'),
  /** Client-side request budget per minute for one API key (Affinity allows 900). */
  affinityRatePerMinute: intFrom(1, 100_000).default(900),
  /** Concurrent requests in flight for one API key. */
  affinityMaxConcurrent: intFrom(1, 64).default(8),
  /** Per-request timeout in milliseconds. */
  affinityTimeoutMs: intFrom(100, 600_000).default(30_000),
  /** PostgreSQL connection string. Absent: embedded PGlite in `dataDir`. */
  databaseUrl: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  /** Where embedded data (PGlite, key file) lives. */
  dataDir: z.string().min(1).default('./.affinity-sync'),
  /** Master secret for encrypting stored API keys. Absent: a generated key file in `dataDir`. */
  secret: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /** Which stored Affinity connection commands use (`connect --connection NAME` stores others). */
  connection: optionalString.transform((v) => v ?? 'default'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  host: z.string().min(1).default('127.0.0.1'),
  port: intFrom(0, 65_535).default(3000),
});

export type Config = z.output<typeof configSchema>;

/** Where each configuration key comes from in the environment. */
export const envNames: Record<keyof Config, string> = {
  affinityApiKey: 'AFFINITY_API_KEY',
  affinityBaseUrl: 'AFFINITY_BASE_URL',
  affinityAuth: 'AFFINITY_AUTH',
  affinityRatePerMinute: 'AFFINITY_RATE_PER_MINUTE',
  affinityMaxConcurrent: 'AFFINITY_MAX_CONCURRENT',
  affinityTimeoutMs: 'AFFINITY_TIMEOUT_MS',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'AFFINITY_SYNC_DATA_DIR',
  secret: 'AFFINITY_SYNC_SECRET',
  connection: 'AFFINITY_SYNC_CONNECTION',
  logLevel: 'LOG_LEVEL',
  host: 'HOST',
  port: 'PORT',
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Where each configured value came from: a flag (`--base-url`) or a variable (`AFFINITY_BASE_URL`). */
const sources = new WeakMap<Config, Partial<Record<keyof Config, string>>>();

/**
 * The flag or environment variable that set `key` in `config`, or undefined when it holds its
 * default, so a message can name what the user actually typed.
 */
export function configSource(config: Config, key: keyof Config): string | undefined {
  return sources.get(config)?.[key];
}

/**
 * Builds the configuration from the environment, with flags taking precedence.
 * Every problem is reported at once in one {@link ConfigError}, each naming its variable or flag:
 * `flagNames` gives the flag a key is set by (`affinityBaseUrl` → `--base-url`); a key without one
 * is named `--` + its kebab-case name.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  flags: Partial<Record<keyof Config, unknown>> = {},
  flagNames: Partial<Record<keyof Config, string>> = {},
): Config {
  const raw: Record<string, unknown> = {};
  const from: Partial<Record<keyof Config, string>> = {};
  const flagOf = (key: keyof Config) => flagNames[key] ?? `--${kebab(key)}`;
  for (const [key, name] of Object.entries(envNames) as [keyof Config, string][]) {
    const fromFlag = flags[key];
    const value = fromFlag !== undefined ? fromFlag : env[name];
    if (value === undefined) continue;
    raw[key] = value;
    if (typeof value !== 'string' || value.trim() !== '')
      from[key] = fromFlag !== undefined ? flagOf(key) : name;
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) {
    sources.set(parsed.data, from);
    return parsed.data;
  }
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path[0] as keyof Config | undefined;
    const source = key === undefined ? 'config' : flags[key] !== undefined ? flagOf(key) : envNames[key];
    const value = key === undefined ? undefined : raw[key];
    const shown = key === 'affinityApiKey' || key === 'secret' ? '(hidden)' : JSON.stringify(value);
    return `${source}=${shown}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
