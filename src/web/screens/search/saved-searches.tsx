import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Modal,
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
import { AutoPushSwitch, autoPushExplanation } from './auto-push.js';
import { describeExpr, entityLabels, exprText, type SavedSearch } from './model.js';

export const savedSearchesKey = ['saved-searches'] as const;

export function useSavedSearches() {
  return useQuery({
    queryKey: savedSearchesKey,
    queryFn: async () => (await api.get<{ savedSearches: SavedSearch[] }>('/saved-searches')).savedSearches,
  });
}

/** What a saved search finds, in words. */
export function describeSaved(s: SavedSearch): string {
  const parts = [
    ...(s.spec.query ? [`“${s.spec.query}”`] : []),
    ...(s.spec.filters ?? []).map((f) => describeExpr(s.entity, exprText(f))),
  ];
  return parts.length > 0 ? parts.join(' · ') : 'Everything';
}

/**
 * The saved searches: open one (its search fills the screen), push it, mark it auto-push, rename
 * or delete it.
 */
export function SavedSearchesPanel({
  activeId,
  onOpen,
  onPush,
}: {
  activeId: number | null;
  onOpen: (s: SavedSearch) => void;
  onPush: (target: PushTarget) => void;
}) {
  const saved = useSavedSearches();
  const [renaming, setRenaming] = useState<SavedSearch | null>(null);
  const [deleting, setDeleting] = useState<SavedSearch | null>(null);
  return (
    <Card withBorder padding="sm" component="section" aria-labelledby="saved-searches-title">
      <Stack gap="xs">
        <Title order={3} size="h5" id="saved-searches-title">
          Saved searches
        </Title>
        <Text size="xs" c="dimmed">
          Auto-push: {autoPushExplanation}
        </Text>
        <ErrorAlert error={saved.error} />
        {saved.data?.length === 0 && (
          <Text size="sm" c="dimmed">
            None yet: search, then <b>Save search</b>.
          </Text>
        )}
        {saved.data?.map((s) => (
          <Card
            key={s.id}
            withBorder
            padding="xs"
            radius="sm"
            {...(s.id === activeId ? { bg: 'var(--mantine-color-indigo-light)' } : {})}
            data-testid={`saved-search-${s.id}`}
          >
            <Stack gap={6}>
              <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
                <div style={{ minWidth: 0 }}>
                  <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                    {s.name}
                  </Text>
                  <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    <Badge size="xs" variant="outline" color="gray" mr={4}>
                      {entityLabels[s.entity]}
                    </Badge>
                    {describeSaved(s)}
                  </Text>
                </div>
                <Menu position="bottom-end" withinPortal>
                  <Menu.Target>
                    <ActionIcon variant="subtle" color="gray" aria-label={`More actions for ${s.name}`}>
                      <span aria-hidden="true">⋯</span>
                    </ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Item onClick={() => setRenaming(s)}>Rename</Menu.Item>
                    <Menu.Item color="red" onClick={() => setDeleting(s)}>
                      Delete
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              </Group>
              <Group gap="xs" justify="space-between" align="flex-start">
                <Group gap={6}>
                  <Button
                    size="compact-xs"
                    variant="default"
                    onClick={() => onOpen(s)}
                    aria-label={`Open ${s.name}`}
                  >
                    Open
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="light"
                    aria-label={`Push ${s.name}`}
                    onClick={() =>
                      onPush({ label: `the saved search "${s.name}"`, selection: { search: s.name } })
                    }
                  >
                    Push
                  </Button>
                </Group>
                <AutoPushSwitch kind="search" id={s.id} name={s.name} entity={s.entity} marked={s.autoPush} />
              </Group>
            </Stack>
          </Card>
        ))}
      </Stack>
      <RenameModal saved={renaming} onClose={() => setRenaming(null)} />
      <DeleteModal saved={deleting} onClose={() => setDeleting(null)} />
    </Card>
  );
}

function RenameModal({ saved, onClose }: { saved: SavedSearch | null; onClose: () => void }) {
  return (
    <Modal
      opened={saved !== null}
      onClose={onClose}
      closeButtonProps={{ 'aria-label': 'Close dialog' }}
      title="Rename the saved search"
    >
      {saved && <RenameForm key={saved.id} saved={saved} onClose={onClose} />}
    </Modal>
  );
}

function RenameForm({ saved, onClose }: { saved: SavedSearch; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(saved.name);
  const rename = useMutation({
    mutationFn: () => api.patch<SavedSearch>(`/saved-searches/${saved.id}`, { name }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: savedSearchesKey });
      void queryClient.invalidateQueries({ queryKey: ['usage'] });
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    rename.mutate();
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={rename.error instanceof ApiError ? rename.error.fieldMessage('name') : undefined}
          data-autofocus
          required
        />
        <ErrorAlert error={rename.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={rename.isPending}>
            Rename
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function DeleteModal({ saved, onClose }: { saved: SavedSearch | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (id: number) => api.del(`/saved-searches/${id}`),
    onSuccess: () => {
      notifications.show({
        closeButtonProps: { 'aria-label': 'Dismiss' },
        message: `Deleted the saved search "${saved?.name ?? ''}"`,
      });
      void queryClient.invalidateQueries({ queryKey: savedSearchesKey });
      void queryClient.invalidateQueries({ queryKey: ['usage'] });
      onClose();
    },
  });
  return (
    <Modal
      opened={saved !== null}
      onClose={onClose}
      closeButtonProps={{ 'aria-label': 'Close dialog' }}
      title="Delete the saved search?"
    >
      <Stack>
        <Text size="sm">
          “{saved?.name}” is deleted; the records it finds stay in the dataset and in Affinity.
        </Text>
        <ErrorAlert error={remove.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Keep it
          </Button>
          <Button color="red" loading={remove.isPending} onClick={() => saved && remove.mutate(saved.id)}>
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Saves the search on screen under a name (`POST /api/saved-searches`). */
export function SaveSearchModal({
  opened,
  onClose,
  search,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  search: { entity: string; query: string; filters: string[]; sort: string | null };
  onSaved: (s: SavedSearch) => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      closeButtonProps={{ 'aria-label': 'Close dialog' }}
      title="Save this search"
    >
      {opened && <SaveForm search={search} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function SaveForm({
  search,
  onClose,
  onSaved,
}: {
  search: { entity: string; query: string; filters: string[]; sort: string | null };
  onClose: () => void;
  onSaved: (s: SavedSearch) => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api.post<{ savedSearch: SavedSearch; results: number }>('/saved-searches', {
        name,
        entity: search.entity,
        ...(search.query ? { query: search.query } : {}),
        ...(search.filters.length > 0 ? { filter: search.filters } : {}),
        ...(search.sort ? { sort: search.sort } : {}),
      }),
    onSuccess: (r) => {
      notifications.show({
        closeButtonProps: { 'aria-label': 'Dismiss' },
        message: `Saved "${r.savedSearch.name}": ${r.results} ${r.results === 1 ? 'result' : 'results'} today`,
      });
      void queryClient.invalidateQueries({ queryKey: savedSearchesKey });
      onSaved(r.savedSearch);
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const fieldError = save.error instanceof ApiError ? save.error.fieldMessage('name') : undefined;
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text size="sm" c="dimmed">
          Its current results count as seen; new ones are told apart from now on (and pushed, if you mark it
          auto-push).
        </Text>
        <TextInput
          label="Name"
          placeholder="e.g. Fintech growing fast"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError}
          data-autofocus
          required
        />
        <ErrorAlert error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            Save search
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
