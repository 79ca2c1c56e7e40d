import {
  Badge,
  Button,
  Card,
  Code,
  Group,
  NumberInput,
  PasswordInput,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../../api.js';
import { useUser } from '../../auth.js';
import { ErrorAlert } from '../../components/error-alert.js';
import { ConfirmButton, formatTime, NoteAlert, notify, relativeTime, SecretValue } from './common.js';

interface Session {
  id: number;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

interface Token {
  id: number;
  userId: number;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const sessionsKey = ['auth', 'sessions'] as const;
const tokensKey = ['tokens'] as const;

/** One's own account: password, the browsers signed in, and personal API tokens. */
export function AccountTab() {
  const me = useUser();
  return (
    <Stack gap="lg">
      <Text size="sm">
        Signed in as <b>{me.email}</b>
        {me.name ? ` (${me.name})` : ''} · {me.admin ? 'Admin' : 'Member'}
      </Text>
      <ChangePassword />
      <Sessions />
      <Tokens />
    </Stack>
  );
}

function ChangePassword() {
  const me = useUser();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [checked, setChecked] = useState(false);
  const change = useMutation({
    mutationFn: () => api.post<{ user: unknown }>('/auth/password', { currentPassword: current, password }),
    onSuccess: () => {
      setCurrent('');
      setPassword('');
      setConfirm('');
      setChecked(false);
      notify('Your password is changed. Your other sessions have ended; this one stays signed in.');
      void queryClient.invalidateQueries({ queryKey: sessionsKey });
    },
  });
  const apiField = (f: string) =>
    change.error instanceof ApiError ? change.error.fieldMessage(f) : undefined;
  const wrongCurrent =
    change.error instanceof ApiError && change.error.status === 403 ? change.error.message : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if (password.length < 10 || password !== confirm) return;
    change.mutate();
  };
  return (
    <Card withBorder padding="md">
      <form onSubmit={submit} noValidate aria-labelledby="password-title">
        <Stack gap="sm" maw={420}>
          <Title order={3} id="password-title">
            Password
          </Title>
          {me.hasPassword && (
            <PasswordInput
              label="Current password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.currentTarget.value)}
              error={wrongCurrent ?? apiField('currentPassword')}
            />
          )}
          <PasswordInput
            label="New password"
            description="At least 10 characters"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={checked && password.length < 10 ? 'must be at least 10 characters' : apiField('password')}
          />
          <PasswordInput
            label="New password again"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={checked && confirm !== password ? 'the two passwords differ' : undefined}
          />
          {change.error && !wrongCurrent && <ErrorAlert error={change.error} title="Password not changed" />}
          <Group>
            <Button type="submit" loading={change.isPending}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** "Chrome on Linux" from a user agent, or the agent itself when it is not recognised. */
function browserOf(agent: string | null): string {
  if (!agent) return 'Unknown browser';
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\//.test(agent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : null;
  const os = /Windows/.test(agent)
    ? 'Windows'
    : /Android/.test(agent)
      ? 'Android'
      : /iPhone|iPad/.test(agent)
        ? 'iOS'
        : /Mac OS X/.test(agent)
          ? 'macOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : null;
  if (!browser) return agent.slice(0, 60);
  return os ? `${browser} on ${os}` : browser;
}

function Sessions() {
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: sessionsKey,
    queryFn: () => api.get<{ sessions: Session[] }>('/auth/sessions').then((r) => r.sessions),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: sessionsKey });
  const end = useMutation({
    mutationFn: (id: number) => api.del(`/auth/sessions/${id}`),
    onSuccess: refresh,
  });
  const endOthers = useMutation({
    mutationFn: () => api.del<{ revoked: number }>('/auth/sessions'),
    onSuccess: (r) => {
      notify(`Signed out everywhere else (${r.revoked} session${r.revoked === 1 ? '' : 's'} ended).`);
      refresh();
    },
  });
  const others = sessions.data?.filter((s) => !s.current).length ?? 0;
  return (
    <Card withBorder padding="md">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start">
          <div>
            <Title order={3}>Where you are signed in</Title>
            <Text size="sm" c="dimmed">
              Each browser stays signed in for 14 days after it was last used.
            </Text>
          </div>
          <ConfirmButton
            label="Sign out everywhere else"
            title="Sign out everywhere else?"
            confirmLabel="Sign out the others"
            color="orange"
            variant="default"
            size="sm"
            disabled={others === 0}
            loading={endOthers.isPending}
            onConfirm={() => endOthers.mutateAsync()}
          >
            Every other browser signed in as you is signed out at once; this one stays. API tokens keep
            working.
          </ConfirmButton>
        </Group>
        {sessions.isPending && <Skeleton h={60} />}
        {sessions.error && <ErrorAlert error={sessions.error} />}
        {(end.error ?? endOthers.error) && <ErrorAlert error={end.error ?? endOthers.error} />}
        {sessions.data && (
          <Table.ScrollContainer minWidth={620}>
            <Table striped fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Browser</Table.Th>
                  <Table.Th>Address</Table.Th>
                  <Table.Th>Signed in</Table.Th>
                  <Table.Th>Last active</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sessions.data.map((s) => (
                  <Table.Tr key={s.id}>
                    <Table.Td>
                      {browserOf(s.userAgent)}{' '}
                      {s.current && (
                        <Badge size="sm" variant="light">
                          This browser
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{s.ip ?? '—'}</Table.Td>
                    <Table.Td>{formatTime(s.createdAt)}</Table.Td>
                    <Table.Td>{relativeTime(s.lastSeenAt) || formatTime(s.lastSeenAt)}</Table.Td>
                    <Table.Td>
                      {!s.current && (
                        <Button
                          size="xs"
                          variant="default"
                          loading={end.isPending && end.variables === s.id}
                          onClick={() => end.mutate(s.id)}
                          aria-label={`Sign out ${browserOf(s.userAgent)} (signed in ${formatTime(s.createdAt)})`}
                        >
                          Sign out
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Card>
  );
}

function Tokens() {
  const me = useUser();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [days, setDays] = useState<number | string>('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const tokens = useQuery({
    queryKey: tokensKey,
    queryFn: () => api.get<{ tokens: Token[] }>('/tokens').then((r) => r.tokens),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: tokensKey });
  const create = useMutation({
    mutationFn: () =>
      api.post<Token & { token: string }>('/tokens', {
        name: name.trim(),
        ...(days !== '' ? { expiresInDays: Number(days) } : {}),
      }),
    onSuccess: (t) => {
      setCreated({ name: t.name, token: t.token });
      setName('');
      setDays('');
      refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (t: Token) => api.del<Token>(`/tokens/${t.id}`),
    onSuccess: (t) => {
      notify(`The token “${t.name}” is revoked: it no longer works.`);
      refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    create.mutate();
  };
  const fieldError = (f: string) =>
    create.error instanceof ApiError ? create.error.fieldMessage(f) : undefined;
  return (
    <Card withBorder padding="md">
      <Stack gap="sm">
        <div>
          <Title order={3}>API tokens</Title>
          <Text size="sm" c="dimmed">
            For scripts and the command line: send <Code>Authorization: Bearer TOKEN</Code> to{' '}
            <Code>{window.location.origin}/api</Code>. A token acts as you (
            {me.admin ? 'an admin' : 'a member'}) until it is revoked or expires.
          </Text>
        </div>
        <form onSubmit={submit} noValidate aria-label="New API token">
          <Group align="flex-end" wrap="wrap">
            <TextInput
              label="Token name"
              placeholder="e.g. nightly export"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={fieldError('name')}
              miw={220}
            />
            <NumberInput
              label="Expires in (days)"
              description="Optional: empty never expires"
              min={1}
              max={3650}
              allowDecimal={false}
              value={days}
              onChange={setDays}
              error={fieldError('expiresInDays')}
              w={220}
            />
            <Button type="submit" loading={create.isPending}>
              Create token
            </Button>
          </Group>
        </form>
        {create.error && <ErrorAlert error={create.error} title="No token was made" />}
        {created && (
          <NoteAlert title={`Token “${created.name}” (shown this once)`}>
            <Stack gap="xs">
              <Text size="sm">Copy it now and keep it somewhere safe: it is never shown again.</Text>
              <SecretValue value={created.token} label="the new token" />
            </Stack>
          </NoteAlert>
        )}
        {tokens.isPending && <Skeleton h={60} />}
        {tokens.error && <ErrorAlert error={tokens.error} />}
        {revoke.error && <ErrorAlert error={revoke.error} title="The token was not revoked" />}
        {tokens.data && tokens.data.length === 0 && (
          <Text size="sm" c="dimmed">
            No tokens yet.
          </Text>
        )}
        {tokens.data && tokens.data.length > 0 && (
          <Table.ScrollContainer minWidth={640}>
            <Table striped fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Starts with</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {tokens.data.map((t) => (
                  <Table.Tr key={t.id} data-testid={`token-${t.name}`}>
                    <Table.Td>{t.name || '(no name)'}</Table.Td>
                    <Table.Td>
                      <Code>{t.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>{formatTime(t.createdAt)}</Table.Td>
                    <Table.Td>{t.lastUsedAt ? formatTime(t.lastUsedAt) : 'Never'}</Table.Td>
                    <Table.Td>{t.expiresAt ? formatTime(t.expiresAt) : 'Never'}</Table.Td>
                    <Table.Td>
                      <ConfirmButton
                        label="Revoke"
                        ariaLabel={`Revoke ${t.name || t.prefix}`}
                        title={`Revoke the token “${t.name || t.prefix}”?`}
                        confirmLabel="Revoke"
                        loading={revoke.isPending}
                        onConfirm={() => revoke.mutateAsync(t)}
                      >
                        Anything using it is refused from now on. This cannot be undone.
                      </ConfirmButton>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Card>
  );
}
