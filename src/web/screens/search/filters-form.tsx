import {
  Button,
  Collapse,
  Group,
  Input,
  NumberInput,
  SimpleGrid,
  Stack,
  TagsInput,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { type FilterField, type FilterForm, filterFields, formOf, type SearchEntity } from './model.js';

/** How many filters show before **More filters**. */
const PRIMARY = 3;

/**
 * The search's text and every filter the API offers for the entity, as form controls; applied
 * (into the URL) when submitted.
 */
export function FiltersForm({
  entity,
  query,
  filters,
  onApply,
}: {
  entity: SearchEntity;
  query: string;
  filters: string[];
  onApply: (query: string, form: FilterForm) => void;
}) {
  const [text, setText] = useState(query);
  const [form, setForm] = useState<FilterForm>(() => formOf(entity, filters));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(text, form);
  };
  const clear = () => {
    const empty = formOf(entity, []);
    setText('');
    setForm(empty);
    onApply('', empty);
  };
  const fields = filterFields[entity];
  const primary = fields.slice(0, PRIMARY);
  const rest = fields.slice(PRIMARY);
  const restInUse =
    form.other.length > 0 ||
    rest.some((f) => (form.values[f.key] ?? []).length > 0 || form.min[f.key] || form.max[f.key]);
  const [more, setMore] = useState(restInUse);
  return (
    <form onSubmit={submit} aria-label="Search filters">
      <Stack gap="sm">
        <TextInput
          label="Text"
          description={entity === 'people' ? 'In the name or email' : 'In the name or domain'}
          placeholder="Search…"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
        />
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm" verticalSpacing="sm">
          {primary.map((field) => (
            <FieldControl key={field.key} field={field} form={form} onChange={setForm} />
          ))}
        </SimpleGrid>
        <Collapse expanded={more} id={`more-filters-${entity}`}>
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm" verticalSpacing="sm">
              {rest.map((field) => (
                <FieldControl key={field.key} field={field} form={form} onChange={setForm} />
              ))}
            </SimpleGrid>
            <TagsInput
              label="Other filters"
              description="Any other filter as key=value, key>=n or key<=n (e.g. growth_3m>=10%); Enter adds one"
              value={form.other}
              onChange={(other) => setForm((f) => ({ ...f, other }))}
              clearable
            />
          </Stack>
        </Collapse>
        <Group gap="xs">
          <Button type="submit">Search</Button>
          <Button
            variant="subtle"
            onClick={() => setMore((m) => !m)}
            aria-expanded={more}
            aria-controls={`more-filters-${entity}`}
          >
            {more ? 'Fewer filters' : `More filters (${rest.length + 1})`}
          </Button>
          <Tooltip label="Remove every filter and the text">
            <Button variant="default" onClick={clear}>
              Clear filters
            </Button>
          </Tooltip>
        </Group>
      </Stack>
    </form>
  );
}

function FieldControl({
  field,
  form,
  onChange,
}: {
  field: FilterField;
  form: FilterForm;
  onChange: (update: (f: FilterForm) => FilterForm) => void;
}) {
  if (field.kind === 'range') {
    const id = `filter-${field.key}`;
    const setBound = (which: 'min' | 'max', value: string) =>
      onChange((f) => ({ ...f, [which]: { ...f[which], [field.key]: value } }));
    const bound = (which: 'min' | 'max') => {
      const label = `${field.label} ${which === 'min' ? 'from' : 'to'}`;
      const value = form[which][field.key] ?? '';
      const common = {
        'aria-label': label,
        placeholder: which === 'min' ? 'from' : 'to',
      };
      if (field.unit === 'number' || field.unit === 'percent' || field.unit === 'year') {
        return (
          <NumberInput
            {...common}
            value={value}
            onChange={(v) => setBound(which, String(v))}
            allowDecimal={field.unit === 'percent'}
            hideControls
            {...(field.unit === 'percent' ? { suffix: '%' } : {})}
          />
        );
      }
      return (
        <TextInput
          {...common}
          type={field.unit === 'date' ? 'date' : 'text'}
          value={value}
          onChange={(e) => setBound(which, e.currentTarget.value)}
        />
      );
    };
    return (
      <Input.Wrapper
        label={field.label}
        labelElement="div"
        id={id}
        labelProps={{ id: `${id}-label` }}
        {...(field.description ? { description: field.description } : {})}
      >
        <Group gap="xs" grow wrap="nowrap" role="group" aria-labelledby={`${id}-label`}>
          {bound('min')}
          {bound('max')}
        </Group>
      </Input.Wrapper>
    );
  }
  const values = form.values[field.key] ?? [];
  const set = (next: string[]) => onChange((f) => ({ ...f, values: { ...f.values, [field.key]: next } }));
  if (field.kind === 'text') {
    return (
      <TextInput
        label={field.label}
        placeholder={field.placeholder}
        value={values.join(', ')}
        onChange={(e) => set(e.currentTarget.value ? [e.currentTarget.value] : [])}
      />
    );
  }
  return (
    <TagsInput
      label={field.label}
      placeholder={values.length === 0 ? field.placeholder : undefined}
      data={field.suggestions ?? []}
      value={values}
      onChange={set}
      clearable
      acceptValueOnBlur
    />
  );
}
