import {
  Badge,
  Button,
  Card,
  Group,
  Pagination,
  Paper,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { ReviewResult } from '../../app/review.js';
import { api } from '../api.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { useUrlState } from '../url-state.js';
import { affinityTypeLabel, entityKindLabel, formatCount } from './crm/format.js';
import { usePulledLists } from './crm/pulled-lists.js';
import { Tag } from './crm/tag.js';
import {
  CandidateCard,
  type DatasetEntity,
  type EntityKind,
  keyFacts,
  searchDataset,
} from './review/candidate.js';

/** Records on one page of the review queue. */
export const REVIEW_PAGE_SIZE = 10;

type Item = ReviewResult['items'][number];
type Decision =
  | { decision: 'link'; entity: string }
  | { decision: 'create'; as?: 'company' | 'investor' }
  | { decision: 'ignore' };
interface Decided {
  ok: true;
  crmId: number;
  decision: 'linked' | 'ignored' | 'created';
  kind?: EntityKind;
  entityId?: number;
}

/**
 * Review: the pulled records matching could not settle (ambiguous ones first, each with its
 * candidates), the Affinity record beside what our data holds. Each is settled for good by linking
 * it, creating it in our data, or ignoring it; the decision lives on the record, so later pulls
 * keep it.
 */
export function ReviewScreen() {
  const { params, update } = useUrlState();
  const list = params.get('list') || null;
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const review = useQuery({
    queryKey: ['review', { list, page }],
    queryFn: () =>
      api.get<ReviewResult>('/review', {
        list,
        limit: REVIEW_PAGE_SIZE,
        offset: (page - 1) * REVIEW_PAGE_SIZE,
      }),
    placeholderData: keepPreviousData,
  });
  const lists = usePulledLists(list ? [list] : []);

  const data = review.data;
  const total = data?.counts.toSettle ?? 0;
  const pages = Math.max(1, Math.ceil(total / REVIEW_PAGE_SIZE));
  // A decision that empties the last page moves back to the new last page.
  const emptyPage = !!data && data.items.length === 0 && page > 1 && total > 0 && !review.isFetching;
  useEffect(() => {
    if (emptyPage) update({ page: pages === 1 ? null : String(pages) });
  });

  return (
    <Page
      title="Review"
      description="Affinity records that matching could not settle on its own — ambiguous ones first, beside the candidates from our data. Link each to the right record, create it, or ignore it."
    >
      <Text size="sm">
        Decisions are kept: later pulls never undo them, and a record you settle leaves this queue for good.
      </Text>
      {review.isError && <ErrorAlert error={review.error} title="Could not load the review queue" />}
      {review.isError && list && (
        <Group>
          <Button variant="default" onClick={() => update({ list: null, page: null })}>
            Show every pulled list
          </Button>
        </Group>
      )}
      {review.isPending && (
        <Stack gap="sm" aria-busy="true" aria-label="Loading the review queue">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} h={160} />
          ))}
        </Stack>
      )}
      {data && !data.pulled && (
        <Card withBorder padding="xl">
          <Stack gap="sm" align="flex-start">
            <Title order={3}>Nothing pulled yet</Title>
            <Text>
              Pull your Affinity lists first: records that match our data go to My CRM, the others are flagged
              here for review.
            </Text>
            <Button component={Link} to="/integrations/pull">
              Set up a pull
            </Button>
          </Stack>
        </Card>
      )}
      {data?.pulled && (
        <>
          <SimpleGrid cols={{ base: 3 }} spacing="sm" maw={560}>
            <Count label="To settle" value={data.counts.toSettle} />
            <Count label="Ambiguous" value={data.counts.ambiguous} />
            <Count label="Unmatched" value={data.counts.unmatched} />
          </SimpleGrid>
          <Group align="flex-end" gap="md">
            <Select
              label="Pulled list"
              placeholder="All pulled lists"
              data={lists}
              value={list}
              onChange={(v) => update({ list: v, page: null })}
              clearable
              searchable
              nothingFoundMessage="No pulled list by that name"
              w={{ base: '100%', xs: 260 }}
            />
            <Text size="sm" c="dimmed" aria-live="polite" pb={6}>
              {total === 0
                ? 'Nothing to review'
                : `Showing ${formatCount((page - 1) * REVIEW_PAGE_SIZE + 1)}–${formatCount(
                    (page - 1) * REVIEW_PAGE_SIZE + data.items.length,
                  )} of ${formatCount(total)}`}
            </Text>
          </Group>
          {total === 0 && (
            <Card withBorder padding="xl">
              <Stack gap="sm" align="flex-start">
                <Title order={3}>All settled</Title>
                <Text>
                  Every pulled record{data.list ? ` on ${data.list.name}` : ''} is matched to our data or has
                  a decision.
                </Text>
                <Button component={Link} to="/crm" variant="default">
                  Open My CRM
                </Button>
              </Stack>
            </Card>
          )}
          <Stack
            gap="md"
            component="ul"
            p={0}
            m={0}
            style={{ listStyle: 'none' }}
            aria-label="Records to review"
          >
            {data.items.map((item) => (
              <ReviewCard key={item.crmId} item={item} />
            ))}
          </Stack>
          {pages > 1 && (
            <Group justify="center">
              <Pagination
                total={pages}
                value={Math.min(page, pages)}
                onChange={(p) => update({ page: p === 1 ? null : String(p) })}
                siblings={1}
                boundaries={1}
              />
            </Group>
          )}
        </>
      )}
    </Page>
  );
}

