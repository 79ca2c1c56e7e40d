import { useSearchParams } from 'react-router';

/**
 * A screen's state kept in the address (filters, order, page), so a view can be bookmarked,
 * shared and reached with Back. `update` sets the given keys and removes those set to null or ''.
 */
export function useUrlState(): {
  params: URLSearchParams;
  update(changes: Record<string, string | null>, options?: { replace?: boolean }): void;
} {
  const [params, setParams] = useSearchParams();
  const update = (changes: Record<string, string | null>, options: { replace?: boolean } = {}) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === '') next.delete(key);
      else next.set(key, value);
    }
    setParams(next, options.replace ? { replace: true } : undefined);
  };
  return { params, update };
}
