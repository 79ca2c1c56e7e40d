import { Alert, Anchor, Button, Group, Skeleton, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api } from '../api.js';
import { useUser } from '../auth.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { SetupSteps } from '../components/setup-steps.js';
import { DestinationForm } from './push-setup/destination-form.js';
import { EntityCard } from './push-setup/entity-card.js';
import {
  type DestinationsResult,
  destinationsKey,
  type EntityKind,
  entities,
  titleInText,
} from './push-setup/model.js';

/**
 * The Push Setup wizard (steps 3–8): for each of our entity kinds, where it goes in Affinity and
 * how its data points map to the workspace's fields; Continue → to pull setup once one is saved.
 * Everyone signed in sees it; only admins change it (the API refuses anyone else).
 */
export function PushSetupScreen() {
  const user = useUser();
  const destinations = useQuery({
    queryKey: destinationsKey,
    queryFn: () => api.get<DestinationsResult>('/destinations'),
  });
  const [editing, setEditing] = useState<EntityKind | null>(null);
  const data = destinations.data;
  const saved = data?.destinations ?? [];
  const notConnected = destinations.error instanceof ApiError && destinations.error.code === 'not_connected';

  return (
    <Page
      title="Push Setup"
      description="Click Add Destination next to the entity you want to configure: choose where it goes in Affinity, how records are matched, and which fields its data fills."
    >
      <SetupSteps active="push" />

      {notConnected ? (
        <Alert styles={titleInText} color="gray" variant="default" title="Affinity is not connected yet">
          <Text size="sm">
            Destinations are fields and lists of your Affinity workspace, so connect it first:{' '}
            <Anchor component={Link} to="/integrations/connect">
              connect Affinity
            </Anchor>
            .
          </Text>
        </Alert>
      ) : destinations.isError ? (
        <ErrorAlert error={destinations.error} title="The destinations could not be read" />
      ) : !data ? (
        <Stack gap="md" aria-busy="true" aria-label="Loading the destinations">
          {entities.map((e) => (
            <Skeleton key={e.kind} height={96} radius="md" />
          ))}
        </Stack>
      ) : (
        <>
          <Text size="sm">
            Pushing to <b>{data.workspace.tenantName ?? data.workspace.connection}</b> (
            {data.workspace.baseUrl}).
          </Text>
          {!user.admin && (
            <Alert
              styles={titleInText}
              color="gray"
              variant="light"
              title="Only admins can change destinations"
            >
              <Text size="sm">
                You can see where each entity is pushed and how its fields are mapped. Ask a workspace admin
                (marked with an Admin badge in Settings → Team) to add or change a destination.
              </Text>
            </Alert>
          )}
          {saved.length > 0 && !data.checked && (
            <Alert
              styles={titleInText}
              color="yellow"
              variant="light"
              title="Mappings not checked against Affinity"
            >
              <Text size="sm">
                Affinity could not be read, so the mappings below are shown as saved, unchecked
                {data.uncheckedReason ? `: ${data.uncheckedReason}` : '.'}
              </Text>
            </Alert>
          )}
          <Stack gap="md">
            {entities.map((e) => (
              <EntityCard
                key={e.kind}
                kind={e.kind}
                destination={saved.find((d) => d.entityKind === e.kind) ?? null}
                isAdmin={user.admin}
                onEdit={() => setEditing(e.kind)}
              />
            ))}
          </Stack>
          {editing && (
            <DestinationForm
              kind={editing}
              destination={saved.find((d) => d.entityKind === editing) ?? null}
              sources={data.sources[editing] ?? []}
              isAdmin={user.admin}
              opened
              onClose={() => setEditing(null)}
            />
          )}
        </>
      )}

      <Group justify="space-between" align="center" wrap="wrap" gap="sm" mt="sm">
        <Text size="sm" c="dimmed" maw={640}>
          Repeat steps 3–8 for any additional entities you want to push. Once all your destinations are
          configured, click Continue →.
        </Text>
        {saved.length > 0 ? (
          <Button component={Link} to="/integrations/pull">
            Continue →
          </Button>
        ) : (
          <Stack gap={2} align="flex-end">
            <Button disabled>Continue →</Button>
            <Text size="xs" c="dimmed">
              Save at least one destination to continue
            </Text>
          </Stack>
        )}
      </Group>
    </Page>
  );
}
