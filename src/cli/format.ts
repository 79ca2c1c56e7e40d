/**
 * Small wording helpers for command output, so counts and articles read as English:
 * "1 record", "2 records", "an organization", "a person".
 */

const irregular: Record<string, string> = {
  person: 'people',
  entry: 'entries',
  company: 'companies',
  opportunity: 'opportunities',
  property: 'properties',
  'list entry': 'list entries',
};

/** The plural of a noun: irregular ones from a short table, else `-s` (`-es` after s, x, ch, sh). */
export function pluralOf(word: string): string {
  const known = irregular[word];
  if (known !== undefined) return known;
  if (/(s|x|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/**
 * `n word` with the word in the singular for exactly 1 and the plural otherwise: `plural(1,
 * 'record')` → "1 record", `plural(2, 'read')` → "2 reads". Numbers of 1,000 and more get
 * thousands separators. `many` overrides the plural form.
 */
export function plural(n: number, word: string, many?: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : (many ?? pluralOf(word))}`;
}

/** The indefinite article for `word`: "an organization", "an investor", "a person", "a URL". */
export function article(word: string): string {
  // Words read letter by letter or starting with a "yoo" sound take "a" despite their vowel.
  const a = /^(u[bcfhjkqrstn][aeiou]|use|uni|eu|one|url\b)/i.test(word)
    ? 'a'
    : /^[aeiou]/i.test(word)
      ? 'an'
      : 'a';
  return `${a} ${word}`;
}
