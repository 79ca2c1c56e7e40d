import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api.js';

/**
 * Server state for every screen. A refusal (4xx) is not retried: it would only be refused again,
 * and the screen should show why at once.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: true,
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
    },
    mutations: { retry: false },
  },
});
