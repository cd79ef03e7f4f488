import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  acknowledgeStored,
  networkView,
  pagePlanItems,
  planStored,
  planSummary,
  replanStored,
  type PageQuery,
  type PlanSort,
} from '@euca2nova/engine';
import {
  AcknowledgeRequestSchema,
  IdParamsSchema,
  NetworkQuerySchema,
  NetworkViewSchema,
  PlanItemsPageSchema,
  PlanItemsQuerySchema,
  PlanListingSchema,
  PlanRequestSchema,
  PlanSummarySchema,
  ReplanRequestSchema,
} from '@euca2nova/model';

/** Drop the keys a query left out: the engine's options are exact about absent values. */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

export const planRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.runtime.state;

  app.post(
    '/api/plans',
    {
      schema: {
        summary: 'Plan an inventory against a Nova connection, as Nova is now',
        body: PlanRequestSchema,
        response: { 201: PlanSummarySchema },
      },
    },
    async (request, reply) => {
      const { mappings, settings, ...rest } = request.body;
      const plan = await planStored(store, {
        ...rest,
        ...(mappings === undefined ? {} : { mappings: defined(mappings) }),
        ...(settings === undefined ? {} : { settings: defined(settings) }),
      });
      return reply.code(201).send(await planSummary(store, await store.loadPlan(plan.id)));
    },
  );

  app.get(
    '/api/plans',
    {
      schema: {
        summary: 'Plans, newest first',
        querystring: z.object({ inventoryId: z.uuid().optional() }),
        response: { 200: z.array(PlanListingSchema) },
      },
    },
    async (request) =>
      store.listPlans(
        request.query.inventoryId === undefined ? {} : { inventoryId: request.query.inventoryId },
      ),
  );

  app.get(
    '/api/plans/:id',
    { schema: { params: IdParamsSchema, response: { 200: PlanSummarySchema } } },
    async (request) => planSummary(store, await store.loadPlan(request.params.id)),
  );

  app.get(
    '/api/plans/:id/items',
    {
      schema: {
        summary: "A page of the plan's items, filtered and sorted on the server",
        params: IdParamsSchema,
        querystring: PlanItemsQuerySchema,
        response: { 200: PlanItemsPageSchema },
      },
    },
    async (request) => {
      const { plan } = await store.loadPlan(request.params.id);
      const { pulledIn, ...query } = request.query;
      return pagePlanItems(plan, {
        ...(defined(query) as PageQuery<PlanSort>),
        ...(pulledIn === undefined ? {} : { pulledIn: pulledIn === 'true' }),
      });
    },
  );

  app.get(
    '/api/plans/:id/network',
    {
      schema: {
        summary:
          "The plan's network: mode and manager, networks, each instance's fixed IP, nova.conf",
        params: IdParamsSchema,
        querystring: NetworkQuerySchema,
        response: { 200: NetworkViewSchema },
      },
    },
    async (request) => {
      const { plan } = await store.loadPlan(request.params.id);
      const inventory = await store.loadInventory(plan.inventoryId);
      return networkView(inventory, plan, defined(request.query));
    },
  );

  app.post(
    '/api/plans/:id/replan',
    {
      schema: {
        summary: 'Plan again with a new selection or mappings (a new plan; the old one stays)',
        params: IdParamsSchema,
        body: ReplanRequestSchema,
        response: { 201: PlanSummarySchema },
      },
    },
    async (request, reply) => {
      const { mappings, selection } = request.body;
      const plan = await replanStored(store, request.params.id, {
        ...(selection === undefined ? {} : { selection }),
        ...(mappings === undefined ? {} : { mappings: defined(mappings) }),
      });
      return reply.code(201).send(await planSummary(store, await store.loadPlan(plan.id)));
    },
  );

  app.post(
    '/api/plans/:id/acknowledgements',
    {
      schema: {
        summary: 'Acknowledge warnings by key; the plan gets a new fingerprint to confirm',
        params: IdParamsSchema,
        body: AcknowledgeRequestSchema,
        response: { 200: PlanSummarySchema },
      },
    },
    async (request) => {
      await acknowledgeStored(store, request.params.id, request.body.findingKeys);
      return planSummary(store, await store.loadPlan(request.params.id));
    },
  );
};
