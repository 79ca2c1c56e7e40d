import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  List,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api.js';
import { ErrorAlert } from '../../components/error-alert.js';
import {
  type DestinationView,
  dataPointLabel,
  destinationsKey,
  type EntityKind,
  entityLabel,
  matchLabel,
  modeLabel,
  policyLabel,
  type RecordType,
  recordTypeLabels,
  titleInText,
} from './model.js';

/** "5 Dec 2026, 17:49" from the API's timestamp (ISO or PostgreSQL's text). */
function when(at: string): string {
  const date = new Date(at.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  return Number.isNaN(date.getTime())
    ? at
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function Setting({ name, value }: { name: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {name}
      </Text>
      <Text size="sm" fw={500}>
        {value}
      </Text>
    </div>
  );
}

/**
 * One entity kind on the wizard: where it goes in Affinity as saved (record type, matching rule,
 * push mode, list, each mapped field with its write policy, and whatever no longer holds in the
 * workspace), or Add Destination when it has none. Edit and Remove for admins.
 */
export function EntityCard({
  kind,
  destination,
  isAdmin,
  onEdit,
}: {
  kind: EntityKind;
  destination: DestinationView | null;
  isAdmin: boolean;
  onEdit: () => void;
}) {
  const label = entityLabel(kind);
  const headingId = `destination-${kind}`;
  const [confirming, setConfirming] = useState(false);
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => api.del(`/destinations/${kind}`),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: destinationsKey });
      setConfirming(false);
      notifications.show({
        title: `${label} destination removed`,
        message: `${label} are no longer pushed.`,
      });
    },
  });
  const problems = destination?.problems ?? [];

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby={headingId}>
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <Group gap="sm" align="center">
          <Title order={3} size="h4" id={headingId}>
            {label}
          </Title>
          {!destination ? (
            <Badge color="gray" variant="light">
              Not set up
            </Badge>
          ) : problems.length > 0 ? (
            <Badge color="orange" variant="light">
              Needs attention
            </Badge>
          ) : (
            <Badge color="green" variant="light">
              Saved
            </Badge>
          )}
        </Group>
        <Group gap="xs">
          {destination ? (
            <>
              <Button
                variant="default"
                onClick={onEdit}
                disabled={!isAdmin}
                aria-label={`Edit the ${label} destination`}
              >
                Edit
              </Button>
              <Button
                variant="default"
                color="red"
                onClick={() => setConfirming(true)}
                disabled={!isAdmin}
                aria-label={`Remove the ${label} destination`}
              >
                Remove
              </Button>
            </>
          ) : (
            <Button onClick={onEdit} disabled={!isAdmin} aria-label={`Add Destination for ${label}`}>
              Add Destination
            </Button>
          )}
        </Group>
      </Group>

      {!destination ? (
        <Text size="sm" c="dimmed" mt="xs">
          {label} are not pushed to Affinity yet. Add a destination to choose where they go and which of their
          data points fill which fields.
        </Text>
      ) : (
        <Stack gap="md" mt="md">
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md">
            <Setting
              name="Affinity Record Type"
              value={recordTypeLabels[destination.recordType as RecordType] ?? destination.recordType}
            />
            <Setting name="Matching rule" value={matchLabel(destination.matchRule)} />
            <Setting name="Push mode" value={modeLabel(destination.mode)} />
            <Setting name="Affinity list" value={destination.listName ?? 'No list'} />
          </SimpleGrid>
          {problems.length > 0 && (
            <Alert
              styles={titleInText}
              color="orange"
              variant="light"
              title={`Pushes of ${label.toLowerCase()} are refused until this is fixed`}
            >
              <List size="sm">
                {problems.map((p) => (
                  <List.Item key={p}>{p}</List.Item>
                ))}
              </List>
            </Alert>
          )}
          {destination.mappings.length === 0 ? (
            <Text size="sm" c="dimmed">
              No field is mapped: records are matched and created, and no field value is written.
            </Text>
          ) : (
            <Table verticalSpacing={6} layout="fixed" aria-label={`Fields mapped for ${label}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w="30%">Data point</Table.Th>
                  <Table.Th w="40%">Affinity field</Table.Th>
                  <Table.Th>Write policy</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {destination.mappings.map((m) => (
                  <Table.Tr key={m.source}>
                    <Table.Td>{dataPointLabel(m.source)}</Table.Td>
                    <Table.Td>
                      {m.renamed ?? m.fieldName}{' '}
                      <Text span size="xs" c="dimmed">
                        ({recordValueType(m.valueType)}
                        {m.allowsMultiple ? ', several values' : ''})
                      </Text>
                      {m.problem && (
                        <Text size="xs" c="red.8">
                          {m.problem}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {policyLabel(m.writePolicy)}
                      {m.writePolicyIsDefault ? (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          (default)
                        </Text>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Text size="xs" c="dimmed">
            Saved by {destination.updatedBy} · {when(destination.updatedAt)}
          </Text>
        </Stack>
      )}

      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={`Remove the ${label} destination?`}
        styles={{ title: { fontWeight: 700 } }}
      >
        <Stack gap="md">
          <Text size="sm">
            {label} are no longer pushed to Affinity and this mapping is forgotten. Records already in
            Affinity stay as they are.
          </Text>
          <ErrorAlert error={remove.error} />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
              Remove destination
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}

/** Affinity's value type names by code, as its screens show them. */
const valueTypeNames: Record<number, string> = {
  0: 'person',
  1: 'organization',
  2: 'dropdown',
  3: 'number',
  4: 'date',
  5: 'location',
  6: 'text',
  7: 'ranked dropdown',
};

function recordValueType(code: number): string {
  return valueTypeNames[code] ?? `type ${code}`;
}
