import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Pagination,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { RunDetail, RunRecords, RunStep } from '../../app/activity.js';
import { ApiError, api } from '../api.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { RunProgress, StatusBadge, statusColor } from '../components/run-progress.js';
import {
  countsText,
  durationOf,
  formatCount,
  formatTime,
  isActive,
  listOfStep,
  type RunSummary,
  runTitle,
} from './activity/format.js';
import { ScrollTable } from './activity/scroll-table.js';

const RECORDS_PAGE = 25;

/**
 * One run in detail (More Info): its facts, its progress while it runs, its steps as a timeline and
 * its record-level outcomes — failed ones first, with the message Affinity gave — so a person can
 * see where a sync failed and why.
 */
export function RunDetailScreen() {
  const { runId: param } = useParams();
  const runId = Number(param);
  const valid = Number.isInteger(runId) && runId > 0;
  const detail = useQuery({
    queryKey: ['runs', 'detail', runId],
    queryFn: () => api.get<RunDetail>(`/runs/${runId}`),
    enabled: valid,
    refetchInterval: (query) => {
      const status = query.state.data?.run.status;
      return status && isActive(status) ? 1000 : false;
    },
  });
  const failedCount = useQuery({
    queryKey: ['runs', 'records', runId, 'failed-count'],
    queryFn: () => api.get<RunRecords>(`/runs/${runId}/records`, { outcome: 'failed', limit: 1 }),
    enabled: valid && detail.data !== undefined,
  });
  const run = detail.data?.run;
  const failed = failedCount.data?.total ?? 0;

  if (!valid) {
    return (
      <Page title="Run">
        <ErrorAlert error={new Error(`“${param ?? ''}” is not a run number.`)} title="No such run" />
      </Page>
    );
  }
  return (
    <Page
      title={run ? runTitle(run) : `Run #${runId}`}
      description={run ? describeRun(run) : undefined}
      actions={
        <Button component={Link} to="/integrations/activity" variant="default">
          ← Integration Activity
        </Button>
      }
    >
      {detail.error && (
        <ErrorAlert
          error={detail.error}
          {...(detail.error instanceof ApiError && detail.error.status === 404
            ? { title: 'No such run' }
            : {})}
        />
      )}
      {detail.isPending && <Skeleton height={200} />}
      {run && detail.data && (
        <>
          {failed > 0 && (
            <Alert
              color="red"
              variant="light"
              title={`${formatCount(failed)} ${failed === 1 ? 'record' : 'records'} failed`}
            >
              Affinity refused {failed === 1 ? 'this record' : 'these records'}: each one is listed first
              under Records with Affinity's message.
            </Alert>
          )}
          {isActive(run.status) && (
            <Card withBorder padding="md">
              <RunProgress runId={run.id} label={run.status === 'queued' ? 'Waiting to start' : 'Running'} />
            </Card>
          )}
          <RunFacts run={run} />
          <Resume run={run} />
          <Card withBorder padding="lg">
            <Stack gap="sm">
              <Title order={3}>Steps</Title>
              {detail.data.steps.length === 0 ? (
                <Text c="dimmed">
                  {isActive(run.status) ? 'No step has started yet.' : 'This run recorded no steps.'}
                </Text>
              ) : (
                <StepTimeline steps={detail.data.steps} />
              )}
            </Stack>
          </Card>
          <RecordsCard runId={run.id} steps={detail.data.steps} active={isActive(run.status)} />
        </>
      )}
    </Page>
  );
}

function describeRun(run: RunSummary) {
  return (
    <>
      <StatusBadge status={run.status} /> started {formatTime(run.startedAt)} by {run.actor} ({run.trigger})
    </>
  );
}

/** What was asked of a run (its lists, search, entities…), as readable pairs. */
function paramsOf(run: RunSummary, steps?: RunStep[]): { label: string; value: string }[] {
  const input = (run.params.input ?? run.params) as Record<string, unknown>;
  const names = new Map<number, string>();
  for (const s of steps ?? []) {
    const l = listOfStep(s.name);
    if (l) names.set(l.id, l.name);
  }
  const empty = (v: unknown) =>
    v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0);
  const show = (v: unknown): string => {
    if (Array.isArray(v))
      return v
        .map((x) => (typeof x === 'number' && names.has(x) ? `${names.get(x)} (${x})` : show(x)))
        .join(', ');
    if (v && typeof v === 'object')
      return Object.entries(v)
        .filter(([, x]) => !empty(x))
        .map(([k, x]) => `${k}: ${show(x)}`)
        .join('; ');
    return String(v);
  };
  return Object.entries(input)
    .filter(([, v]) => !empty(v))
    .map(([k, v]) => ({ label: k, value: show(v) }));
}

