import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  List,
  PasswordInput,
  Select,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type CSSProperties, type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, api } from '../api.js';
import { type User, useUser } from '../auth.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Page } from '../components/page.js';
import { type ConnectionAnswer, SetupSteps, useConnection } from '../components/setup-steps.js';
import { formatDateTime } from './integrations.js';

/** `POST /api/connection/verify`: what a key opens, checked without saving it. */
interface VerifiedKey {
  baseUrl: string;
  apiKeyHint: string;
  tenant: { id: number; name: string; subdomain: string };
  user: { id: number; email: string; firstName: string | null; lastName: string | null };
  grant: { type: string; scope: string };
  permissions: string[];
  replacesOtherWorkspace: boolean;
}

/** The team, for the admins a member can ask. */
export function useTeam() {
  return useQuery({
    queryKey: ['users'],
    queryFn: () => api.get<{ users: User[] }>('/users'),
  });
}

/**
 * Step 2 of the setup: an admin gives an Affinity API key, verifies it (the workspace it opens, whose
 * key it is, what the product will do there), then confirms and lands on the push setup. A member
 * is told who can do it instead.
 */
export function ConnectScreen() {
  const user = useUser();
  const connection = useConnection();
  return (
    <Page
      title="Connect Affinity"
      description="Authorise affinity-sync to work with your Affinity workspace with an API key."
    >
      <SetupSteps active="connect" />
      {connection.isPending && <Skeleton h={160} aria-label="Loading the connection" />}
      {connection.error && <ErrorAlert error={connection.error} />}
      {connection.data && (
        <>
          {connection.data.connected && <CurrentConnection connection={connection.data} admin={user.admin} />}
          {user.admin ? <ConnectForm connection={connection.data} /> : <AdminsOnly />}
        </>
      )}
    </Page>
  );
}

function CurrentConnection({ connection, admin }: { connection: ConnectionAnswer; admin: boolean }) {
  const c = connection.connection;
  if (!c) return null;
  return (
    <Alert
      styles={titleInText}
      color="green"
      variant="default"
      title={`Connected to ${c.tenantName ?? 'an Affinity workspace'}`}
    >
      <Stack gap={4}>
        <Text size="sm">
          API key {c.apiKeyHint} at {c.baseUrl}, connected by {c.connectedBy}
          {c.verifiedAt ? `, verified ${formatDateTime(c.verifiedAt)}` : ''}.
        </Text>
        <Text size="sm">
          Continue with the{' '}
          <Anchor component={Link} to="/integrations/push" inherit>
            Push setup
          </Anchor>
          {admin ? ', or verify another key of the same workspace below to replace this one.' : '.'}
        </Text>
      </Stack>
    </Alert>
  );
}

/** What a member sees: who may connect, and how to become one of them. */
function AdminsOnly() {
  const team = useTeam();
  const admins = team.data?.users.filter((u) => u.admin) ?? [];
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Title order={3}>Only Affinity workspace admins can connect the integration</Title>
        <Text size="sm">
          Ask one of your workspace admins to complete the setup, or request admin rights via{' '}
          <Anchor component={Link} to="/settings/team" inherit>
            Settings → Team
          </Anchor>
          . Admins are marked with an “Admin” badge next to their name.
        </Text>
        {team.isPending && <Skeleton h={60} aria-label="Loading the admins" />}
        {team.error && <ErrorAlert error={team.error} />}
        {team.data && (
          <List spacing="xs" aria-label="Admins" listStyleType="none" ml={0} pl={0}>
            {admins.map((admin) => (
              <List.Item key={admin.id}>
                <Group gap="xs" wrap="wrap">
                  <Text size="sm" fw={600}>
                    {admin.name ?? admin.email}
                  </Text>
                  <Badge variant="light">Admin</Badge>
                  <Anchor size="sm" href={`mailto:${admin.email}`}>
                    {admin.name ? admin.email : 'Send an email'}
                  </Anchor>
                </Group>
              </List.Item>
            ))}
          </List>
        )}
      </Stack>
    </Card>
  );
}

