import {
  Alert,
  Box,
  Button,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Radio,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useMemo, useState } from 'react';
import { ApiError, api } from '../../api.js';
import { ErrorAlert } from '../../components/error-alert.js';
import { FieldMapping, MappingAdvice, type SavedField } from './field-mapping.js';
import {
  bodyOf,
  type DestinationChangeResult,
  type DestinationCheck,
  type DestinationView,
  type Draft,
  destinationsKey,
  draftOf,
  type EntityKind,
  entityLabel,
  type MappingDraft,
  matchChoices,
  matchLabel,
  newDraft,
  type PushMode,
  pushModes,
  type RecordType,
  recordTypeAdvice,
  recordTypeChoices,
  recordTypeLabels,
  type SourceField,
  sortIssues,
  titleInText,
  type WorkspaceField,
  type WorkspaceList,
} from './model.js';

type WorkspaceFieldsAnswer = { fields: WorkspaceField[] };
type WorkspaceListsAnswer = { lists: WorkspaceList[] };

/**
 * Add Destination / Edit (steps 3–8 for one entity kind): record type, matching rule, push mode,
 * field mapping and list, checked by the API as they are chosen, saved whole with Save Mapping.
 */
export function DestinationForm({
  kind,
  destination,
  sources,
  isAdmin,
  opened,
  onClose,
}: {
  kind: EntityKind;
  destination: DestinationView | null;
  sources: readonly SourceField[];
  isAdmin: boolean;
  opened: boolean;
  onClose: () => void;
}) {
  const phone = useMediaQuery('(max-width: 48em)');
  const label = entityLabel(kind);
  return (
    <Modal
      closeButtonProps={{ 'aria-label': 'Close' }}
      opened={opened}
      onClose={onClose}
      size="min(64rem, 100%)"
      fullScreen={phone === true}
      title={destination ? `${label}: edit destination` : `${label}: Add Destination`}
      styles={{ title: { fontWeight: 700, fontSize: 'var(--mantine-font-size-lg)' } }}
    >
      {opened && (
        <FormBody
          kind={kind}
          destination={destination}
          sources={sources}
          isAdmin={isAdmin}
          onClose={onClose}
        />
      )}
    </Modal>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        {title}
      </Title>
      {children}
    </Stack>
  );
}

