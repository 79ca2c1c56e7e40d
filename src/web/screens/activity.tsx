import {
  Button,
  Card,
  Group,
  Pagination,
  Select,
  Skeleton,
  Table,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { RunList } from '../../app/activity.js';
import { api } from '../api.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { StatusBadge } from '../components/run-progress.js';
import { SetupSteps } from '../components/setup-steps.js';
import { useUrlState } from '../url-state.js';
import {
  countsText,
  durationOf,
  formatCount,
  formatShortTime,
  isActive,
  type RunSummary,
  runTitle,
} from './activity/format.js';
import { ScrollTable } from './activity/scroll-table.js';

const PAGE_SIZE = 20;

const kinds = [
  { value: 'pull', label: 'Pull' },
  { value: 'push', label: 'Push' },
];
const statuses = ['queued', 'running', 'succeeded', 'partial', 'failed', 'stopped', 'interrupted'];
const triggers = [
  { value: 'api', label: 'API / web' },
  { value: 'schedule', label: 'Schedule' },
  { value: 'auto-push', label: 'Auto-push' },
  { value: 'webhook', label: 'Webhook' },
  { value: 'cli', label: 'Command line' },
  { value: 'demo', label: 'Demo' },
];

/**
 * Integration Activity (seed step 10): every push and pull, newest first, with what it did and
 * what it cost; filters live in the address so a filtered log can be shared. Runs still going
 * refresh by themselves.
 */
export function ActivityScreen() {
  const { params, update } = useUrlState();
  const kind = params.get('kind');
  const status = params.get('status');
  const trigger = params.get('trigger');
  const page = Math.max(1, Number(params.get('page')) || 1);

  const runs = useQuery({
    queryKey: ['runs', 'list', { kind, status, trigger, page }],
    queryFn: () =>
      api.get<RunList>('/runs', {
        kind,
        status,
        trigger,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
      }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.runs.some((r) => isActive(r.status)) ? 2000 : false),
  });

  const setFilter = (key: string, value: string | null) =>
    update({ [key]: value, page: null }, { replace: true });
  const setPage = (p: number) => update({ page: p > 1 ? String(p) : null });
  const total = runs.data?.total ?? 0;
  const filtered = Boolean(kind || status || trigger);

  return (
    <Page
      title="Integration Activity"
      description="A log of your recent syncs. Click More Info next to any entry for its step-by-step breakdown and record-level details."
    >
      <SetupSteps active="activity" />
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Select
          label="Kind"
          placeholder="Any kind"
          data={kinds}
          value={kind}
          onChange={(v) => setFilter('kind', v)}
          clearable
          w={150}
        />
        <Select
          label="Status"
          placeholder="Any status"
          data={statuses}
          value={status}
          onChange={(v) => setFilter('status', v)}
          clearable
          w={170}
        />
        <Select
          label="Trigger"
          placeholder="Any trigger"
          data={triggers}
          value={trigger}
          onChange={(v) => setFilter('trigger', v)}
          clearable
          w={170}
        />
        {filtered && (
          <Button
            variant="subtle"
            onClick={() => update({ kind: null, status: null, trigger: null, page: null }, { replace: true })}
          >
            Clear filters
          </Button>
        )}
      </Group>

      {runs.error && <ErrorAlert error={runs.error} title="Could not read the activity log" />}
      {runs.isPending ? (
        <Skeleton height={240} />
      ) : (
        runs.data && (
          <Card withBorder padding={0}>
            {runs.data.runs.length === 0 ? (
              <Text p="lg" c="dimmed">
                {filtered
                  ? 'No run matches these filters.'
                  : 'No sync has run yet. Pull your lists from Pull Setup, or push records from Search.'}
              </Text>
            ) : (
              <ScrollTable label="Runs" minWidth={1000}>
                <Table
                  striped
                  highlightOnHover
                  verticalSpacing="xs"
                  horizontalSpacing={8}
                  aria-label="Runs"
                  style={{ whiteSpace: 'nowrap' }}
                >
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Run · trigger</Table.Th>
                      <Table.Th>Who</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>Counts</Table.Th>
                      <Table.Th ta="right">API calls</Table.Th>
                      <Table.Th ta="right">429s</Table.Th>
                      <Table.Th>Started · duration</Table.Th>
                      <Table.Th>
                        <VisuallyHidden>Details</VisuallyHidden>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {runs.data.runs.map((run) => (
                      <RunRow key={run.id} run={run} />
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollTable>
            )}
          </Card>
        )
      )}
      {total > PAGE_SIZE && (
        <Group justify="space-between" wrap="wrap">
          <Text size="sm" c="dimmed">
            {formatCount(total)} runs
          </Text>
          <Pagination total={Math.ceil(total / PAGE_SIZE)} value={page} onChange={setPage} />
        </Group>
      )}
      <Group justify="flex-end">
        <Button component={Link} to="/integrations/live" size="md">
          Complete Setup
        </Button>
      </Group>
    </Page>
  );
}

function RunRow({ run }: { run: RunSummary }) {
  const failed = run.counts.failed ?? 0;
  return (
    <Table.Tr data-testid={`run-row-${run.id}`}>
      <Table.Td>
        <Text fw={600} size="sm">
          {runTitle(run)}
        </Text>
        <Text size="xs" c="dimmed">
          {run.trigger}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" truncate maw={160} title={run.actor}>
          {run.actor}
        </Text>
      </Table.Td>
      <Table.Td miw={136}>
        <StatusBadge status={run.status} />
        {run.progress && isActive(run.status) && (
          <Text size="xs" c="dimmed" truncate maw={140}>
            {run.progress.step}
          </Text>
        )}
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'normal', minWidth: 170 }}>
        <Text size="xs" c={failed > 0 ? 'red.9' : 'inherit'}>
          {countsText(run.counts)}
        </Text>
      </Table.Td>
      <Table.Td ta="right">{formatCount(run.apiCalls)}</Table.Td>
      <Table.Td ta="right">{formatCount(run.throttled)}</Table.Td>
      <Table.Td>
        <Text size="sm">{formatShortTime(run.startedAt)}</Text>
        <Text size="xs" c="dimmed">
          {run.status === 'queued' ? 'queued' : durationOf(run.startedAt, run.finishedAt)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Button
          component={Link}
          to={`/integrations/activity/${run.id}`}
          size="xs"
          variant="light"
          aria-label={`More Info on ${runTitle(run)}`}
        >
          More Info
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}
