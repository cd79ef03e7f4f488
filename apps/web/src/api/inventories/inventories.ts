import {
  ApiJobSchema,
  InventoryItemsPageSchema,
  InventoryListingSchema,
  InventoryOverviewSchema,
  SelectionPreviewSchema,
  type ApiJob,
  type PlanSelection,
} from '@euca2nova/model';
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { getJson, postJson, withQuery } from '../http.ts';

export type InventoryItemsPage = z.infer<typeof InventoryItemsPageSchema>;
export type InventoryItemRow = InventoryItemsPage['rows'][number];

/** The server-side filter of an inventory table (one kind at a time). */
export interface InventoryItemsFilter {
  kind?: string;
  q?: string;
  owner?: string;
  sort?: 'sourceId' | 'owner' | 'name' | 'state' | 'sizeBytes';
  order?: 'asc' | 'desc';
}

export const inventoryKeys = {
  all: ['inventories'] as const,
  lists: () => [...inventoryKeys.all, 'list'] as const,
  detail: (id: string) => [...inventoryKeys.all, 'detail', id] as const,
  items: (id: string, filter: InventoryItemsFilter) =>
    [...inventoryKeys.detail(id), 'items', filter] as const,
  preview: (id: string, selection: PlanSelection) =>
    [...inventoryKeys.detail(id), 'preview', selection] as const,
};

export const inventoryListQuery = () =>
  queryOptions({
    queryKey: inventoryKeys.lists(),
    queryFn: ({ signal }) => getJson('/api/inventories', z.array(InventoryListingSchema), signal),
  });

/** Counts per kind and per user, image bytes, the network found, discovery findings. */
export const inventoryQuery = (id: string) =>
  queryOptions({
    queryKey: inventoryKeys.detail(id),
    queryFn: ({ signal }) => getJson(`/api/inventories/${id}`, InventoryOverviewSchema, signal),
    staleTime: Infinity, // an inventory never changes
  });

export const INVENTORY_PAGE_SIZE = 200;

/** Pages of one filtered, sorted table; the server cuts them, so 50,000 rows cost one page each. */
export const inventoryItemsQuery = (id: string, filter: InventoryItemsFilter) =>
  infiniteQueryOptions({
    queryKey: inventoryKeys.items(id, filter),
    queryFn: ({ signal, pageParam }) =>
      getJson(
        withQuery(`/api/inventories/${id}/items`, {
          ...filter,
          offset: pageParam,
          limit: INVENTORY_PAGE_SIZE,
        }),
        InventoryItemsPageSchema,
        signal,
      ),
    initialPageParam: 0,
    getNextPageParam: (last) =>
      last.offset + last.rows.length < last.total ? last.offset + last.rows.length : undefined,
    staleTime: Infinity,
  });

/** What a selection covers with what it pulls in, before any plan (pure on the server). */
export const selectionPreviewQuery = (id: string, selection: PlanSelection) =>
  queryOptions({
    queryKey: inventoryKeys.preview(id, selection),
    queryFn: () =>
      postJson(`/api/inventories/${id}/selection`, { selection }, SelectionPreviewSchema),
    staleTime: Infinity,
  });

/** Starts reading the whole cloud of a Eucalyptus connection, as a job. */
export function startDiscovery(connectionId: string): Promise<ApiJob> {
  return postJson('/api/discoveries', { connectionId }, ApiJobSchema);
}
