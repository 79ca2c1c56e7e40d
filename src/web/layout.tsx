import { AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { api, setCsrfToken } from './api.js';
import { useUser } from './auth.js';

/** The places of the app, in the order the navigation shows them. */
export const places = [
  { to: '/integrations', label: 'Integrations' },
  { to: '/crm', label: 'My CRM' },
  { to: '/review', label: 'Review' },
  { to: '/search', label: 'Search' },
  { to: '/integrations/activity', label: 'Activity' },
  { to: '/settings', label: 'Settings' },
] as const;

/** Every signed-in screen: the header with who is signed in, the navigation, and the screen. */
export function Layout() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const user = useUser();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    mutationFn: () => api.post('/auth/logout'),
    onSettled: () => {
      setCsrfToken(null);
      queryClient.clear();
      void navigate('/sign-in');
    },
  });
  // The most specific place that holds the current path is the active one.
  const active = [...places]
    .filter((p) => location.pathname === p.to || location.pathname.startsWith(`${p.to}/`))
    .sort((a, b) => b.to.length - a.to.length)[0];
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Title order={1} size="h4">
              <Link to="/integrations" style={{ color: 'inherit', textDecoration: 'none' }}>
                affinity-sync
              </Link>
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="xs" truncate maw={260}>
              {user.name ?? user.email}
            </Text>
            {user.admin && (
              <Badge variant="light" visibleFrom="xs">
                Admin
              </Badge>
            )}
            <Button variant="default" size="xs" onClick={() => signOut.mutate()} loading={signOut.isPending}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <ScrollArea>
          {places.map((p) => (
            <NavLink
              key={p.to}
              component={Link}
              to={p.to}
              label={p.label}
              active={active?.to === p.to}
              aria-current={active?.to === p.to ? 'page' : undefined}
              onClick={close}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
