import { describe, expect, it } from 'vitest';
import { extractMessages, parseErrorBody, summarizeText } from './body.js';

describe('parseErrorBody', () => {
  it('parses JSON objects and bare arrays', () => {
    expect(parseErrorBody('{"message":"Person not found."}', 'application/json; charset=utf-8')).toEqual({
      message: 'Person not found.',
    });
    expect(parseErrorBody('["There exists a contact with this email address."]', 'application/json')).toEqual(
      ['There exists a contact with this email address.'],
    );
  });

  it('parses JSON-looking text even without a JSON content type', () => {
    expect(parseErrorBody(' [1,2] ', 'text/plain')).toEqual([1, 2]);
    expect(parseErrorBody('{"a":1}', null)).toEqual({ a: 1 });
  });

  it('keeps plain text and HTML as text', () => {
    expect(parseErrorBody('Bad Gateway', 'text/plain')).toBe('Bad Gateway');
    const html = '<html><head><title>503 Service Unavailable</title></head><body>x</body></html>';
    expect(parseErrorBody(html, 'text/html')).toBe(html);
  });

  it('returns null for empty bodies', () => {
    expect(parseErrorBody('', 'application/json')).toBeNull();
    expect(parseErrorBody('  \n', null)).toBeNull();
  });

  it('falls back to the text when JSON is invalid', () => {
    expect(parseErrorBody('{"message": ', 'application/json')).toBe('{"message": ');
    expect(parseErrorBody('not json', 'application/vnd.api+json')).toBe('not json');
  });
});

describe('extractMessages', () => {
  it('handles objects, arrays, text and nothing', () => {
    expect(extractMessages({ message: 'Invalid page_token variable' })).toEqual([
      'Invalid page_token variable',
    ]);
    expect(extractMessages(['a', 'b'])).toEqual(['a', 'b']);
    expect(extractMessages({ errors: { email: ['is taken'] } })).toEqual(['email: is taken']);
    expect(extractMessages({ error: 'nope', errors: [{ message: 'x' }] })).toEqual(['nope', 'x']);
    expect(extractMessages({ other: 1 })).toEqual(['{"other":1}']);
    expect(extractMessages('<html><title>Bad Gateway</title></html>')).toEqual(['Bad Gateway']);
    expect(extractMessages(null)).toEqual([]);
    expect(extractMessages('')).toEqual([]);
  });

  it('summarizes long text on one line', () => {
    const s = summarizeText(`<p>${'x'.repeat(500)}</p>\n\n`, 50);
    expect(s).toHaveLength(50);
    expect(s.endsWith('…')).toBe(true);
  });
});
