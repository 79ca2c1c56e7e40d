import {
  Alert,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Pagination,
  SegmentedControl,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../api.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { PushDialog, type PushSelection, type PushTarget } from '../components/push-dialog.js';
import { FiltersForm } from './search/filters-form.js';
import { AddToListModal, ListsPanel, useLists } from './search/lists.js';
import {
  describeExpr,
  entityKindOf,
  entityLabels,
  exprsOf,
  exprText,
  type FilterForm,
  memberKeyOf,
  type ResultRow,
  type SearchEntity,
  type SearchPage,
  sortOrders,
  type UserList,
} from './search/model.js';
import { ResultsTable } from './search/results-table.js';
import { SavedSearchesPanel, SaveSearchModal, useSavedSearches } from './search/saved-searches.js';

const entities: SearchEntity[] = ['companies', 'people', 'investors'];
const pageSizes = ['25', '50', '100'];

/** The screen's state as the URL holds it, so a search can be bookmarked, shared and gone back to. */
function useSearchState() {
  const [params, setParams] = useSearchParams();
  const rawEntity = params.get('entity');
  const entity: SearchEntity = entities.includes(rawEntity as SearchEntity)
    ? (rawEntity as SearchEntity)
    : 'companies';
  const state = {
    entity,
    query: params.get('q') ?? '',
    filters: params.getAll('f'),
    sort: params.get('sort'),
    page: Math.max(1, Number(params.get('page')) || 1),
    size: pageSizes.includes(params.get('size') ?? '') ? Number(params.get('size')) : 25,
    listId: params.get('list') ? Number(params.get('list')) : null,
    savedId: params.get('saved') ? Number(params.get('saved')) : null,
  };
  const update = (next: Partial<typeof state>) => {
    const s = { ...state, ...next };
    const p = new URLSearchParams();
    p.set('entity', s.entity);
    if (s.listId !== null) p.set('list', String(s.listId));
    else {
      if (s.query) p.set('q', s.query);
      for (const f of s.filters) p.append('f', f);
      if (s.sort) p.set('sort', s.sort);
      if (s.savedId !== null) p.set('saved', String(s.savedId));
    }
    if (s.page > 1) p.set('page', String(s.page));
    if (s.size !== 25) p.set('size', String(s.size));
    setParams(p);
  };
  return [state, update] as const;
}

/**
 * Search our dataset (companies, people, investors) with the API's filters, select results, save
 * the search, keep lists, and push one record, a selection, a saved search or a list to Affinity
 * after a dry run; saved searches and lists can be marked auto-push.
 */
export function SearchScreen() {
  const [state, update] = useSearchState();
  const { entity, query, filters, sort, page, size, listId, savedId } = state;
  const [selected, setSelected] = useState<Map<number, ResultRow>>(new Map());
  const [pushTarget, setPushTarget] = useState<PushTarget | null>(null);
  const [saving, setSaving] = useState(false);
  const [addingToList, setAddingToList] = useState(false);
  const lists = useLists();
  const savedSearches = useSavedSearches();
  const openList = listId !== null ? (lists.data?.find((l) => l.id === listId) ?? null) : null;
  const openSaved = savedId !== null ? (savedSearches.data?.find((s) => s.id === savedId) ?? null) : null;

  const results = useQuery({
    queryKey:
      listId !== null
        ? ['lists', listId, 'members', { page, size }]
        : ['search', { entity, query, filters, sort, page, size }],
    queryFn: () =>
      listId !== null
        ? api.get<SearchPage>(`/lists/${listId}`, { limit: size, offset: (page - 1) * size })
        : api.get<SearchPage>('/search', {
            entity,
            query,
            filter: filters,
            sort,
            limit: size,
            offset: (page - 1) * size,
          }),
    placeholderData: keepPreviousData,
  });
  const shownEntity: SearchEntity = openList?.entity ?? entity;
  const rows = results.data?.results ?? [];
  const total = results.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / size));

  const clearSelection = () => setSelected(new Map());
  const setEntity = (e: SearchEntity) => {
    clearSelection();
    update({ entity: e, query: '', filters: [], sort: null, page: 1, listId: null, savedId: null });
  };
  const apply = (q: string, form: FilterForm) => {
    update({ query: q, filters: exprsOf(entity, form), page: 1, savedId: null, listId: null });
  };
  const toggle = (id: number) =>
    setSelected((prev) => {
      const next = new Map(prev);
      const row = rows.find((r) => r.id === id);
      if (next.has(id)) next.delete(id);
      else if (row) next.set(id, row);
      return next;
    });
  const toggleAll = (on: boolean) =>
    setSelected((prev) => {
      const next = new Map(prev);
      for (const r of rows) {
        if (on) next.set(r.id, r);
        else next.delete(r.id);
      }
      return next;
    });
  const selectedRows = [...selected.values()];
  const selection = selectionOf(shownEntity, selectedRows);

  const pushRow = (row: ResultRow) => {
    const kind = entityKindOf[shownEntity];
    const key = 'domain' in row ? `${row.name} (${row.domain})` : row.name;
    setPushTarget({ label: key, selection: { [kind]: row.id } as PushSelection });
  };
  const pushResults = () => {
    if (openList) {
      setPushTarget({ label: `the list "${openList.name}"`, selection: { list: openList.name } });
      return;
    }
    if (openSaved) {
      setPushTarget({ label: `the saved search "${openSaved.name}"`, selection: { search: openSaved.name } });
      return;
    }
    setPushTarget({
      label: `all ${total} ${entityLabels[entity].toLowerCase()} found`,
      selection:
        filters.length === 0 && !query
          ? { all: entityKindOf[entity] }
          : { entity: entityKindOf[entity], filters, ...(query ? { query } : {}) },
    });
  };

  const heading = openList
    ? `List "${openList.name}"`
    : openSaved
      ? `Saved search "${openSaved.name}"`
      : `${entityLabels[entity]} found`;

  return (
    <Page
      title="Search"
      description="Our dataset of companies, people and investors with their growth signals: filter, save a search, and push what you find to Affinity."
    >
      <Grid gap="md">
        <Grid.Col span={{ base: 12, xl: 9 }} order={{ base: 2, xl: 1 }}>
          <Stack gap="md">
            <Card withBorder padding="md" component="section" aria-label="Search">
              <Stack gap="sm">
                <SegmentedControl
                  aria-label="What to search"
                  value={listId !== null ? shownEntity : entity}
                  onChange={(v) => setEntity(v as SearchEntity)}
                  data={entities.map((e) => ({ value: e, label: entityLabels[e] }))}
                  fullWidth
                  maw={480}
                />
                <FiltersForm
                  key={`${entity}|${query}|${filters.join('&')}`}
                  entity={entity}
                  query={query}
                  filters={filters}
                  onApply={apply}
                />
              </Stack>
            </Card>

            <Card withBorder padding="md" component="section" aria-labelledby="results-title">
              <Stack gap="sm">
                <Group justify="space-between" align="flex-end" gap="sm">
                  <div>
                    <Title order={3} size="h4" id="results-title">
                      {heading}
                    </Title>
                    <Text size="sm" c="dimmed" role="status" aria-live="polite" data-testid="results-total">
                      {results.isPending
                        ? 'Searching…'
                        : `${total.toLocaleString('en-US')} ${total === 1 ? 'result' : 'results'}`}
                    </Text>
                  </div>
                  <Group gap="xs" align="flex-end">
                    {listId === null && (
                      <Select
                        label="Sort by"
                        w={190}
                        data={sortOrders[entity]}
                        value={sort ?? sortOrders[entity][0]?.value ?? null}
                        onChange={(v) => update({ sort: v, page: 1 })}
                        allowDeselect={false}
                      />
                    )}
                    {listId === null ? (
                      <Button variant="default" onClick={() => setSaving(true)}>
                        Save search
                      </Button>
                    ) : (
                      <Button variant="default" onClick={() => update({ listId: null, page: 1 })}>
                        Back to search
                      </Button>
                    )}
                    <Button onClick={pushResults} disabled={total === 0}>
                      {openList ? 'Push list' : openSaved ? 'Push saved search' : 'Push all results'}
                    </Button>
                  </Group>
                </Group>
                {(filters.length > 0 || query) && listId === null && (
                  <Group gap={6} aria-label="Filters in use">
                    {query && <Badge variant="light">Text: {query}</Badge>}
                    {filters.map((f) => (
                      <Badge key={f} variant="light" tt="none">
                        {describeExpr(entity, f)}
                      </Badge>
                    ))}
                  </Group>
                )}

                {selected.size > 0 && (
                  <Alert variant="light" color="indigo" p="xs" aria-label="Selection">
                    <Group justify="space-between" gap="xs">
                      <Text size="sm" fw={600}>
                        {selected.size} selected
                      </Text>
                      <Group gap="xs">
                        <Button
                          size="xs"
                          onClick={() => selection.target && setPushTarget(selection.target)}
                          disabled={!selection.target}
                        >
                          Push selection
                        </Button>
                        <Button size="xs" variant="default" onClick={() => setAddingToList(true)}>
                          Add to list
                        </Button>
                        <Button size="xs" variant="subtle" onClick={clearSelection}>
                          Clear selection
                        </Button>
                      </Group>
                    </Group>
                    {selection.problem && (
                      <Text size="xs" mt={4}>
                        {selection.problem}
                      </Text>
                    )}
                  </Alert>
                )}

                <ErrorAlert error={results.error} title="The search was refused" />
                {results.isPending ? (
                  <Stack gap="xs" aria-hidden="true">
                    {[0, 1, 2, 3, 4].map((i) => (
                      <Skeleton key={i} h={28} />
                    ))}
                  </Stack>
                ) : rows.length === 0 && !results.isError ? (
                  <Text size="sm" c="dimmed">
                    {listId !== null ? 'This list has no members yet.' : 'Nothing matches: loosen a filter.'}
                  </Text>
                ) : (
                  rows.length > 0 && (
                    <ResultsTable
                      entity={shownEntity}
                      rows={rows}
                      selected={new Set(selected.keys())}
                      onToggle={toggle}
                      onToggleAll={toggleAll}
                      onPush={pushRow}
                      caption={heading}
                    />
                  )
                )}
                {total > 0 && (
                  <Group justify="space-between" gap="sm">
                    <Pagination
                      total={pages}
                      value={Math.min(page, pages)}
                      onChange={(p) => update({ page: p })}
                      size="sm"
                      siblings={1}
                      boundaries={1}
                    />
                    <Select
                      label="Per page"
                      w={100}
                      data={pageSizes}
                      value={String(size)}
                      onChange={(v) => update({ size: Number(v ?? 25), page: 1 })}
                      allowDeselect={false}
                    />
                  </Group>
                )}
              </Stack>
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, xl: 3 }} order={{ base: 1, xl: 2 }}>
          <SimpleGrid cols={{ base: 1, sm: 2, xl: 1 }} spacing="md">
            <SavedSearchesPanel
              activeId={savedId}
              onOpen={(s) => {
                clearSelection();
                update({
                  entity: s.entity,
                  query: s.spec.query ?? '',
                  filters: (s.spec.filters ?? []).map(exprText),
                  sort: s.spec.sort ?? null,
                  page: 1,
                  listId: null,
                  savedId: s.id,
                });
              }}
              onPush={setPushTarget}
            />
            <ListsPanel
              activeId={listId}
              onOpen={(l: UserList) => {
                clearSelection();
                update({ entity: l.entity, listId: l.id, page: 1, savedId: null });
              }}
              onPush={setPushTarget}
            />
          </SimpleGrid>
        </Grid.Col>
      </Grid>

      <SaveSearchModal
        opened={saving}
        onClose={() => setSaving(false)}
        search={{ entity, query, filters, sort }}
        onSaved={(s) => update({ savedId: s.id })}
      />
      <AddToListModal
        opened={addingToList}
        onClose={() => setAddingToList(false)}
        entity={shownEntity}
        keys={selectedRows.map(memberKeyOf).filter((k): k is string => k !== null)}
        onAdded={(l) => {
          clearSelection();
          update({ entity: l.entity, listId: l.id, page: 1, savedId: null });
        }}
      />
      <PushDialog target={pushTarget} onClose={() => setPushTarget(null)} />
    </Page>
  );
}

