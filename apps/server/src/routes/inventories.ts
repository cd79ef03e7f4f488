import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { InventoryBrowser, previewSelection } from '@euca2nova/engine';
import {
  ApiErrorSchema,
  ApiJobSchema,
  DiscoveryRequestSchema,
  IdParamsSchema,
  InventoryItemsPageSchema,
  InventoryItemsQuerySchema,
  InventoryListingSchema,
  InventoryOverviewSchema,
  SelectionPreviewRequestSchema,
  SelectionPreviewSchema,
} from '@euca2nova/model';
import { apiJob } from './jobs.ts';

/** Inventories kept parsed and indexed: paging a 50,000-item cloud must not re-read it per page. */
const BROWSER_CACHE_SIZE = 4;

export const inventoryRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.runtime.state;
  const { jobs } = app.runtime;
  const browsers = new LRUCache<string, Promise<InventoryBrowser>>({ max: BROWSER_CACHE_SIZE });

  const browserOf = (id: string): Promise<InventoryBrowser> => {
    let b = browsers.get(id);
    if (b === undefined) {
      // Without secrets: the browser must never be handed a user's secret key.
      const loading = store.loadInventory(id).then((inv) => new InventoryBrowser(inv));
      loading.catch(() => {
        if (browsers.get(id) === loading) browsers.delete(id);
      });
      browsers.set(id, loading);
      b = loading;
    }
    return b;
  };

  app.post(
    '/api/discoveries',
    {
      schema: {
        summary: 'Discover the cloud of a Eucalyptus connection, as a job (progress by events)',
        body: DiscoveryRequestSchema,
        response: { 202: ApiJobSchema, 409: ApiErrorSchema },
      },
    },
    async (request, reply) => {
      const conn = await store.getConnection(request.body.connectionId);
      if (conn.kind !== 'eucalyptus')
        return reply.code(409).send({ error: 'Discovery reads a Eucalyptus connection.' });
      const job = await store.createJob({
        type: 'discover',
        spec: {},
        sourceConnectionId: conn.id,
      });
      await jobs.run(job.id);
      return reply.code(202).send(apiJob(await store.getJob(job.id), jobs));
    },
  );

  app.get(
    '/api/inventories',
    {
      schema: {
        summary: 'Discovered inventories, newest first, with counts',
        response: { 200: z.array(InventoryListingSchema) },
      },
    },
    async () => store.listInventories(),
  );

  app.get(
    '/api/inventories/:id',
    {
      schema: {
        summary: 'One inventory: counts per kind and per user, image bytes, network, findings',
        params: IdParamsSchema,
        response: { 200: InventoryOverviewSchema },
      },
    },
    async (request) => {
      const listing = await store.getInventoryListing(request.params.id);
      const browser = await browserOf(request.params.id);
      return {
        ...listing,
        network: browser.inventory.network,
        findings: browser.inventory.findings,
        overview: browser.overview(),
      };
    },
  );

  app.get(
    '/api/inventories/:id/items',
    {
      schema: {
        summary: 'A page of inventory items, filtered and sorted on the server',
        params: IdParamsSchema,
        querystring: InventoryItemsQuerySchema,
        response: { 200: InventoryItemsPageSchema },
      },
    },
    async (request) => {
      const browser = await browserOf(request.params.id);
      const { kind, q, owner, sort, order, offset, limit } = request.query;
      return browser.page({
        offset,
        limit,
        ...(kind === undefined ? {} : { kind }),
        ...(q === undefined ? {} : { q }),
        ...(owner === undefined ? {} : { owner }),
        ...(sort === undefined ? {} : { sort }),
        ...(order === undefined ? {} : { order }),
      });
    },
  );

  app.post(
    '/api/inventories/:id/selection',
    {
      schema: {
        summary:
          'What a selection covers before planning: per kind picked and pulled in, and the first 500 pulled-in resources with why',
        params: IdParamsSchema,
        body: SelectionPreviewRequestSchema,
        response: { 200: SelectionPreviewSchema, 400: ApiErrorSchema },
      },
    },
    async (request) =>
      previewSelection((await browserOf(request.params.id)).index, request.body.selection),
  );
};
