/** How My CRM and Review say numbers, record types and match states. */

const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const whole = new Intl.NumberFormat('en-US');

export const formatUsd = (n: number | null | undefined): string => (n == null ? '—' : usd.format(n));
export const formatCount = (n: number | null | undefined): string => (n == null ? '—' : whole.format(n));

/** Affinity's record types as a person says them. */
export const affinityTypeLabel = {
  organization: 'Organization',
  person: 'Person',
  opportunity: 'Opportunity',
} as const;

/** Our dataset's entity kinds as a person says them. */
export const entityKindLabel = { company: 'Company', person: 'Person', investor: 'Investor' } as const;

/** Why matching chose a record (`matchedBy`, a candidate's `by`), as a person says it. */
export function matchedByLabel(by: string | null | undefined): string {
  switch (by) {
    case 'domain':
      return 'same domain';
    case 'name':
      return 'same name';
    case 'email':
      return 'same email';
    case 'linkedin':
      return 'same LinkedIn URL';
    case 'organization':
      return 'through its organization';
    case 'review':
      return 'linked in review';
    case 'link':
      return 'pushed from here';
    case null:
    case undefined:
      return '';
    default:
      return by;
  }
}

/** A growth percentile as a tier a venture team reads at a glance, with a colour that never says it alone. */
export function growthTier(rank: number | null): { label: string; color: string } {
  if (rank == null) return { label: 'No rank', color: 'gray' };
  if (rank >= 90) return { label: `Top ${Math.max(1, Math.round(100 - rank))}%`, color: 'teal' };
  if (rank >= 70) return { label: `Top ${Math.round(100 - rank)}%`, color: 'indigo' };
  if (rank >= 40) return { label: 'Middle', color: 'gray' };
  return { label: 'Bottom', color: 'orange' };
}