function Count({ label, value }: { label: string; value: number }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={22} fw={700} lh={1.3} data-testid={`count-${label}`}>
        {formatCount(value)}
      </Text>
    </Paper>
  );
}

/** The kinds of our data an Affinity record of this type can be linked to or found among. */
function kindsFor(item: Item): EntityKind[] {
  return item.affinityType === 'person' ? ['person'] : ['company', 'investor'];
}

function describeDecision(item: Item, d: Decided): string {
  if (d.decision === 'ignored') return `${item.name} is ignored: later pulls leave it out of review.`;
  const what = d.kind ? entityKindLabel[d.kind].toLowerCase() : 'record';
  if (d.decision === 'created') return `${item.name} was created in our data as a ${what}.`;
  return `${item.name} is linked to a ${what} in our data.`;
}

function ReviewCard({ item }: { item: Item }) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<string | null>(null);
  const [finding, setFinding] = useState(false);
  const decide = useMutation({
    mutationFn: (body: Decision) => api.post<Decided>(`/review/${item.crmId}/decision`, body),
    onSuccess: async (d) => {
      notifications.show({ color: 'teal', title: 'Decision saved', message: describeDecision(item, d) });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['review'] }),
        queryClient.invalidateQueries({ queryKey: ['crm'] }),
      ]);
    },
    onSettled: () => setPending(null),
  });
  const run = (key: string, body: Decision) => {
    setPending(key);
    decide.mutate(body);
  };
  const busy = decide.isPending;
  const headingId = `review-${item.crmId}`;

  return (
    <Card withBorder padding="lg" component="li" aria-labelledby={headingId} data-crm-id={item.crmId}>
      <Group justify="space-between" align="flex-start" gap="sm" mb="sm">
        <div>
          <Title order={3} size="h4" id={headingId}>
            {item.name}
          </Title>
          <Group gap={6} mt={4}>
            {item.lists.map((l) => (
              <Badge key={l} size="xs" variant="outline" color="indigo" tt="none">
                {l}
              </Badge>
            ))}
          </Group>
        </div>
        <Tag color={item.status === 'ambiguous' ? 'yellow' : 'gray'} size="lg">
          {item.status === 'ambiguous'
            ? `Ambiguous · ${item.candidates.length} candidate${item.candidates.length === 1 ? '' : 's'}`
            : 'Unmatched'}
        </Tag>
      </Group>

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Paper bg="gray.0" p="sm" radius="md">
          <Text size="xs" c="dimmed" tt="uppercase" fw={600} mb={6}>
            In Affinity
          </Text>
          <Fact label="Type" value={affinityTypeLabel[item.affinityType]} />
          <Fact label="Affinity id" value={String(item.affinityId)} mono />
          {item.affinityType !== 'person' && (
            <Fact
              label={item.domains.length > 1 ? 'Domains' : 'Domain'}
              value={item.domains.join(', ') || 'none'}
            />
          )}
          {(item.affinityType === 'person' || item.emails.length > 0) && (
            <Fact
              label={item.emails.length > 1 ? 'Emails' : 'Email'}
              value={item.emails.join(', ') || 'none'}
            />
          )}
          <Fact label="On lists" value={item.lists.join(', ') || 'none'} />
        </Paper>
        <div>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600} mb={6}>
            Candidates in our data
          </Text>
          {item.candidates.length === 0 ? (
            <Text size="sm" c="dimmed">
              No candidate: nothing in our data shares its{' '}
              {item.affinityType === 'person' ? 'email or LinkedIn URL' : 'domain or name'}. Find one in our
              data, create it, or ignore it.
            </Text>
          ) : (
            <Stack gap="xs">
              {item.candidates.map((c) => (
                <CandidateCard
                  key={`${c.kind}:${c.id}`}
                  candidate={c}
                  linking={pending === `${c.kind}:${c.id}`}
                  disabled={busy}
                  onLink={() => run(`${c.kind}:${c.id}`, { decision: 'link', entity: `${c.kind}:${c.id}` })}
                />
              ))}
            </Stack>
          )}
        </div>
      </SimpleGrid>

      {finding && (
        <FindAndLink
          item={item}
          busy={busy}
          pending={pending}
          onLink={(key, entity) => run(key, { decision: 'link', entity })}
        />
      )}

      {decide.isError && <ErrorAlert error={decide.error} title="Not settled" mt="sm" />}

      <Group gap="xs" mt="md" justify="flex-end">
        <Button variant="subtle" mr="auto" onClick={() => setFinding((f) => !f)} aria-expanded={finding}>
          {finding ? 'Close the search' : 'Find in our data…'}
        </Button>
        {item.affinityType === 'organization' ? (
          <>
            <Button
              variant="light"
              loading={pending === 'create:company'}
              disabled={busy}
              onClick={() => run('create:company', { decision: 'create', as: 'company' })}
            >
              Create company
            </Button>
            <Button
              variant="light"
              loading={pending === 'create:investor'}
              disabled={busy}
              onClick={() => run('create:investor', { decision: 'create', as: 'investor' })}
            >
              Create investor
            </Button>
          </>
        ) : (
          <Button
            variant="light"
            loading={pending === 'create'}
            disabled={busy}
            onClick={() => run('create', { decision: 'create' })}
          >
            Create {item.affinityType === 'person' ? 'person' : 'record'}
          </Button>
        )}
        <Button
          variant="default"
          loading={pending === 'ignore'}
          disabled={busy}
          onClick={() => run('ignore', { decision: 'ignore' })}
        >
          Ignore
        </Button>
      </Group>
    </Card>
  );
}

