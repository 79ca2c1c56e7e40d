import { Anchor, Stack, Switch, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api.js';
import { ErrorAlert } from '../../components/error-alert.js';
import { type EntityKind, entityKindOf, type SearchEntity } from './model.js';

interface AutoPushTarget {
  kind: 'search' | 'list';
  id: number;
  name: string;
}

/** The entity kinds that have a push destination (`GET /api/destinations`). */
export function useDestinationKinds() {
  return useQuery({
    queryKey: ['destinations'],
    queryFn: () => api.get<{ destinations: Array<{ entityKind: string }> }>('/destinations'),
    select: (d) => new Set(d.destinations.map((x) => x.entityKind as EntityKind)),
    retry: false,
  });
}

export const autoPushExplanation =
  'After every change to our data (an import, new signals, a record created from review), its new results and changed values are pushed to Affinity in one debounced run.';

/** The auto-push switch of one saved search or list, with the API's refusal when it refuses. */
export function AutoPushSwitch({
  kind,
  id,
  name,
  entity,
  marked,
}: {
  kind: 'search' | 'list';
  id: number;
  name: string;
  entity: SearchEntity;
  /** Whether the saved search or list is marked now, as its answer says (`autoPush`). */
  marked: boolean;
}) {
  const queryClient = useQueryClient();
  const destinations = useDestinationKinds();
  // The switch follows the click at once; the mark the API answers replaces it.
  const [optimistic, setOptimistic] = useState<boolean | null>(null);
  const set = useMutation({
    mutationFn: (next: boolean) =>
      api.put<AutoPushTarget & { autoPush: boolean }>(
        `/${kind === 'search' ? 'saved-searches' : 'lists'}/${id}/auto-push`,
        { on: next },
      ),
    onSuccess: async (r) => {
      notifications.show({
        closeButtonProps: { 'aria-label': 'Dismiss' },
        message: r.autoPush
          ? `"${r.name}" is pushed to Affinity after every change to our data`
          : `"${r.name}" is no longer pushed automatically`,
      });
      void queryClient.invalidateQueries({ queryKey: ['usage'] });
      // The switch shows the mark once the saved search or list answers it.
      await queryClient.invalidateQueries({ queryKey: kind === 'search' ? ['saved-searches'] : ['lists'] });
    },
    onSettled: () => setOptimistic(null),
  });
  const kindOf = entityKindOf[entity];
  const noDestination = destinations.data !== undefined && !destinations.data.has(kindOf);
  const checked = optimistic ?? marked;
  return (
    <Stack gap={4}>
      <Switch
        size="sm"
        label="Auto-push"
        aria-label={`Auto-push ${name}`}
        checked={checked}
        disabled={set.isPending}
        onChange={(e) => {
          setOptimistic(e.currentTarget.checked);
          set.mutate(e.currentTarget.checked);
        }}
      />
      {noDestination && (
        <Text size="xs" c="dimmed">
          No destination for {entity} yet:{' '}
          <Anchor component={Link} to="/integrations/push" size="xs">
            add one in Push setup
          </Anchor>{' '}
          before it can push.
        </Text>
      )}
      <ErrorAlert error={set.error} title="Auto-push was not changed" />
    </Stack>
  );
}
