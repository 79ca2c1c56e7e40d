import { AffinityAuthError, AffinityUnreachableError } from '../affinity/index.js';
import { ConfigError } from '../config/index.js';
import { ListError } from '../intelligence/lists.js';
import { SearchInputError } from '../intelligence/search.js';
import { ImportFileError } from '../intelligence/sources.js';
import { ConnectionBusyError } from '../sync/activity.js';
import { BaseUrlMismatchError, NotConnectedError, WorkspaceChangedError } from '../sync/connections.js';
import { PullInputError } from '../sync/pull/engine.js';
import { SelectionError } from '../sync/push/records.js';
import { ForbiddenError } from '../sync/roles.js';
import { AppError } from './context.js';

/**
 * The refusal an error from a lower module stands for, so every door reports it the same way;
 * anything else is not the caller's fault and stays as it is (the door reports an internal error).
 */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof ForbiddenError) return new AppError('forbidden', err.message);
  if (err instanceof NotConnectedError) return new AppError('not_connected', err.message);
  if (err instanceof ConnectionBusyError) {
    return new AppError('busy', err.message, err.run ? { runId: err.run.id } : undefined);
  }
  if (err instanceof BaseUrlMismatchError || err instanceof WorkspaceChangedError) {
    return new AppError('conflict', err.message);
  }
  if (
    err instanceof SelectionError ||
    err instanceof SearchInputError ||
    err instanceof ListError ||
    err instanceof PullInputError ||
    err instanceof ImportFileError ||
    err instanceof ConfigError
  ) {
    return new AppError('bad_request', err.message);
  }
  if (err instanceof AffinityAuthError)
    return new AppError('unavailable', `Affinity refused the key: ${err.message}`);
  if (err instanceof AffinityUnreachableError) return new AppError('unavailable', err.message);
  return null;
}
