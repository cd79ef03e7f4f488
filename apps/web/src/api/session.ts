import { SessionStateSchema, type SessionState } from '@euca2nova/model';
import { queryOptions } from '@tanstack/react-query';
import { getJson, postJson } from './http.ts';

export const sessionKeys = { all: ['session'] as const };

export const sessionQuery = queryOptions<SessionState>({
  queryKey: sessionKeys.all,
  queryFn: ({ signal }) => getJson('/api/session', SessionStateSchema, signal),
});

/** Sets the first password (signing in with it) or signs in with the one that is set. */
export function signIn(password: string, firstTime: boolean): Promise<SessionState> {
  return postJson(
    firstTime ? '/api/session/setup' : '/api/session/login',
    { password },
    SessionStateSchema,
  );
}

export function signOut(): Promise<SessionState> {
  return postJson('/api/session/logout', {}, SessionStateSchema);
}
