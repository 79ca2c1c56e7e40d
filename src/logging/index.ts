import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths that may carry secrets anywhere in a log object. pino censors them before serialising,
 * so an API key can never reach a log line, whatever a caller passes in.
 */
export const redactedPaths = [
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'password',
  '*.password',
  'currentPassword',
  '*.currentPassword',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'csrfToken',
  '*.csrfToken',
  'cookie',
  '*.cookie',
  'headers.cookie',
  '*.headers.cookie',
  'headers["x-csrf-token"]',
  '*.headers["x-csrf-token"]',
  'headers["set-cookie"]',
  '*.headers["set-cookie"]',
];

/** The product's logger: JSON lines on stderr (stdout stays clean for `--json` output). */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    { level, base: null, redact: { paths: redactedPaths, censor: '[redacted]' } },
    destination as pino.DestinationStream,
  );
}
