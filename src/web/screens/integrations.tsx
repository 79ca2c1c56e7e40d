import {
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  Group,
  List,
  Modal,
  Progress,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import type { RunList, RunSummary } from '../../app/activity.js';
import type { Schedule } from '../../app/schedules.js';
import type { UsageResult } from '../../app/usage.js';
import { api } from '../api.js';
import { useUser } from '../auth.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { StatusBadge } from '../components/run-progress.js';
import { type ConnectionAnswer, SetupSteps, useConnection } from '../components/setup-steps.js';

const finishedStatuses = ['succeeded', 'partial', 'failed', 'stopped', 'interrupted'];

/** How far back the hub counts Affinity's 429 answers. */
const THROTTLE_WINDOW_DAYS = 7;

/** `GET /api/runs` with a query, under the `runs` key so a finished run refreshes it. */
export function useRuns(query: Record<string, string | number | string[]>, enabled = true) {
  return useQuery({
    queryKey: ['runs', query],
    queryFn: () => api.get<RunList>('/runs', query),
    enabled,
  });
}

/** `GET /api/schedules`: every schedule with its next and last run. */
export function useSchedules(enabled = true) {
  return useQuery({
    queryKey: ['schedules'],
    queryFn: () => api.get<{ schedules: Schedule[] }>('/schedules'),
    enabled,
  });
}

/**
 * Step 1 of the setup: the Integrations page with the Affinity card. Not connected, it says what
 * the integration does and how to connect; connected, it is where the integration is watched from:
 * the workspace, the last and next sync, its health, the setup screens and the recent activity.
 */
export function IntegrationsScreen() {
  const connection = useConnection();
  return (
    <Page title="Integrations" description="Connect affinity-sync to your CRM and watch the data flow.">
      {connection.isPending && <Skeleton h={240} aria-label="Loading the Affinity connection" />}
      {connection.error && <ErrorAlert error={connection.error} />}
      {connection.data &&
        (connection.data.connected && connection.data.connection ? (
          <Connected connection={connection.data} />
        ) : (
          <NotConnected />
        ))}
    </Page>
  );
}

function AffinityHeading({ connected }: { connected: boolean }) {
  return (
    <Group justify="space-between" wrap="wrap" gap="xs">
      <Title order={3}>Affinity</Title>
      <Badge
        color={connected ? 'green' : 'gray'}
        variant={connected ? 'light' : 'outline'}
        c={connected ? '#1e6b2e' : '#3d4249'}
        size="lg"
      >
        {connected ? 'Connected' : 'Not connected'}
      </Badge>
    </Group>
  );
}

function NotConnected() {
  const user = useUser();
  return (
    <Card withBorder padding="lg" data-testid="affinity-card">
      <Stack gap="md">
        <AffinityHeading connected={false} />
        <Title order={4}>Why integrate with Affinity?</Title>
        <Text size="sm">
          affinity-sync and Affinity exchange data both ways. Pull your Affinity lists into My CRM and every
          record is enriched with our data and ranked by growth. Push enriched companies, people and investors
          back into Affinity — a single record, a selection or a whole search — with the field mapping you
          choose.
        </Text>
        <List size="sm" spacing={4}>
          <List.Item>
            Pull: several Affinity lists at once into My CRM; unmatched records go to Review.
          </List.Item>
          <List.Item>
            Push: create or update companies, people and investors, optionally adding them to a list.
          </List.Item>
          <List.Item>
            Auto-push: mark a saved search or list and its new results and changed values reach Affinity by
            themselves.
          </List.Item>
        </List>
        <Title order={4}>Who can connect the integration?</Title>
        <Text size="sm">
          Only Affinity workspace admins can authorise the connection.
          {user.admin
            ? ' You are an admin: connect with an API key of your workspace.'
            : ' Ask your workspace admin to complete the setup, or request admin rights via Settings → Team.'}
        </Text>
        <SetupSteps />
        <Group>
          <Button component={Link} to="/integrations/connect">
            Connect
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function Connected({ connection }: { connection: ConnectionAnswer }) {
  const c = connection.connection;
  const user = useUser();
  if (!c) return null;
  return (
    <Stack gap="md">
      <Card withBorder padding="lg" data-testid="affinity-card">
        <Stack gap="md">
          <AffinityHeading connected />
          <SetupSteps />
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="lg">
            <Section title="Workspace">
              <Facts>
                <Fact label="Workspace">{c.tenantName ?? 'unnamed workspace'}</Fact>
                <Fact label="Affinity URL">{c.baseUrl}</Fact>
                <Fact label="API key">{c.apiKeyHint}</Fact>
                <Fact label="Connected by">
                  {c.connectedBy}
                  {c.verifiedAt ? `, ${formatDateTime(c.verifiedAt)}` : ''}
                </Fact>
                {c.affinityUserEmail && <Fact label="Key of">{c.affinityUserEmail}</Fact>}
              </Facts>
            </Section>
            <SyncSection />
            <HealthSection />
          </SimpleGrid>
          <Group gap="xs" wrap="wrap" aria-label="Setup screens" role="group">
            <Button component={Link} to="/integrations/push" variant="light">
              Push setup
            </Button>
            <Button component={Link} to="/integrations/pull" variant="light">
              Pull setup
            </Button>
            <Button component={Link} to="/integrations/activity" variant="light">
              Activity
            </Button>
            <Button component={Link} to="/settings/schedules" variant="light">
              Schedules
            </Button>
          </Group>
        </Stack>
      </Card>
      <RecentActivity />
      <DisconnectCard admin={user.admin} tenantName={c.tenantName} />
    </Stack>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap="xs">
      <Title order={4}>{title}</Title>
      {children}
    </Stack>
  );
}

function Facts({ children }: { children: ReactNode }) {
  return (
    <Box component="dl" m={0} style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
      {children}
    </Box>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed">
        {label}
      </Text>
      <Text component="dd" size="sm" m={0} style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </div>
  );
}

function SyncSection() {
  const last = useRuns({ status: finishedStatuses, limit: 1 });
  const schedules = useSchedules();
  const lastRun = last.data?.runs[0];
  const next = (schedules.data?.schedules ?? [])
    .filter((s) => !s.paused && s.nextRunAt)
    .sort((a, b) => (a.nextRunAt ?? '').localeCompare(b.nextRunAt ?? ''))[0];
  return (
    <Section title="Sync">
      <Facts>
        <Fact label="Last sync">
          {last.isPending ? (
            'Loading…'
          ) : lastRun ? (
            <>
              <Anchor component={Link} to={`/integrations/activity/${lastRun.id}`}>
                {capitalise(lastRun.kind)} #{lastRun.id}
              </Anchor>{' '}
              <StatusBadge status={lastRun.status} size="sm" />{' '}
              {lastRun.finishedAt ? relativeTime(lastRun.finishedAt) : ''}
            </>
          ) : (
            <>
              None yet.{' '}
              <Anchor component={Link} to="/integrations/pull" inherit>
                Pull your lists
              </Anchor>
            </>
          )}
        </Fact>
        <Fact label="Next scheduled run">
          {schedules.isPending ? (
            'Loading…'
          ) : next?.nextRunAt ? (
            <>
              {next.name} ({next.kind}) {relativeTime(next.nextRunAt)}, {formatDateTime(next.nextRunAt)}
            </>
          ) : (
            <>
              {(schedules.data?.schedules.length ?? 0) > 0 ? 'Every schedule is paused. ' : 'No schedule. '}
              <Anchor component={Link} to="/settings/schedules" inherit>
                Set up a schedule
              </Anchor>
            </>
          )}
        </Fact>
      </Facts>
      {last.error && <ErrorAlert error={last.error} />}
      {schedules.error && <ErrorAlert error={schedules.error} />}
    </Section>
  );
}

function HealthSection() {
  const [since] = useState(() =>
    new Date(Date.now() - THROTTLE_WINDOW_DAYS * 86_400_000).toISOString().slice(0, 10),
  );
  const failed = useRuns({ status: 'failed', limit: 1 });
  const recent = useRuns({ since, limit: 200 });
  const usage = useQuery({ queryKey: ['usage'], queryFn: () => api.get<UsageResult>('/usage') });
  const lastFailed = failed.data?.runs[0];
  const throttledRuns = recent.data?.runs.filter((r) => r.throttled > 0) ?? [];
  const throttled = throttledRuns.reduce((sum, r) => sum + r.throttled, 0);
  return (
    <Section title="Health">
      <Facts>
        <Fact label="Last error">
          {failed.isPending ? (
            'Loading…'
          ) : lastFailed ? (
            <>
              <Anchor component={Link} to={`/integrations/activity/${lastFailed.id}`}>
                {capitalise(lastFailed.kind)} #{lastFailed.id}
              </Anchor>{' '}
              failed {relativeTime(lastFailed.finishedAt ?? lastFailed.startedAt)}:{' '}
              {lastFailed.error ?? 'no reason recorded'}
            </>
          ) : (
            'None: no run has failed.'
          )}
        </Fact>
        <Fact label={`Rate limit (429) in the last ${THROTTLE_WINDOW_DAYS} days`}>
          {recent.isPending
            ? 'Loading…'
            : throttled === 0
              ? 'None: Affinity never asked us to slow down.'
              : `${throttled} × 429 in ${throttledRuns.length} of ${recent.data?.runs.length ?? 0} runs (retried after the wait Affinity asked for).`}
        </Fact>
        <Fact label="Quota used this month">
          {usage.isPending ? 'Loading…' : usage.data ? <QuotaUsed usage={usage.data} /> : ''}
        </Fact>
      </Facts>
      {failed.error && <ErrorAlert error={failed.error} />}
      {recent.error && <ErrorAlert error={recent.error} />}
      {usage.error && <ErrorAlert error={usage.error} />}
    </Section>
  );
}

function QuotaUsed({ usage }: { usage: UsageResult }) {
  const ours = `${usage.total.apiCalls.toLocaleString()} calls by affinity-sync`;
  const { limit, remaining, unlimited } = usage.quota;
  if (unlimited) return <>{ours}; the quota is unlimited.</>;
  if (limit === null || remaining === null) {
    return (
      <>
        {ours}; Affinity's monthly quota is not known yet.{' '}
        <Anchor component={Link} to="/settings/usage" inherit>
          Usage
        </Anchor>
      </>
    );
  }
  const used = Math.max(0, limit - remaining);
  const pct = limit > 0 ? Math.min(100, (used / limit) * 100) : 0;
  return (
    <Stack gap={4}>
      <span>
        {used.toLocaleString()} of {limit.toLocaleString()} calls ({pct.toFixed(pct < 10 ? 1 : 0)}%), {ours}.
        Resets {formatDate(usage.quota.resetAt)}.{' '}
        <Anchor component={Link} to="/settings/usage" inherit>
          Usage
        </Anchor>
      </span>
      <Progress
        value={pct}
        color={pct > 90 ? 'red' : pct > 70 ? 'yellow' : 'indigo'}
        aria-label={`Quota used this month: ${pct.toFixed(0)}%`}
      />
    </Stack>
  );
}

function RecentActivity() {
  const runs = useRuns({ limit: 5 });
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Title order={3}>Recent activity</Title>
          <Anchor component={Link} to="/integrations/activity" size="sm">
            All activity
          </Anchor>
        </Group>
        {runs.isPending && <Skeleton h={120} aria-label="Loading the recent runs" />}
        {runs.error && <ErrorAlert error={runs.error} />}
        {runs.data && runs.data.runs.length === 0 && (
          <Text size="sm">
            No sync has run yet. Start with the{' '}
            <Anchor component={Link} to="/integrations/push" inherit>
              Push setup
            </Anchor>{' '}
            or a{' '}
            <Anchor component={Link} to="/integrations/pull" inherit>
              pull of your lists
            </Anchor>
            .
          </Text>
        )}
        {runs.data && runs.data.runs.length > 0 && (
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="xs" data-testid="recent-runs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Run</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Started by</Table.Th>
                  <Table.Th>Started</Table.Th>
                  <Table.Th>Records</Table.Th>
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
          </Table.ScrollContainer>
        )}
      </Stack>
    </Card>
  );
}

function RunRow({ run }: { run: RunSummary }) {
  const counts = Object.entries(run.counts).filter(([, n]) => n > 0);
  return (
    <Table.Tr>
      <Table.Td>
        {capitalise(run.kind)} #{run.id}
        {run.dryRun ? ' (dry run)' : ''}
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <StatusBadge status={run.status} />
      </Table.Td>
      <Table.Td>
        {run.trigger} · {run.actor}
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>{relativeTime(run.startedAt)}</Table.Td>
      <Table.Td>{counts.length ? counts.map(([k, n]) => `${n} ${k}`).join(', ') : '—'}</Table.Td>
      <Table.Td>
        <Anchor component={Link} to={`/integrations/activity/${run.id}`} size="sm">
          More info<VisuallyHidden> on run {run.id}</VisuallyHidden>
        </Anchor>
      </Table.Td>
    </Table.Tr>
  );
}

function DisconnectCard({ admin, tenantName }: { admin: boolean; tenantName: string | null }) {
  const [opened, setOpened] = useState(false);
  const queryClient = useQueryClient();
  const disconnect = useMutation({
    mutationFn: () => api.del<{ removed: boolean }>('/connection'),
    onSuccess: async () => {
      setOpened(false);
      await queryClient.invalidateQueries();
      notifications.show({
        color: 'green',
        title: 'Disconnected',
        message: 'Affinity is no longer connected.',
      });
    },
  });
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Title order={3}>Disconnect</Title>
        <Text size="sm">
          Disconnecting forgets the stored API key and everything tied to this workspace here.
          {admin ? '' : ' Only admins can disconnect.'}
        </Text>
        <Group>
          <Button color="red.9" variant="outline" disabled={!admin} onClick={() => setOpened(true)}>
            Disconnect Affinity
          </Button>
        </Group>
        {disconnect.error && !opened && <ErrorAlert error={disconnect.error} />}
      </Stack>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={`Disconnect ${tenantName ?? 'Affinity'}?`}
        centered
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        <Stack gap="sm">
          <Text size="sm">This forgets, here:</Text>
          <List size="sm" spacing={2}>
            <List.Item>the stored API key;</List.Item>
            <List.Item>the push destinations with their field mappings and lists;</List.Item>
            <List.Item>
              the pull sources and the records pulled into My CRM, with their review state;
            </List.Item>
            <List.Item>the links between your records and Affinity's;</List.Item>
            <List.Item>the schedules and the webhook subscriptions of this connection.</List.Item>
          </List>
          <Text size="sm">
            Runs stay in Activity; your dataset, saved searches and lists stay. Nothing is deleted in
            Affinity, not even our webhook subscription there: remove it in Settings → Webhooks first.
          </Text>
          {disconnect.error && <ErrorAlert error={disconnect.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              Cancel
            </Button>
            <Button color="red.9" loading={disconnect.isPending} onClick={() => disconnect.mutate()}>
              Disconnect
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago", "in 2 hours": when a run was or will be, at a glance. */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds < 0 ? 'just now' : 'in a moment';
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}
