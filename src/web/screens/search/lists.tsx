import {
  Badge,
  Button,
  Card,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../../api.js';
import { ErrorAlert } from '../../components/error-alert.js';
import type { PushTarget } from '../../components/push-dialog.js';
import { AutoPushSwitch } from './auto-push.js';
import { entityLabels, type SearchEntity, type UserList } from './model.js';

export const listsKey = ['lists'] as const;

export function useLists() {
  return useQuery({
    queryKey: listsKey,
    queryFn: async () => (await api.get<{ lists: UserList[] }>('/lists')).lists,
  });
}

/** Our lists: open one (its members fill the screen), push it, mark it auto-push. */
export function ListsPanel({
  activeId,
  onOpen,
  onPush,
}: {
  activeId: number | null;
  onOpen: (l: UserList) => void;
  onPush: (target: PushTarget) => void;
}) {
  const lists = useLists();
  return (
    <Card withBorder padding="sm" component="section" aria-labelledby="lists-title">
      <Stack gap="xs">
        <Title order={3} size="h5" id="lists-title">
          Lists
        </Title>
        <ErrorAlert error={lists.error} />
        {lists.data?.length === 0 && (
          <Text size="sm" c="dimmed">
            None yet: select rows, then <b>Add to list</b>.
          </Text>
        )}
        {lists.data?.map((l) => (
          <Card
            key={l.id}
            withBorder
            padding="xs"
            radius="sm"
            {...(l.id === activeId ? { bg: 'var(--mantine-color-indigo-light)' } : {})}
            data-testid={`list-${l.id}`}
          >
            <Stack gap={6}>
              <div>
                <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                  {l.name}
                </Text>
                <Text size="xs" c="dimmed">
                  <Badge size="xs" variant="outline" color="gray" mr={4}>
                    {entityLabels[l.entity]}
                  </Badge>
                  {l.size} {l.size === 1 ? 'member' : 'members'}
                </Text>
              </div>
              <Group gap="xs" justify="space-between" align="flex-start">
                <Group gap={6}>
                  <Button
                    size="compact-xs"
                    variant="default"
                    onClick={() => onOpen(l)}
                    aria-label={`Open ${l.name}`}
                  >
                    Open
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="light"
                    aria-label={`Push ${l.name}`}
                    disabled={l.size === 0}
                    onClick={() => onPush({ label: `the list "${l.name}"`, selection: { list: l.name } })}
                  >
                    Push
                  </Button>
                </Group>
                <AutoPushSwitch kind="list" id={l.id} name={l.name} entity={l.entity} marked={l.autoPush} />
              </Group>
            </Stack>
          </Card>
        ))}
      </Stack>
    </Card>
  );
}

/**
 * Adds the selected records to a list: a new one (`POST /api/lists`, then its members) or one of
 * ours of the same kind. Members are named by domain, email or LinkedIn URL.
 */
export function AddToListModal({
  opened,
  onClose,
  entity,
  keys,
  onAdded,
}: {
  opened: boolean;
  onClose: () => void;
  entity: SearchEntity;
  keys: string[];
  onAdded: (list: UserList) => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      closeButtonProps={{ 'aria-label': 'Close dialog' }}
      title={`Add ${keys.length} selected to a list`}
    >
      {opened && <AddToListForm entity={entity} keys={keys} onClose={onClose} onAdded={onAdded} />}
    </Modal>
  );
}

function AddToListForm({
  entity,
  keys,
  onClose,
  onAdded,
}: {
  entity: SearchEntity;
  keys: string[];
  onClose: () => void;
  onAdded: (list: UserList) => void;
}) {
  const queryClient = useQueryClient();
  const lists = useLists();
  const same = (lists.data ?? []).filter((l) => l.entity === entity);
  const [mode, setMode] = useState<'new' | 'existing'>('new');
  const [name, setName] = useState('');
  const [existing, setExisting] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: async () => {
      const list =
        mode === 'new'
          ? await api.post<UserList>('/lists', { name, entity })
          : same.find((l) => String(l.id) === existing);
      if (!list) throw new Error('choose a list');
      const r = await api.post<{ added: number; alreadyPresent: number; notFound: string[] }>(
        `/lists/${list.id}/members`,
        { keys, skipMissing: true },
      );
      return { ...r, list };
    },
    onSuccess: (r) => {
      notifications.show({
        closeButtonProps: { 'aria-label': 'Dismiss' },
        message: `Added ${r.added} to "${r.list.name}"${r.alreadyPresent ? ` (${r.alreadyPresent} already there)` : ''}${r.notFound.length ? `; not found: ${r.notFound.join(', ')}` : ''}`,
      });
      void queryClient.invalidateQueries({ queryKey: listsKey });
      onAdded(r.list);
      onClose();
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: listsKey }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        {keys.length === 0 && (
          <Text size="sm">The selected records have no domain, email or LinkedIn URL to add them by.</Text>
        )}
        <SegmentedControl
          aria-label="Which list"
          value={mode}
          onChange={(v) => setMode(v as 'new' | 'existing')}
          data={[
            { value: 'new', label: 'A new list' },
            { value: 'existing', label: 'One of ours', disabled: same.length === 0 },
          ]}
        />
        {mode === 'new' ? (
          <TextInput
            label="List name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={add.error instanceof ApiError ? add.error.fieldMessage('name') : undefined}
            required
            data-autofocus
          />
        ) : (
          <Select
            label="List"
            data={same.map((l) => ({ value: String(l.id), label: `${l.name} (${l.size})` }))}
            value={existing}
            onChange={setExisting}
            required
          />
        )}
        <ErrorAlert error={add.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={add.isPending} disabled={keys.length === 0}>
            {mode === 'new' ? 'Create list' : 'Add to list'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
