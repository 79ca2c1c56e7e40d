import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  PasswordInput,
  SegmentedControl,
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
import { type User, useUser } from '../../auth.js';
import { ErrorAlert } from '../../components/error-alert.js';
import {
  ConfirmButton,
  formatTime,
  generatePassword,
  NoteAlert,
  notify,
  readableErrors,
  SecretValue,
} from './common.js';

const usersKey = ['users'] as const;

/**
 * The team: everyone with their role (admins carry the "Admin" badge). Admins add people, change
 * roles, set passwords, sign people out and remove them; everyone else sees the list and who to ask.
 */
export function TeamTab() {
  const me = useUser();
  const users = useQuery({
    queryKey: usersKey,
    queryFn: () => api.get<{ users: User[] }>('/users').then((r) => r.users),
  });
  const admins = users.data?.filter((u) => u.admin) ?? [];
  return (
    <Stack gap="lg">
      {!me.admin && (
        <Alert color="blue" title="Only admins can manage the team">
          <Text size="sm">
            You can see who is on the team. Adding people, changing roles and setting passwords is for admins,
            marked with an “Admin” badge.{' '}
            {admins.length > 0 && (
              <>
                To request admin rights, ask{' '}
                {admins.map((a, i) => (
                  <span key={a.id}>
                    {i > 0 && (i === admins.length - 1 ? ' or ' : ', ')}
                    <Anchor
                      c="inherit"
                      href={`mailto:${a.email}?subject=${encodeURIComponent('affinity-sync: request admin rights')}`}
                    >
                      {a.name ?? a.email}
                    </Anchor>
                  </span>
                ))}
                .
              </>
            )}
          </Text>
        </Alert>
      )}
      <Stack gap="xs">
        <Title order={3}>Team</Title>
        {users.isPending && <Skeleton h={120} />}
        {users.error && <ErrorAlert error={users.error} />}
        {users.data && <TeamTable users={users.data} me={me} />}
      </Stack>
      {me.admin && <AddPerson />}
    </Stack>
  );
}