function ConnectForm({ connection }: { connection: ConnectionAnswer }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [apiKey, setApiKey] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [auth, setAuth] = useState<'basic' | 'bearer' | ''>('');
  const [advanced, setAdvanced] = useState(false);
  const body = () => ({
    apiKey,
    ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}),
    ...(auth ? { auth } : {}),
  });
  const verify = useMutation({
    mutationFn: () => api.post<VerifiedKey>('/connection/verify', body()),
  });
  const confirm = useMutation({
    mutationFn: () => api.post<{ workspace: { tenantName: string | null } }>('/connection', body()),
    onSuccess: async () => {
      // A new connection changes what every screen shows: workspace, destinations, lists.
      await queryClient.invalidateQueries();
      void navigate('/integrations/push');
    },
  });
  // Any change to what was verified asks for a new check.
  const edit = (set: () => void) => {
    set();
    verify.reset();
    confirm.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    confirm.reset();
    verify.mutate();
  };
  const fieldError = (field: string) => {
    const err = confirm.error ?? verify.error;
    return err instanceof ApiError ? err.fieldMessage(field) : undefined;
  };
  const verified = verify.data;
  return (
    <Card withBorder padding="lg">
      {/* Field errors in a red that reads at AA on white (Mantine's default does not). */}
      <form onSubmit={submit} noValidate style={{ '--mantine-color-error': '#c92a2a' } as CSSProperties}>
        <Stack gap="md">
          <Title order={3}>{connection.connected ? 'Replace the API key' : 'Authorise & confirm'}</Title>
          <Text size="sm">
            Create an API key in Affinity under <b>Settings → API</b>, paste it here and verify it: you will
            see the workspace it belongs to before anything is saved.
          </Text>
          <PasswordInput
            label="Affinity API key"
            description={
              connection.connection
                ? `The stored key (${connection.connection.apiKeyHint}) is never shown back; enter a key to replace it.`
                : 'Stored encrypted on this server; never shown back.'
            }
            autoComplete="off"
            required
            value={apiKey}
            onChange={(e) => {
              const value = e.currentTarget.value;
              edit(() => setApiKey(value));
            }}
            error={fieldError('apiKey')}
          />
          <div>
            <Button
              variant="subtle"
              size="compact-sm"
              onClick={() => setAdvanced((v) => !v)}
              aria-expanded={advanced}
              aria-controls="connect-advanced"
            >
              {advanced ? 'Hide advanced settings' : 'Advanced settings'}
            </Button>
          </div>
          {advanced && (
            <Stack gap="sm" id="connect-advanced">
              <TextInput
                label="Affinity API URL"
                description={
                  connection.connection
                    ? `Leave empty to keep ${connection.connection.baseUrl}.`
                    : "Leave empty for the server's configured Affinity: its built-in emulator when it runs as a demo, else https://api.affinity.co."
                }
                placeholder="https://api.affinity.co"
                inputMode="url"
                value={baseUrl}
                onChange={(e) => {
                  const value = e.currentTarget.value;
                  edit(() => setBaseUrl(value));
                }}
                error={fieldError('baseUrl')}
              />
              <Select
                label="How the key is sent"
                description="Affinity accepts the key as HTTP Basic (the default) or as a Bearer token."
                data={[
                  { value: '', label: "The server's default" },
                  { value: 'basic', label: 'Basic' },
                  { value: 'bearer', label: 'Bearer' },
                ]}
                value={auth}
                allowDeselect={false}
                onChange={(value) => edit(() => setAuth((value ?? '') as 'basic' | 'bearer' | ''))}
              />
            </Stack>
          )}
          <Group>
            <Button type="submit" loading={verify.isPending} variant={verified ? 'default' : 'filled'}>
              Verify
            </Button>
          </Group>
          {verify.error && <ErrorAlert error={verify.error} title={verifyTitle(verify.error)} />}
          {verified && (
            <VerifiedCard
              verified={verified}
              confirming={confirm.isPending}
              onConfirm={() => confirm.mutate()}
            />
          )}
          {confirm.error && <ErrorAlert error={confirm.error} title="Not connected" />}
        </Stack>
      </form>
    </Card>
  );
}

function verifyTitle(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.fieldMessage('apiKey')) return 'Affinity refused this key';
    if (error.status === 503 || error.status === 502 || error.status === 504)
      return 'Affinity did not answer';
    if (error.status === 403) return 'Not allowed';
    if (error.fields.length > 0) return 'Please check the form';
  }
  return 'The key could not be verified';
}

function VerifiedCard({
  verified,
  confirming,
  onConfirm,
}: {
  verified: VerifiedKey;
  confirming: boolean;
  onConfirm: () => void;
}) {
  const who = [verified.user.firstName, verified.user.lastName].filter(Boolean).join(' ');
  return (
    <Card withBorder padding="md" bg="var(--mantine-color-gray-0)" data-testid="verified-key">
      <Stack gap="sm">
        <Title order={4}>Review and confirm</Title>
        <dl style={{ margin: 0, display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '4px 16px' }}>
          <Text component="dt" size="sm" c="dimmed">
            Workspace
          </Text>
          <Text component="dd" size="sm" fw={700} m={0} style={{ overflowWrap: 'anywhere' }}>
            {verified.tenant.name} ({verified.tenant.subdomain})
          </Text>
          <Text component="dt" size="sm" c="dimmed">
            Key of
          </Text>
          <Text component="dd" size="sm" m={0} style={{ overflowWrap: 'anywhere' }}>
            {who ? `${who} (${verified.user.email})` : verified.user.email}
          </Text>
          <Text component="dt" size="sm" c="dimmed">
            API key
          </Text>
          <Text component="dd" size="sm" m={0}>
            {verified.apiKeyHint} · {verified.grant.type} access, scope {verified.grant.scope}
          </Text>
          <Text component="dt" size="sm" c="dimmed">
            Affinity URL
          </Text>
          <Text component="dd" size="sm" m={0} style={{ overflowWrap: 'anywhere' }}>
            {verified.baseUrl}
          </Text>
        </dl>
        <div>
          <Text size="sm" fw={600}>
            What does affinity-sync need access to?
          </Text>
          <List size="sm" mt={4}>
            <List.Item>
              Reading your existing lists and workspaces (so affinity-sync knows where to push records)
            </List.Item>
            <List.Item>Creating and updating records in Affinity</List.Item>
          </List>
          <Text size="sm" mt="xs">
            In detail, with this key it will:
          </Text>
          <List size="sm" mt={4}>
            {verified.permissions.map((p) => (
              <List.Item key={p}>{p}</List.Item>
            ))}
          </List>
          <Text size="sm" mt="xs" c="dimmed">
            It reads records from Affinity only when you pull lists into My CRM, and it never deletes a record
            in Affinity.
          </Text>
        </div>
        {verified.replacesOtherWorkspace && (
          <Alert styles={titleInText} color="yellow" title="Another workspace">
            This key belongs to another workspace than the one connected now. Disconnect from the Integrations
            hub first: a connection keeps one workspace.
          </Alert>
        )}
        <Group>
          <Button onClick={onConfirm} loading={confirming}>
            Confirm
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** An alert's title in the text colour: the light yellow and green titles do not read at AA. */
const titleInText = { title: { color: 'var(--mantine-color-text)' } };
