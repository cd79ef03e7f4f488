import { StatusSchema, type Status } from '@euca2nova/model';
import { queryOptions } from '@tanstack/react-query';
import { getJson } from './http.ts';

export const statusKeys = { all: ['status'] as const };

export const statusQuery = queryOptions<Status>({
  queryKey: statusKeys.all,
  queryFn: ({ signal }) => getJson('/api/status', StatusSchema, signal),
});
