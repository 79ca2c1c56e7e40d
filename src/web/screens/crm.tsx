import {
  Anchor,
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
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { CrmRecord, CrmResult } from '../../app/crm.js';
import { api } from '../api.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { SignalChart } from '../components/signal-chart.js';
import { useUrlState } from '../url-state.js';
import { affinityTypeLabel, formatCount, formatUsd, growthTier, matchedByLabel } from './crm/format.js';
import { usePulledLists } from './crm/pulled-lists.js';
import { Tag } from './crm/tag.js';

/** Records on one page of My CRM. */
export const CRM_PAGE_SIZE = 25;

const sorts = [
  { value: 'growth', label: 'Growth rank' },
  { value: 'funding', label: 'Total funding' },
  { value: 'name', label: 'Name (A–Z)' },
] as const;
type Sort = (typeof sorts)[number]['value'];
const isSort = (s: string | null): s is Sort => sorts.some((x) => x.value === s);

/**
 * My CRM: the records pulled from Affinity, ranked by the growth of the companies they matched,
 * with each company's headcount and web visits over the year drawn small. The list, the order and
 * the page live in the address, so a view can be shared and survives a reload.
 */
export function CrmScreen() {
  const { params, update } = useUrlState();
  const list = params.get('list') || null;
  const sortParam = params.get('sort');
  const sort: Sort = isSort(sortParam) ? sortParam : 'growth';
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const phone = useMediaQuery('(max-width: 48em)');

  const crm = useQuery({
    queryKey: ['crm', { list, sort, page }],
    queryFn: () =>
      api.get<CrmResult>('/crm', {
        list,
        sort,
        limit: CRM_PAGE_SIZE,
        offset: (page - 1) * CRM_PAGE_SIZE,
      }),
    placeholderData: keepPreviousData,
  });
  const lists = usePulledLists(list ? [list] : []);

  const data = crm.data;
  // `matching` counts the records on the filtered list (`records` counts every pulled one).
  const total = data?.counts.matching ?? 0;
  const pages = Math.max(1, Math.ceil(total / CRM_PAGE_SIZE));
  const nothingPulled = data !== undefined && data.counts.lists === 0 && !list;

  return (
    <Page
      title="My CRM"
      description="Your Affinity records, enriched with our data and ranked by growth. Matched records carry their company's signals; unmatched ones are flagged for review."
      actions={
        <Button component={Link} to="/integrations/pull" variant="default">
          Pull from Affinity
        </Button>
      }
    >
      {crm.isError && (
        <ErrorAlert error={crm.error} title={list ? 'Could not show this list' : 'Could not load My CRM'} />
      )}
      {crm.isError && list && (
        <Group>
          <Button variant="default" onClick={() => update({ list: null, page: null })}>
            Show every pulled list
          </Button>
        </Group>
      )}

      {crm.isPending && <CrmSkeleton />}

      {nothingPulled && <NothingPulled />}

      {data && !nothingPulled && (
        <>
          <Stats data={data} />
          <Group align="flex-end" gap="md" wrap="wrap">
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
            <Select
              label="Rank by"
              data={sorts.map((s) => ({ value: s.value, label: s.label }))}
              value={sort}
              onChange={(v) => update({ sort: v === 'growth' ? null : v, page: null })}
              allowDeselect={false}
              w={{ base: '100%', xs: 200 }}
            />
            <Text size="sm" c="dimmed" aria-live="polite" ml={{ base: 0, xs: 'auto' }} pb={6}>
              {total === 0
                ? 'No records'
                : `Showing ${formatCount((page - 1) * CRM_PAGE_SIZE + 1)}–${formatCount(
                    (page - 1) * CRM_PAGE_SIZE + data.records.length,
                  )} of ${formatCount(total)}${data.list ? ` on ${data.list.name}` : ''}`}
            </Text>
          </Group>

          {data.records.length === 0 ? (
            <Card withBorder padding="lg">
              <Text>
                {total === 0 ? 'No records on this list.' : 'This page is past the last record.'}{' '}
                <Anchor component="button" type="button" onClick={() => update({ page: null })}>
                  Back to the first page
                </Anchor>
              </Text>
            </Card>
          ) : phone ? (
            <Stack
              gap="sm"
              aria-label="My CRM records"
              component="ol"
              p={0}
              m={0}
              style={{ listStyle: 'none' }}
            >
              {data.records.map((r, i) => (
                <RecordCard key={r.crmId} record={r} position={(page - 1) * CRM_PAGE_SIZE + i + 1} />
              ))}
            </Stack>
          ) : (
            <RecordTable records={data.records} offset={(page - 1) * CRM_PAGE_SIZE} />
          )}

          {pages > 1 && (
            <Group justify="center">
              <Pagination
                total={pages}
                value={Math.min(page, pages)}
                onChange={(p) => update({ page: p === 1 ? null : String(p) })}
                siblings={phone ? 0 : 1}
                boundaries={1}
                aria-label="My CRM pages"
              />
            </Group>
          )}
        </>
      )}
    </Page>
  );
}

function NothingPulled() {
  return (
    <Card withBorder padding="xl">
      <Stack gap="sm" align="flex-start">
        <Title order={3}>Nothing pulled yet</Title>
        <Text>
          My CRM fills up when you pull your Affinity lists — your deal flow, portfolio and watchlist, for
          example. Each record is matched to our data and ranked by its company's growth; the ones we cannot
          match are flagged for review.
        </Text>
        <Button component={Link} to="/integrations/pull">
          Set up a pull
        </Button>
      </Stack>
    </Card>
  );
}

function CrmSkeleton() {
  return (
    <Stack gap="sm" aria-busy="true" aria-label="Loading My CRM">
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        {[0, 1, 2, 3].map((i) => (
          <Skeleton key={i} h={72} />
        ))}
      </SimpleGrid>
      {[0, 1, 2, 3, 4].map((i) => (
        <Skeleton key={i} h={56} />
      ))}
    </Stack>
  );
}

function Stat({ label, value, note }: { label: string; value: string; note?: ReactNode }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={24} fw={700} lh={1.3}>
        {value}
      </Text>
      {note && (
        <Text size="xs" c="dimmed">
          {note}
        </Text>
      )}
    </Paper>
  );
}

