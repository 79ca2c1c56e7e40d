import {
  Alert,
  Anchor,
  Button,
  Center,
  Code,
  Loader,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, api, setCsrfToken } from '../api.js';
import { type Me, meKey, useMe } from '../auth.js';
import { ErrorAlert } from '../components/error-alert.js';
import { readableErrors } from './settings/common.js';

const MIN_PASSWORD = 10;

/** The one-time token of the link `serve` printed (`/setup#token=…`), read once. */
function tokenFromFragment(): string | null {
  const hash = window.location.hash.replace(/^#/, '');
  return new URLSearchParams(hash).get('token');
}

/**
 * First run: the link `affinity-sync serve` prints while nobody has an account opens this page with
 * a one-time token in its fragment. It creates the first admin with that token and signs them in.
 * The token leaves the address bar at once, so it is in no history entry or bookmark.
 */
export function SetupScreen() {
  const [token] = useState(tokenFromFragment);
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [checked, setChecked] = useState(false);

  useEffect(() => {
    document.title = 'First-run setup · affinity-sync';
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  }, []);

  const status = useQuery({
    queryKey: ['auth', 'setup'],
    queryFn: () => api.get<{ needed: boolean }>('/auth/setup'),
  });

  const setup = useMutation({
    mutationFn: () =>
      api.post<Omit<Me, 'via'>>('/auth/setup', {
        token,
        email: email.trim(),
        password,
        ...(name.trim() ? { name: name.trim() } : {}),
      }),
    onSuccess: (answer) => {
      setCsrfToken(answer.csrfToken);
      queryClient.setQueryData(meKey, { ...answer, via: 'session' });
      queryClient.setQueryData(['auth', 'setup'], { needed: false });
      notifications.show({
        color: 'green',
        title: 'Welcome',
        message: `${answer.user.email} is the first admin and is signed in.`,
        closeButtonProps: { 'aria-label': 'Close' },
      });
      void navigate('/integrations', { replace: true });
    },
  });

  const passwordError =
    checked && password.length < MIN_PASSWORD
      ? `must be at least ${MIN_PASSWORD} characters`
      : setup.error instanceof ApiError
        ? setup.error.fieldMessage('password')
        : undefined;
  const confirmError = checked && confirm !== password ? 'the two passwords differ' : undefined;
  const emailError =
    checked && !email.trim()
      ? 'enter your email'
      : setup.error instanceof ApiError
        ? setup.error.fieldMessage('email')
        : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if (!email.trim() || password.length < MIN_PASSWORD || confirm !== password) return;
    setup.mutate();
  };

  if (status.isPending) {
    return (
      <Shell>
        <Center py="xl">
          <Loader aria-label="Loading" />
        </Center>
      </Shell>
    );
  }

  if (status.isError) {
    return (
      <Shell>
        <ErrorAlert error={status.error} title="Could not ask the server whether setup is needed" />
      </Shell>
    );
  }

  if (!status.data.needed) {
    return (
      <Shell>
        <Alert color="blue" title="Setup is done already" role="status">
          <Text size="sm">
            This server has its first admin. {me.data ? 'You are signed in.' : 'Sign in with your account.'}{' '}
            If you need an account, ask an admin to add you in Settings → Team.
          </Text>
        </Alert>
        {me.data ? (
          <Button component={Link} to="/integrations">
            Go to Integrations
          </Button>
        ) : (
          <Button component={Link} to="/sign-in">
            Sign in
          </Button>
        )}
      </Shell>
    );
  }

  if (!token) {
    return (
      <Shell>
        <Alert color="red" title="This link has no setup token" role="alert">
          <Stack gap="xs">
            <Text size="sm">
              Open the exact link that <Code>affinity-sync serve</Code> printed when it started: it ends in{' '}
              <Code>#token=…</Code>. Restarting <Code>affinity-sync serve</Code> prints a fresh one while
              nobody has an account.
            </Text>
            <Text size="sm">
              Or create the first admin from a terminal: <Code>affinity-sync users add EMAIL --admin</Code>
            </Text>
          </Stack>
        </Alert>
        <Text size="sm">
          Already have an account?{' '}
          <Anchor component={Link} to="/sign-in">
            Sign in
          </Anchor>
        </Text>
      </Shell>
    );
  }

  const refused =
    setup.error instanceof ApiError && (setup.error.status === 403 || setup.error.status === 409);

  return (
    <Shell>
      <Text size="sm" c="dimmed">
        This one-time link creates the first admin of this affinity-sync server and signs you in. Admins
        connect Affinity, add the team and manage schedules; they are marked with an “Admin” badge.
      </Text>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={emailError}
          />
          <TextInput
            label="Name (optional)"
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={setup.error instanceof ApiError ? setup.error.fieldMessage('name') : undefined}
          />
          <PasswordInput
            label="Password"
            description={`At least ${MIN_PASSWORD} characters`}
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={passwordError}
          />
          <PasswordInput
            label="Password again"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={confirmError}
          />
          {setup.error && (
            <ErrorAlert
              error={setup.error}
              title={refused ? 'This setup link no longer works' : 'Could not create the admin'}
            />
          )}
          {refused && (
            <Text size="sm">
              If someone already finished setup,{' '}
              <Anchor component={Link} to="/sign-in">
                sign in
              </Anchor>{' '}
              or ask an admin to add you.
            </Text>
          )}
          <Button type="submit" loading={setup.isPending} fullWidth>
            Create admin and sign in
          </Button>
        </Stack>
      </form>
    </Shell>
  );
}

function Shell({ children }: { children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={460} style={readableErrors}>
        <Stack>
          <div>
            <Title order={1} size="h3">
              Create the first admin
            </Title>
            <Text size="sm" c="dimmed">
              affinity-sync · first-run setup
            </Text>
          </div>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}
