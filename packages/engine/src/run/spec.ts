import { NetworkModeSchema } from '@euca2nova/model';
import { z } from 'zod';

/**
 * What a migration job was asked to do, as stored in `jobs.spec`: no secret (the connections are
 * referenced by id and sealed in the state database).
 */
export const MigrationSpecSchema = z.strictObject({
  /** nova-objectstore's `images_path`, as seen by every process that copies images. */
  imagesPath: z.string().min(1).max(4096),
  hosts: z.strictObject({
    compute: z.string().min(1).max(255),
    volume: z.string().min(1).max(255),
    network: z.string().min(1).max(255),
  }),
  /** How image bytes are read; default: decrypt here when cloud-pk.pem was given. */
  imageReadPath: z.enum(['decrypted', 'bundle']).optional(),
  /** A copy that moves no byte for this long is reported as stalled. */
  stallAfterSeconds: z.number().positive().max(3600).default(30),
});
export type MigrationSpec = z.infer<typeof MigrationSpecSchema>;

/** The Nova side of a job, sealed in the state database as one connection. */
export const NovaConnectionSchema = z.strictObject({
  databaseUrl: z.string().min(1),
  /** Given with connections made in the wizard; the job's spec says where its copies go. */
  imagesPath: z.string().min(1).optional(),
});
export type NovaConnection = z.infer<typeof NovaConnectionSchema>;

/** Eucalyptus `ConnectInput` as sealed: validated again before use. */
export const SourceConnectionInputSchema = z.strictObject({
  ec2Url: z.string().min(1),
  s3Url: z.string().optional(),
  euareUrl: z.string().optional(),
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  controllerDbUrl: z.string().optional(),
  cloudPkPem: z.string().optional(),
  eucalyptusConf: z.string().optional(),
  networkMode: NetworkModeSchema.optional(),
  maxAttempts: z.number().int().positive().optional(),
  maxResponseBytes: z.number().int().positive().optional(),
});
