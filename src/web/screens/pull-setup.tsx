import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  Group,
  List,
  Modal,
  Skeleton,
  Stack,
  Switch,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { z } from 'zod';
import type { RunDetail, RunList } from '../../app/activity.js';
import type { estimatePullResult, pullSourcesResult, startPullResult } from '../../app/pull.js';
import type { reviewResult } from '../../app/review.js';
import type { usageResult } from '../../app/usage.js';
import type { WorkspaceListsResult } from '../../app/workspace.js';
import { api } from '../api.js';
import { useUser } from '../auth.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { RunProgress, StatusBadge } from '../components/run-progress.js';
import { SetupSteps } from '../components/setup-steps.js';
import { formatCount, isActive, listOfStep } from './activity/format.js';
import { ScrollTable } from './activity/scroll-table.js';

type Estimate = z.output<typeof estimatePullResult>;
type Sources = z.output<typeof pullSourcesResult>;
type Review = z.output<typeof reviewResult>;
type Usage = z.output<typeof usageResult>;

const recordTypeLabel: Record<string, string> = {
  organization: 'Companies',
  person: 'People',
  opportunity: 'Deals',
};

/**
 * Pull Setup (seed step 9): choose the workspace's lists, see what pulling them costs, pull them
 * and watch the record counts arrive. Matched records go to My CRM; unmatched ones wait in review.
 */
