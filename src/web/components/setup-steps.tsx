import { Anchor, Box, Group, Text, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api.js';

/** The steps of setting up the integration, in the order the seed walks them. */
export type SetupStepId = 'connect' | 'push' | 'pull' | 'activity' | 'live';

export const setupSteps: readonly { id: SetupStepId; label: string; to: string }[] = [
  { id: 'connect', label: 'Connect', to: '/integrations/connect' },
  { id: 'push', label: 'Push setup', to: '/integrations/push' },
  { id: 'pull', label: 'Pull', to: '/integrations/pull' },
  { id: 'activity', label: 'Review activity', to: '/integrations/activity' },
  { id: 'live', label: 'Live', to: '/integrations/live' },
];

/** Which steps are done, by step. */
export type SetupProgress = Partial<Record<SetupStepId, boolean>>;

/** `GET /api/connection` as the API answers it. */
export interface ConnectionAnswer {
  connected: boolean;
  name: string;
  workspace: { connection: string; tenantName: string | null; baseUrl: string } | null;
  connection: {
    id: number;
    name: string;
    baseUrl: string;
    apiKeyHint: string;
    authScheme: 'basic' | 'bearer';
    tenantId: number | null;
    tenantName: string | null;
    affinityUserId: number | null;
    affinityUserEmail: string | null;
    connectedBy: string;
    verifiedAt: string | null;
  } | null;
  permissions: string[];
}

/** The query key of `GET /api/connection`; connecting or disconnecting invalidates it. */
export const connectionKey = ['connection'] as const;

/** The Affinity connection (connected or not), shared by every screen that needs it. */
export function useConnection() {
  return useQuery({
    queryKey: connectionKey,
    queryFn: () => api.get<ConnectionAnswer>('/connection'),
  });
}

/**
 * How far the setup is, read from the API: connected, a destination saved, a pull finished, a
 * schedule set (the integration then runs by itself, which is what being live means). Reviewing
 * activity has no trace in the API; it counts as done once the setup is live.
 */
export function useSetupProgress(enabled = true): SetupProgress {
  const connection = useConnection();
  const connected = connection.data?.connected === true;
  const destinations = useQuery({
    queryKey: ['destinations'],
    queryFn: () => api.get<{ destinations: unknown[] }>('/destinations'),
    enabled: enabled && connected,
  });
  const pulls = useQuery({
    queryKey: ['runs', { kind: 'pull', status: ['succeeded', 'partial'], limit: 1 }],
    queryFn: () =>
      api.get<{ total: number }>('/runs', { kind: 'pull', status: ['succeeded', 'partial'], limit: 1 }),
    enabled: enabled && connected,
  });
  const schedules = useQuery({
    queryKey: ['schedules'],
    queryFn: () => api.get<{ schedules: unknown[] }>('/schedules'),
    enabled: enabled && connected,
  });
  const live = connected && (schedules.data?.schedules.length ?? 0) > 0;
  return {
    connect: connected,
    push: connected && (destinations.data?.destinations.length ?? 0) > 0,
    pull: connected && (pulls.data?.total ?? 0) > 0,
    activity: live,
    live,
  };
}

/**
 * The setup's progress (Connect → Push setup → Pull → Review activity → Live) for the top of each
 * setup screen: every step links to its screen and says whether it is done, in words as well as
 * with a mark. `active` is the screen it sits on; `done` overrides what the API says.
 */
export function SetupSteps({ active, done }: { active?: SetupStepId; done?: SetupProgress }) {
  const fetched = useSetupProgress(done === undefined);
  return <SetupStepsView {...(active ? { active } : {})} done={done ?? fetched} />;
}

/** The progress as given: no fetching, for screens that already know it. */
export function SetupStepsView({ active, done }: { active?: SetupStepId; done: SetupProgress }) {
  return (
    <Box component="nav" aria-label="Setup steps">
      <Group
        component="ol"
        gap={6}
        wrap="wrap"
        m={0}
        p={0}
        style={{ listStyle: 'none', rowGap: 8 }}
        data-testid="setup-steps"
      >
        {setupSteps.map((step, i) => {
          const isDone = done[step.id] === true;
          const isActive = active === step.id;
          const state = isActive ? 'current step' : isDone ? 'done' : 'to do';
          return (
            <Group component="li" key={step.id} gap={6} wrap="nowrap" data-state={state}>
              {i > 0 && (
                <Text component="span" aria-hidden c="dimmed" size="sm" mr={2}>
                  →
                </Text>
              )}
              <Box
                aria-hidden
                w={24}
                h={24}
                style={{
                  borderRadius: '50%',
                  display: 'flex',
                  alignItems: 'center',
                  justifyContent: 'center',
                  fontSize: 12,
                  lineHeight: 1,
                  fontWeight: 700,
                  flex: 'none',
                  border: `2px solid var(--mantine-color-${isDone ? 'green-8' : isActive ? 'indigo-7' : 'gray-5'})`,
                  background: isDone
                    ? 'var(--mantine-color-green-8)'
                    : isActive
                      ? 'var(--mantine-color-indigo-7)'
                      : 'transparent',
                  color: isDone || isActive ? 'white' : 'var(--mantine-color-gray-7)',
                }}
              >
                {isDone ? '✓' : i + 1}
              </Box>
              {isActive ? (
                <Text size="sm" fw={700} aria-current="step">
                  {step.label}
                  <VisuallyHidden> ({isDone ? 'done, ' : ''}current step)</VisuallyHidden>
                </Text>
              ) : (
                <Anchor component={Link} to={step.to} size="sm">
                  {step.label}
                  <VisuallyHidden> ({state})</VisuallyHidden>
                </Anchor>
              )}
            </Group>
          );
        })}
      </Group>
    </Box>
  );
}
