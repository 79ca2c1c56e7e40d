import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';

/** A list pulled from Affinity, as a filter offers it. */
export interface PulledListOption {
  value: string;
  label: string;
}

interface RunsPage {
  runs: Array<{ params: { lists?: Array<{ list: string | number }> } }>;
}
interface WorkspaceLists {
  lists: Array<{ id: number; name: string; type: string; size: number }>;
}

/**
 * The Affinity lists that pulls have taken, by name, for the list filters of My CRM and Review:
 * read from the finished pulls in activity (what each asked for), with list ids named through the
 * workspace when it answers. `seen` adds the lists already shown on the page.
 */
export function usePulledLists(seen: readonly string[] = []): PulledListOption[] {
  const runs = useQuery({
    queryKey: ['runs', 'pulled-lists'],
    queryFn: () => api.get<RunsPage>('/runs', { kind: 'pull', status: ['succeeded', 'partial'], limit: 200 }),
    staleTime: 30_000,
  });
  const workspace = useQuery({
    queryKey: ['workspace', 'lists'],
    queryFn: () => api.get<WorkspaceLists>('/workspace/lists'),
    staleTime: 60_000,
    retry: false,
  });
  const byId = new Map((workspace.data?.lists ?? []).map((l) => [String(l.id), l.name]));
  const names = new Set<string>(seen);
  for (const run of runs.data?.runs ?? []) {
    for (const l of run.params.lists ?? []) {
      const name = byId.get(String(l.list)) ?? String(l.list);
      if (name) names.add(name);
    }
  }
  return [...names].sort((a, b) => a.localeCompare(b)).map((name) => ({ value: name, label: name }));
}
