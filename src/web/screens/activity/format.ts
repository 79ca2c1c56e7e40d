import type { RunList } from '../../../app/activity.js';

/** A run as the activity log lists it. */
export type RunSummary = RunList['runs'][number];

/** Whether a run may still change: the log and the detail refresh while any is. */
export function isActive(status: string): boolean {
  return status === 'queued' || status === 'running';
}

/** A duration in words a person reads at a glance: `850 ms`, `12 s`, `3 min 4 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** How long a run or step took (or has taken so far, when it still runs). */
export function durationOf(startedAt: string, finishedAt: string | null, now = Date.now()): string {
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return formatDuration(end - Date.parse(startedAt));
}

/** A date-time in the reader's locale, to the second. */
export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** A date-time in a table cell: the day and the minute, the year only when it is not this one. */
export function formatShortTime(iso: string): string {
  const d = new Date(iso);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleString(undefined, {
    ...(sameYear ? {} : { year: 'numeric' }),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A run's outcome counts in words (`413 matched · 30 unmatched`), the zero ones left out. */
export function countsText(counts: Record<string, number>, keys?: readonly string[]): string {
  const entries = (keys ?? Object.keys(counts))
    .map((k) => [k, counts[k] ?? 0] as const)
    .filter(([, n]) => n > 0);
  return entries.length === 0 ? '—' : entries.map(([k, n]) => `${formatCount(n)} ${k}`).join(' · ');
}

/** The kind of a run in a heading: `Pull #12`. */
export function runTitle(run: { id: number; kind: string; dryRun?: boolean }): string {
  const kind = run.kind.charAt(0).toUpperCase() + run.kind.slice(1);
  return `${kind}${run.dryRun ? ' (dry run)' : ''} #${run.id}`;
}

/** A pull's list step (`fetch list Deal Flow (15330)`): the list's name and id, else null. */
export function listOfStep(name: string): { name: string; id: number } | null {
  const m = /^fetch list (.*) \((\d+)\)$/.exec(name);
  return m ? { name: m[1] ?? '', id: Number(m[2]) } : null;
}
