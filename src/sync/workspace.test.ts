import { describe, expect, it } from 'vitest';
import { closeNames, didYouMean, editDistance } from './workspace.js';

describe('did you mean', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('job title', 'job titles')).toBe(1);
    expect(editDistance('stage', 'stgae')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('website', 'website')).toBe(0);
  });

  it('suggests only close names, the closest first, case and spaces aside', () => {
    const fields = ['Job Titles', 'Location', 'Industry', 'LinkedIn URL'];
    expect(didYouMean('Job Title', fields)).toBe('; did you mean "Job Titles"?');
    expect(didYouMean('Headcount', fields)).toBe('');
    expect(closeNames('Tag', ['Tags', 'Tab', 'Stage'])).toEqual(['Tags', 'Tab']);
    expect(closeNames('Industries', ['Industry'])).toEqual([]);
    expect(closeNames('Job Title', ['Job Titles'], 0)).toEqual([]);
  });
});
