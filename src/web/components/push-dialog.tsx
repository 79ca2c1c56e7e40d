import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  List,
  Modal,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { PlanPushResult } from '../../app/push.js';
import { api } from '../api.js';
import { ErrorAlert } from './error-alert.js';
import { RunProgress, statusColor } from './run-progress.js';

/** What a push takes, as `POST /api/push/plan` and `POST /api/push` name it. */
export type PushSelection =
  | { company: string | number }
  | { person: string | number }
  | { investor: string | number }
  | { search: string }
  | { list: string }
  | { all: 'company' | 'person' | 'investor' }
  | { entity: 'company' | 'person' | 'investor'; filters: string[]; query?: string };

/** One thing to push: the selection and how to name it to a person. */
export interface PushTarget {
  /** E.g. `Acme (acme.io)`, `3 selected companies`, `saved search "Fintech growth"`. */
  label: string;
  selection: PushSelection;
}

type Plan = PlanPushResult['plans'][number];
type PlanReport = NonNullable<Plan['report']>;

/** The planned record as the plan lists it (the report's records carry more than its schema names). */
interface PlannedRecord {
  entityId: number;
  label: string;
  action: string;
  affinityId: number | null;
  matchedBy: string | null;
  reason?: string;
  operations?: string[];
  changes?: Array<{ action: string }>;
  skippedValues?: string[];
}

interface RunDetail {
  run: { id: number; status: string; counts: Record<string, number> | null; error: string | null };
}

const finalStatuses = ['succeeded', 'partial', 'failed', 'stopped', 'interrupted'];

const actionColor: Record<string, string> = {
  create: 'green',
  update: 'blue',
  unchanged: 'gray',
  skipped: 'orange',
  ambiguous: 'yellow',
};

const actionOrder = ['create', 'update', 'skipped', 'ambiguous', 'unchanged'];

const entityPlural: Record<string, string> = {
  company: 'companies',
  person: 'people',
  investor: 'investors',
};

/** How many records a plan shows in its table (the counts cover them all). */
const SHOWN_RECORDS = 50;

/**
 * Pushes one record, a selection, a saved search or a list to Affinity: first a dry run (the exact
 * writes per record and their API-call cost, with the budget warning), then, on **Push**, a queued
 * run followed live to its result. Members may push; the API refuses what is not allowed and the
 * dialog shows why.
 */
export function PushDialog({
  target,
  onClose,
}: {
  /** What to push; the dialog is open while one is given. */
  target: PushTarget | null;
  onClose: () => void;
}) {
  return (
    <Modal
      opened={target !== null}
      onClose={onClose}
      size="xl"
      title={target ? `Push ${target.label} to Affinity` : 'Push to Affinity'}
      closeButtonProps={{ 'aria-label': 'Close dialog' }}
    >
      {target && <PushFlow key={JSON.stringify(target.selection)} target={target} onClose={onClose} />}
    </Modal>
  );
}

function PushFlow({ target, onClose }: { target: PushTarget; onClose: () => void }) {
  const [runId, setRunId] = useState<number | null>(null);
  const plan = useMutation({
    mutationFn: () => api.post<PlanPushResult>('/push/plan', { selection: target.selection }),
  });
  const push = useMutation({
    mutationFn: () =>
      api.post<{ runId: number; runIds: number[]; status: string }>('/push', { selection: target.selection }),
    onSuccess: (r) => setRunId(r.runId),
  });
  const { mutate: startPlan } = plan;
  useEffect(() => {
    startPlan();
  }, [startPlan]);

  const plans = plan.data?.plans ?? [];
  const planned = plans.filter((p) => p.code === 'planned' && p.report);
  const canPush = planned.length > 0 && runId === null;

  return (
    <Stack gap="md">
      {runId === null && (
        <Text size="sm">
          A dry run first: nothing is written to Affinity until you press <b>Push</b>.
        </Text>
      )}
      {plan.isPending && (
        <Text size="sm" role="status" aria-live="polite">
          Planning the push: matching each record in Affinity and comparing values…
        </Text>
      )}
      <ErrorAlert error={plan.error} title="The dry run failed" />
      {runId !== null && <PushResult runId={runId} plans={planned} />}
      {plans.map((p) => (
        <PlanView key={p.entity} plan={p} />
      ))}
      {plan.data?.budget && (
        <Alert
          color={plan.data.budget.warn ? 'yellow' : 'gray'}
          variant="light"
          title={plan.data.budget.warn ? 'Budget warning' : 'Monthly quota'}
        >
          <Text size="sm">{plan.data.budget.message}</Text>
        </Alert>
      )}
      <ErrorAlert error={push.error} title="The push was refused" />
      <Group justify="flex-end">
        {runId === null ? (
          <>
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            {plan.isError && (
              <Button variant="default" onClick={() => plan.mutate()}>
                Plan again
              </Button>
            )}
            <Button onClick={() => push.mutate()} disabled={!canPush} loading={push.isPending}>
              Push
            </Button>
          </>
        ) : (
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        )}
      </Group>
    </Stack>
  );
}

