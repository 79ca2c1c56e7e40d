import { parse } from 'tldts';

/**
 * The natural key of a company or investor: its registrable domain, lowercase, without `www.` or any
 * other subdomain, public-suffix aware (`www.acme.co.uk/about` → `acme.co.uk`). Accepts a bare
 * domain, a URL or an email address. Null when there is no registrable domain on a known suffix.
 */
export function normaliseDomain(input: string): string | null {
  const s = input.trim().toLowerCase();
  if (s === '') return null;
  const p = parse(s, { allowPrivateDomains: true });
  if (!p.domain || p.isIp || !(p.isIcann || p.isPrivate)) return null;
  return p.domain;
}

/** A lowercased email address when it looks like one (`local@registrable.domain`), else null. */
export function normaliseEmail(input: string): string | null {
  const s = input.trim().toLowerCase();
  const at = s.lastIndexOf('@');
  if (at <= 0 || /\s/.test(s) || s.indexOf('@') !== at) return null;
  const host = s.slice(at + 1);
  const p = parse(host, { allowPrivateDomains: true });
  if (!p.domain || p.hostname !== host || !(p.isIcann || p.isPrivate)) return null;
  return s;
}

/**
 * A LinkedIn profile or company page in one canonical form (`https://www.linkedin.com/in/jane-doe`),
 * whatever scheme, host variant (`uk.linkedin.com`), case, query or trailing slash it came with.
 */
export function normaliseLinkedinUrl(input: string): string | null {
  const s = input.trim();
  if (s === '') return null;
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(s) ? s : `https://${s}`);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  if (host !== 'linkedin.com' && !host.endsWith('.linkedin.com')) return null;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname;
  }
  path = path.toLowerCase().replace(/\/+$/, '');
  if (!/^\/(in|company|school|pub)\/[^/]+/.test(path)) return null;
  return `https://www.linkedin.com${path}`;
}

/**
 * The natural key of a person: the first email, lowercased, or else the canonical LinkedIn URL.
 * Email first because it is what Affinity matches people on.
 */
export function personKey(emails: readonly string[], linkedinUrl: string | null | undefined): string | null {
  const email = emails[0];
  if (email) return `email:${email}`;
  if (linkedinUrl) return `linkedin:${linkedinUrl.replace('https://www.', '')}`;
  return null;
}

/** A website as an absolute URL; `acme.com` becomes `https://acme.com`. Null when it is not one. */
export function normaliseWebsite(input: string): string | null {
  const s = input.trim();
  if (s === '') return null;
  try {
    const url = new URL(/^https?:\/\//i.test(s) ? s : `https://${s}`);
    return url.hostname.includes('.') ? url.href.replace(/\/$/, '') : null;
  } catch {
    return null;
  }
}

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, bn: 1e9, t: 1e12 };

/**
 * An amount of money in whole dollars from `12500000`, `12.5M`, `$1,200,000`, `3bn` or a number.
 * Null when it is not an amount.
 */
export function parseMoney(input: unknown): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input) : null;
  if (typeof input !== 'string') return null;
  const m = /^\$?\s*([0-9][0-9,_]*(?:\.[0-9]+)?)\s*(k|m|b|bn|t)?$/i.exec(input.trim());
  if (!m?.[1]) return null;
  const n = Number(m[1].replace(/[,_]/g, ''));
  const mult = m[2] ? (SUFFIX[m[2].toLowerCase()] ?? 1) : 1;
  return Number.isFinite(n) ? Math.round(n * mult) : null;
}

/** A calendar date `YYYY-MM-DD` from a date or an ISO-8601 timestamp; null when it is not a real date. */
export function parseDate(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(input.trim());
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  const iso = d.toISOString().slice(0, 10);
  return iso === `${m[1]}-${m[2]}-${m[3]}` ? iso : null;
}

/** A list cell: a JSON array, or text separated by `;` or `|` (commas stay: names contain them). */
export function splitList(input: unknown): string[] {
  if (Array.isArray(input)) return input.map((v) => String(v).trim()).filter((v) => v !== '');
  if (typeof input !== 'string') return [];
  return input
    .split(/[;|]/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
