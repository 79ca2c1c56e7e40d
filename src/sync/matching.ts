/**
 * Matching our records to Affinity records ("search term" rules). Pure: the normalisers and the
 * candidate index take what Affinity returned (a per-record search or the whole index, paged) and
 * decide. Expected outcomes are values: matched, no match, or ambiguous — several equally good
 * candidates, which a push never guesses between.
 */
import { normaliseDomain, normaliseEmail } from '../intelligence/index.js';

export { normaliseDomain, normaliseEmail };

/** A name as compared for an exact match: Unicode-normalised, case-folded, spaces collapsed. */
export function normaliseName(input: string | null | undefined): string | null {
  if (input === null || input === undefined) return null;
  const s = input.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  return s === '' ? null : s;
}

/** A person's full name from Affinity's two parts, normalised like {@link normaliseName}. */
export function fullName(first: string | null | undefined, last: string | null | undefined): string | null {
  return normaliseName([first ?? '', last ?? ''].join(' '));
}

/** Splits a full name into Affinity's first and last name (last word is the last name). */
export function splitName(name: string): { first_name: string; last_name: string } {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length <= 1) return { first_name: parts[0] ?? name.trim(), last_name: '' };
  return { first_name: parts.slice(0, -1).join(' '), last_name: parts[parts.length - 1] as string };
}

/** What matched a record, or why nothing did. */
export type MatchKey = 'domain' | 'email' | 'name';
export type MatchResult =
  | { code: 'matched'; affinityId: number; by: MatchKey }
  | { code: 'none' }
  | { code: 'ambiguous'; by: MatchKey; candidates: number[] };

/** An organization as matching needs it (search results and full pages both carry these). */
export interface OrgCandidate {
  id: number;
  name: string | null;
  domain?: string | null | undefined;
  domains?: readonly string[] | undefined;
}

/** A person as matching needs it; `current_organization_ids` comes with `with_current_organizations`. */
export interface PersonCandidate {
  id: number;
  first_name: string | null;
  last_name: string | null;
  emails?: readonly string[] | undefined;
  primary_email?: string | null | undefined;
  current_organization_ids?: readonly number[] | undefined;
  organization_ids?: readonly number[] | undefined;
}

/** An opportunity (an entry of the opportunity list) as matching needs it. */
export interface OpportunityCandidate {
  id: number;
  name: string | null;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) {
    if (!a.includes(v)) a.push(v);
  } else m.set(k, [v]);
}

function decide(ids: readonly number[] | undefined, by: MatchKey): MatchResult | null {
  if (!ids || ids.length === 0) return null;
  if (ids.length === 1) return { code: 'matched', affinityId: ids[0] as number, by };
  return { code: 'ambiguous', by, candidates: [...ids].sort((a, b) => a - b) };
}

function orgDomains(o: OrgCandidate): string[] {
  const out = new Set<string>();
  for (const d of [o.domain ?? null, ...(o.domains ?? [])]) {
    const n = d ? normaliseDomain(d) : null;
    if (n) out.add(n);
  }
  return [...out];
}

/**
 * Organizations by normalised domain and by exact name. Companies and investors match by domain,
 * then by exact name — but a name match never takes an organization whose domain is another one:
 * that is a different company of the same name.
 */
export class OrganizationIndex {
  readonly #byDomain = new Map<string, number[]>();
  readonly #byName = new Map<string, number[]>();
  readonly #domainsOf = new Map<number, string[]>();

  add(orgs: Iterable<OrgCandidate>): this {
    for (const o of orgs) {
      const domains = orgDomains(o);
      this.#domainsOf.set(o.id, domains);
      for (const d of domains) push(this.#byDomain, d, o.id);
      const n = normaliseName(o.name);
      if (n) push(this.#byName, n, o.id);
    }
    return this;
  }

  match(record: { domain?: string | null | undefined; name?: string | null | undefined }): MatchResult {
    const domain = record.domain ? normaliseDomain(record.domain) : null;
    if (domain) {
      const byDomain = decide(this.#byDomain.get(domain), 'domain');
      if (byDomain) return byDomain;
    }
    const name = normaliseName(record.name);
    if (name) {
      const ids = (this.#byName.get(name) ?? []).filter((id) => {
        const ds = this.#domainsOf.get(id) ?? [];
        return ds.length === 0 || domain === null || ds.includes(domain);
      });
      const byName = decide(ids, 'name');
      if (byName) return byName;
    }
    return { code: 'none' };
  }
}

/**
 * Persons by any email, then by exact full name together with the current company's organization
 * (a name alone is too weak for people).
 */
export class PersonIndex {
  readonly #byEmail = new Map<string, number[]>();
  readonly #byName = new Map<string, Array<{ id: number; orgs: readonly number[] }>>();

  add(persons: Iterable<PersonCandidate>): this {
    for (const p of persons) {
      for (const e of [p.primary_email ?? null, ...(p.emails ?? [])]) {
        const n = e ? normaliseEmail(e) : null;
        if (n) push(this.#byEmail, n, p.id);
      }
      const n = fullName(p.first_name, p.last_name);
      if (n) {
        const orgs = [...(p.current_organization_ids ?? []), ...(p.organization_ids ?? [])];
        const list = this.#byName.get(n) ?? [];
        if (!list.some((x) => x.id === p.id)) list.push({ id: p.id, orgs });
        this.#byName.set(n, list);
      }
    }
    return this;
  }

  match(record: {
    emails: readonly string[];
    name?: string | null | undefined;
    companyOrganizationId?: number | null | undefined;
  }): MatchResult {
    const ids = new Set<number>();
    for (const e of record.emails) {
      const n = normaliseEmail(e);
      for (const id of n ? (this.#byEmail.get(n) ?? []) : []) ids.add(id);
    }
    const byEmail = decide([...ids], 'email');
    if (byEmail) return byEmail;
    const name = normaliseName(record.name);
    const org = record.companyOrganizationId;
    if (name && org) {
      const same = (this.#byName.get(name) ?? []).filter((x) => x.orgs.includes(org)).map((x) => x.id);
      const byName = decide(same, 'name');
      if (byName) return byName;
    }
    return { code: 'none' };
  }
}

/** Opportunities of one list by exact name. */
export class OpportunityIndex {
  readonly #byName = new Map<string, number[]>();

  add(opps: Iterable<OpportunityCandidate>): this {
    for (const o of opps) {
      const n = normaliseName(o.name);
      if (n) push(this.#byName, n, o.id);
    }
    return this;
  }

  match(record: { name?: string | null | undefined }): MatchResult {
    const n = normaliseName(record.name);
    return (n ? decide(this.#byName.get(n), 'name') : null) ?? { code: 'none' };
  }
}
