/**
 * Who acts in our app. Only admins may connect Affinity or change destinations; members may run
 * syncs and read activity. The CLI acts as the local admin; the web UI will carry real users.
 */
export type Role = 'admin' | 'member';

export interface Actor {
  /** How activity names the actor: a user's email, or `local-admin` at the command line. */
  id: string;
  role: Role;
  /** The account (`app_users.id`) of a signed-in user or API token; absent for the local admin. */
  userId?: number;
}

/** The operator at the command line: the local admin. */
export const LOCAL_ADMIN: Actor = { id: 'local-admin', role: 'admin' };

export class ForbiddenError extends Error {
  constructor(
    readonly actor: Actor,
    readonly action: string,
  ) {
    super(`only an admin may ${action}; ${actor.id} is a ${actor.role}: ask a workspace admin`);
    this.name = 'ForbiddenError';
  }
}

/** Throws {@link ForbiddenError} unless `actor` is an admin. */
export function requireAdmin(actor: Actor, action: string): void {
  if (actor.role !== 'admin') throw new ForbiddenError(actor, action);
}