/** One entity kind's plan: where it goes, the counts, the calls, and each record's writes. */
function PlanView({ plan }: { plan: Plan }) {
  const plural = entityPlural[plan.entity] ?? plan.entity;
  if (plan.code === 'no-destination') {
    return (
      <Alert color="yellow" variant="light" title={`No destination for ${plural}`}>
        <Text size="sm">
          Affinity has no place set up for our {plural} yet, so nothing can be pushed.{' '}
          <Anchor component={Link} to="/integrations/push">
            Add a destination in Push setup
          </Anchor>{' '}
          (an admin sets it up once; then anyone can push).
        </Text>
      </Alert>
    );
  }
  if (plan.code !== 'planned' || !plan.report) {
    return (
      <Alert color="red" variant="light" role="alert" title={`Cannot push ${plural}`}>
        <Text size="sm">{plan.error ?? plan.code}</Text>
        {plan.code === 'invalid-destination' && (
          <Anchor component={Link} to="/integrations/push" size="sm">
            Fix the destination in Push setup
          </Anchor>
        )}
      </Alert>
    );
  }
  const r: PlanReport = plan.report;
  const counts = r.plan.counts;
  // What will be written first, then what is left alone.
  const records = [...(r.plan.records as unknown as PlannedRecord[])].sort(
    (a, b) => actionOrder.indexOf(a.action) - actionOrder.indexOf(b.action),
  );
  const listAdds = records.reduce(
    (n, rec) => n + (rec.changes ?? []).filter((c) => c.action === 'add-to-list').length,
    0,
  );
  const destination = r.destination as PlanReport['destination'] & { list?: string | null };
  const estimate = (r.plan as { estimate?: { text?: string } }).estimate?.text;
  return (
    <Stack gap="sm" data-testid={`plan-${plan.entity}`}>
      <Title order={3} size="h5">
        Dry run: {records.length} {records.length === 1 ? 'record' : 'records'} ({plural})
      </Title>
      <Text size="sm" c="dimmed">
        Into Affinity {destination.recordType}s · {modeText(destination.mode)} · matched by{' '}
        {destination.matchRule}
        {destination.list ? ` · added to the list "${destination.list}"` : ''}
      </Text>
      <SimpleGrid cols={{ base: 2, xs: 3, sm: 6 }} spacing="xs" aria-label="Planned writes">
        <Stat label="Creates" value={counts.create ?? 0} />
        <Stat label="Updates" value={counts.update ?? 0} />
        <Stat label="List adds" value={listAdds} />
        <Stat label="Unchanged" value={counts.unchanged ?? 0} />
        <Stat label="Skipped" value={(counts.skipped ?? 0) + (counts.ambiguous ?? 0)} />
        <Stat label="API calls" value={r.plan.apiCalls} />
      </SimpleGrid>
      <Text size="sm">
        Cost: <b>{r.plan.apiCalls}</b> API {r.plan.apiCalls === 1 ? 'call' : 'calls'} ({r.plan.reads} to read
        and match, {r.plan.writes} to write){estimate ? ` · ${estimate}` : ''}.
      </Text>
      <Table.ScrollContainer minWidth={640}>
        <Table striped withTableBorder verticalSpacing="xs" aria-label={`Planned writes per ${plan.entity}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Record</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Writes</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {records.slice(0, SHOWN_RECORDS).map((rec) => (
              <Table.Tr key={rec.entityId}>
                <Table.Td>
                  <Text size="sm">{rec.label}</Text>
                  {rec.affinityId !== null && (
                    <Text size="xs" c="dimmed">
                      Affinity #{rec.affinityId}
                      {rec.matchedBy ? ` (matched by ${rec.matchedBy})` : ''}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Badge
                    variant="light"
                    color={actionColor[rec.action] ?? 'gray'}
                    // A short word, shown whole: a table column never squeezes it to an ellipsis.
                    styles={{ label: { color: 'var(--mantine-color-dark-9)', overflow: 'visible' } }}
                  >
                    {rec.action}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {rec.reason && (
                    <Text size="sm" c="orange.9">
                      {rec.reason}
                    </Text>
                  )}
                  {(rec.operations ?? []).length > 0 ? (
                    <List size="xs" spacing={2}>
                      {(rec.operations ?? []).slice(0, 6).map((op) => (
                        <List.Item key={op}>{op}</List.Item>
                      ))}
                      {(rec.operations ?? []).length > 6 && (
                        <List.Item>{(rec.operations ?? []).length - 6} more writes</List.Item>
                      )}
                    </List>
                  ) : (
                    !rec.reason && (
                      <Text size="sm" c="dimmed">
                        Nothing to write
                      </Text>
                    )
                  )}
                  {(rec.skippedValues ?? []).length > 0 && (
                    <Text size="xs" c="dimmed">
                      Left out: {(rec.skippedValues ?? []).join('; ')}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {records.length > SHOWN_RECORDS && (
        <Text size="xs" c="dimmed">
          The first {SHOWN_RECORDS} of {records.length} records; the counts above cover them all.
        </Text>
      )}
    </Stack>
  );
}

function modeText(mode: string): string {
  if (mode === 'create-update') return 'Create + Update';
  if (mode === 'update-only') return 'Update Only';
  return mode;
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <Paper withBorder p="xs" radius="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="lg">
        {value}
      </Text>
    </Paper>
  );
}

/** The queued run as it goes, then what it did next to what was planned. */
function PushResult({ runId, plans }: { runId: number; plans: Plan[] }) {
  const detail = useQuery({
    queryKey: ['runs', runId],
    queryFn: () => api.get<RunDetail>(`/runs/${runId}`),
  });
  const run = detail.data?.run;
  const finished = run && finalStatuses.includes(run.status);
  const planned = plans.reduce(
    (acc, p) => {
      acc.create += p.report?.plan.counts.create ?? 0;
      acc.update += p.report?.plan.counts.update ?? 0;
      return acc;
    },
    { create: 0, update: 0 },
  );
  const counts = run?.counts ?? {};
  return (
    <Stack gap="sm">
      <Title order={3} size="h5">
        Push
      </Title>
      <RunProgress runId={runId} label={`Push #${runId}`} />
      {finished && (
        <Alert
          color={statusColor(run.status)}
          variant="light"
          title={`The push ${run.status === 'succeeded' ? 'finished' : `ended ${run.status}`}`}
          data-testid="push-result"
        >
          <Text size="sm">
            Created {counts.created ?? 0} (planned {planned.create}), updated {counts.updated ?? 0} (planned{' '}
            {planned.update}), unchanged {counts.unchanged ?? 0}, skipped {counts.skipped ?? 0}, failed{' '}
            {counts.failed ?? 0}.
          </Text>
          <Anchor component={Link} to={`/integrations/activity/${runId}`} size="sm">
            See every record of push #{runId} in Activity
          </Anchor>
        </Alert>
      )}
      <ErrorAlert error={detail.error} />
    </Stack>
  );
}