function Stats({ data }: { data: CrmResult }) {
  const c = data.counts;
  const toReview = c.ambiguous + c.unmatched;
  const share = c.matching > 0 ? Math.round((c.matched / c.matching) * 100) : 0;
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
      <Stat
        label="Records"
        value={formatCount(c.matching)}
        note={data.list ? `on ${data.list.name}` : 'from Affinity'}
      />
      <Stat
        label="Pulled lists"
        value={formatCount(c.lists)}
        note={data.list ? `showing ${data.list.name}` : 'all shown'}
      />
      <Stat label="Matched" value={formatCount(c.matched)} note={`${share}% enriched`} />
      <Stat
        label="To review"
        value={formatCount(toReview)}
        note={
          toReview > 0 ? (
            <Anchor component={Link} to="/review" size="xs">
              Open review
            </Anchor>
          ) : (
            'all settled'
          )
        }
      />
    </SimpleGrid>
  );
}

/** The record's own line under its name: a domain, an email, or what an opportunity is about. */
function recordDetail(r: CrmRecord): string {
  if (r.affinityType === 'organization') return r.domains.join(', ') || 'no domain';
  if (r.affinityType === 'person') return r.company ? `at ${r.company.name}` : (r.emails[0] ?? 'no email');
  return r.company ? `for ${r.company.name}` : 'no organization';
}

function MatchBadge({ record: r }: { record: CrmRecord }) {
  if (r.reviewDecision === 'ignored')
    return (
      <Badge color="gray" variant="outline">
        Ignored
      </Badge>
    );
  const color = r.matchStatus === 'matched' ? 'teal' : r.matchStatus === 'ambiguous' ? 'yellow' : 'gray';
  const label =
    r.matchStatus === 'matched' ? 'Matched' : r.matchStatus === 'ambiguous' ? 'Ambiguous' : 'Unmatched';
  return (
    <Stack gap={2} align="flex-start">
      <Tag color={color}>{label}</Tag>
      {r.matchStatus === 'matched' ? (
        r.matchedBy && (
          <Text size="xs" c="dimmed">
            {matchedByLabel(r.matchedBy)}
          </Text>
        )
      ) : (
        <Anchor component={Link} to="/review" size="xs">
          Review
        </Anchor>
      )}
    </Stack>
  );
}