function Fact({ label, value, mono }: { label: string; value: string; mono?: boolean }) {
  return (
    <Group gap={6} wrap="nowrap" align="baseline">
      <Text size="sm" c="dimmed" w={84} style={{ flex: 'none' }}>
        {label}
      </Text>
      <Text size="sm" ff={mono ? 'monospace' : 'text'} style={{ wordBreak: 'break-word', minWidth: 0 }}>
        {value}
      </Text>
    </Group>
  );
}

/**
 * Link to any record of our data: search it by name, domain or email and link a result, or link
 * by a key the API resolves (company:ID, investor:ID, person:ID, a domain, an email or a LinkedIn URL).
 */
function FindAndLink({
  item,
  busy,
  pending,
  onLink,
}: {
  item: Item;
  busy: boolean;
  pending: string | null;
  onLink: (key: string, entity: string) => void;
}) {
  const [text, setText] = useState('');
  const [searched, setSearched] = useState<string | null>(null);
  const kinds = kindsFor(item);
  const results = useQuery({
    queryKey: ['search', 'review-find', kinds, searched],
    queryFn: async () => {
      const pages = await Promise.all(kinds.map((k) => searchDataset(k, searched ?? '', 5)));
      return pages.flatMap((p, i) => p.results.map((r) => ({ kind: kinds[i] as EntityKind, entity: r })));
    },
    enabled: searched !== null,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) setSearched(text.trim());
  };
  const inputId = `find-${item.crmId}`;
  return (
    <form onSubmit={submit}>
      <Group align="flex-end" gap="xs" mt="md" wrap="wrap">
        <TextInput
          id={inputId}
          label="Find in our data"
          description="A name, domain or email to search; or a key to link directly (company:ID, a domain, an email, a LinkedIn URL)"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          style={{ flex: '1 1 280px' }}
        />
        <Button type="submit" variant="default" disabled={!text.trim()}>
          Search
        </Button>
        <Button
          variant="default"
          disabled={!text.trim() || busy}
          loading={pending === 'key'}
          onClick={() => onLink('key', text.trim())}
        >
          Link by key
        </Button>
      </Group>
      {results.isError && <ErrorAlert error={results.error} mt="xs" />}
      {results.data && (
        <Stack gap={6} mt="xs" aria-label={`Search results for ${searched}`}>
          {results.data.length === 0 && (
            <Text size="sm" c="dimmed">
              Nothing in our data matches “{searched}”.
            </Text>
          )}
          {results.data.map(({ kind, entity }: { kind: EntityKind; entity: DatasetEntity }) => (
            <Paper key={`${kind}:${entity.id}`} withBorder p="xs" radius="md">
              <Group justify="space-between" wrap="nowrap" gap="sm">
                <div style={{ minWidth: 0 }}>
                  <Group gap={6}>
                    <Text size="sm" fw={600}>
                      {entity.name}
                    </Text>
                    <Tag size="xs" color="indigo">
                      {entityKindLabel[kind]}
                    </Tag>
                  </Group>
                  <Text size="xs" c="dimmed">
                    {keyFacts(kind, entity).join(' · ')}
                  </Text>
                </div>
                <Button
                  size="xs"
                  variant="light"
                  disabled={busy}
                  loading={pending === `${kind}:${entity.id}`}
                  onClick={() => onLink(`${kind}:${entity.id}`, `${kind}:${entity.id}`)}
                  aria-label={`Link to ${entityKindLabel[kind].toLowerCase()} ${entity.name}`}
                  style={{ flex: 'none' }}
                >
                  Link
                </Button>
              </Group>
            </Paper>
          ))}
        </Stack>
      )}
    </form>
  );
}
