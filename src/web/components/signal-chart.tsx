import { Sparkline } from '@mantine/charts';
import { Box, Group, Stack, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';

/** One observation of a signal (a company's headcount or web visits in a month). */
export interface SignalPoint {
  date: string;
  value: number;
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** The whole months between two `YYYY-MM-DD` dates. */
function monthsBetween(from: string, to: string): number {
  const a = new Date(`${from}T00:00:00Z`);
  const b = new Date(`${to}T00:00:00Z`);
  if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime())) return 0;
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
}

/** The change from the first to the last value, as a signed percentage ("+50%"), or null from zero. */
export function percentChange(first: number, last: number): string | null {
  if (first === 0) return null;
  const pct = ((last - first) / Math.abs(first)) * 100;
  const rounded = Math.abs(pct) >= 10 ? Math.round(pct) : Math.round(pct * 10) / 10;
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : '±'}${count.format(Math.abs(rounded))}%`;
}

/**
 * What a chart shows, said in words: "Headcount 120 → 180 (+50%) over 12 months". It is the
 * chart's accessible name, so a screen reader (and a test) reads the same trend a person sees.
 */
export function signalSummary(label: string, points: readonly SignalPoint[]): string {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return `${label}: no data`;
  if (points.length === 1) return `${label} ${count.format(first.value)} (one observation, ${first.date})`;
  const change = percentChange(first.value, last.value);
  const months = monthsBetween(first.date, last.date);
  return `${label} ${count.format(first.value)} → ${count.format(last.value)}${change ? ` (${change})` : ''} over ${months} month${months === 1 ? '' : 's'}`;
}

/**
 * A small trend chart of one signal with its latest value and change beside it. The drawing is
 * decorative; the figure's accessible name is {@link signalSummary}, so the trend is never told by
 * the picture (or its colour) alone.
 */
export function SignalChart({
  label,
  points,
  width = 120,
  height = 36,
}: {
  label: string;
  points: readonly SignalPoint[];
  width?: number;
  height?: number;
}) {
  const summary = signalSummary(label, points);
  const ref = useRef<HTMLDivElement>(null);
  // The chart library makes its drawing a focusable "application" (and draws it after measuring
  // its box); here it is only a picture, so it never takes focus.
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    const quiet = () => {
      for (const el of box.querySelectorAll('[tabindex], [role]')) {
        el.removeAttribute('tabindex');
        el.removeAttribute('role');
      }
    };
    quiet();
    const observer = new MutationObserver(quiet);
    observer.observe(box, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['tabindex', 'role'],
    });
    return () => observer.disconnect();
  }, []);
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) {
    return (
      <Text size="xs" c="dimmed" role="img" aria-label={summary}>
        No {label.toLowerCase()} data
      </Text>
    );
  }
  const change = percentChange(first.value, last.value);
  const up = last.value > first.value;
  const down = last.value < first.value;
  return (
    <Group gap={8} wrap="nowrap" role="img" aria-label={summary} data-signal={label}>
      <Box ref={ref} w={width} h={height} aria-hidden="true" style={{ flex: 'none' }}>
        <Sparkline
          w={width}
          h={height}
          data={points.map((p) => p.value)}
          curveType="monotone"
          strokeWidth={1.75}
          fillOpacity={0.35}
          trendColors={{ positive: 'teal.7', negative: 'red.7', neutral: 'gray.6' }}
        />
      </Box>
      <Stack gap={0} aria-hidden="true" style={{ minWidth: 52 }}>
        <Text size="sm" fw={600} lh={1.2}>
          {compact.format(last.value)}
        </Text>
        {change && (
          <Text size="xs" lh={1.2} c={up ? 'teal.9' : down ? 'red.9' : 'dimmed'}>
            {up ? '▲' : down ? '▼' : ''} {change}
          </Text>
        )}
      </Stack>
    </Group>
  );
}
