import { createBrowserRouter, Navigate } from 'react-router';
import { RequireAuth } from './auth.js';
import { Layout } from './layout.js';
import { ActivityScreen } from './screens/activity.js';
import { ConnectScreen } from './screens/connect.js';
import { CrmScreen } from './screens/crm.js';
import { IntegrationsScreen } from './screens/integrations.js';
import { LiveScreen } from './screens/live.js';
import { NotFoundScreen } from './screens/not-found.js';
import { PullSetupScreen } from './screens/pull-setup.js';
import { PushSetupScreen } from './screens/push-setup.js';
import { ReviewScreen } from './screens/review.js';
import { RunDetailScreen } from './screens/run-detail.js';
import { SearchScreen } from './screens/search.js';
import { SettingsScreen } from './screens/settings.js';
import { SetupScreen } from './screens/setup.js';
import { SignInScreen } from './screens/sign-in.js';

/**
 * Every screen by its path. The integration's setup follows the seed's steps:
 * connect (2) → push setup (3–8) → pull setup (9) → activity (10) → live (11).
 */
export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInScreen /> },
  { path: '/setup', element: <SetupScreen /> },
  {
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <Navigate to="/integrations" replace /> },
      { path: '/integrations', element: <IntegrationsScreen /> },
      { path: '/integrations/connect', element: <ConnectScreen /> },
      { path: '/integrations/push', element: <PushSetupScreen /> },
      { path: '/integrations/pull', element: <PullSetupScreen /> },
      { path: '/integrations/activity', element: <ActivityScreen /> },
      { path: '/integrations/activity/:runId', element: <RunDetailScreen /> },
      { path: '/integrations/live', element: <LiveScreen /> },
      { path: '/crm', element: <CrmScreen /> },
      { path: '/review', element: <ReviewScreen /> },
      { path: '/search', element: <SearchScreen /> },
      { path: '/settings', element: <Navigate to="/settings/team" replace /> },
      { path: '/settings/:tab', element: <SettingsScreen /> },
      { path: '*', element: <NotFoundScreen /> },
    ],
  },
]);
