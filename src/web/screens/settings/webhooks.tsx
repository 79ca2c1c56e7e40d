import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  List,
  Pagination,
  SegmentedControl,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api } from '../../api.js';
import { useUser } from '../../auth.js';
import { ErrorAlert } from '../../components/error-alert.js';
import { ConfirmButton, formatTime, NoteAlert, notify, SecretValue, StatusBadge } from './common.js';

interface Slot {
  subscriptionId: number | null;
  ours: boolean;
  webhookId: number | null;
  url: string | null;
  events: string[];
  disabled: boolean | null;
  affinityCreatedBy: number | null;
  createdBy: string | null;
  createdAt: string | null;
  rotatedAt: string | null;
  lastDeliveryAt: string | null;
  missing: boolean;
}

interface Webhooks {
  limit: number;
  free: number;
  slots: Slot[];
  note: string | null;
}

interface Subscribed {
  webhookId: number;
  subscriptionId: number;
  receiverUrl: string;
  events: string[];
}

interface Delivery {
  id: number;
  webhookId: number;
  type: string;
  sentAt: string | null;
  receivedAt: string;
  status: string;
  processedAt: string | null;
  apiCalls: number;
  error: string | null;
}

const webhooksKey = ['webhooks'] as const;
const PAGE = 20;

function deliveryColor(status: string): string {
  switch (status) {
    case 'processed':
      return 'green';
    case 'failed':
      return 'red';
    case 'ignored':
      return 'gray';
    default:
      return 'blue';
  }
}

/**
 * Affinity allows 3 webhook subscriptions per instance. This tab shows who holds each (ours or
 * someone else's, never changed), subscribes our receiver when a slot is free, rotates its secret
 * URL or removes it, and lists the deliveries received with what came of each.
 */
export function WebhooksTab() {
  const me = useUser();
  const queryClient = useQueryClient();
  const [shownUrl, setShownUrl] = useState<{ url: string; why: string } | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const webhooks = useQuery({
    queryKey: webhooksKey,
    queryFn: () => api.get<Webhooks>('/webhooks'),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: webhooksKey });
  const rotate = useMutation({
    mutationFn: (id: number) => api.post<Subscribed>(`/webhooks/${id}/rotate`),
    onSuccess: (r) => {
      setActionError(null);
      setShownUrl({ url: r.receiverUrl, why: 'The old URL stopped answering; Affinity now calls this one.' });
      refresh();
    },
    onError: setActionError,
  });
  const remove = useMutation({
    mutationFn: (id: number) => api.del<{ webhookId: number; deletedAtAffinity: boolean }>(`/webhooks/${id}`),
    onSuccess: (r) => {
      setActionError(null);
      setShownUrl(null);
      notify(
        r.deletedAtAffinity
          ? 'The subscription is removed here and at Affinity: its slot is free.'
          : 'The subscription is removed here (Affinity no longer had it).',
      );
      refresh();
    },
    onError: setActionError,
  });
  const notConnected = webhooks.error instanceof ApiError && webhooks.error.code === 'not_connected';
  const data = webhooks.data;
  const hasOurs = data?.slots.some((s) => s.ours && !s.missing) ?? false;
  const freeSlots = data ? Math.max(0, data.limit - data.slots.filter((s) => !s.missing).length) : 0;

  return (
    <Stack gap="lg">
      <div>
        <Title order={3}>Affinity webhooks</Title>
        <Text size="sm" c="dimmed" maw={720}>
          With a webhook, Affinity tells this server about each change to your lists as it happens, so My CRM
          stays current between pulls at a few API calls per change. An Affinity instance has{' '}
          {data?.limit ?? 3} webhook slots; subscriptions made by other tools are shown and never changed.
        </Text>
      </div>
      {!me.admin && (
        <Alert color="blue" title="Only admins can subscribe or change webhooks">
          <Text size="sm">You can see which slots are used and what each delivery did.</Text>
        </Alert>
      )}
      {webhooks.isPending && <Skeleton h={140} />}
      {webhooks.error && (
        <Stack gap="xs">
          <ErrorAlert error={webhooks.error} />
          {notConnected && (
            <Text size="sm">
              <Anchor component={Link} to="/integrations/connect">
                Connect Affinity
              </Anchor>{' '}
              to see its webhook slots.
            </Text>
          )}
        </Stack>
      )}
      {data && (
        <>
          <Text size="sm" fw={500}>
            {data.slots.filter((s) => !s.missing).length} of {data.limit} slots used · {freeSlots} free
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            {data.slots.map((s) => (
              <SlotCard
                key={`${s.webhookId ?? 'x'}-${s.subscriptionId ?? 'y'}`}
                slot={s}
                admin={me.admin}
                rotate={() => rotate.mutateAsync(s.webhookId ?? 0)}
                remove={() => remove.mutateAsync(s.webhookId ?? 0)}
                rotating={rotate.isPending}
                removing={remove.isPending}
              />
            ))}
            {Array.from({ length: freeSlots }, (_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: empty slots have nothing else to tell them apart
              <Card withBorder key={`free-${i}`} padding="md" bg="gray.0">
                <Badge variant="outline" color="gray">
                  Free
                </Badge>
                <Text size="sm" c="dimmed" mt="xs">
                  An unused slot.
                </Text>
              </Card>
            ))}
          </SimpleGrid>
          {data.note && (
            <Alert
              color="gray"
              title={hasOurs ? 'Note' : 'No webhook of ours: pulls on a schedule keep My CRM fresh'}
            >
              <Text size="sm">{data.note}</Text>
              <Anchor component={Link} to="/settings/schedules" size="sm" c="inherit">
                See the schedules
              </Anchor>
            </Alert>
          )}
          {actionError !== null && <ErrorAlert error={actionError} title="The webhook was not changed" />}
          {shownUrl && (
            <NoteAlert title="The receiver URL (shown this once)">
              <Stack gap="xs">
                <Text size="sm">
                  {shownUrl.why} The URL carries its secret: it is not shown again, and you do not need to
                  enter it anywhere.
                </Text>
                <SecretValue value={shownUrl.url} label="the receiver URL" />
              </Stack>
            </NoteAlert>
          )}
          {me.admin && !hasOurs && <Subscribe onSubscribed={(r) => setShownUrl(r)} />}
        </>
      )}
      <Deliveries />
    </Stack>
  );
}

