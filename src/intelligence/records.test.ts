import { describe, expect, it } from 'vitest';
import { type ImportEntity, parseRecord } from './records.js';

/** Each column with values the fast path takes and values only the schema can judge or word. */
const companyValues: Record<string, unknown[]> = {
  domain: ['acme.com', ' https://www.Acme.co.uk/x ', 'acme', '', '   ', 42, null],
  name: ['Acme', '  Acme Inc. ', '', 'x'.repeat(1_001), 7],
  other_domains: ['a.com; b.io', 'a.com|acme.com|a.com', 'not a domain', ' ; ', '', ['x.com', 'y.org']],
  website: ['acme.com', 'https://acme.com/about/', 'http://', 'nope', ''],
  description: ['A company', 'x'.repeat(20_001), '', 12],
  hq_city: [' Berlin ', 'x'.repeat(201), ''],
  hq_country: ['Germany', ''],
  founded_year: ['1999', ' 2,001 ', '1599', '19.5', 'soon', '', 2001, ','],
  industries: [
    'Fintech;AI/ML',
    ' Fintech | Fintech ',
    Array.from({ length: 201 }, (_, k) => `i${k}`).join(';'),
    '',
  ],
  tags: ['b2b', ''],
  stage: ['Seed', 'x'.repeat(101)],
  total_funding_usd: ['12.5M', '$1,200,000', '3bn', 'lots', '-5', '', 1500],
  last_funding_date: ['2024-02-29', '2023-02-29', '2024-01-02T10:00:00Z', 'yesterday', ''],
  last_funding_amount_usd: ['1k', ''],
  last_funding_type: ['Series A', ''],
  headcount: ['120', '10000001', '-1', '1_000', ''],
  linkedin_url: [
    'linkedin.com/company/acme/',
    'https://uk.linkedin.com/in/Jane?x=1',
    'https://example.com/in/x',
    '',
  ],
  investors: ['Sequoia; a16z', ''],
};

const investorValues: Record<string, unknown[]> = {
  domain: ['sequoiacap.com', 'x', ''],
  name: ['Sequoia', ''],
  type: ['vc', 'Venture Capital', 'family_office', 'bank', ''],
  hq_city: ['Menlo Park', ''],
  investments_count: ['1,200', 'many', ''],
  notable_portfolio: ['Stripe.com; Airbnb', 'www.stripe.com|stripe.com', ''],
};

/** Every value of every column, each in an otherwise valid record, plus the column left out. */
function records(
  values: Record<string, unknown[]>,
  base: Record<string, unknown>,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [base];
  for (const [column, vs] of Object.entries(values)) {
    for (const v of vs) out.push({ ...base, [column]: v });
    const { [column]: _left, ...without } = base;
    out.push(without);
  }
  return out;
}

describe('row validation', () => {
  const cases: Array<[ImportEntity, Record<string, unknown>[]]> = [
    [
      'companies',
      records(companyValues, { domain: 'acme.com', name: 'Acme', headcount: '10', industries: 'AI' }),
    ],
    ['investors', records(investorValues, { domain: 'sequoiacap.com', name: 'Sequoia', type: 'VC' })],
  ];
  for (const [entity, recs] of cases) {
    it(`gives the same rows and errors with and without the fast path (${entity})`, () => {
      for (const record of recs) {
        expect(parseRecord(entity, record), JSON.stringify(record)).toEqual(
          parseRecord(entity, record, { fastPath: false }),
        );
      }
    });
  }

  it('names the column and value of a bad cell', () => {
    expect(parseRecord('companies', { domain: 'acme.com', name: 'Acme', headcount: 'ten' })).toEqual({
      ok: false,
      problems: [{ column: 'headcount', value: 'ten', message: 'is not a whole number of people' }],
    });
  });
});
