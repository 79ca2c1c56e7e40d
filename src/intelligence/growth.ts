import { sql } from 'drizzle-orm';
import type { Db, Store } from '../store/index.js';

/** Horizons of derived growth, in months, and their weight in the growth score. */
export const growthHorizons = [
  { months: 1, weight: 0.1 },
  { months: 3, weight: 0.2 },
  { months: 6, weight: 0.3 },
  { months: 12, weight: 0.4 },
] as const;

/**
 * An observation counts as "h months ago" when it lies at most this many days before that date:
 * a series with a gap gives no growth for that horizon rather than a misleading one.
 */
const TOLERANCE_DAYS = 45;

/**
 * Recomputes every company's growth from its signals, in one set-based statement.
 * For each metric (headcount, web visits, social followers) growth over h months is
 * latest / value-h-months-before-latest − 1; a horizon's growth is the mean over the metrics that
 * have it; the growth score weighs the horizons (1m 0.1, 3m 0.2, 6m 0.3, 12m 0.4, renormalised over
 * those present); the growth rank is the score's percentile (0–100, `percent_rank`) across all
 * companies that have one. Companies without signals get nulls. Only rows whose values change are
 * written. Returns how many companies changed.
 */
export async function recomputeGrowth(store: Store, tx?: Db): Promise<{ companiesChanged: number }> {
  const weights = sql.raw(growthHorizons.map((h) => `(${h.months}, ${h.weight}::float8)`).join(', '));
  const rows = await store.query<{ n: number }>(
    sql`
    WITH latest AS (
      SELECT DISTINCT ON (company_id, metric) company_id, metric, observed_on AS last_on, value AS last_value
      FROM intel_company_signals
      ORDER BY company_id, metric, observed_on DESC
    ),
    per_metric AS (
      SELECT l.company_id, h.months, h.weight,
             CASE WHEN past.value > 0 THEN l.last_value / past.value - 1 END AS growth
      FROM latest l
      CROSS JOIN (VALUES ${weights}) AS h(months, weight)
      CROSS JOIN LATERAL (
        SELECT s.value FROM intel_company_signals s
        WHERE s.company_id = l.company_id AND s.metric = l.metric
          AND s.observed_on <= (l.last_on - make_interval(months => h.months))::date
          AND s.observed_on > (l.last_on - make_interval(months => h.months))::date - ${TOLERANCE_DAYS}::int
        ORDER BY s.observed_on DESC
        LIMIT 1
      ) past
    ),
    per_horizon AS (
      SELECT company_id, months, weight, avg(growth) AS growth
      FROM per_metric WHERE growth IS NOT NULL
      GROUP BY company_id, months, weight
    ),
    scored AS (
      SELECT company_id,
             max(growth) FILTER (WHERE months = 1) AS g1,
             max(growth) FILTER (WHERE months = 3) AS g3,
             max(growth) FILTER (WHERE months = 6) AS g6,
             max(growth) FILTER (WHERE months = 12) AS g12,
             sum(growth * weight) / sum(weight) AS score
      FROM per_horizon GROUP BY company_id
    ),
    ranked AS (
      SELECT company_id, g1, g3, g6, g12, score,
             round((percent_rank() OVER (ORDER BY score) * 100)::numeric, 1)::float8 AS rank
      FROM scored
    ),
    target AS (
      SELECT c.id, r.g1, r.g3, r.g6, r.g12, r.score, r.rank
      FROM intel_companies c LEFT JOIN ranked r ON r.company_id = c.id
    ),
    changed AS (
      UPDATE intel_companies c
      SET growth_1m = t.g1, growth_3m = t.g3, growth_6m = t.g6, growth_12m = t.g12,
          growth_score = t.score, growth_rank = t.rank
      FROM target t
      WHERE c.id = t.id
        AND (c.growth_1m, c.growth_3m, c.growth_6m, c.growth_12m, c.growth_score, c.growth_rank)
            IS DISTINCT FROM (t.g1, t.g3, t.g6, t.g12, t.score, t.rank)
      RETURNING 1
    )
    SELECT count(*) AS n FROM changed`,
    tx,
  );
  return { companiesChanged: rows[0]?.n ?? 0 };
}