function TeamTable({ users, me }: { users: User[]; me: User }) {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [passwordFor, setPasswordFor] = useState<User | null>(null);
  const done = (message: string) => {
    setError(null);
    notify(message);
    void queryClient.invalidateQueries({ queryKey: usersKey });
  };
  const role = useMutation({
    mutationFn: (v: { user: User; role: 'admin' | 'member' }) =>
      api.patch<User>(`/users/${v.user.id}`, { role: v.role }),
    onSuccess: (u) => done(`${u.email} is now ${u.admin ? 'an admin' : 'a member'}.`),
    onError: setError,
  });
  const signOut = useMutation({
    mutationFn: (u: User) => api.del<{ revoked: number }>(`/users/${u.id}/sessions`),
    onSuccess: (r, u) =>
      done(`${u.email} is signed out everywhere (${r.revoked} session${r.revoked === 1 ? '' : 's'} ended).`),
    onError: setError,
  });
  const remove = useMutation({
    mutationFn: (u: User) => api.del<User>(`/users/${u.id}`),
    onSuccess: (u) => done(`${u.email} is removed from the team.`),
    onError: setError,
  });
  return (
    <Stack gap="xs">
      {error !== null && <ErrorAlert error={error} title="The team was not changed" />}
      <Table.ScrollContainer minWidth={me.admin ? 860 : 560}>
        <Table striped verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Person</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Last sign-in</Table.Th>
              <Table.Th>Added</Table.Th>
              {me.admin && <Table.Th>Actions</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.map((u) => (
              <Table.Tr key={u.id} data-testid={`user-${u.email}`}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {u.name ?? u.email}{' '}
                    {u.admin && (
                      <Badge size="sm" variant="light" ml={4}>
                        Admin
                      </Badge>
                    )}
                    {u.id === me.id && (
                      <Badge size="sm" variant="outline" color="gray" ml={4}>
                        You
                      </Badge>
                    )}
                  </Text>
                  {u.name && (
                    <Text size="xs" c="dimmed">
                      {u.email}
                    </Text>
                  )}
                  {!u.hasPassword && (
                    <Text size="xs" c="orange.9">
                      No password yet: cannot sign in until an admin sets one
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{u.admin ? 'Admin' : 'Member'}</Table.Td>
                <Table.Td>{formatTime(u.lastLoginAt)}</Table.Td>
                <Table.Td>
                  <Text size="sm">{formatTime(u.createdAt)}</Text>
                  {u.createdBy && (
                    <Text size="xs" c="dimmed">
                      by {u.createdBy}
                    </Text>
                  )}
                </Table.Td>
                {me.admin && (
                  <Table.Td>
                    <Group gap={6}>
                      <Button
                        size="xs"
                        variant="default"
                        loading={role.isPending && role.variables?.user.id === u.id}
                        onClick={() => role.mutate({ user: u, role: u.admin ? 'member' : 'admin' })}
                        aria-label={`${u.admin ? 'Make member' : 'Make admin'}: ${u.email}`}
                      >
                        {u.admin ? 'Make member' : 'Make admin'}
                      </Button>
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => setPasswordFor(u)}
                        aria-label={`Set password: ${u.email}`}
                      >
                        Set password
                      </Button>
                      <ConfirmButton
                        label="Sign out everywhere"
                        ariaLabel={`Sign out everywhere: ${u.email}`}
                        title={`Sign ${u.email} out everywhere?`}
                        confirmLabel="Sign out everywhere"
                        color="orange"
                        variant="default"
                        loading={signOut.isPending}
                        onConfirm={() => signOut.mutateAsync(u)}
                      >
                        Every browser where {u.email} is signed in is signed out at once
                        {u.id === me.id ? ', including this one' : ''}. Their API tokens keep working.
                      </ConfirmButton>
                      <ConfirmButton
                        label="Remove"
                        ariaLabel={`Remove ${u.email}`}
                        title={`Remove ${u.email} from the team?`}
                        confirmLabel="Remove"
                        loading={remove.isPending}
                        onConfirm={() => remove.mutateAsync(u)}
                      >
                        {u.email} can no longer sign in; their sessions and API tokens end now. What they set
                        up (schedules, runs) stays.
                      </ConfirmButton>
                    </Group>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <SetPassword user={passwordFor} onClose={() => setPasswordFor(null)} />
    </Stack>
  );
}

/** An admin sets someone's password (the person is signed out everywhere). */
function SetPassword({ user, onClose }: { user: User | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [password, setPassword] = useState('');
  const [shown, setShown] = useState<string | null>(null);
  const set = useMutation({
    mutationFn: () => api.patch<User>(`/users/${user?.id}`, { password }),
    onSuccess: () => {
      setShown(password);
      void queryClient.invalidateQueries({ queryKey: usersKey });
    },
  });
  const close = () => {
    setPassword('');
    setShown(null);
    set.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    set.mutate();
  };
  return (
    <Modal
      closeButtonProps={{ 'aria-label': 'Close' }}
      styles={{ content: readableErrors }}
      opened={user !== null}
      onClose={close}
      title={`Set a password for ${user?.email ?? ''}`}
      centered
    >
      {shown ? (
        <Stack>
          <NoteAlert title="Password set">
            <Text size="sm">
              Give it to {user?.email} over a channel you trust; it is not shown again. Their other sessions
              have ended. They can change it in Settings → Account.
            </Text>
          </NoteAlert>
          <SecretValue value={shown} label="the new password" />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <PasswordInput
              label="New password"
              description="At least 10 characters"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={set.error instanceof ApiError ? set.error.fieldMessage('password') : undefined}
            />
            <Button variant="subtle" onClick={() => setPassword(generatePassword())} w="fit-content">
              Generate a password
            </Button>
            {set.error && <ErrorAlert error={set.error} title="Password not set" />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={set.isPending}>
                Set password
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** Adds someone: email, name, role and a first password (typed or generated, shown once). */
function AddPerson() {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const [password, setPassword] = useState('');
  const [added, setAdded] = useState<{ user: User; password: string | null } | null>(null);
  const add = useMutation({
    mutationFn: () =>
      api.post<User>('/users', {
        email: email.trim(),
        role,
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(password ? { password } : {}),
      }),
    onSuccess: (user) => {
      setAdded({ user, password: password || null });
      setEmail('');
      setName('');
      setPassword('');
      setRole('member');
      void queryClient.invalidateQueries({ queryKey: usersKey });
    },
  });
  const fieldError = (f: string) => (add.error instanceof ApiError ? add.error.fieldMessage(f) : undefined);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAdded(null);
    add.mutate();
  };
  return (
    <Card withBorder padding="md">
      <form onSubmit={submit} noValidate aria-labelledby="add-person-title">
        <Stack gap="sm">
          <Title order={3} id="add-person-title">
            Add a person
          </Title>
          <Group grow align="flex-start" wrap="wrap" preventGrowOverflow={false}>
            <TextInput
              label="Email"
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={fieldError('email')}
              miw={220}
            />
            <TextInput
              label="Name (optional)"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={fieldError('name')}
              miw={200}
            />
          </Group>
          <Stack gap={4}>
            <Text size="sm" fw={500} id="add-person-role">
              Role
            </Text>
            <SegmentedControl
              aria-labelledby="add-person-role"
              value={role}
              onChange={(v) => setRole(v as 'member' | 'admin')}
              data={[
                { value: 'member', label: 'Member' },
                { value: 'admin', label: 'Admin' },
              ]}
              w="fit-content"
            />
            <Text size="xs" c="dimmed">
              {role === 'admin'
                ? 'Admins connect Affinity, set up destinations and schedules, and manage the team.'
                : 'Members search, review and push; they see settings but cannot change the team or automation.'}
            </Text>
          </Stack>
          <Group align="flex-end" wrap="wrap">
            <PasswordInput
              label="First password (optional)"
              description="At least 10 characters. Without one, they cannot sign in until an admin sets it."
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={fieldError('password')}
              style={{ flex: 1 }}
              miw={240}
            />
            <Button variant="default" onClick={() => setPassword(generatePassword())}>
              Generate
            </Button>
          </Group>
          {add.error && <ErrorAlert error={add.error} title="Could not add this person" />}
          {added && (
            <NoteAlert title={`${added.user.email} is on the team`} role="status">
              <Stack gap="xs">
                {added.password ? (
                  <>
                    <Text size="sm">
                      Send them this address and their first password over a channel you trust. It is not
                      shown again; they can change it in Settings → Account.
                    </Text>
                    <SecretValue value={added.password} label="the first password" />
                  </>
                ) : (
                  <Text size="sm">
                    They have no password yet: use “Set password” next to their name before they sign in.
                  </Text>
                )}
                <Text size="sm">
                  Sign-in address:{' '}
                  <Anchor c="inherit" href={`${window.location.origin}/sign-in`}>
                    {window.location.origin}/sign-in
                  </Anchor>
                </Text>
              </Stack>
            </NoteAlert>
          )}
          <Group>
            <Button type="submit" loading={add.isPending}>
              Add person
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