function RunFacts({ run }: { run: RunSummary }) {
  const steps = useQueryClient().getQueryData<RunDetail>(['runs', 'detail', run.id])?.steps;
  const facts: { label: string; value: string }[] = [
    { label: 'Status', value: run.status },
    { label: 'Trigger', value: run.trigger },
    { label: 'Started by', value: run.actor },
    { label: 'Queued', value: formatTime(run.queuedAt) },
    { label: 'Started', value: formatTime(run.startedAt) },
    {
      label: 'Finished',
      value: run.finishedAt ? formatTime(run.finishedAt) : isActive(run.status) ? 'still running' : '—',
    },
    { label: 'Duration', value: run.status === 'queued' ? '—' : durationOf(run.startedAt, run.finishedAt) },
    { label: 'API calls', value: formatCount(run.apiCalls) },
    { label: '429s', value: formatCount(run.throttled) },
    { label: 'Retries', value: formatCount(run.retries) },
    { label: 'Counts', value: countsText(run.counts) },
  ];
  if (run.dryRun) facts.push({ label: 'Dry run', value: 'yes: nothing was written to Affinity' });
  if (run.cancelRequestedBy)
    facts.push({
      label: 'Cancelled by',
      value: `${run.cancelRequestedBy} at ${formatTime(run.cancelRequestedAt)}`,
    });
  const asked = paramsOf(run, steps);
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Title order={3}>Summary</Title>
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm" verticalSpacing="xs">
          {facts.map((f) => (
            <div key={f.label}>
              <Text size="xs" c="dimmed" fw={600} tt="uppercase">
                {f.label}
              </Text>
              <Text size="sm" data-testid={`fact-${f.label}`} style={{ overflowWrap: 'anywhere' }}>
                {f.value}
              </Text>
            </div>
          ))}
        </SimpleGrid>
        {asked.length > 0 && (
          <div>
            <Text size="xs" c="dimmed" fw={600} tt="uppercase">
              Asked for
            </Text>
            {asked.map((p) => (
              <Text key={p.label} size="sm" style={{ overflowWrap: 'anywhere' }}>
                <b>{p.label}</b>: {p.value}
              </Text>
            ))}
          </div>
        )}
        {run.error && <ErrorAlert error={new Error(run.error)} title={`The run ended ${run.status}`} />}
      </Stack>
    </Card>
  );
}

/**
 * A stopped or interrupted run resumes when the same pull or push runs again (its journal skips
 * what was done): offered here as one button.
 */
function Resume({ run }: { run: RunSummary }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const input = run.params.input as Record<string, unknown> | undefined;
  const resume = useMutation({
    mutationFn: () => api.post<{ runId: number }>(run.kind === 'pull' ? '/pull' : '/push', input),
    onSuccess: (data) => {
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
      navigate(`/integrations/activity/${data.runId}`);
    },
  });
  if (run.status !== 'stopped' && run.status !== 'interrupted') return null;
  const resumable = input !== undefined && (run.kind === 'pull' || run.kind === 'push');
  return (
    <Alert color="orange" variant="light" title={`This ${run.kind} can be resumed`}>
      <Stack gap="xs">
        <Text size="sm">
          It {run.status === 'stopped' ? 'was stopped' : 'was interrupted'} before it finished. Running the
          same {run.kind} again resumes it: what was already done is not done twice.
        </Text>
        {resumable ? (
          <Group>
            <Button size="xs" color="orange" loading={resume.isPending} onClick={() => resume.mutate()}>
              Run the same {run.kind} again
            </Button>
          </Group>
        ) : (
          <Text size="sm">Start it again from the command line or the screen it came from.</Text>
        )}
        {resume.error && <ErrorAlert error={resume.error} title="It did not start" />}
      </Stack>
    </Alert>
  );
}

