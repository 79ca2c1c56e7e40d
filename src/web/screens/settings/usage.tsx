import { BarChart } from '@mantine/charts';
import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  NumberInput,
  Progress,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api } from '../../api.js';
import { useUser } from '../../auth.js';
import { ErrorAlert } from '../../components/error-alert.js';
import { formatNumber, formatTime, notify } from './common.js';

interface Count {
  runs: number;
  apiCalls: number;
}

interface Usage {
  connection: string;
  month: string;
  from: string;
  to: string;
  total: Count;
  byTrigger: (Count & { trigger: string })[];
  byKind: (Count & { kind: string })[];
  webhooks: { deliveries: number; apiCalls: number };
  bySchedule: (Count & { scheduleId: number; name: string | null })[];
  runs: unknown[];
  quota: {
    limit: number | null;
    unlimited: boolean;
    remaining: number | null;
    remainingSource: 'affinity' | 'estimated' | 'unknown';
    resetAt: string;
    seenAt: string | null;
  };
  autoPush: { kind: 'search' | 'list'; id: number; name: string }[];
  budget: {
    automationBudgetPct: number | null;
    manualWarnPct: number | null;
    automationShare: number | null;
    automationSpent: number;
    automationLeft: number | null;
  };
}

/** How many months the chart shows, this one included. */
const MONTHS = 6;
const AUTOMATION = new Set(['schedule', 'auto-push', 'webhook']);

