import { Center, Loader } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ApiError, api, setCsrfToken } from './api.js';
import { ErrorAlert } from './components/error-alert.js';

/** A member of the team, as the API shows one. */
export interface User {
  id: number;
  email: string;
  name: string | null;
  role: 'admin' | 'member';
  admin: boolean;
  hasPassword: boolean;
  createdAt: string;
  createdBy: string | null;
  lastLoginAt: string | null;
}

export interface Me {
  user: User;
  via: 'session' | 'token';
  csrfToken: string | null;
}

export const meKey = ['auth', 'me'] as const;

/** Who is signed in (null when nobody is); remembers the session's CSRF token for writes. */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async (): Promise<Me | null> => {
      try {
        const me = await api.get<Me>('/auth/me');
        setCsrfToken(me.csrfToken);
        return me;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 60_000,
  });
}

/** The signed-in user; only inside `RequireAuth`, where there always is one. */
export function useUser(): User {
  const { data } = useMe();
  if (!data) throw new Error('useUser outside RequireAuth');
  return data.user;
}

/** Shows its children to a signed-in person; sends anyone else to sign in, and back here after. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (me.isError) return <ErrorAlert error={me.error} m="xl" />;
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}