function SlotCard({
  slot,
  admin,
  rotate,
  remove,
  rotating,
  removing,
}: {
  slot: Slot;
  admin: boolean;
  rotate: () => Promise<unknown>;
  remove: () => Promise<unknown>;
  rotating: boolean;
  removing: boolean;
}) {
  return (
    <Card withBorder padding="md" data-testid={slot.ours ? 'slot-ours' : 'slot-others'}>
      <Stack gap={6}>
        <Group gap={6}>
          <Badge color={slot.ours ? 'indigo' : 'gray'} variant={slot.ours ? 'filled' : 'light'}>
            {slot.ours ? 'This server' : 'Another tool'}
          </Badge>
          {slot.disabled && <StatusBadge color="orange" status="Disabled at Affinity" />}
          {slot.missing && <StatusBadge color="red" status="Gone at Affinity" />}
        </Group>
        <Text size="xs" style={{ wordBreak: 'break-all' }}>
          {slot.url ?? '—'}
        </Text>
        {slot.subscriptionId !== null && (
          <Text size="xs" c="dimmed">
            Subscription #{slot.subscriptionId}
            {slot.affinityCreatedBy !== null ? ` · made by Affinity user ${slot.affinityCreatedBy}` : ''}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          Events: {slot.events.length ? slot.events.join(', ') : '—'}
        </Text>
        {slot.ours && (
          <Text size="xs" c="dimmed">
            Subscribed {formatTime(slot.createdAt)}
            {slot.createdBy ? ` by ${slot.createdBy}` : ''}
            {slot.rotatedAt ? ` · rotated ${formatTime(slot.rotatedAt)}` : ''} · last delivery{' '}
            {slot.lastDeliveryAt ? formatTime(slot.lastDeliveryAt) : 'none yet'}
          </Text>
        )}
        {slot.missing && (
          <Text size="xs">Affinity no longer has this subscription: remove it here and subscribe again.</Text>
        )}
        {slot.ours && admin && slot.webhookId !== null && (
          <Group gap={6} mt={4}>
            {!slot.missing && (
              <ConfirmButton
                label="Rotate URL"
                title="Give the receiver a new secret URL?"
                confirmLabel="Rotate"
                color="orange"
                variant="default"
                loading={rotating}
                onConfirm={rotate}
              >
                Affinity is told the new URL at once and the old one stops answering. Do this if the URL may
                have leaked.
              </ConfirmButton>
            )}
            <ConfirmButton
              label="Remove"
              ariaLabel="Remove our webhook subscription"
              title="Remove this server’s webhook subscription?"
              confirmLabel="Remove"
              loading={removing}
              onConfirm={remove}
            >
              Affinity stops sending changes; My CRM is then kept fresh by scheduled pulls only. The slot
              becomes free.
            </ConfirmButton>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

function Subscribe({ onSubscribed }: { onSubscribed: (r: { url: string; why: string }) => void }) {
  const queryClient = useQueryClient();
  const [publicUrl, setPublicUrl] = useState(window.location.origin);
  const subscribe = useMutation({
    mutationFn: () =>
      api.post<Subscribed>('/webhooks', publicUrl.trim() ? { publicUrl: publicUrl.trim() } : {}),
    onSuccess: (r) => {
      onSubscribed({
        url: r.receiverUrl,
        why: `Subscribed for ${r.events.length} events (subscription #${r.subscriptionId}).`,
      });
      void queryClient.invalidateQueries({ queryKey: webhooksKey });
    },
  });
  const taken =
    subscribe.error instanceof ApiError
      ? ((
          subscribe.error.details as {
            subscriptions?: { subscriptionId: number; url: string; createdBy: number | null }[];
          } | null
        )?.subscriptions ?? [])
      : [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    subscribe.mutate();
  };
  return (
    <Card withBorder padding="md">
      <form onSubmit={submit} noValidate aria-labelledby="subscribe-title">
        <Stack gap="sm">
          <Title order={4} id="subscribe-title">
            Subscribe this server
          </Title>
          <TextInput
            label="This server’s public address"
            description="The address Affinity can reach this server at (https in production). The receiver’s secret path is added to it."
            value={publicUrl}
            onChange={(e) => setPublicUrl(e.currentTarget.value)}
            error={
              subscribe.error instanceof ApiError ? subscribe.error.fieldMessage('publicUrl') : undefined
            }
          />
          {subscribe.error && <ErrorAlert error={subscribe.error} title="Could not subscribe" />}
          {taken.length > 0 && (
            <Alert color="gray" title="The slots are held by">
              <List size="sm">
                {taken.map((t) => (
                  <List.Item key={t.subscriptionId}>
                    #{t.subscriptionId} {t.url}
                    {t.createdBy !== null ? ` (Affinity user ${t.createdBy})` : ''}
                  </List.Item>
                ))}
              </List>
              <Text size="sm" mt="xs">
                Free one of them in Affinity, or keep My CRM fresh with a{' '}
                <Anchor component={Link} to="/settings/schedules" c="inherit">
                  scheduled pull
                </Anchor>
                .
              </Text>
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={subscribe.isPending}>
              Subscribe
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function Deliveries() {
  const [status, setStatus] = useState('all');
  const [page, setPage] = useState(1);
  const deliveries = useQuery({
    queryKey: [...webhooksKey, 'deliveries', status, page],
    queryFn: () =>
      api.get<{ total: number; deliveries: Delivery[] }>('/webhooks/deliveries', {
        limit: PAGE,
        offset: (page - 1) * PAGE,
        status: status === 'all' ? undefined : status,
      }),
    refetchInterval: 15_000,
  });
  const pages = Math.max(1, Math.ceil((deliveries.data?.total ?? 0) / PAGE));
  return (
    <Stack gap="xs">
      <Group justify="space-between" align="flex-end">
        <Title order={3}>Recent deliveries</Title>
        <SegmentedControl
          aria-label="Show deliveries"
          size="xs"
          value={status}
          onChange={(v) => {
            setStatus(v);
            setPage(1);
          }}
          data={[
            { value: 'all', label: 'All' },
            { value: 'processed', label: 'Processed' },
            { value: 'ignored', label: 'Ignored' },
            { value: 'failed', label: 'Failed' },
            { value: 'queued', label: 'Queued' },
          ]}
        />
      </Group>
      {deliveries.isPending && <Skeleton h={80} />}
      {deliveries.error && <ErrorAlert error={deliveries.error} />}
      {deliveries.data && deliveries.data.total === 0 && (
        <Text size="sm" c="dimmed">
          {status === 'all' ? 'No deliveries received yet.' : `No ${status} deliveries.`}
        </Text>
      )}
      {deliveries.data && deliveries.data.deliveries.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table striped verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Received</Table.Th>
                <Table.Th>Event</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>API calls</Table.Th>
                <Table.Th>Reason</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {deliveries.data.deliveries.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>{formatTime(d.receivedAt)}</Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {d.type}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge color={deliveryColor(d.status)} status={d.status} />
                  </Table.Td>
                  <Table.Td>{d.apiCalls}</Table.Td>
                  <Table.Td>
                    <Text size="sm" {...(d.status === 'failed' ? { c: 'red.9' } : {})}>
                      {d.error ?? '—'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {pages > 1 && (
        <Pagination total={pages} value={page} onChange={setPage} aria-label="Pages of deliveries" />
      )}
    </Stack>
  );
}