/** The last `n` calendar months (UTC, as Affinity counts its quota), oldest first, as YYYY-MM. */
function lastMonths(n: number, now = new Date()): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y ?? 2000, (m ?? 1) - 1, 1)).toLocaleDateString(undefined, {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/**
 * The monthly API call quota: calls per month over the last months (people's runs and automation's),
 * this month by trigger, kind and schedule, what is left, and the budget that keeps automation
 * within its share.
 */
export function UsageTab() {
  const months = lastMonths(MONTHS);
  const results = useQueries({
    queries: months.map((month) => ({
      queryKey: ['usage', month],
      queryFn: () => api.get<Usage>('/usage', { month }),
    })),
  });
  const current = results[results.length - 1];
  const error = results.find((r) => r.error)?.error;
  const notConnected = error instanceof ApiError && error.code === 'not_connected';
  const chart = months.map((month, i) => {
    const u = results[i]?.data;
    const automation =
      u?.byTrigger.filter((t) => AUTOMATION.has(t.trigger)).reduce((n, t) => n + t.apiCalls, 0) ?? 0;
    return {
      month: monthLabel(month),
      People: (u?.total.apiCalls ?? 0) - automation,
      Automation: automation,
    };
  });
  const u = current?.data;

  return (
    <Stack gap="lg">
      <div>
        <Title order={3}>API call usage</Title>
        <Text size="sm" c="dimmed" maw={720}>
          Affinity counts every API call of your account against a monthly quota. Runs started by people are
          never refused, only warned about; scheduled, auto-push and webhook runs stay within the automation
          share set below.
        </Text>
      </div>
      {error !== undefined && error !== null && (
        <Stack gap="xs">
          <ErrorAlert error={error} />
          {notConnected && (
            <Text size="sm">
              <Anchor component={Link} to="/integrations/connect">
                Connect Affinity
              </Anchor>{' '}
              to see its quota.
            </Text>
          )}
        </Stack>
      )}
      {!u && !error && <Skeleton h={260} />}
      {u && (
        <>
          <QuotaCard usage={u} />
          <Card withBorder padding="md">
            <Title order={4} mb="xs">
              Calls per month
            </Title>
            <BarChart
              h={240}
              data={chart}
              dataKey="month"
              type="stacked"
              withLegend
              series={[
                { name: 'People', color: 'indigo.6' },
                { name: 'Automation', color: 'teal.7' },
              ]}
              valueFormatter={(v) => v.toLocaleString()}
              aria-label={`API calls per month, last ${MONTHS} months`}
            />
            <Table mt="sm" fz="sm">
              <caption style={{ captionSide: 'top', textAlign: 'left' }}>
                <Text size="xs" c="dimmed" component="span">
                  The same figures as a table
                </Text>
              </caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Month</Table.Th>
                  <Table.Th>By people</Table.Th>
                  <Table.Th>By automation</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {chart.map((c) => (
                  <Table.Tr key={c.month}>
                    <Table.Td>{c.month}</Table.Td>
                    <Table.Td>{formatNumber(c.People)}</Table.Td>
                    <Table.Td>{formatNumber(c.Automation)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            <Breakdown
              title="By trigger"
              rows={u.byTrigger.map((t) => ({ key: t.trigger, label: t.trigger, ...t }))}
              extra={
                u.webhooks.deliveries > 0
                  ? `Webhook deliveries: ${formatNumber(u.webhooks.deliveries)} (${formatNumber(u.webhooks.apiCalls)} calls)`
                  : undefined
              }
            />
            <Breakdown title="By kind" rows={u.byKind.map((k) => ({ key: k.kind, label: k.kind, ...k }))} />
            <Breakdown
              title="By schedule"
              rows={u.bySchedule.map((s) => ({
                key: String(s.scheduleId),
                label: s.name ?? `schedule ${s.scheduleId} (removed)`,
                ...s,
              }))}
              empty="No scheduled runs this month."
            />
          </SimpleGrid>
          {u.autoPush.length > 0 && (
            <Text size="sm">
              Auto-push is on for:{' '}
              {u.autoPush
                .map((a) => `${a.kind === 'search' ? 'saved search' : 'list'} “${a.name}”`)
                .join(', ')}
              .
            </Text>
          )}
          <BudgetForm usage={u} />
        </>
      )}
    </Stack>
  );
}

function QuotaCard({ usage: u }: { usage: Usage }) {
  const q = u.quota;
  const used = q.limit !== null && q.remaining !== null ? q.limit - q.remaining : null;
  const pct = used !== null && q.limit ? Math.min(100, (used / q.limit) * 100) : null;
  return (
    <Card withBorder padding="md">
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start">
          <Title order={4}>This month ({monthLabel(u.month)})</Title>
          <Text size="xs" c="dimmed">
            Resets {formatTime(q.resetAt)}
          </Text>
        </Group>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <Figure label="Calls by our runs" value={formatNumber(u.total.apiCalls)} />
          <Figure label="Runs" value={formatNumber(u.total.runs)} />
          <Figure
            label="Quota"
            value={q.unlimited ? 'Unlimited' : q.limit === null ? 'Not known yet' : formatNumber(q.limit)}
          />
          <Figure
            label={q.remainingSource === 'estimated' ? 'Left (estimated)' : 'Left'}
            value={q.unlimited ? '—' : q.remaining === null ? 'Not known yet' : formatNumber(q.remaining)}
          />
        </SimpleGrid>
        {pct !== null && (
          <Progress
            value={pct}
            color={pct > 90 ? 'red' : pct > 70 ? 'yellow' : 'indigo'}
            aria-label={`${Math.round(pct)}% of the monthly quota used`}
          />
        )}
        <Text size="xs" c="dimmed">
          {q.remainingSource === 'affinity'
            ? `As Affinity last reported it${q.seenAt ? ` (${formatTime(q.seenAt)})` : ''}: the quota counts every call of the account, other tools’ too.`
            : q.remainingSource === 'estimated'
              ? 'Estimated from our own runs: Affinity reports the exact figure with the next call.'
              : 'Affinity reports the quota with the first API call of a run.'}
        </Text>
      </Stack>
    </Card>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} size="lg">
        {value}
      </Text>
    </div>
  );
}

function Breakdown({
  title,
  rows,
  empty = 'No runs this month.',
  extra,
}: {
  title: string;
  rows: { key: string; label: string; runs: number; apiCalls: number }[];
  empty?: string;
  extra?: string | undefined;
}) {
  return (
    <Card withBorder padding="md">
      <Title order={4} mb="xs">
        {title}
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Table fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{title.replace(/^By /, '').replace(/^./, (c) => c.toUpperCase())}</Table.Th>
              <Table.Th>Runs</Table.Th>
              <Table.Th>Calls</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.key}>
                <Table.Td>{r.label}</Table.Td>
                <Table.Td>{formatNumber(r.runs)}</Table.Td>
                <Table.Td>{formatNumber(r.apiCalls)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {extra && (
        <Text size="xs" c="dimmed" mt="xs">
          {extra}
        </Text>
      )}
    </Card>
  );
}

function BudgetForm({ usage: u }: { usage: Usage }) {
  const me = useUser();
  const queryClient = useQueryClient();
  const [automation, setAutomation] = useState<number | string>(u.budget.automationBudgetPct ?? '');
  const [warn, setWarn] = useState<number | string>(u.budget.manualWarnPct ?? '');
  useEffect(() => {
    setAutomation(u.budget.automationBudgetPct ?? '');
    setWarn(u.budget.manualWarnPct ?? '');
  }, [u.budget.automationBudgetPct, u.budget.manualWarnPct]);
  const save = useMutation({
    mutationFn: () =>
      api.put<{ automationBudgetPct: number | null; manualWarnPct: number | null }>('/usage/budget', {
        automationBudgetPct: automation === '' ? null : Number(automation),
        manualWarnPct: warn === '' ? null : Number(warn),
      }),
    onSuccess: () => {
      notify('The call budget is saved.');
      void queryClient.invalidateQueries({ queryKey: ['usage'] });
    },
  });
  const b = u.budget;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const fieldError = (f: string) => (save.error instanceof ApiError ? save.error.fieldMessage(f) : undefined);
  return (
    <Card withBorder padding="md">
      <form onSubmit={submit} noValidate aria-labelledby="budget-title">
        <Stack gap="sm">
          <Title order={4} id="budget-title">
            Call budget
          </Title>
          <Text size="sm">
            Automation spent {formatNumber(b.automationSpent)} calls this month
            {b.automationShare !== null
              ? ` of its share of ${formatNumber(b.automationShare)} (${formatNumber(b.automationLeft)} left).`
              : b.automationBudgetPct === null
                ? ': no share is set, so it may use the whole quota.'
                : u.quota.unlimited
                  ? ': the quota is unlimited, so its share caps nothing.'
                  : ': its share applies once Affinity has reported the quota.'}
          </Text>
          {!me.admin && (
            <Alert color="blue" title="Only admins can change the budget">
              <Text size="sm">
                Automation may use {b.automationBudgetPct ?? 100}% of the monthly quota; a manual run warns
                when it would spend more than {b.manualWarnPct ?? '—'}% of what is left.
              </Text>
            </Alert>
          )}
          {me.admin && (
            <>
              <Group grow align="flex-start" wrap="wrap" preventGrowOverflow={false}>
                <NumberInput
                  label="Automation share (% of the monthly quota)"
                  description="Scheduled, auto-push and webhook runs stop at this share. Empty: no cap."
                  min={0}
                  max={100}
                  clampBehavior="strict"
                  allowDecimal={false}
                  value={automation}
                  onChange={setAutomation}
                  error={fieldError('automationBudgetPct')}
                  miw={240}
                />
                <NumberInput
                  label="Warn above (% of what is left)"
                  description="A manual run’s plan warns when it would spend more than this. Empty: never."
                  min={0}
                  max={100}
                  clampBehavior="strict"
                  allowDecimal={false}
                  value={warn}
                  onChange={setWarn}
                  error={fieldError('manualWarnPct')}
                  miw={240}
                />
              </Group>
              {save.error && <ErrorAlert error={save.error} title="The budget was not saved" />}
              <Group>
                <Button type="submit" loading={save.isPending}>
                  Save budget
                </Button>
              </Group>
            </>
          )}
        </Stack>
      </form>
    </Card>
  );
}
