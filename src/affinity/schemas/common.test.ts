import { describe, expect, it } from 'vitest';
import { fieldValueValueSchema, isIsoTimestamp, timestampSchema } from './common.js';
import { interactionSchema } from './interactions.js';
import { listEntrySchema } from './list-entries.js';
import { notePageSchema } from './notes.js';
import { personSchema } from './persons.js';

describe('timestamps', () => {
  it('accepts every ISO-8601 form Affinity sends and keeps the string as sent', () => {
    for (const s of [
      '2021-09-12T16:29:15.962Z',
      '2017-03-28T00:38:41.275-08:00',
      '2020-04-11T15:46:50.963123-07:00',
      '2021-01-01T00:00:00',
      '2021-11-30',
    ]) {
      expect(timestampSchema.parse(s)).toBe(s);
    }
  });

  it('rejects what is not a date, including numbers Date.parse would read as a year', () => {
    for (const s of ['yesterday', '12345', '', '2021-13-45T00:00:00Z']) expect(isIsoTimestamp(s)).toBe(false);
  });
});

describe('field value values', () => {
  it('tells a ranked dropdown option from a location and keeps the other kinds', () => {
    expect(fieldValueValueSchema.parse({ id: 1, text: 'Low', rank: 1, color: 4 })).toEqual({
      id: 1,
      text: 'Low',
      rank: 1,
      color: 4,
    });
    const location = { street_address: null, city: 'Paris', state: null, country: 'France', continent: null };
    expect(fieldValueValueSchema.parse(location)).toEqual(location);
    expect(fieldValueValueSchema.parse(5000.5)).toBe(5000.5);
    expect(fieldValueValueSchema.parse('2026-01-15T08:00:00.000-08:00')).toBe(
      '2026-01-15T08:00:00.000-08:00',
    );
    expect(fieldValueValueSchema.parse(null)).toBeNull();
    expect(fieldValueValueSchema.safeParse([1, 2]).success).toBe(false);
  });
});

describe('lenient but checked', () => {
  it('unknown keys pass through; a wrong type on a known key fails', () => {
    const entry = {
      id: 1,
      list_id: 2,
      creator_id: null,
      entity_id: 3,
      created_at: '2021-01-01T00:00:00Z',
      extra: 1,
    };
    expect(listEntrySchema.parse(entry)).toEqual(entry);
    expect(listEntrySchema.safeParse({ ...entry, entity_id: '3' }).success).toBe(false);
  });

  it('a person of a type the reference does not list still parses', () => {
    const p = { id: 1, type: 2, first_name: 'A', last_name: null, primary_email: null, emails: [] };
    expect(personSchema.parse(p)).toEqual(p);
  });

  it('interactions are told apart by type; an unknown type fails', () => {
    expect(interactionSchema.parse({ id: 1, type: 1, date: '2021-01-01' }).type).toBe(1);
    expect(interactionSchema.safeParse({ id: 1, type: 7, date: '2021-01-01' }).success).toBe(false);
  });

  it('notes: a bare array and the paged object normalise to the same page', () => {
    expect(notePageSchema.parse([])).toEqual({ notes: [], next_page_token: null });
    expect(notePageSchema.parse({ notes: [], next_page_token: 'x' })).toEqual({
      notes: [],
      next_page_token: 'x',
    });
  });
});
