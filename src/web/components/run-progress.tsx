import { Badge, type BadgeProps, Button, Group, Progress, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { RunProgressSnapshot } from '../../app/runs.js';
import { api } from '../api.js';
import { ErrorAlert } from './error-alert.js';

export type { RunProgressSnapshot };

/** The colour of a run status, the same on every screen. */
export function statusColor(status: string): string {
  switch (status) {
    case 'succeeded':
      return 'green';
    case 'partial':
      return 'yellow';
    case 'failed':
      return 'red';
    case 'stopped':
    case 'interrupted':
      return 'orange';
    case 'running':
      return 'blue';
    default:
      return 'gray';
  }
}

/** Text colours dark enough (≥ 6:1) on the light tint of each status colour. */
const darkShade: Record<string, string> = {
  green: '#1e6b2e',
  yellow: '#6e4a00',
  red: '#a61e1e',
  orange: '#8f3800',
  blue: '#1c4f9c',
  gray: '#3d4249',
};

/**
 * A run's (or step's) status as a badge: the status in words on a tint of its colour, the words in
 * a dark shade so they meet WCAG AA contrast whatever the colour.
 */
export function StatusBadge({
  status,
  ...props
}: { status: string } & Omit<BadgeProps, 'color' | 'variant' | 'c'>) {
  const color = statusColor(status);
  return (
    <Badge
      {...props}
      component="span"
      variant="light"
      color={color}
      c={darkShade[color] ?? '#3d4249'}
      // A status is one short word, shown whole: a table column never squeezes it to an ellipsis.
      styles={{ label: { overflow: 'visible' } }}
    >
      {status}
    </Badge>
  );
}

/**
 * A run's live snapshot from `GET /api/runs/:id/events` (Server-Sent Events), until it ends. When it
 * ends, every query is refreshed, so counts, My CRM and the activity log show the finished run
 * without a reload.
 */
export function useRunProgress(runId: number | null | undefined): {
  snapshot: RunProgressSnapshot | null;
  error: string | null;
} {
  const queryClient = useQueryClient();
  const [snapshot, setSnapshot] = useState<RunProgressSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setSnapshot(null);
    setError(null);
    if (runId === null || runId === undefined) return;
    const source = new EventSource(`/api/runs/${runId}/events`);
    let ended = false;
    const onData = (event: MessageEvent<string>) => {
      const next = JSON.parse(event.data) as RunProgressSnapshot;
      setSnapshot(next);
      if (next.done && !ended) {
        ended = true;
        source.close();
        void queryClient.invalidateQueries();
      }
    };
    source.addEventListener('progress', onData);
    source.addEventListener('end', onData);
    source.onerror = () => {
      // The stream closes after `end`; any other close is reconnected by the browser itself.
      if (!ended && source.readyState === EventSource.CLOSED) setError('lost the connection to the server');
    };
    return () => source.close();
  }, [runId, queryClient]);
  return { snapshot, error };
}

/**
 * A run as it goes: status, the current step with a progress bar, the counts, API calls and 429s,
 * a Cancel button while it can be cancelled, and a link to its detail.
 */
export function RunProgress({ runId, label }: { runId: number; label?: string }) {
  const { snapshot, error } = useRunProgress(runId);
  const cancel = useMutation({ mutationFn: () => api.post(`/runs/${runId}/cancel`) });
  const progress = snapshot?.progress;
  const percent = progress?.total ? Math.min(100, (progress.done / progress.total) * 100) : undefined;
  const counts = Object.entries(snapshot?.counts ?? {}).filter(([, n]) => n > 0);
  return (
    <Stack gap="xs" aria-live="polite" aria-busy={!snapshot?.done} data-testid={`run-progress-${runId}`}>
      <Group justify="space-between">
        <Text fw={600}>
          {label ?? `${snapshot?.kind ?? 'Run'} #${runId}`}{' '}
          <StatusBadge status={snapshot?.status ?? 'queued'} />
        </Text>
        <Group gap="xs">
          {snapshot && !snapshot.done && (
            <Button
              size="xs"
              variant="default"
              loading={cancel.isPending}
              disabled={snapshot.cancelRequestedAt !== null}
              onClick={() => cancel.mutate()}
            >
              {snapshot.cancelRequestedAt ? 'Cancelling…' : 'Cancel'}
            </Button>
          )}
          <Button size="xs" variant="subtle" component={Link} to={`/integrations/activity/${runId}`}>
            More info
          </Button>
        </Group>
      </Group>
      {!snapshot?.done && (
        <Progress
          value={percent ?? 100}
          animated={percent === undefined || !snapshot?.done}
          striped={percent === undefined}
          aria-label={`Progress of run ${runId}`}
        />
      )}
      <Text size="sm" c="dimmed">
        {progress ? `${progress.step}: ${progress.done}${progress.total ? ` of ${progress.total}` : ''}` : ''}
        {snapshot
          ? ` · ${snapshot.apiCalls} API calls · ${snapshot.throttled} × 429`
          : ' Waiting for a worker…'}
      </Text>
      {counts.length > 0 && (
        <Group gap="xs">
          {counts.map(([outcome, n]) => (
            <Badge
              key={outcome}
              variant="outline"
              color={outcome === 'failed' ? 'red.9' : 'gray.7'}
              c={outcome === 'failed' ? 'red.9' : 'dark.7'}
            >
              {outcome}: {n}
            </Badge>
          ))}
        </Group>
      )}
      {snapshot?.error && (
        <ErrorAlert error={new Error(snapshot.error)} title={`The run ended ${snapshot.status}`} />
      )}
      {error && <ErrorAlert error={new Error(error)} />}
      {cancel.error && <ErrorAlert error={cancel.error} />}
    </Stack>
  );
}