/**
 * The push selection for the selected rows: one record by id, or several as a search naming them
 * by domain (companies, investors) or email (people), the keys the dataset is searched by.
 */
function selectionOf(
  entity: SearchEntity,
  rows: ResultRow[],
): { target: PushTarget | null; problem: string | null } {
  const kind = entityKindOf[entity];
  if (rows.length === 0) return { target: null, problem: null };
  const [first] = rows;
  if (rows.length === 1 && first) {
    return { target: { label: first.name, selection: { [kind]: first.id } as PushSelection }, problem: null };
  }
  const label = `${rows.length} selected ${entityLabels[entity].toLowerCase()}`;
  if (entity === 'people') {
    const emails = rows.map((r) => ('emails' in r ? r.emails[0] : undefined));
    const missing = rows.filter((_, i) => !emails[i]).map((r) => r.name);
    if (missing.length > 0) {
      return {
        target: null,
        problem: `${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no email to name them by: push them one at a time, or add the selection to a list and push the list.`,
      };
    }
    return {
      target: { label, selection: { entity: kind, filters: [`email=${emails.join(',')}`] } },
      problem: null,
    };
  }
  const domains = rows.map((r) => ('domain' in r ? r.domain : '')).filter((d) => d !== '');
  return {
    target: { label, selection: { entity: kind, filters: [`domain=${domains.join(',')}`] } },
    problem: null,
  };
}