function stepTitle(name: string): string {
  const list = listOfStep(name);
  if (list) return `Fetch list ${list.name}`;
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function StepTimeline({ steps }: { steps: RunStep[] }) {
  const reached = steps.filter((s) => s.status !== 'running').length;
  return (
    <Timeline active={reached - 1} bulletSize={22} lineWidth={2} aria-label="Steps">
      {steps.map((s) => (
        <Timeline.Item
          key={s.id}
          color={statusColor(s.status === 'skipped' ? 'stopped' : s.status)}
          title={
            <Group gap="xs" wrap="wrap">
              <Text fw={600} size="sm" component="span">
                {stepTitle(s.name)}
              </Text>
              <StatusBadge size="sm" status={s.status} />
              <Text size="xs" c="dimmed" component="span">
                {durationOf(s.startedAt, s.finishedAt)}
              </Text>
            </Group>
          }
          data-testid={`step-${s.position}`}
        >
          <Text size="sm" c="dimmed">
            {countsText(s.counts)}
          </Text>
          {s.error && (
            <Text size="sm" c="red.9">
              {s.error}
            </Text>
          )}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

function recordName(r: RunRecords['records'][number]): string {
  const d = r.details;
  if (typeof d.label === 'string') return d.label;
  const name = typeof d.name === 'string' ? d.name : null;
  const key =
    typeof d.domain === 'string'
      ? d.domain
      : typeof d.email === 'string'
        ? d.email
        : typeof d.key === 'string'
          ? d.key
          : null;
  if (name && key) return `${name} (${key})`;
  if (name || key) return (name ?? key) as string;
  if (r.entityKind) return `${r.entityKind} #${r.entityId ?? '?'}`;
  return '—';
}

function RecordsCard({ runId, steps, active }: { runId: number; steps: RunStep[]; active: boolean }) {
  const [outcome, setOutcome] = useState<string | null>(null);
  const [stepId, setStepId] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const records = useQuery({
    queryKey: ['runs', 'records', runId, { outcome, stepId, page }],
    queryFn: () =>
      api.get<RunRecords>(`/runs/${runId}/records`, {
        outcome,
        stepId,
        limit: RECORDS_PAGE,
        offset: (page - 1) * RECORDS_PAGE,
      }),
    placeholderData: keepPreviousData,
    refetchInterval: active ? 2000 : false,
  });
  const byOutcome = records.data?.byOutcome ?? {};
  const outcomes = Object.entries(byOutcome)
    .sort(([a], [b]) => (a === 'failed' ? -1 : b === 'failed' ? 1 : a.localeCompare(b)))
    .map(([o, n]) => ({ value: o, label: `${o} (${formatCount(n)})` }));
  const total = records.data?.total ?? 0;
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Title order={3}>Records</Title>
          <Text size="sm" c="dimmed" data-testid="records-total">
            {records.data ? `${formatCount(total)} ${total === 1 ? 'record' : 'records'}` : ''}
          </Text>
        </Group>
        <Group gap="sm" align="flex-end" wrap="wrap">
          <Select
            label="Outcome"
            placeholder="Every outcome"
            data={outcomes}
            value={outcome}
            onChange={(v) => {
              setOutcome(v);
              setPage(1);
            }}
            clearable
            w={220}
          />
          <Select
            label="Step"
            placeholder="Every step"
            data={steps.map((s) => ({ value: String(s.id), label: stepTitle(s.name) }))}
            value={stepId}
            onChange={(v) => {
              setStepId(v);
              setPage(1);
            }}
            clearable
            w={260}
          />
        </Group>
        {records.error && <ErrorAlert error={records.error} title="Could not read the run's records" />}
        {records.isPending ? (
          <Skeleton height={120} />
        ) : records.data && records.data.records.length === 0 ? (
          <Text c="dimmed">No record {outcome || stepId ? 'matches these filters' : 'was recorded'}.</Text>
        ) : (
          records.data && (
            <ScrollTable label="Records of the run" minWidth={860}>
              <Table striped verticalSpacing="xs" aria-label="Records" data-testid="run-records">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Outcome</Table.Th>
                    <Table.Th>Record</Table.Th>
                    <Table.Th>Step</Table.Th>
                    <Table.Th>Affinity type</Table.Th>
                    <Table.Th>Affinity id</Table.Th>
                    <Table.Th>Message</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {records.data.records.map((r) => (
                    <Table.Tr
                      key={`${r.id}-${r.outcome}-${r.affinityId ?? ''}-${r.entityKind ?? ''}-${r.entityId ?? ''}`}
                    >
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <Badge
                          variant={r.outcome === 'failed' ? 'filled' : 'light'}
                          color={r.outcome === 'failed' ? 'red.9' : 'gray'}
                          c={r.outcome === 'failed' ? 'white' : 'dark.7'}
                        >
                          {r.outcome}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{recordName(r)}</Table.Td>
                      <Table.Td>
                        <Text size="sm">{r.step ? stepTitle(r.step) : '—'}</Text>
                      </Table.Td>
                      <Table.Td>{r.affinityType ?? '—'}</Table.Td>
                      <Table.Td>{r.affinityId ?? '—'}</Table.Td>
                      <Table.Td>
                        {r.message ? (
                          r.outcome === 'failed' ? (
                            <Code block style={{ whiteSpace: 'pre-wrap' }} c="red.9">
                              {r.message}
                            </Code>
                          ) : (
                            <Text size="sm">{r.message}</Text>
                          )
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollTable>
          )
        )}
        {total > RECORDS_PAGE && (
          <Group justify="space-between" wrap="wrap">
            <Text size="sm" c="dimmed">
              {formatCount((page - 1) * RECORDS_PAGE + 1)}–{formatCount(Math.min(total, page * RECORDS_PAGE))}{' '}
              of {formatCount(total)}
            </Text>
            <Pagination
              total={Math.ceil(total / RECORDS_PAGE)}
              value={page}
              onChange={setPage}
              siblings={1}
              boundaries={1}
              getControlProps={(control) => ({ 'aria-label': `${control} page of records` })}
              getItemProps={(p) => ({ 'aria-label': `Records page ${p}` })}
            />
          </Group>
        )}
        <Text size="xs" c="dimmed">
          Failed records come first.{' '}
          <Anchor component={Link} to="/review">
            Review
          </Anchor>{' '}
          settles pulled records that matched nothing.
        </Text>
      </Stack>
    </Card>
  );
}