export function PullSetupScreen() {
  const user = useUser();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const runParam = Number(params.get('run'));
  const runId = Number.isInteger(runParam) && runParam > 0 ? runParam : null;

  const lists = useQuery({
    queryKey: ['workspace', 'lists'],
    queryFn: () => api.get<WorkspaceListsResult>('/workspace/lists'),
  });
  const sources = useQuery({
    queryKey: ['pull', 'sources'],
    queryFn: () => api.get<Sources>('/pull/sources'),
  });

  const [selected, setSelected] = useState<number[] | null>(null);
  const [withFields, setWithFields] = useState(false);
  // The configured pull sources are the starting selection, once they are known.
  useEffect(() => {
    if (selected !== null || !sources.data) return;
    setSelected(sources.data.sources.map((s) => s.affinityListId));
    setWithFields(sources.data.sources.some((s) => s.withFields));
  }, [sources.data, selected]);
  const chosen = useMemo(() => {
    const ids = new Set(selected ?? []);
    return (lists.data?.lists ?? []).filter((l) => ids.has(l.id));
  }, [lists.data, selected]);
  const chosenIds = chosen.map((l) => l.id);

  const estimate = useQuery({
    queryKey: ['pull', 'estimate', chosenIds, withFields],
    queryFn: () => api.post<Estimate>('/pull/estimate', { lists: chosenIds, withFields }),
    enabled: chosenIds.length > 0,
  });
  const usage = useQuery({ queryKey: ['usage'], queryFn: () => api.get<Usage>('/usage') });

  const saveSources = useMutation({
    mutationFn: () =>
      api.put<Sources>('/pull/sources', { sources: chosenIds.map((list) => ({ list, withFields })) }),
    onSuccess: (data) => queryClient.setQueryData(['pull', 'sources'], data),
  });
  const sourceIds = new Set((sources.data?.sources ?? []).map((s) => s.affinityListId));
  const savedMatches =
    sources.data !== undefined &&
    sourceIds.size === chosenIds.length &&
    chosenIds.every((id) => sourceIds.has(id)) &&
    (sources.data.sources.every((s) => s.withFields === withFields) || sourceIds.size === 0);

  const [confirming, setConfirming] = useState(false);
  const startPull = useMutation({
    mutationFn: () => api.post<z.output<typeof startPullResult>>('/pull', { lists: chosenIds, withFields }),
    onSuccess: (data) => {
      setConfirming(false);
      setParams({ run: String(data.runId) }, { replace: true });
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
    },
  });

  // The pull to report on: the one started here, else the last one.
  const lastPull = useQuery({
    queryKey: ['runs', 'list', { kind: 'pull', limit: 1 }],
    queryFn: () => api.get<RunList>('/runs', { kind: 'pull', limit: 1 }),
    enabled: runId === null,
  });
  const shownRunId = runId ?? lastPull.data?.runs[0]?.id ?? null;

  const toggle = (id: number, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev ?? []);
      if (on) next.add(id);
      else next.delete(id);
      return [...next];
    });
  const allLists = lists.data?.lists ?? [];
  const allChosen = allLists.length > 0 && chosen.length === allLists.length;

  return (
    <Page
      title="Pull Setup"
      description="Pull Setup imports your Affinity records into My CRM for enrichment. You can pull from several Affinity lists at once, for example your deal flow, portfolio and watchlist."
    >
      <SetupSteps active="pull" />
      <Card withBorder padding="lg">
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap">
            <Title order={3}>Lists to pull</Title>
            {lists.data && (
              <Text size="sm" c="dimmed">
                Workspace {lists.data.workspace.tenantName ?? lists.data.workspace.connection}
              </Text>
            )}
          </Group>
          {lists.error && <ErrorAlert error={lists.error} title="Could not read the workspace's lists" />}
          {sources.error && <ErrorAlert error={sources.error} title="Could not read the pull sources" />}
          {lists.isPending ? (
            <Skeleton height={160} />
          ) : (
            allLists.length > 0 && (
              <ScrollTable label="Lists to pull" minWidth={300}>
                <Table striped highlightOnHover verticalSpacing="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th w={48}>
                        <Checkbox
                          aria-label="Select every list"
                          checked={allChosen}
                          indeterminate={chosen.length > 0 && !allChosen}
                          onChange={(e) =>
                            setSelected(e.currentTarget.checked ? allLists.map((l) => l.id) : [])
                          }
                        />
                      </Table.Th>
                      <Table.Th>List</Table.Th>
                      <Table.Th>Record type</Table.Th>
                      <Table.Th ta="right">Entries</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {allLists.map((l) => (
                      <Table.Tr key={l.id}>
                        <Table.Td>
                          <Checkbox
                            aria-label={`Pull ${l.name}`}
                            checked={chosenIds.includes(l.id)}
                            onChange={(e) => toggle(l.id, e.currentTarget.checked)}
                          />
                        </Table.Td>
                        <Table.Td>
                          {l.name}{' '}
                          {sourceIds.has(l.id) && (
                            <Text size="xs" c="dimmed">
                              pull source
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>{recordTypeLabel[l.type] ?? l.type}</Table.Td>
                        <Table.Td ta="right">{formatCount(l.size)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollTable>
            )
          )}
          {lists.data && allLists.length === 0 && (
            <Text c="dimmed">This workspace has no lists you can see.</Text>
          )}
          <Switch
            label="With field values"
            description="Also read each record's field values: one API call per record instead of one per page of a list."
            checked={withFields}
            onChange={(e) => setWithFields(e.currentTarget.checked)}
          />
          <Group gap="sm" wrap="wrap">
            <Button
              variant="default"
              disabled={!user.admin || savedMatches || sources.isPending}
              loading={saveSources.isPending}
              onClick={() => saveSources.mutate()}
            >
              Save as pull sources
            </Button>
            <Text size="sm" c="dimmed">
              {user.admin
                ? savedMatches
                  ? 'This selection is what scheduled pulls take.'
                  : 'Save this selection as the lists scheduled pulls take.'
                : 'Only Affinity workspace admins can change the pull sources; you can still pull these lists now.'}
            </Text>
          </Group>
          {saveSources.error && (
            <ErrorAlert error={saveSources.error} title="The pull sources were not saved" />
          )}
        </Stack>
      </Card>

      <CostCard
        estimate={chosenIds.length > 0 ? estimate.data : undefined}
        loading={chosenIds.length > 0 && estimate.isFetching}
        error={estimate.error}
        usage={usage.data}
        nothingChosen={chosenIds.length === 0}
      />

      <Group justify="space-between" wrap="wrap">
        <Button
          size="md"
          disabled={chosenIds.length === 0 || !estimate.data}
          onClick={() => {
            startPull.reset();
            setConfirming(true);
          }}
        >
          Pull Now
        </Button>
        <Button component={Link} to="/integrations/activity" variant="light" size="md">
          Continue →
        </Button>
      </Group>

      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title="Pull these lists?"
        centered
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        <Stack gap="sm">
          <Text size="sm">
            The pull reads {chosen.length === 1 ? 'this list' : `these ${chosen.length} lists`}
            {withFields ? ' with their field values' : ''} into My CRM:
          </Text>
          <List size="sm">
            {chosen.map((l) => (
              <List.Item key={l.id}>
                {l.name} — {formatCount(l.size)} entries
              </List.Item>
            ))}
          </List>
          {estimate.data && (
            <Text size="sm">
              Cost: <b>{estimate.data.planned.text}</b>
              {quotaShare(estimate.data.planned.calls, usage.data)}
            </Text>
          )}
          {estimate.data?.budget?.warn && (
            <Alert color="yellow" variant="light" title="Monthly quota">
              {estimate.data.budget.message}
            </Alert>
          )}
          {startPull.error && <ErrorAlert error={startPull.error} title="The pull did not start" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
            <Button loading={startPull.isPending} onClick={() => startPull.mutate()}>
              Proceed with Pull
            </Button>
          </Group>
        </Stack>
      </Modal>

      {shownRunId !== null && <PullResult runId={shownRunId} justStarted={runId !== null} />}
    </Page>
  );
}

/** The share of the monthly quota a number of calls is, in words (empty when not known). */
function quotaShare(calls: number, usage: Usage | undefined): string {
  if (!usage) return '';
  const q = usage.quota;
  if (q.unlimited) return ' · the monthly quota is unlimited';
  if (!q.limit) return '';
  const pct = (calls / q.limit) * 100;
  const shown = pct > 0 && pct < 0.1 ? '<0.1' : pct.toFixed(1);
  return ` · ${shown}% of the monthly quota of ${formatCount(q.limit)}${
    q.remaining !== null ? ` (${formatCount(q.remaining)} left)` : ''
  }`;
}

function CostCard({
  estimate,
  loading,
  error,
  usage,
  nothingChosen,
}: {
  estimate: Estimate | undefined;
  loading: boolean;
  error: unknown;
  usage: Usage | undefined;
  nothingChosen: boolean;
}) {
  return (
    <Card withBorder padding="lg" aria-busy={loading}>
      <Stack gap="xs">
        <Title order={3}>Cost before running</Title>
        {nothingChosen && <Text c="dimmed">Select at least one list to see what pulling it costs.</Text>}
        {!nothingChosen && error ? <ErrorAlert error={error} title="Could not estimate the pull" /> : null}
        {!nothingChosen && !estimate && !error && <Skeleton height={60} />}
        {estimate && (
          <>
            <Text data-testid="pull-estimate">
              <b>{formatCount(estimate.planned.calls)} API calls</b> ≈{' '}
              {estimate.planned.seconds < 60
                ? `${Math.max(1, Math.round(estimate.planned.seconds))} s`
                : `${Math.round(estimate.planned.seconds / 60)} min`}{' '}
              at the rate limit of {formatCount(estimate.planned.ratePerMinute)} calls a minute
              {quotaShare(estimate.planned.calls, usage)}.
            </Text>
            <Text size="sm" c="dimmed">
              {estimate.lists.reduce((n, l) => n + l.entries, 0).toLocaleString('en-US')} entries on{' '}
              {estimate.lists.length} {estimate.lists.length === 1 ? 'list' : 'lists'}. Without field values:{' '}
              {estimate.withoutFields.text}; with field values: {estimate.withFields.text}.
            </Text>
            {estimate.notes.map((note) => (
              <Text key={note} size="sm" c="dimmed">
                {note.charAt(0).toUpperCase() + note.slice(1)}.
              </Text>
            ))}
            {estimate.budget?.warn && (
              <Alert color="yellow" variant="light" title="Monthly quota">
                {estimate.budget.message}
              </Alert>
            )}
          </>
        )}
      </Stack>
    </Card>
  );
}

/**
 * A pull's outcome: its progress while it runs, then its record counts per list and where the
 * records went (My CRM, review).
 */
function PullResult({ runId, justStarted }: { runId: number; justStarted: boolean }) {
  const detail = useQuery({
    queryKey: ['runs', 'detail', runId],
    queryFn: () => api.get<RunDetail>(`/runs/${runId}`),
  });
  const review = useQuery({
    queryKey: ['review', 'count'],
    queryFn: () => api.get<Review>('/review', { limit: 1 }),
  });
  const run = detail.data?.run;
  const running = !run || isActive(run.status);
  const perList = (detail.data?.steps ?? []).flatMap((s) => {
    const list = listOfStep(s.name);
    return list ? [{ ...list, step: s }] : [];
  });
  const toReview = review.data?.counts.toSettle;
  const card = useRef<HTMLDivElement>(null);
  // A pull just started is scrolled to, so its progress is seen without looking for it.
  useEffect(() => {
    if (justStarted) card.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }, [justStarted]);

  return (
    <Card withBorder padding="lg" ref={card}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Title order={3}>{justStarted ? `Pull #${runId}` : `Last pull: #${runId}`}</Title>
          {run && !running && <StatusBadge status={run.status} />}
        </Group>
        {detail.error && <ErrorAlert error={detail.error} />}
        {run && running && <RunProgress runId={runId} label="Pulling" />}
        {run && !running && (
          <>
            {run.error && (
              <ErrorAlert
                error={new Error(run.error)}
                title={`The pull ended ${run.status}`}
                color="orange"
              />
            )}
            <ScrollTable label="Records pulled per list" minWidth={420}>
              <Table verticalSpacing="xs" data-testid="pull-counts">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>List</Table.Th>
                    <Table.Th ta="right">Pulled</Table.Th>
                    <Table.Th ta="right">Matched</Table.Th>
                    <Table.Th ta="right">Ambiguous</Table.Th>
                    <Table.Th ta="right">Unmatched</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {perList.map(({ name, id, step }) => (
                    <Table.Tr key={id}>
                      <Table.Th scope="row" fw={400}>
                        {name}
                        {step.status !== 'succeeded' && (
                          <StatusBadge ml="xs" size="xs" status={step.status} />
                        )}
                      </Table.Th>
                      <Table.Td ta="right">{formatCount(step.counts.entries ?? 0)}</Table.Td>
                      <Table.Td ta="right">{formatCount(step.counts.matched ?? 0)}</Table.Td>
                      <Table.Td ta="right">{formatCount(step.counts.ambiguous ?? 0)}</Table.Td>
                      <Table.Td ta="right">{formatCount(step.counts.unmatched ?? 0)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
                <Table.Tfoot>
                  <Table.Tr>
                    <Table.Th scope="row">All lists</Table.Th>
                    <Table.Th ta="right">{formatCount(run.counts.entries ?? 0)}</Table.Th>
                    <Table.Th ta="right">{formatCount(run.counts.matched ?? 0)}</Table.Th>
                    <Table.Th ta="right">{formatCount(run.counts.ambiguous ?? 0)}</Table.Th>
                    <Table.Th ta="right">{formatCount(run.counts.unmatched ?? 0)}</Table.Th>
                  </Table.Tr>
                </Table.Tfoot>
              </Table>
            </ScrollTable>
            <Text size="xs" c="dimmed">
              A record on several lists counts once in the totals.
            </Text>
            <Text>
              Matched records appear in{' '}
              <Anchor component={Link} to="/crm">
                My CRM
              </Anchor>
              ; unmatched ones are flagged for review.{' '}
              {toReview !== undefined && (
                <Anchor component={Link} to="/review" data-testid="review-count">
                  {toReview === 0
                    ? 'Nothing awaits review'
                    : `${formatCount(toReview)} ${toReview === 1 ? 'record awaits' : 'records await'} review`}
                </Anchor>
              )}
            </Text>
            <Group gap="xs">
              <Button component={Link} to={`/integrations/activity/${runId}`} variant="subtle" size="xs">
                More Info
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Card>
  );
}
