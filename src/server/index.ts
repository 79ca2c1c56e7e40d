/**
 * The HTTP API: `buildServer(deps, options)` builds it (not listening); `ctxOf(request)` gives a
 * route its use-case context; route groups live in `routes/`.
 */
export { buildServer, healthAnswer, type ReadyCheck, readyAnswer, type ServerOptions } from './app.js';
export { ctxOf, type Routes } from './context.js';
export { type ErrorBody, errorAnswer, errorBody, errorResponses, fieldIssue } from './errors.js';
