import { Button, Group, Paper, Skeleton, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { entityKindLabel, formatCount, formatUsd, matchedByLabel } from '../crm/format.js';
import { Tag } from '../crm/tag.js';

export type EntityKind = 'company' | 'person' | 'investor';

/** A candidate match from the review queue: which entity, and what matched. */
export interface Candidate {
  kind: EntityKind;
  id: number;
  name: string;
  by: string;
}

/** One search result of our dataset: a company, a person or an investor (the fields shown). */
export interface DatasetEntity {
  id: number;
  name: string;
  domain?: string;
  otherDomains?: string[];
  emails?: string[];
  title?: string | null;
  companyName?: string | null;
  stage?: string | null;
  totalFundingUsd?: number | null;
  headcount?: number | null;
  hqCity?: string | null;
  hqCountry?: string | null;
  country?: string | null;
  city?: string | null;
  growthRank?: number | null;
  type?: string | null;
  investmentsCount?: number | null;
}

interface SearchPage {
  total: number;
  results: DatasetEntity[];
}

export const searchEntityOf = { company: 'companies', person: 'people', investor: 'investors' } as const;

/** Searches our dataset for entities of one kind by text in their name, domain or email. */
export function searchDataset(kind: EntityKind, text: string, limit = 10): Promise<SearchPage> {
  return api.get<SearchPage>('/search', { entity: searchEntityOf[kind], query: text, limit });
}

/** The facts a reviewer weighs, of a company, person or investor, as short phrases. */
export function keyFacts(kind: EntityKind, e: DatasetEntity): string[] {
  const place = [e.hqCity ?? e.city, e.hqCountry ?? e.country].filter(Boolean).join(', ');
  const facts: Array<string | null | undefined> =
    kind === 'company'
      ? [
          e.domain,
          e.stage,
          e.totalFundingUsd != null ? `${formatUsd(e.totalFundingUsd)} raised` : null,
          e.headcount != null ? `${formatCount(e.headcount)} people` : null,
          place,
          e.growthRank != null ? `growth rank ${e.growthRank}` : null,
        ]
      : kind === 'investor'
        ? [
            e.domain,
            e.type,
            e.investmentsCount != null ? `${formatCount(e.investmentsCount)} investments` : null,
            place,
          ]
        : [e.emails?.[0], e.title, e.companyName, place];
  return facts.filter((f): f is string => !!f);
}

/**
 * A candidate from our dataset beside the Affinity record: its name, kind, why matching proposed
 * it, its key facts (looked up in the dataset), and the button that links the record to it.
 */
export function CandidateCard({
  candidate: c,
  onLink,
  linking,
  disabled,
}: {
  candidate: Candidate;
  onLink: () => void;
  linking: boolean;
  disabled: boolean;
}) {
  const facts = useQuery({
    queryKey: ['search', 'candidate', c.kind, c.id],
    queryFn: async () => (await searchDataset(c.kind, c.name, 25)).results.find((r) => r.id === c.id) ?? null,
    staleTime: 60_000,
  });
  const why = matchedByLabel(c.by);
  return (
    <Paper withBorder p="sm" radius="md" data-candidate={`${c.kind}:${c.id}`}>
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <Stack gap={4} style={{ minWidth: 0 }}>
          <Group gap={6}>
            <Text fw={600}>{c.name}</Text>
            <Tag size="xs" color="indigo">
              {entityKindLabel[c.kind]}
            </Tag>
          </Group>
          <Text size="xs">
            <Text span fw={600} size="xs">
              Why:
            </Text>{' '}
            {why ? `${why} as the Affinity record` : 'proposed by matching'}
          </Text>
          {facts.isPending ? (
            <Skeleton h={14} w={200} />
          ) : facts.data ? (
            <Text size="xs" c="dimmed">
              {keyFacts(c.kind, facts.data).join(' · ') || 'No other facts'}
            </Text>
          ) : null}
        </Stack>
        <Button
          size="xs"
          onClick={onLink}
          loading={linking}
          disabled={disabled}
          aria-label={`Link to ${entityKindLabel[c.kind].toLowerCase()} ${c.name}`}
          style={{ flex: 'none' }}
        >
          Link
        </Button>
      </Group>
    </Paper>
  );
}
