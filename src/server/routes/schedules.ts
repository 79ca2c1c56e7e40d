import type { Routes } from '../context.js';

/** The `/api` routes of this area. */
export const schedulesRoutes: Routes = async () => {};
