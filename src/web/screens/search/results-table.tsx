import { Anchor, Badge, Button, Checkbox, Group, Table, Text, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';
import {
  type CompanyItem,
  count,
  growthText,
  type InvestorItem,
  money,
  type PersonItem,
  placeOf,
  type ResultRow,
  type SearchEntity,
} from './model.js';

/**
 * One page of results: a checkbox per row to select it, the entity's key columns (for companies
 * the growth signals), and a Push button per row.
 */
export function ResultsTable({
  entity,
  rows,
  selected,
  onToggle,
  onToggleAll,
  onPush,
  caption,
}: {
  entity: SearchEntity;
  rows: ResultRow[];
  selected: ReadonlySet<number>;
  onToggle: (id: number) => void;
  onToggleAll: (on: boolean) => void;
  onPush: (row: ResultRow) => void;
  caption: string;
}) {
  const columns = columnsOf(entity);
  const all = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const some = rows.some((r) => selected.has(r.id));
  return (
    <Table.ScrollContainer minWidth={entity === 'companies' ? 980 : 820}>
      <Table striped highlightOnHover verticalSpacing="xs" aria-label={caption}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>
              <Checkbox
                aria-label="Select every row on this page"
                checked={all}
                indeterminate={some && !all}
                onChange={(e) => onToggleAll(e.currentTarget.checked)}
              />
            </Table.Th>
            {columns.map((c) => (
              <Table.Th key={c.title} ta={c.numeric ? 'right' : undefined}>
                {c.title}
              </Table.Th>
            ))}
            <Table.Th>
              <Text span size="sm" fw={700}>
                Push
              </Text>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr
              key={row.id}
              {...(selected.has(row.id) ? { bg: 'var(--mantine-color-indigo-light)' } : {})}
            >
              <Table.Td>
                <Checkbox
                  aria-label={`Select ${row.name}`}
                  checked={selected.has(row.id)}
                  onChange={() => onToggle(row.id)}
                />
              </Table.Td>
              {columns.map((c) => (
                <Table.Td key={c.title} ta={c.numeric ? 'right' : undefined}>
                  {c.cell(row as never)}
                </Table.Td>
              ))}
              <Table.Td>
                <Button
                  size="compact-xs"
                  variant="light"
                  aria-label={`Push ${row.name}`}
                  onClick={() => onPush(row)}
                >
                  Push
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

interface Column<T> {
  title: string;
  numeric?: boolean;
  cell: (row: T) => ReactNode;
}

function nameCell(name: string, sub: string | null, href: string | null): ReactNode {
  return (
    <div>
      <Text size="sm" fw={600}>
        {name}
      </Text>
      {sub &&
        (href ? (
          <Anchor href={href} target="_blank" rel="noreferrer" size="xs">
            {sub}
          </Anchor>
        ) : (
          <Text size="xs" c="dimmed">
            {sub}
          </Text>
        ))}
    </div>
  );
}

/** A city over its country. */
function place(city: string | null, country: string | null): ReactNode {
  if (!city) return placeOf(country);
  return (
    <div>
      <Text size="sm">{city}</Text>
      {country && (
        <Text size="xs" c="dimmed">
          {country}
        </Text>
      )}
    </div>
  );
}

/** A growth figure with its sign in words and in colour (never colour alone). */
function Growth({ ratio }: { ratio: number | null }) {
  const text = growthText(ratio);
  const color = ratio === null || Math.round(ratio * 100) === 0 ? 'dark' : ratio > 0 ? '#1b6a2f' : '#a61b1b';
  return (
    <Text size="sm" c={color} fw={ratio !== null && ratio > 0 ? 600 : 400}>
      {text}
    </Text>
  );
}

const companyColumns: Column<CompanyItem>[] = [
  {
    title: 'Company',
    cell: (r) => nameCell(r.name, r.domain, r.website ?? `https://${r.domain}`),
  },
  { title: 'Industry', cell: (r) => r.industries.join(', ') || '—' },
  { title: 'Stage', cell: (r) => r.stage ?? '—' },
  { title: 'HQ', cell: (r) => place(r.hqCity, r.hqCountry) },
  { title: 'Headcount', numeric: true, cell: (r) => count(r.headcount) },
  { title: 'Funding', numeric: true, cell: (r) => money(r.totalFundingUsd) },
  { title: 'Growth 3 mo', numeric: true, cell: (r) => <Growth ratio={r.growth3m} /> },
  { title: 'Growth 12 mo', numeric: true, cell: (r) => <Growth ratio={r.growth12m} /> },
  {
    title: 'Growth rank',
    numeric: true,
    cell: (r) =>
      r.growthRank === null ? (
        '—'
      ) : (
        <Text size="sm" fw={r.growthRank >= 80 ? 700 : 400}>
          {Math.round(r.growthRank)}
        </Text>
      ),
  },
];

const personColumns: Column<PersonItem>[] = [
  { title: 'Person', cell: (r) => nameCell(r.name, r.emails[0] ?? null, null) },
  { title: 'Title', cell: (r) => r.title ?? '—' },
  { title: 'Company', cell: (r) => r.companyName ?? r.companyDomain ?? '—' },
  { title: 'Location', cell: (r) => place(r.city, r.country) },
  {
    title: "Company's growth rank",
    numeric: true,
    cell: (r) => (r.companyGrowthRank === null ? '—' : Math.round(r.companyGrowthRank)),
  },
  {
    title: 'LinkedIn',
    cell: (r) =>
      r.linkedinUrl ? (
        <Anchor href={r.linkedinUrl} target="_blank" rel="noreferrer" size="sm">
          Profile<VisuallyHidden> of {r.name}</VisuallyHidden>
        </Anchor>
      ) : (
        '—'
      ),
  },
];

const investorColumns: Column<InvestorItem>[] = [
  { title: 'Investor', cell: (r) => nameCell(r.name, r.domain, `https://${r.domain}`) },
  { title: 'Type', cell: (r) => r.type ?? '—' },
  { title: 'HQ', cell: (r) => place(r.hqCity, r.hqCountry) },
  { title: 'Investments', numeric: true, cell: (r) => count(r.investmentsCount) },
  {
    title: 'Notable portfolio',
    cell: (r) => (
      <Group gap={4}>
        {r.notablePortfolio.slice(0, 3).map((p) => (
          <Badge key={p} variant="outline" color="gray" tt="none">
            {p}
          </Badge>
        ))}
        {r.notablePortfolio.length > 3 && <Text size="xs">+{r.notablePortfolio.length - 3}</Text>}
      </Group>
    ),
  },
];

function columnsOf(entity: SearchEntity): Column<never>[] {
  if (entity === 'companies') return companyColumns as Column<never>[];
  if (entity === 'people') return personColumns as Column<never>[];
  return investorColumns as Column<never>[];
}
