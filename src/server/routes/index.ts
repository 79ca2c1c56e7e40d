import type { Routes } from '../context.js';
import { activityRoutes } from './activity.js';
import { authRoutes } from './auth.js';
import { connectionRoutes } from './connection.js';
import { crmRoutes } from './crm.js';
import { destinationsRoutes } from './destinations.js';
import { listsRoutes } from './lists.js';
import { pullRoutes } from './pull.js';
import { pushRoutes } from './push.js';
import { reviewRoutes } from './review.js';
import { runsRoutes } from './runs.js';
import { schedulesRoutes } from './schedules.js';
import { searchRoutes } from './search.js';
import { usageRoutes } from './usage.js';
import { usersRoutes } from './users.js';
import { webhooksRoutes } from './webhooks.js';
import { workspaceRoutes } from './workspace.js';

/** Every route group, registered by the server under `/api`. */
export const apiRoutes: readonly Routes[] = [
  authRoutes,
  usersRoutes,
  connectionRoutes,
  workspaceRoutes,
  destinationsRoutes,
  searchRoutes,
  listsRoutes,
  crmRoutes,
  reviewRoutes,
  activityRoutes,
  pushRoutes,
  pullRoutes,
  runsRoutes,
  schedulesRoutes,
  webhooksRoutes,
  usageRoutes,
];
