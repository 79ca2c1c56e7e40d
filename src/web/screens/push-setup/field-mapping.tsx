import { Alert, List, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import {
  dataPointLabel,
  defaultPolicyOf,
  emptyMapping,
  fieldSummary,
  type MappingDraft,
  newFieldName,
  policies,
  policiesFor,
  policyLabel,
  type SourceField,
  titleInText,
  type WorkspaceField,
  type WritePolicy,
} from './model.js';

/** A field chosen before that the workspace no longer offers here (deleted, or on another list). */
export interface SavedField {
  id: number;
  name: string;
  multiple: boolean;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * The guide's warning before mapping: each data point must go to a field of a fitting type, or the
 * push fails.
 */
export function MappingAdvice() {
  return (
    <Alert styles={titleInText} color="yellow" variant="light" title="❗Check your data mapping❗">
      <Text size="sm">
        Make sure each field is mapped to the correct data type to avoid errors. Examples:
      </Text>
      <List size="sm" mt={4}>
        <List.Item>A LinkedIn URL should be mapped to a URL/website field</List.Item>
        <List.Item>A Last Funding Date should be mapped to a date field</List.Item>
      </List>
      <Text size="sm" mt={4}>
        If the data types don’t match (e.g. sending text into a date field), the push will fail. Each choice
        is checked against your workspace as you make it, before anything is saved.
      </Text>
    </Alert>
  );
}

/**
 * Step 6: our data points on the left, the workspace's fields (with their types) on the right,
 * and each mapped field's write policy. Every row shows the API's verdict on its choice — the
 * reason an incompatible one is refused, or the field a save will create.
 */
export function FieldMapping({
  entityLabel,
  sources,
  fields,
  listName,
  mappings,
  saved,
  rowErrors,
  toCreate,
  disabled,
  stacked,
  onChange,
}: {
  entityLabel: string;
  sources: readonly SourceField[];
  fields: readonly WorkspaceField[];
  listName: string | null;
  mappings: Record<string, MappingDraft>;
  saved: Record<string, SavedField>;
  rowErrors: Record<string, string[]>;
  toCreate: Record<string, { name: string; valueType: string }>;
  disabled: boolean;
  /** One data point under another (a phone), instead of a table. */
  stacked: boolean;
  onChange: (source: string, mapping: MappingDraft) => void;
}) {
  const global = fields.filter((f) => f.list === null);
  const onList = fields.filter((f) => f.list !== null);
  const optionOf = (f: WorkspaceField) => ({
    value: String(f.id),
    label: `${f.name} — ${f.valueType}${f.multiple ? ', several values' : ''}`,
  });
  const groups = [
    ...(global.length > 0 ? [{ group: 'Fields of every record', items: global.map(optionOf) }] : []),
    ...(onList.length > 0
      ? [{ group: `Fields of the list ${listName ?? ''}`.trim(), items: onList.map(optionOf) }]
      : []),
  ];
  const names = new Set(fields.map((f) => norm(f.name)));

  const rowOf = (s: SourceField) => {
    const label = dataPointLabel(s.name);
    const m = mappings[s.name] ?? emptyMapping;
    const field = fields.find((f) => String(f.id) === m.field);
    const kept = !field && m.field !== '' && m.field !== 'new' ? saved[m.field] : undefined;
    const suggested = newFieldName(s.name);
    const canCreate = !names.has(norm(suggested)) || m.field === 'new';
    const data = [
      { value: '', label: 'Not pushed' },
      ...(canCreate
        ? [
            {
              value: 'new',
              label: `Create this field: “${m.field === 'new' ? m.newName : suggested}”`,
            },
          ]
        : []),
      ...(kept ? [{ value: m.field, label: `${kept.name} — not offered here any more` }] : []),
      ...groups,
    ];
    const errors = rowErrors[s.name] ?? [];
    const creating = toCreate[s.name];
    const multiple = field?.multiple ?? kept?.multiple ?? s.multiple;
    const fit = policiesFor(multiple);
    const policyData = [
      { value: '', label: `${policyLabel(defaultPolicyOf(multiple))} (default)` },
      ...fit.slice(1).map((p) => ({ value: p, label: policies[p].label })),
      ...(m.policy && !fit.slice(1).includes(m.policy as WritePolicy)
        ? [{ value: m.policy, label: policyLabel(m.policy) }]
        : []),
    ];
    const chosenPolicy = (m.policy || defaultPolicyOf(multiple)) as WritePolicy;
    const about = field
      ? fieldSummary(field)
      : m.field === 'new'
        ? creating
          ? `A new ${creating.valueType} field, created in Affinity when you save`
          : 'A new field, created in Affinity when you save'
        : kept
          ? 'This field is not a field of these records (or of the chosen list) any more'
          : undefined;
    const dataPoint = (
      <>
        <Text size="sm" fw={600}>
          {label}
        </Text>
        <Text size="xs" c="dimmed">
          {s.type}
          {s.multiple ? ', several values' : ''}
          {norm(s.description) !== norm(label) ? ` · ${s.description}` : ''}
        </Text>
      </>
    );
    const fieldControl = (
      <Stack gap={6}>
        <NativeSelect
          aria-label={`Affinity field for ${label}`}
          {...(stacked ? { label: 'Affinity field' } : {})}
          data={data}
          value={m.field}
          disabled={disabled}
          description={about}
          inputWrapperOrder={['label', 'input', 'description', 'error']}
          error={errors.length > 0 ? errors.join(' · ') : undefined}
          onChange={(e) => {
            const value = e.currentTarget.value;
            onChange(s.name, {
              field: value,
              newName: value === 'new' ? m.newName || suggested : '',
              policy: '',
            });
          }}
        />
        {m.field === 'new' && (
          <TextInput
            size="xs"
            label={`Name of the new field for ${label}`}
            value={m.newName}
            disabled={disabled}
            onChange={(e) => onChange(s.name, { ...m, newName: e.currentTarget.value })}
          />
        )}
      </Stack>
    );
    const policyControl =
      m.field === '' ? null : (
        <NativeSelect
          aria-label={`Write policy for ${label}`}
          {...(stacked ? { label: 'Write policy' } : {})}
          data={policyData}
          value={m.policy}
          disabled={disabled}
          description={policies[chosenPolicy]?.explanation}
          inputWrapperOrder={['label', 'input', 'description', 'error']}
          onChange={(e) => onChange(s.name, { ...m, policy: e.currentTarget.value })}
        />
      );
    return { dataPoint, fieldControl, policyControl, invalid: errors.length > 0 };
  };

  if (stacked) {
    return (
      <Stack gap={0} role="list" aria-label={`Field mapping of ${entityLabel}`}>
        {sources.map((s) => {
          const row = rowOf(s);
          return (
            <Stack
              key={s.name}
              role="listitem"
              gap={6}
              py="sm"
              data-source={s.name}
              style={{ borderTop: '1px solid var(--mantine-color-gray-3)' }}
            >
              <div>{row.dataPoint}</div>
              {row.fieldControl}
              {row.policyControl}
            </Stack>
          );
        })}
      </Stack>
    );
  }

  return (
    <Table verticalSpacing="sm" aria-label={`Field mapping of ${entityLabel}`}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th w="28%">Data point</Table.Th>
          <Table.Th w="42%">Affinity field</Table.Th>
          <Table.Th>Write policy</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {sources.map((s) => {
          const row = rowOf(s);
          return (
            <Table.Tr key={s.name} data-source={s.name} data-invalid={row.invalid || undefined}>
              <Table.Td valign="top">{row.dataPoint}</Table.Td>
              <Table.Td valign="top">{row.fieldControl}</Table.Td>
              <Table.Td valign="top">
                {row.policyControl ?? (
                  <Text size="sm" c="dimmed">
                    —
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
