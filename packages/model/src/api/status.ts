import { z } from 'zod';

/** What `/api/status` answers: enough for the page to prove the stack runs, and nothing secret. */
export const StatusSchema = z.object({
  version: z.string(),
  stateDatabase: z.object({
    kind: z.enum(['embedded', 'external']),
    serverVersion: z.string(),
    migrations: z.array(z.string()),
  }),
  /** The Eucalyptus configured through EUCARC, if any (its keys never leave the server). */
  eucalyptus: z.object({ ec2Url: z.string(), configuredBy: z.literal('EUCARC') }).nullable(),
  demo: z.object({
    nova: z.object({ database: z.string(), tables: z.number().int() }).nullable(),
    /** The simulated Eucalyptus the demo runs; its keys stay in its eucarc, never here. */
    eucalyptus: z
      .object({
        version: z.string(),
        ec2Url: z.string(),
        users: z.number().int(),
        instances: z.number().int(),
        images: z.number().int(),
      })
      .nullable(),
  }),
});
export type Status = z.infer<typeof StatusSchema>;
