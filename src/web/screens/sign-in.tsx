import {
  Alert,
  Anchor,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, setCsrfToken } from '../api.js';
import { type Me, meKey, useMe } from '../auth.js';
import { ErrorAlert } from '../components/error-alert.js';

/** Where to go after signing in: the page that sent the person here, never another site. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/integrations';
}

/** Sign in with email and password; says how to get a first account when nobody has one yet. */
export function SignInScreen() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const setup = useQuery({
    queryKey: ['auth', 'setup'],
    queryFn: () => api.get<{ needed: boolean }>('/auth/setup'),
  });
  useEffect(() => {
    document.title = 'Sign in · affinity-sync';
  }, []);
  const signIn = useMutation({
    mutationFn: () => api.post<Omit<Me, 'via'>>('/auth/login', { email: email.trim(), password }),
    onSuccess: (answer) => {
      setCsrfToken(answer.csrfToken);
      queryClient.setQueryData(meKey, { ...answer, via: 'session' });
      void navigate(next, { replace: true });
    },
  });
  if (me.data) return <Navigate to={next} replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420} component="main">
        <form onSubmit={submit} noValidate>
          <Stack>
            <div>
              <Title order={1} size="h3">
                Sign in to affinity-sync
              </Title>
              <Text size="sm" c="dimmed">
                Two-way sync and enrichment for your Affinity CRM.
              </Text>
            </div>
            {setup.data?.needed && (
              <Alert color="blue" title="No account yet">
                Open the one-time setup link that <code>affinity-sync serve</code> printed to create the first
                admin, or run <code>affinity-sync users add EMAIL --admin</code>.
              </Alert>
            )}
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={signIn.error instanceof ApiError ? signIn.error.fieldMessage('email') : undefined}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            {signIn.error && <ErrorAlert error={signIn.error} title="Could not sign in" />}
            <Button type="submit" loading={signIn.isPending} fullWidth>
              Sign in
            </Button>
            <Text size="xs" c="dimmed">
              Forgot your password? An admin can set a new one in{' '}
              <Anchor component={Link} to="/settings/team" size="xs">
                Settings → Team
              </Anchor>
              .
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
