import {
  connectAffinity,
  connectInput,
  connectionStatus,
  connectionStatusInput,
  connectionStatusResult,
  connectResult,
  disconnectAffinity,
  disconnectInput,
  disconnectResult,
  verifyConnection,
  verifyConnectionInput,
  verifyConnectionResult,
} from '../../app/connection.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const tags = ['connection'];

/**
 * `/api/connection`: the Affinity connection — what is connected (the key's hint, never the key),
 * checking a key without saving it, connecting and disconnecting (admins).
 */
export const connectionRoutes: Routes = async (app) => {
  app.get(
    '/connection',
    {
      schema: {
        tags,
        summary: 'The Affinity connection: workspace, URL, key hint, who connected it, when verified',
        querystring: connectionStatusInput,
        response: { 200: connectionStatusResult, ...errorResponses() },
      },
    },
    async (request) => connectionStatus(ctxOf(request), request.query),
  );

  app.post(
    '/connection/verify',
    {
      schema: {
        tags,
        summary: 'Check an API key without saving it: its workspace, user and grant (admins)',
        body: verifyConnectionInput,
        response: { 200: verifyConnectionResult, ...errorResponses(403, 503) },
      },
    },
    async (request) => verifyConnection(ctxOf(request), request.body),
  );

  app.post(
    '/connection',
    {
      schema: {
        tags,
        summary: 'Connect Affinity: verify the key and store it encrypted (admins)',
        body: connectInput,
        response: { 200: connectResult, ...errorResponses(403, 409, 503) },
      },
    },
    async (request) => connectAffinity(ctxOf(request), request.body),
  );

  app.delete(
    '/connection',
    {
      schema: {
        tags,
        summary: 'Disconnect Affinity: forget the stored key, its links and destinations (admins)',
        querystring: disconnectInput,
        response: { 200: disconnectResult, ...errorResponses(403) },
      },
    },
    async (request) => disconnectAffinity(ctxOf(request), request.query),
  );
};
