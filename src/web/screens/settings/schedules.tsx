import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Radio,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api } from '../../api.js';
import { useUser } from '../../auth.js';
import { ErrorAlert } from '../../components/error-alert.js';
import { RunProgress, statusColor } from '../../components/run-progress.js';
import { ConfirmButton, formatTime, notify, readableErrors, relativeTime, StatusBadge } from './common.js';

/** A schedule as `GET /api/schedules` shows it. */
export interface Schedule {
  id: number;
  name: string;
  kind: 'pull' | 'push';
  target: Record<string, unknown>;
  cron: string | null;
  intervalMinutes: number | null;
  timezone: string;
  paused: boolean;
  nextRunAt: string | null;
  lastFiredAt: string | null;
  lastRun: {
    runId: number;
    status: string;
    at: string | null;
    trigger: string;
    note: string | null;
    error: string | null;
  } | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export const schedulesKey = ['schedules'] as const;

/** Cadences offered by name; anything else is a custom cron or every N minutes. */
const presets = [
  { value: 'hourly', label: 'Every hour', cron: '0 * * * *' },
  { value: 'daily', label: 'Every day at 07:00', cron: '0 7 * * *' },
  { value: 'weekdays', label: 'Weekdays at 07:00', cron: '0 7 * * 1-5' },
  { value: 'weekly', label: 'Every Monday at 07:00', cron: '0 7 * * 1' },
  { value: 'monthly', label: 'The 1st of each month at 07:00', cron: '0 7 1 * *' },
] as const;

/** A cadence as people say it: the preset's name, "every 30 min", or the cron. */
export function describeCadence(s: Pick<Schedule, 'cron' | 'intervalMinutes' | 'timezone'>): string {
  if (s.intervalMinutes !== null) {
    const m = s.intervalMinutes;
    if (m % 1440 === 0) return `Every ${m / 1440 === 1 ? 'day' : `${m / 1440} days`}`;
    if (m % 60 === 0) return `Every ${m / 60 === 1 ? 'hour' : `${m / 60} hours`}`;
    return `Every ${m} min`;
  }
  const preset = presets.find((p) => p.cron === s.cron);
  return `${preset ? preset.label : `Cron ${s.cron}`} (${s.timezone})`;
}

/** What a schedule pulls or pushes, in words. */
export function describeTarget(
  s: Pick<Schedule, 'kind' | 'target'>,
  listNames: ReadonlyMap<number, string> = new Map(),
): string {
  const t = s.target;
  if (s.kind === 'pull') {
    const lists = Array.isArray(t.lists) ? (t.lists as (string | number)[]) : [];
    const name = (l: string | number) => (typeof l === 'number' ? (listNames.get(l) ?? `list ${l}`) : l);
    const what = lists.length
      ? `${lists.length === 1 ? 'list' : 'lists'} ${lists.map((l) => `“${name(l)}”`).join(', ')}`
      : 'the pull sources';
    return `Pull ${what}${t.withFields ? ' with field values' : ''}`;
  }
  const sel = (t.selection ?? {}) as Record<string, unknown>;
  const mode =
    t.mode === 'update-only' ? ' · Update Only' : t.mode === 'create-update' ? ' · Create + Update' : '';
  if (typeof sel.search === 'string') return `Push saved search “${sel.search}”${mode}`;
  if (sel.crm) return `Push My CRM${typeof sel.list === 'string' ? ` (list “${sel.list}”)` : ''}${mode}`;
  if (typeof sel.list === 'string') return `Push list “${sel.list}”${mode}`;
  return `Push${mode}`;
}

/**
 * The schedules: pulls and pushes that run on their own, each with its cadence, its next run and how
 * its last run went. Admins create, edit, pause, resume, run now and remove; members read.
 */
export function SchedulesTab() {
  const me = useUser();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Schedule | 'new' | null>(null);
  const [runIds, setRunIds] = useState<number[]>([]);
  const [actionError, setActionError] = useState<unknown>(null);
  const schedules = useQuery({
    queryKey: schedulesKey,
    queryFn: () => api.get<{ schedules: Schedule[] }>('/schedules').then((r) => r.schedules),
    refetchInterval: 30_000,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: schedulesKey });
  const pause = useMutation({
    mutationFn: (s: Schedule) => api.post<Schedule>(`/schedules/${s.id}/${s.paused ? 'resume' : 'pause'}`),
    onSuccess: (s) => {
      setActionError(null);
      notify(`“${s.name}” is ${s.paused ? 'paused' : 'resumed'}.`);
      refresh();
    },
    onError: setActionError,
  });
  const runNow = useMutation({
    mutationFn: (s: Schedule) => api.post<{ runId: number }>(`/schedules/${s.id}/run-now`),
    onSuccess: (r) => {
      setActionError(null);
      setRunIds((ids) => [r.runId, ...ids.filter((id) => id !== r.runId)]);
      refresh();
    },
    onError: setActionError,
  });
  const remove = useMutation({
    mutationFn: (s: Schedule) => api.del<{ removed: Schedule }>(`/schedules/${s.id}`),
    onSuccess: (r) => {
      setActionError(null);
      notify(`“${r.removed.name}” is removed; its runs stay in activity.`);
      refresh();
    },
    onError: setActionError,
  });
  const notConnected = schedules.error instanceof ApiError && schedules.error.code === 'not_connected';
  const pullsByListId = schedules.data?.some(
    (s) =>
      s.kind === 'pull' && Array.isArray(s.target.lists) && s.target.lists.some((l) => typeof l === 'number'),
  );
  const workspaceLists = useQuery({
    queryKey: ['workspace', 'lists'],
    queryFn: () => api.get<{ lists: WorkspaceList[] }>('/workspace/lists').then((r) => r.lists),
    enabled: pullsByListId === true,
  });
  const listNames = new Map((workspaceLists.data ?? []).map((l) => [l.id, l.name] as const));

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={3}>Schedules</Title>
          <Text size="sm" c="dimmed" maw={720}>
            Pulls keep My CRM fresh from your Affinity lists; pushes send a saved search, one of our lists or
            My CRM’s enrichment to Affinity. Scheduled runs spend the automation share of the monthly call
            budget (Settings → Usage).
          </Text>
        </div>
        {me.admin && !notConnected && <Button onClick={() => setEditing('new')}>New schedule</Button>}
      </Group>
      {!me.admin && (
        <Alert color="blue" title="Only admins can change schedules">
          <Text size="sm">
            You can see when syncs run and how they went. Ask an admin to add or change one.
          </Text>
        </Alert>
      )}
      {runIds.map((id) => (
        <Card withBorder key={id}>
          <RunProgress runId={id} />
        </Card>
      ))}
      {actionError !== null && <ErrorAlert error={actionError} title="The schedule was not changed" />}
      {schedules.isPending && <Skeleton h={120} />}
      {schedules.error && (
        <Stack gap="xs">
          <ErrorAlert error={schedules.error} />
          {notConnected && (
            <Text size="sm">
              Schedules run against the connected workspace.{' '}
              <Anchor component={Link} to="/integrations/connect">
                Connect Affinity
              </Anchor>{' '}
              first.
            </Text>
          )}
        </Stack>
      )}
      {schedules.data && schedules.data.length === 0 && (
        <Text c="dimmed" size="sm">
          No schedules yet: nothing pulls or pushes on its own.
          {me.admin ? ' Add one with “New schedule”, e.g. a daily pull of your pull sources.' : ''}
        </Text>
      )}
      {schedules.data && schedules.data.length > 0 && (
        <Table.ScrollContainer minWidth={me.admin ? 1040 : 760}>
          <Table verticalSpacing="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>What</Table.Th>
                <Table.Th>When</Table.Th>
                <Table.Th>Next run</Table.Th>
                <Table.Th>Last run</Table.Th>
                {me.admin && <Table.Th>Actions</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {schedules.data.map((s) => (
                <Table.Tr key={s.id} data-testid={`schedule-${s.name}`}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {s.name}
                    </Text>
                    {s.paused && (
                      <Badge color="gray" variant="outline" size="sm">
                        Paused
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{describeTarget(s, listNames)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{describeCadence(s)}</Text>
                  </Table.Td>
                  <Table.Td>
                    {s.paused || !s.nextRunAt ? (
                      <Text size="sm" c="dimmed">
                        Paused
                      </Text>
                    ) : (
                      <>
                        <Text size="sm">{formatTime(s.nextRunAt)}</Text>
                        <Text size="xs" c="dimmed">
                          {relativeTime(s.nextRunAt)}
                        </Text>
                      </>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {s.lastRun ? (
                      <Stack gap={2}>
                        <Group gap={6}>
                          <StatusBadge color={statusColor(s.lastRun.status)} status={s.lastRun.status} />
                          <Anchor component={Link} to={`/integrations/activity/${s.lastRun.runId}`} size="sm">
                            Run #{s.lastRun.runId}
                          </Anchor>
                        </Group>
                        <Text size="xs" c="dimmed">
                          {formatTime(s.lastRun.at)} · {s.lastRun.trigger}
                        </Text>
                        {(s.lastRun.error ?? s.lastRun.note) && (
                          <Text size="xs" c={s.lastRun.error ? 'red.9' : 'dimmed'}>
                            {s.lastRun.error ?? s.lastRun.note}
                          </Text>
                        )}
                      </Stack>
                    ) : (
                      <Text size="sm" c="dimmed">
                        Not run yet
                      </Text>
                    )}
                  </Table.Td>
                  {me.admin && (
                    <Table.Td>
                      <Group gap={6}>
                        <Button
                          size="xs"
                          loading={runNow.isPending && runNow.variables?.id === s.id}
                          onClick={() => runNow.mutate(s)}
                          aria-label={`Run now: ${s.name}`}
                        >
                          Run now
                        </Button>
                        <Button
                          size="xs"
                          variant="default"
                          loading={pause.isPending && pause.variables?.id === s.id}
                          onClick={() => pause.mutate(s)}
                          aria-label={`${s.paused ? 'Resume' : 'Pause'}: ${s.name}`}
                        >
                          {s.paused ? 'Resume' : 'Pause'}
                        </Button>
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => setEditing(s)}
                          aria-label={`Edit ${s.name}`}
                        >
                          Edit
                        </Button>
                        <ConfirmButton
                          label="Remove"
                          ariaLabel={`Remove ${s.name}`}
                          title={`Remove the schedule “${s.name}”?`}
                          confirmLabel="Remove"
                          loading={remove.isPending}
                          onConfirm={() => remove.mutateAsync(s)}
                        >
                          It no longer runs. Its past runs stay in Integration Activity.
                        </ConfirmButton>
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editing !== null && (
        <ScheduleForm schedule={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
    </Stack>
  );
}

interface Named {
  id: number;
  name: string;
}
interface WorkspaceList extends Named {
  type: string;
  size: number;
}

type PushTargetKind = 'search' | 'list' | 'crm';
type Cadence = (typeof presets)[number]['value'] | 'interval' | 'custom';

function cadenceOf(s: Schedule | null): Cadence {
  if (!s) return 'daily';
  if (s.intervalMinutes !== null) return 'interval';
  return presets.find((p) => p.cron === s.cron)?.value ?? 'custom';
}

function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Create or edit a schedule: what it runs, and when, in which time zone. */
function ScheduleForm({ schedule, onClose }: { schedule: Schedule | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const t = schedule?.target ?? {};
  const sel = (t.selection ?? {}) as Record<string, unknown>;
  const [name, setName] = useState(schedule?.name ?? '');
  const [kind, setKind] = useState<'pull' | 'push'>(schedule?.kind ?? 'pull');
  const [pullFrom, setPullFrom] = useState<'sources' | 'lists'>(
    Array.isArray(t.lists) && t.lists.length > 0 ? 'lists' : 'sources',
  );
  const [pullLists, setPullLists] = useState<string[]>(
    Array.isArray(t.lists) ? (t.lists as (string | number)[]).map(String) : [],
  );
  const [withFields, setWithFields] = useState(t.withFields === true);
  const [pushKind, setPushKind] = useState<PushTargetKind>(
    typeof sel.search === 'string'
      ? 'search'
      : sel.crm
        ? 'crm'
        : typeof sel.list === 'string'
          ? 'list'
          : 'search',
  );
  const [search, setSearch] = useState<string | null>(typeof sel.search === 'string' ? sel.search : null);
  const [list, setList] = useState<string | null>(!sel.crm && typeof sel.list === 'string' ? sel.list : null);
  const [crmList, setCrmList] = useState<string | null>(
    sel.crm && typeof sel.list === 'string' ? sel.list : null,
  );
  const [mode, setMode] = useState<string>(typeof t.mode === 'string' ? t.mode : 'default');
  const [cadence, setCadence] = useState<Cadence>(cadenceOf(schedule));
  const [cron, setCron] = useState(schedule?.cron ?? '0 7 * * *');
  const [interval, setIntervalMinutes] = useState<number | string>(schedule?.intervalMinutes ?? 60);
  const [timezone, setTimezone] = useState(schedule?.timezone ?? localZone());

  const workspaceLists = useQuery({
    queryKey: ['workspace', 'lists'],
    queryFn: () => api.get<{ lists: WorkspaceList[] }>('/workspace/lists').then((r) => r.lists),
    enabled: kind === 'pull' || pushKind === 'crm',
  });
  const searches = useQuery({
    queryKey: ['saved-searches'],
    queryFn: () => api.get<{ savedSearches: Named[] }>('/saved-searches').then((r) => r.savedSearches),
    enabled: kind === 'push',
  });
  const ourLists = useQuery({
    queryKey: ['lists'],
    queryFn: () => api.get<{ lists: Named[] }>('/lists').then((r) => r.lists),
    enabled: kind === 'push',
  });
  const zones = useMemo(() => {
    const all = Intl.supportedValuesOf('timeZone');
    return all.includes('UTC') ? all : ['UTC', ...all];
  }, []);

  const body = () => {
    const when =
      cadence === 'interval'
        ? { intervalMinutes: Number(interval) }
        : {
            cron:
              cadence === 'custom' ? cron.trim() : (presets.find((p) => p.value === cadence)?.cron ?? cron),
          };
    const target =
      kind === 'pull'
        ? {
            ...(pullFrom === 'lists'
              ? { lists: pullLists.map((l) => (/^\d+$/.test(l) ? Number(l) : l)) }
              : {}),
            withFields,
          }
        : {
            selection:
              pushKind === 'search'
                ? { search: search ?? '' }
                : pushKind === 'list'
                  ? { list: list ?? '' }
                  : { crm: true, ...(crmList ? { list: crmList } : {}) },
            ...(mode !== 'default' ? { mode } : {}),
          };
    if (schedule) {
      return {
        name: name.trim(),
        target,
        timezone,
        ...(cadence === 'interval'
          ? { intervalMinutes: Number(interval), cron: null }
          : { cron: when.cron, intervalMinutes: null }),
      };
    }
    return { name: name.trim(), kind, target, timezone, ...when };
  };

  const save = useMutation({
    mutationFn: () =>
      schedule
        ? api.patch<Schedule>(`/schedules/${schedule.id}`, body())
        : api.post<Schedule>('/schedules', body()),
    onSuccess: (s) => {
      notify(
        `“${s.name}” ${schedule ? 'is saved' : 'is created'}: next run ${s.nextRunAt ? formatTime(s.nextRunAt) : 'when resumed'}.`,
      );
      void queryClient.invalidateQueries({ queryKey: schedulesKey });
      onClose();
    },
  });
  const fieldError = (...fields: string[]) => {
    if (!(save.error instanceof ApiError)) return undefined;
    for (const f of fields) {
      const m = save.error.fields.find((i) => i.field === f || i.field.startsWith(`${f}.`))?.message;
      if (m) return m;
    }
    return undefined;
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const listOptions = (workspaceLists.data ?? []).map((l) => ({
    value: String(l.id),
    label: `${l.name} (${l.size.toLocaleString()} ${l.type === 'organization' ? 'companies' : l.type === 'person' ? 'people' : 'deals'})`,
  }));
  // A schedule saved with list names keeps them selectable even before the workspace lists load.
  for (const l of pullLists) {
    if (!listOptions.some((o) => o.value === l)) listOptions.push({ value: l, label: l });
  }

  return (
    <Modal
      opened
      onClose={onClose}
      title={schedule ? `Edit “${schedule.name}”` : 'New schedule'}
      size="lg"
      closeButtonProps={{ 'aria-label': 'Close' }}
      styles={{ content: readableErrors }}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fieldError('name')}
            placeholder="Daily pull"
          />
          {!schedule && (
            <Radio.Group label="What it runs" value={kind} onChange={(v) => setKind(v as 'pull' | 'push')}>
              <Group mt={4}>
                <Radio value="pull" label="Pull from Affinity" />
                <Radio value="push" label="Push to Affinity" />
              </Group>
            </Radio.Group>
          )}
          {kind === 'pull' ? (
            <Stack gap="xs">
              <Radio.Group
                label="Lists to pull"
                value={pullFrom}
                onChange={(v) => setPullFrom(v as 'sources' | 'lists')}
              >
                <Stack gap={6} mt={4}>
                  <Radio value="sources" label="The pull sources (as set in Pull setup)" />
                  <Radio value="lists" label="These lists" />
                </Stack>
              </Radio.Group>
              {pullFrom === 'lists' && (
                <MultiSelect
                  label="Affinity lists"
                  data={listOptions}
                  value={pullLists}
                  onChange={setPullLists}
                  searchable
                  placeholder={workspaceLists.isPending ? 'Loading the workspace’s lists…' : 'Choose lists'}
                  error={fieldError('target.lists', 'target')}
                />
              )}
              {workspaceLists.error && <ErrorAlert error={workspaceLists.error} />}
              <Checkbox
                label="With field values (one more API call per record)"
                checked={withFields}
                onChange={(e) => setWithFields(e.currentTarget.checked)}
              />
            </Stack>
          ) : (
            <Stack gap="xs">
              <Radio.Group
                label="What to push"
                value={pushKind}
                onChange={(v) => setPushKind(v as PushTargetKind)}
              >
                <Stack gap={6} mt={4}>
                  <Radio value="search" label="A saved search" />
                  <Radio value="list" label="One of our lists" />
                  <Radio value="crm" label="My CRM (the pulled records, enriched)" />
                </Stack>
              </Radio.Group>
              {pushKind === 'search' && (
                <Select
                  label="Saved search"
                  data={(searches.data ?? []).map((s) => s.name)}
                  value={search}
                  onChange={setSearch}
                  searchable
                  nothingFoundMessage="No saved search by that name"
                  placeholder={
                    searches.data?.length === 0 ? 'No saved searches yet (save one in Search)' : 'Choose'
                  }
                  error={fieldError('target.selection', 'target')}
                />
              )}
              {pushKind === 'list' && (
                <Select
                  label="List"
                  data={(ourLists.data ?? []).map((s) => s.name)}
                  value={list}
                  onChange={setList}
                  searchable
                  placeholder={ourLists.data?.length === 0 ? 'No lists yet' : 'Choose'}
                  error={fieldError('target.selection', 'target')}
                />
              )}
              {pushKind === 'crm' && (
                <Select
                  label="Only the records of this pulled list (optional)"
                  data={(workspaceLists.data ?? []).map((l) => l.name)}
                  value={crmList}
                  onChange={setCrmList}
                  clearable
                  searchable
                  placeholder="Every pulled record"
                />
              )}
              {(searches.error ?? ourLists.error) && <ErrorAlert error={searches.error ?? ourLists.error} />}
              <Select
                label="Push mode"
                data={[
                  { value: 'default', label: 'As the destination says' },
                  { value: 'create-update', label: 'Create + Update' },
                  { value: 'update-only', label: 'Update Only' },
                ]}
                value={mode}
                onChange={(v) => setMode(v ?? 'default')}
                allowDeselect={false}
                description="Create + Update also creates records Affinity lacks; Update Only enriches what is already there."
              />
            </Stack>
          )}
          <Select
            label="When"
            data={[
              ...presets.map((p) => ({ value: p.value, label: p.label })),
              { value: 'interval', label: 'Every N minutes' },
              { value: 'custom', label: 'Custom (cron)' },
            ]}
            value={cadence}
            onChange={(v) => v && setCadence(v as Cadence)}
            allowDeselect={false}
          />
          {cadence === 'interval' && (
            <NumberInput
              label="Every how many minutes"
              min={1}
              max={527040}
              value={interval}
              onChange={setIntervalMinutes}
              error={fieldError('intervalMinutes')}
            />
          )}
          {cadence === 'custom' && (
            <TextInput
              label="Cron expression"
              description="Five fields: minute hour day-of-month month day-of-week, e.g. 30 6 * * 1-5"
              value={cron}
              onChange={(e) => setCron(e.currentTarget.value)}
              error={fieldError('cron')}
              ff="monospace"
            />
          )}
          {cadence !== 'interval' && (
            <Select
              label="Time zone"
              data={zones}
              value={timezone}
              onChange={(v) => v && setTimezone(v)}
              searchable
              allowDeselect={false}
              limit={50}
              error={fieldError('timezone')}
            />
          )}
          {cadence !== 'interval' && cadence !== 'custom' && (
            <Text size="xs" c="dimmed">
              Cron {presets.find((p) => p.value === cadence)?.cron} in {timezone}
            </Text>
          )}
          {save.error && <ErrorAlert error={save.error} title="The schedule was not saved" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {schedule ? 'Save schedule' : 'Create schedule'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
