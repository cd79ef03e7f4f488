import {
  ConnectionSchema,
  ConnectionTestSchema,
  type Connection,
  type ConnectionTest,
  type NovaConnectionRequest,
  type SourceConnectionRequest,
} from '@euca2nova/model';
import { queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { getJson, postJson, withQuery } from '../http.ts';

export type ConnectionKind = Connection['kind'];

export const connectionKeys = {
  all: ['connections'] as const,
  lists: () => [...connectionKeys.all, 'list'] as const,
  list: (kind?: ConnectionKind) => [...connectionKeys.lists(), kind ?? 'all'] as const,
  detail: (id: string) => [...connectionKeys.all, 'detail', id] as const,
  test: (id: string) => [...connectionKeys.detail(id), 'test'] as const,
};

export const connectionListQuery = (kind?: ConnectionKind) =>
  queryOptions({
    queryKey: connectionKeys.list(kind),
    queryFn: ({ signal }) =>
      getJson(withQuery('/api/connections', { kind }), z.array(ConnectionSchema), signal),
  });

export const connectionQuery = (id: string) =>
  queryOptions({
    queryKey: connectionKeys.detail(id),
    queryFn: ({ signal }) => getJson(`/api/connections/${id}`, ConnectionSchema, signal),
  });

export function createEucalyptusConnection(body: SourceConnectionRequest): Promise<Connection> {
  return postJson('/api/connections/eucalyptus', body, ConnectionSchema);
}

export function createNovaConnection(body: NovaConnectionRequest): Promise<Connection> {
  return postJson('/api/connections/nova', body, ConnectionSchema);
}

/** Connections to the server's demo Eucalyptus and demo Nova (404 when no demo runs). */
export function createDemoConnections(): Promise<{ eucalyptus: Connection; nova: Connection }> {
  return postJson(
    '/api/connections/demo',
    {},
    z.object({ eucalyptus: ConnectionSchema, nova: ConnectionSchema }),
  );
}

/** A real round trip; a failed test is an answer (`ok: false` with the problem), not an error. */
export function testConnection(id: string): Promise<ConnectionTest> {
  return postJson(`/api/connections/${id}/test`, {}, ConnectionTestSchema);
}

/**
 * The last test of a stored connection. The server keeps no result, so a page that opens a
 * connection (a reload, a link) tests it again; the test reads and never writes, so asking twice
 * is harmless. Kept until the operator asks again (a connection's public part never changes).
 */
export const connectionTestQuery = (id: string) =>
  queryOptions({
    queryKey: connectionKeys.test(id),
    queryFn: () => testConnection(id),
    staleTime: Infinity,
    retry: false,
  });

/** Gives an empty Nova database Bexar's schema (for trials). */
export function initialiseNova(id: string): Promise<ConnectionTest> {
  return postJson(`/api/connections/${id}/initialise`, {}, ConnectionTestSchema);
}