function FormBody({
  kind,
  destination,
  sources,
  isAdmin,
  onClose,
}: {
  kind: EntityKind;
  destination: DestinationView | null;
  sources: readonly SourceField[];
  isAdmin: boolean;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const phone = useMediaQuery('(max-width: 48em)');
  const [draft, setDraft] = useState<Draft>(() => (destination ? draftOf(destination) : newDraft(kind)));
  const label = entityLabel(kind);

  const lists = useQuery({
    queryKey: ['workspace', 'lists'],
    queryFn: () => api.get<WorkspaceListsAnswer>('/workspace/lists'),
  });
  const fields = useQuery({
    queryKey: ['workspace', 'fields', draft.recordType, draft.list],
    queryFn: () =>
      api.get<WorkspaceFieldsAnswer>(
        '/workspace/fields',
        draft.list ? { entity: draft.recordType, list: draft.list } : { entity: draft.recordType },
      ),
    placeholderData: keepPreviousData,
  });
  // Without a list, only the fields every record has apply; a list's own appear once it is chosen.
  const usable = useMemo(
    () => (fields.data?.fields ?? []).filter((f) => draft.list !== '' || f.list === null),
    [fields.data, draft.list],
  );
  const listsOfType = (lists.data?.lists ?? []).filter((l) => l.type === draft.recordType);
  const chosenList = listsOfType.find((l) => String(l.id) === draft.list) ?? null;

  const request = useMemo(() => bodyOf(draft, sources), [draft, sources]);
  const [debounced] = useDebouncedValue(request, 350);
  const check = useQuery({
    queryKey: [...destinationsKey, kind, 'check', debounced.body],
    queryFn: async () => ({
      order: debounced.order,
      result: await api.post<DestinationCheck>(`/destinations/${kind}/check`, {
        ...debounced.body,
        replace: true,
      }),
    }),
    placeholderData: keepPreviousData,
    staleTime: 15_000,
  });
  const checking = check.isFetching || debounced !== request;

  const save = useMutation({
    mutationFn: (r: typeof request) =>
      api.put<DestinationChangeResult>(`/destinations/${kind}`, r.body).then((result) => ({ result, r })),
    onSuccess: async ({ result }) => {
      await queryClient.invalidateQueries({ queryKey: destinationsKey });
      if (result.createdFields.length > 0) await queryClient.invalidateQueries({ queryKey: ['workspace'] });
      const created = result.createdFields.map((f) => `“${f.name}” (${f.valueType})`).join(', ');
      notifications.show({
        color: 'green',
        title: `${label} destination saved`,
        message: created
          ? `Created in Affinity: ${created}.`
          : 'Records are pushed with this mapping from now on.',
      });
      onClose();
    },
  });

  const update = (change: Partial<Draft>) => {
    save.reset();
    setDraft((d) => ({ ...d, ...change }));
  };
  const setMapping = (source: string, mapping: MappingDraft) => {
    save.reset();
    setDraft((d) => ({ ...d, mappings: { ...d.mappings, [source]: mapping } }));
  };

  // The refusal of the last save shows on its rows until something changes; else the live check.
  const saveIssues =
    save.error instanceof ApiError && save.error.status === 400 && save.variables
      ? sortIssues(save.error.fields, save.variables.order)
      : null;
  const checkIssues = check.data
    ? sortIssues(check.data.result.issues, check.data.order)
    : sortIssues([], []);
  const issues = saveIssues ?? checkIssues;
  const toCreate = Object.fromEntries(
    (check.data?.result.fieldsToCreate ?? []).map((f) => [
      f.source,
      { name: f.name, valueType: f.valueType },
    ]),
  );
  const saved: Record<string, SavedField> = Object.fromEntries(
    (destination?.mappings ?? []).map((m) => [
      String(m.fieldId),
      { id: m.fieldId, name: m.renamed ?? m.fieldName, multiple: m.allowsMultiple },
    ]),
  );
  const mappedCount = request.order.length;
  const problemCount = check.data && !check.data.result.valid ? check.data.result.problems.length : 0;
  const disabled = !isAdmin || save.isPending;

  return (
    <Stack gap="lg">
      {!isAdmin && (
        <Alert styles={titleInText} color="gray" variant="light" title="Only admins can change destinations">
          You can see how {label.toLowerCase()} are pushed; ask a workspace admin to change it.
        </Alert>
      )}

      <Section title="Step 3: Record Mapping">
        <NativeSelect
          label="Affinity Record Type"
          description={recordTypeAdvice[kind]}
          data={recordTypeChoices[kind].map((c) => ({
            value: c.value,
            label: `${recordTypeLabels[c.value]}${c.recommended ? ' (Recommend)' : ''}`,
          }))}
          value={draft.recordType}
          disabled={disabled}
          error={issues.recordType.join(' · ') || undefined}
          onChange={(e) => {
            const recordType = e.currentTarget.value as RecordType;
            const rules = matchChoices[recordType];
            // Another record type has other fields and lists: the mapping starts again.
            update({
              recordType,
              match: rules.includes(draft.match) ? draft.match : (rules[0] ?? 'name'),
              list: '',
              mappings: {},
            });
          }}
        />
      </Section>

      <Section title="Step 4: Set Matching Rules">
        <NativeSelect
          label="Matching rule"
          description="affinity-sync relies on a key field to match and update existing Affinity records: it looks each record up in Affinity by this search term."
          data={matchChoices[draft.recordType].map((r) => ({ value: r, label: matchLabel(r) }))}
          value={draft.match}
          disabled={disabled}
          error={issues.match.join(' · ') || undefined}
          onChange={(e) => update({ match: e.currentTarget.value })}
        />
      </Section>

      <Section title="Step 5: New Record Creation">
        <Radio.Group
          label="Push mode"
          description="Push mode controls what happens when affinity-sync finds a record that doesn't already exist in your Affinity CRM."
          value={draft.mode}
          onChange={(v) => update({ mode: v as PushMode })}
          error={issues.mode.join(' · ') || undefined}
        >
          <Stack gap="sm" mt="xs">
            {pushModes.map((m) => (
              <Radio
                key={m.value}
                value={m.value}
                label={m.label}
                description={m.explanation}
                disabled={disabled}
              />
            ))}
          </Stack>
        </Radio.Group>
      </Section>

      <Section title="Step 6: Field Mapping">
        <Text size="sm">
          Select which data points you want to push to Affinity by mapping them to the appropriate fields.
        </Text>
        <MappingAdvice />
        {fields.isError ? (
          <ErrorAlert error={fields.error} title="The workspace's fields could not be read" />
        ) : fields.isPending ? (
          <Group gap="xs">
            <Loader size="sm" aria-label="Loading the workspace's fields" />
            <Text size="sm">Reading the workspace's fields…</Text>
          </Group>
        ) : (
          <FieldMapping
            entityLabel={label}
            sources={sources}
            fields={usable}
            listName={chosenList?.name ?? null}
            mappings={draft.mappings}
            saved={saved}
            rowErrors={issues.rows}
            toCreate={toCreate}
            disabled={disabled}
            stacked={phone === true}
            onChange={setMapping}
          />
        )}
        {draft.list === '' && (
          <Text size="xs" c="dimmed">
            Fields that belong to one Affinity list appear here once you choose that list in step 7.
          </Text>
        )}
      </Section>

      <Section title="Step 7: (Optional) Assign to an Affinity List">
        {lists.isError ? (
          <ErrorAlert error={lists.error} title="The workspace's lists could not be read" />
        ) : (
          <NativeSelect
            label="Affinity list"
            description={
              draft.recordType === 'opportunity'
                ? 'Deals live on a list in Affinity: choose the one new deals go to. Every new or updated record is added to it.'
                : 'Select the Affinity list from the dropdown to automatically add all new or updated records to it.'
            }
            data={[
              { value: '', label: lists.isPending ? 'Loading lists…' : 'No list' },
              ...listsOfType.map((l) => ({
                value: String(l.id),
                label: `${l.name} (${l.size} ${l.size === 1 ? 'entry' : 'entries'})`,
              })),
            ]}
            value={draft.list}
            disabled={disabled}
            error={issues.list.join(' · ') || undefined}
            onChange={(e) => update({ list: e.currentTarget.value })}
          />
        )}
      </Section>

      {issues.other.length > 0 && (
        <Alert color="red" variant="light" title="Please check the form" role="alert">
          {issues.other.map((m) => (
            <Text size="sm" key={m}>
              {m}
            </Text>
          ))}
        </Alert>
      )}
      {save.error && !(save.error instanceof ApiError && save.error.status === 400) && (
        <ErrorAlert
          error={save.error}
          title={save.error instanceof ApiError && save.error.status === 403 ? 'Not allowed' : 'Not saved'}
        />
      )}
      {saveIssues && (
        <Alert color="red" variant="light" role="alert" title="Not saved: please check the rows marked">
          <Text size="sm">{save.error instanceof ApiError ? save.error.message : ''}</Text>
        </Alert>
      )}

      <Box
        pos="sticky"
        bottom={0}
        py="sm"
        bg="var(--mantine-color-body)"
        style={{ zIndex: 2, borderTop: '1px solid var(--mantine-color-gray-3)' }}
      >
        <Group justify="space-between" wrap="wrap" gap="sm">
          <CheckStatus checking={checking} problems={problemCount} mapped={mappedCount} error={check.error} />
          <Group gap="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={() => save.mutate(request)} loading={save.isPending} disabled={!isAdmin}>
              Save Mapping
            </Button>
          </Group>
        </Group>
        {!isAdmin && (
          <Text size="xs" c="dimmed" mt={4} ta="right">
            Only admins can change destinations
          </Text>
        )}
      </Box>
    </Stack>
  );
}

/** Where the live check stands, in words: checking, everything fits, or how many problems. */
function CheckStatus({
  checking,
  problems,
  mapped,
  error,
}: {
  checking: boolean;
  problems: number;
  mapped: number;
  error: unknown;
}) {
  if (error)
    return (
      <Text size="sm" c="red.8">
        The check did not answer: {error instanceof Error ? error.message : String(error)}
      </Text>
    );
  if (checking)
    return (
      <Group gap={6} aria-live="polite">
        <Loader size="xs" aria-hidden />
        <Text size="sm">Checking against your workspace…</Text>
      </Group>
    );
  return (
    <Text size="sm" aria-live="polite" {...(problems > 0 ? { c: 'red.8', fw: 600 } : {})}>
      {problems > 0
        ? `✗ ${problems} ${problems === 1 ? 'problem' : 'problems'} to fix before saving`
        : `✓ Checked: ${mapped} ${mapped === 1 ? 'field' : 'fields'} mapped, every choice fits`}
    </Text>
  );
}
