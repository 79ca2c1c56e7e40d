import { z } from 'zod';
import {
  createFromRecord,
  crmCounts,
  ignoreRecord,
  linkRecord,
  type ReviewCounts,
  type ReviewItem,
  type ReviewOutcome,
  reviewCounts,
  reviewQueue,
} from '../sync/pull/index.js';
import { notifyDataChanged } from './auto-push.js';
import { type AppContext, AppError, parseInput } from './context.js';
import { pulledListOf, readScope } from './crm.js';

/**
 * Review: the My CRM records matching could not settle (unmatched, or ambiguous with candidates),
 * and the decisions that settle them for good — link (to a candidate or any dataset entity by id
 * or key), create the entity from the record, or ignore. Decisions live on the record, so later
 * pulls keep them. Any signed-in user may review; it reads and writes only the store.
 */

/** The most a page of the queue reaches into it (offset + limit). */
const QUEUE_WINDOW = 1_000_000;

export const reviewInput = z.object({
  list: z
    .union([z.string().trim().min(1, 'name a pulled list (id or name)').max(500), z.number().int()])
    .optional()
    .describe('only records on this pulled Affinity list (its id or name)'),
  limit: z.coerce.number().int().min(1).max(QUEUE_WINDOW).default(100),
  offset: z.coerce.number().int().min(0).max(QUEUE_WINDOW).default(0),
});

const pulledListSchema = z.object({ id: z.number(), name: z.string() });
export const reviewItemSchema = z.object({
  crmId: z.number(),
  affinityType: z.enum(['organization', 'person', 'opportunity']),
  affinityId: z.number(),
  name: z.string(),
  domains: z.array(z.string()),
  emails: z.array(z.string()),
  status: z.enum(['ambiguous', 'unmatched']),
  candidates: z.array(
    z.object({
      kind: z.enum(['company', 'person', 'investor']),
      id: z.number(),
      name: z.string(),
      by: z.string().describe('what matched: domain, email, name, linkedin…'),
    }),
  ),
  lists: z.array(z.string()),
});
export const reviewResult = z.object({
  list: pulledListSchema.optional(),
  counts: z.object({
    toSettle: z.number(),
    unmatched: z.number(),
    ambiguous: z.number(),
    showing: z.number(),
  }),
  filter: z.object({ list: pulledListSchema.optional(), limit: z.number(), offset: z.number() }),
  scope: z.enum(['connection', 'every connection']),
  /** False when no list has been pulled yet. */
  pulled: z.boolean(),
  items: z.array(reviewItemSchema),
});
export interface ReviewResult {
  list?: { id: number; name: string };
  counts: ReviewCounts & { showing: number };
  filter: { list?: { id: number; name: string }; limit: number; offset: number };
  scope: 'connection' | 'every connection';
  pulled: boolean;
  items: ReviewItem[];
}

/** The review queue (ambiguous first), optionally on one pulled list, a page at a time, with its counts. */
export async function listReview(ctx: AppContext, input: z.input<typeof reviewInput>): Promise<ReviewResult> {
  const i = parseInput(reviewInput, input);
  if (i.offset + i.limit > QUEUE_WINDOW)
    throw new AppError('bad_request', `offset + limit: at most ${QUEUE_WINDOW}`, {
      issues: [{ field: 'offset', message: `offset + limit must be at most ${QUEUE_WINDOW}` }],
    });
  const store = ctx.deps.store;
  const { connectionId } = await readScope(store, ctx.deps.config);
  const list = i.list === undefined ? undefined : await pulledListOf(store, connectionId, i.list);
  const filter = list === undefined ? {} : { list: list.id };
  // The queue reads in its own order; a page is a window of it.
  const items = (await reviewQueue(store, connectionId, { ...filter, limit: i.offset + i.limit })).slice(
    i.offset,
  );
  const counts = { ...(await reviewCounts(store, connectionId, filter)), showing: items.length };
  const pulled = list !== undefined || (await crmCounts(store, connectionId)).lists > 0;
  return {
    ...(list ? { list } : {}),
    counts,
    filter: { ...(list ? { list } : {}), limit: i.limit, offset: i.offset },
    scope: connectionId === undefined ? 'every connection' : 'connection',
    pulled,
    items,
  };
}

export const reviewDecisionSchema = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('link'),
    entity: z
      .string()
      .trim()
      .min(1)
      .max(2048)
      .describe('company:ID, investor:ID, person:ID, a bare id, a domain, an email or a LinkedIn URL'),
  }),
  z.object({
    decision: z.literal('create'),
    as: z
      .enum(['company', 'investor'])
      .optional()
      .describe('for organizations: company (default) or investor'),
  }),
  z.object({ decision: z.literal('ignore') }),
]);
export const decideReviewInput = z.intersection(
  z.object({ crmId: z.number().int().min(0) }),
  reviewDecisionSchema,
);

export const reviewDecided = z.object({
  ok: z.literal(true),
  crmId: z.number(),
  decision: z.enum(['linked', 'ignored', 'created']),
  kind: z.enum(['company', 'person', 'investor']).optional(),
  entityId: z.number().optional(),
});
export type ReviewDecided = Extract<ReviewOutcome, { ok: true }>;

/**
 * Settles one record for good: `link` it to a dataset entity, `create` the entity from it, or
 * `ignore` it. An unknown record is `not_found`; an entity that cannot be used is a `bad_request`
 * naming `entity`; a record that cannot become an entity (no domain, email or LinkedIn URL; an
 * opportunity) is a `conflict`.
 */
export async function decideReview(
  ctx: AppContext,
  input: z.input<typeof decideReviewInput>,
): Promise<ReviewDecided> {
  const i = parseInput(decideReviewInput, input);
  const store = ctx.deps.store;
  const { connectionId } = await readScope(store, ctx.deps.config);
  const outcome =
    i.decision === 'link'
      ? await linkRecord(store, connectionId, i.crmId, i.entity)
      : i.decision === 'ignore'
        ? await ignoreRecord(store, connectionId, i.crmId)
        : await createFromRecord(store, connectionId, i.crmId, i.as === undefined ? {} : { as: i.as });
  if (outcome.ok) {
    // A record created from review is new data: auto-push targets it matches push it.
    if (outcome.decision === 'created')
      await notifyDataChanged(ctx.deps, `record created from review (${outcome.kind ?? 'record'})`);
    return outcome;
  }
  switch (outcome.code) {
    case 'record-not-found':
      throw new AppError('not_found', outcome.message);
    case 'cannot-create':
      throw new AppError('conflict', outcome.message);
    default:
      throw new AppError('bad_request', outcome.message, {
        reason: outcome.code,
        issues: [{ field: 'entity', message: outcome.message }],
      });
  }
}
