import { Alert, Anchor, Badge, Button, Card, Group, List, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { Schedule } from '../../app/schedules.js';
import type { UsageResult } from '../../app/usage.js';
import { api } from '../api.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { SetupSteps, useConnection } from '../components/setup-steps.js';
import { formatDateTime, relativeTime, useSchedules } from './integrations.js';

/**
 * Step 11 of the setup: the integration runs by itself now. Says on which schedules, where to watch
 * it, and what takes it further (auto-push, webhooks, the call budget).
 */
export function LiveScreen() {
  const connection = useConnection();
  const connected = connection.data?.connected === true;
  const schedules = useSchedules(connected);
  const usage = useQuery({
    queryKey: ['usage'],
    queryFn: () => api.get<UsageResult>('/usage'),
    enabled: connected,
  });
  const workspace = connection.data?.connection?.tenantName ?? 'Affinity';
  return (
    <Page
      title="You're Live!"
      description={connected ? 'The setup is complete.' : 'Live once Affinity is connected and set up.'}
    >
      <SetupSteps active="live" />
      {connection.isPending && <Skeleton h={160} aria-label="Loading the connection" />}
      {connection.error && <ErrorAlert error={connection.error} />}
      {connection.data && !connected && (
        <Alert styles={titleInText} color="gray" variant="default" title="Affinity is not connected">
          <Text size="sm">
            Nothing can be exchanged until an admin connects a workspace.{' '}
            <Anchor component={Link} to="/integrations/connect" inherit>
              Connect Affinity
            </Anchor>
          </Text>
        </Alert>
      )}
      {connected && (
        <>
          <Card withBorder padding="lg">
            <Stack gap="sm">
              <Title order={3}>{workspace} and affinity-sync now exchange data on the schedule you set</Title>
              <Text size="sm">
                Monitor activity anytime from the Integrations hub: the last and next sync, errors, Affinity's
                rate limits and the monthly quota, and every run's records.
              </Text>
              <Group>
                <Button component={Link} to="/integrations">
                  Go to the Integrations hub
                </Button>
                <Button component={Link} to="/integrations/activity" variant="default">
                  Activity
                </Button>
              </Group>
            </Stack>
          </Card>
          <Card withBorder padding="lg">
            <Stack gap="sm">
              <Group justify="space-between" wrap="wrap">
                <Title order={3}>Schedules</Title>
                <Anchor component={Link} to="/settings/schedules" size="sm">
                  Manage schedules
                </Anchor>
              </Group>
              {schedules.isPending && <Skeleton h={80} aria-label="Loading the schedules" />}
              {schedules.error && <ErrorAlert error={schedules.error} />}
              {schedules.data && schedules.data.schedules.length === 0 && (
                <Alert styles={titleInText} color="gray" variant="default" title="No schedule yet">
                  <Text size="sm">
                    Until there is one, pulls and pushes run only when someone starts them (or an auto-push
                    target changes).{' '}
                    <Anchor component={Link} to="/settings/schedules" inherit>
                      Set up a schedule
                    </Anchor>{' '}
                    to pull your lists and push your searches on their own.
                  </Text>
                </Alert>
              )}
              {schedules.data && schedules.data.schedules.length > 0 && (
                <SchedulesList schedules={schedules.data.schedules} />
              )}
            </Stack>
          </Card>
          <Card withBorder padding="lg">
            <Stack gap="sm">
              <Title order={3}>Want to get to the next level with your Affinity integration?</Title>
              <List size="sm" spacing="xs">
                <List.Item>
                  <b>Auto-push saved searches and lists.</b> Mark one for auto-push in{' '}
                  <Anchor component={Link} to="/search" inherit>
                    Search
                  </Anchor>{' '}
                  and its new results and changed values reach Affinity by themselves, in one debounced run.
                  {usage.data && <AutoPushNow targets={usage.data.autoPush} />}
                </List.Item>
                <List.Item>
                  <b>Keep My CRM fresh between pulls with Affinity webhooks.</b> Subscribe in{' '}
                  <Anchor component={Link} to="/settings/webhooks" inherit>
                    Settings → Webhooks
                  </Anchor>
                  : changes in Affinity are applied as they happen (Affinity allows 3 subscriptions per
                  workspace).
                </List.Item>
                <List.Item>
                  <b>Set the automation budget.</b> Cap the share of Affinity's monthly quota that schedules
                  and auto-push may spend in{' '}
                  <Anchor component={Link} to="/settings/usage" inherit>
                    Settings → Usage
                  </Anchor>
                  .
                </List.Item>
                <List.Item>
                  <b>Settle unmatched records.</b> Link, create or ignore them in{' '}
                  <Anchor component={Link} to="/review" inherit>
                    Review
                  </Anchor>
                  ; decisions hold across pulls.
                </List.Item>
              </List>
            </Stack>
          </Card>
          {usage.error && <ErrorAlert error={usage.error} />}
        </>
      )}
    </Page>
  );
}

function AutoPushNow({ targets }: { targets: UsageResult['autoPush'] }) {
  if (targets.length === 0) return <Text size="sm">Nothing is auto-pushed yet.</Text>;
  return (
    <Text size="sm">
      Auto-pushed now:{' '}
      {targets.map((t) => `${t.name} (${t.kind === 'search' ? 'saved search' : 'list'})`).join(', ')}.
    </Text>
  );
}

function SchedulesList({ schedules }: { schedules: Schedule[] }) {
  return (
    <Stack component="ul" gap="xs" m={0} p={0} style={{ listStyle: 'none' }} data-testid="live-schedules">
      {schedules.map((s) => (
        <Group component="li" key={s.id} gap="xs" wrap="wrap" align="baseline">
          <Text size="sm" fw={600}>
            {s.name}
          </Text>
          <Text size="sm">
            {s.kind === 'pull' ? 'Pull' : 'Push'},{' '}
            {s.cron ? `cron ${s.cron}` : s.intervalMinutes ? every(s.intervalMinutes) : 'no cadence'} (
            {s.timezone})
          </Text>
          {s.paused ? (
            <Badge color="gray" variant="outline" c="#3d4249">
              Paused
            </Badge>
          ) : s.nextRunAt ? (
            <Text size="sm" c="dimmed">
              next run {relativeTime(s.nextRunAt)} ({formatDateTime(s.nextRunAt)})
            </Text>
          ) : null}
        </Group>
      ))}
    </Stack>
  );
}

/** "every 15 minutes", "every 2 hours", "every day". */
function every(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? 'every day' : `every ${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? 'every hour' : `every ${minutes / 60} hours`;
  return minutes === 1 ? 'every minute' : `every ${minutes} minutes`;
}

/** An alert's title in the text colour: the light yellow and green titles do not read at AA. */
const titleInText = { title: { color: 'var(--mantine-color-text)' } };
