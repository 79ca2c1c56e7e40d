import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { intelLists, intelSavedSearches } from '../store/index.js';
import type { AppDeps } from './context.js';

/**
 * Which saved searches and lists are marked auto-push: read by `usage` and by auto-push itself, kept
 * apart from the pushing so that reading it loads no push code.
 */

export type AutoPushTargetKind = 'search' | 'list';

export const autoPushTarget = z.object({
  kind: z.enum(['search', 'list']),
  id: z.number().int(),
  name: z.string(),
  autoPush: z.boolean(),
});
export type AutoPushTarget = z.output<typeof autoPushTarget>;

/** The saved searches and lists marked auto-push. */
export async function autoPushTargets(deps: Pick<AppDeps, 'store'>): Promise<AutoPushTarget[]> {
  const db = deps.store.db;
  const searches = await db
    .select({ id: intelSavedSearches.id, name: intelSavedSearches.name })
    .from(intelSavedSearches)
    .where(eq(intelSavedSearches.autoPush, true))
    .orderBy(intelSavedSearches.name);
  const lists = await db
    .select({ id: intelLists.id, name: intelLists.name })
    .from(intelLists)
    .where(eq(intelLists.autoPush, true))
    .orderBy(intelLists.name);
  return [
    ...searches.map((s) => ({ kind: 'search' as const, id: s.id, name: s.name, autoPush: true })),
    ...lists.map((l) => ({ kind: 'list' as const, id: l.id, name: l.name, autoPush: true })),
  ];
}