function GrowthCell({ record: r }: { record: CrmRecord }) {
  const rank = r.company?.growthRank ?? null;
  const tier = growthTier(rank);
  if (rank == null)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Stack gap={2} align="flex-start">
      <Text fw={700} fz="lg" lh={1.1} aria-label={`Growth rank ${rank} of 100`}>
        {rank.toFixed(rank % 1 === 0 ? 0 : 1)}
      </Text>
      <Tag size="sm" color={tier.color}>
        {tier.label}
      </Tag>
    </Stack>
  );
}

function signalCharts(r: CrmRecord, width: number) {
  return {
    headcount: <SignalChart label="Headcount" points={r.signals?.headcount ?? []} width={width} />,
    webVisits: <SignalChart label="Web visits" points={r.signals?.webVisits ?? []} width={width} />,
  };
}

function RecordName({ record: r }: { record: CrmRecord }) {
  return (
    <Stack gap={4} align="flex-start">
      <Text fw={600} lh={1.25}>
        {r.name}
      </Text>
      <Text size="sm" c="dimmed" lh={1.2}>
        {recordDetail(r)}
      </Text>
      <Group gap={4}>
        {r.lists.map((l) => (
          <Badge key={l} size="xs" variant="outline" color="indigo" tt="none">
            {l}
          </Badge>
        ))}
      </Group>
    </Stack>
  );
}

function AffinityRef({ record: r }: { record: CrmRecord }) {
  return (
    <Text size="xs" c="dimmed" ff="monospace">
      {affinityTypeLabel[r.affinityType]} #{r.affinityId}
    </Text>
  );
}

function RecordTable({ records, offset }: { records: CrmRecord[]; offset: number }) {
  return (
    <Table.ScrollContainer minWidth={960}>
      <Table verticalSpacing="sm" highlightOnHover striped="even" aria-label="My CRM records">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={44}>
              <Text span size="sm" fw={700}>
                #
              </Text>
            </Table.Th>
            <Table.Th>Record</Table.Th>
            <Table.Th w={100}>Growth</Table.Th>
            <Table.Th w={190}>Headcount (12 mo)</Table.Th>
            <Table.Th w={190}>Web visits (12 mo)</Table.Th>
            <Table.Th w={110}>Funding</Table.Th>
            <Table.Th w={130}>Match</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {records.map((r, i) => {
            const s = signalCharts(r, 100);
            return (
              <Table.Tr key={r.crmId} data-crm-id={r.crmId}>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {offset + i + 1}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <RecordName record={r} />
                  <AffinityRef record={r} />
                </Table.Td>
                <Table.Td>
                  <GrowthCell record={r} />
                </Table.Td>
                <Table.Td>{r.company ? s.headcount : <NoCompany />}</Table.Td>
                <Table.Td>{r.company ? s.webVisits : <NoCompany />}</Table.Td>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {formatUsd(r.company?.totalFundingUsd)}
                  </Text>
                  {r.company?.stage && (
                    <Text size="xs" c="dimmed">
                      {r.company.stage}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <MatchBadge record={r} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function NoCompany() {
  return (
    <Text size="xs" c="dimmed">
      No company matched
    </Text>
  );
}

function RecordCard({ record: r, position }: { record: CrmRecord; position: number }) {
  const s = signalCharts(r, 84);
  return (
    <Card withBorder padding="md" component="li" data-crm-id={r.crmId}>
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <Group gap="sm" align="flex-start" wrap="nowrap" style={{ minWidth: 0 }}>
          <Text size="sm" c="dimmed" mt={2}>
            {position}
          </Text>
          <div style={{ minWidth: 0 }}>
            <RecordName record={r} />
          </div>
        </Group>
        <GrowthCell record={r} />
      </Group>
      {r.company ? (
        <SimpleGrid cols={2} spacing="xs" mt="sm">
          <div>
            <Text size="xs" c="dimmed">
              Headcount
            </Text>
            {s.headcount}
          </div>
          <div>
            <Text size="xs" c="dimmed">
              Web visits
            </Text>
            {s.webVisits}
          </div>
        </SimpleGrid>
      ) : (
        <Text size="sm" c="dimmed" mt="sm">
          No company matched yet.
        </Text>
      )}
      <Group justify="space-between" mt="sm" align="flex-end">
        <div>
          <Text size="sm" fw={500}>
            {formatUsd(r.company?.totalFundingUsd)}
            {r.company?.stage ? ` · ${r.company.stage}` : ''}
          </Text>
          <AffinityRef record={r} />
        </div>
        <MatchBadge record={r} />
      </Group>
    </Card>
  );
}
