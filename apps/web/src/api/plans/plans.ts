import {
  NetworkViewSchema,
  PlanItemsPageSchema,
  PlanListingSchema,
  PlanSummarySchema,
  type MappingChoicesSchema,
  type PlanRequestSchema,
  type NetworkView,
  type PlanMappings,
  type PlanSelection,
  type PlanSummary,
} from '@euca2nova/model';
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { getJson, postJson, withQuery } from '../http.ts';

export type PlanRequest = z.input<typeof PlanRequestSchema>;
export type MappingChoices = z.input<typeof MappingChoicesSchema>;
export type PlanItemsPage = z.infer<typeof PlanItemsPageSchema>;

export interface PlanItemsFilter {
  kind?: string;
  action?: string;
  pulledIn?: 'true' | 'false';
  q?: string;
  owner?: string;
  sort?: 'sourceId' | 'owner' | 'kind' | 'action';
  order?: 'asc' | 'desc';
}

export interface NetworkFilter {
  status?: 'kept' | 'changed' | 'external' | 'none';
}

export const planKeys = {
  all: ['plans'] as const,
  lists: () => [...planKeys.all, 'list'] as const,
  list: (inventoryId?: string) => [...planKeys.lists(), inventoryId ?? 'all'] as const,
  detail: (id: string) => [...planKeys.all, 'detail', id] as const,
  items: (id: string, filter: PlanItemsFilter) =>
    [...planKeys.detail(id), 'items', filter] as const,
  network: (id: string, filter: NetworkFilter, limit: number) =>
    [...planKeys.detail(id), 'network', filter, limit] as const,
  networkInstances: (id: string, filter: NetworkFilter) =>
    [...planKeys.detail(id), 'network-instances', filter] as const,
};

export const planListQuery = (inventoryId?: string) =>
  queryOptions({
    queryKey: planKeys.list(inventoryId),
    queryFn: ({ signal }) =>
      getJson(withQuery('/api/plans', { inventoryId }), z.array(PlanListingSchema), signal),
  });

/** Counts per kind and action, findings with their keys, whether a job may start from it. */
export const planQuery = (id: string) =>
  queryOptions({
    queryKey: planKeys.detail(id),
    queryFn: ({ signal }) => getJson(`/api/plans/${id}`, PlanSummarySchema, signal),
  });

export const PLAN_PAGE_SIZE = 200;

export const planItemsQuery = (id: string, filter: PlanItemsFilter) =>
  infiniteQueryOptions({
    queryKey: planKeys.items(id, filter),
    queryFn: ({ signal, pageParam }) =>
      getJson(
        withQuery(`/api/plans/${id}/items`, {
          ...filter,
          offset: pageParam,
          limit: PLAN_PAGE_SIZE,
        }),
        PlanItemsPageSchema,
        signal,
      ),
    initialPageParam: 0,
    getNextPageParam: (last) =>
      last.offset + last.rows.length < last.total ? last.offset + last.rows.length : undefined,
  });

/** The Network step: mode and manager, networks to create, each instance's fixed IP, nova.conf. */
export const planNetworkQuery = (id: string, filter: NetworkFilter, limit = 1000) =>
  queryOptions({
    queryKey: planKeys.network(id, filter, limit),
    queryFn: ({ signal }) =>
      getJson(
        withQuery(`/api/plans/${id}/network`, { ...filter, limit }),
        NetworkViewSchema,
        signal,
      ),
  });

export type NetworkInstance = NetworkView['instances']['rows'][number];

export const NETWORK_PAGE_SIZE = 500;

/**
 * Each instance's fixed IP decision, a page at a time, as a table pages it. The server counts
 * kept and changed ones; for the other statuses a short page is the end.
 */
export const planNetworkInstancesQuery = (id: string, filter: NetworkFilter) =>
  infiniteQueryOptions({
    queryKey: planKeys.networkInstances(id, filter),
    queryFn: async ({ signal, pageParam }) => {
      const view = await getJson(
        withQuery(`/api/plans/${id}/network`, {
          ...filter,
          offset: pageParam,
          limit: NETWORK_PAGE_SIZE,
        }),
        NetworkViewSchema,
        signal,
      );
      const { rows } = view.instances;
      const counted =
        filter.status === undefined
          ? view.instances.total
          : filter.status === 'kept' || filter.status === 'changed'
            ? view.instances[filter.status]
            : undefined;
      const end = pageParam + rows.length;
      return {
        offset: pageParam,
        limit: NETWORK_PAGE_SIZE,
        rows,
        total: counted ?? (rows.length < NETWORK_PAGE_SIZE ? end : end + 1),
      };
    },
    initialPageParam: 0,
    getNextPageParam: (last) =>
      last.rows.length === NETWORK_PAGE_SIZE && last.offset + last.rows.length < last.total
        ? last.offset + last.rows.length
        : undefined,
  });

/**
 * The choices a plan was made with, to plan again with one of them changed: the server fills
 * anything left out with its defaults, which would undo the operator's earlier decisions.
 */
export function choicesOf(mappings: PlanMappings): MappingChoices {
  // The manager is chosen on its own; a class name left in the overrides would contradict it.
  const overrides = { ...mappings.network.overrides };
  delete overrides.network_manager;
  return {
    manager: mappings.network.manager,
    overrides,
    largeIdStrategy: mappings.largeIdStrategy,
    imageIdPrefix: mappings.imageIdPrefix,
    instanceTypes: mappings.instanceTypes,
  };
}

export function createPlan(body: PlanRequest): Promise<PlanSummary> {
  return postJson('/api/plans', body, PlanSummarySchema);
}

/** Plans again with a new selection or mappings: a new plan (the old one stays). */
export function replan(
  id: string,
  body: { selection?: PlanSelection; mappings?: MappingChoices },
): Promise<PlanSummary> {
  return postJson(`/api/plans/${id}/replan`, body, PlanSummarySchema);
}

/** Same plan id, new fingerprint (the confirmation must name the new one). */
export function acknowledgeWarnings(id: string, findingKeys: string[]): Promise<PlanSummary> {
  return postJson(`/api/plans/${id}/acknowledgements`, { findingKeys }, PlanSummarySchema);
}
