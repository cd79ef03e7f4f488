import pg from 'pg';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { MIGRATIONS_TABLE } from '@euca2nova/state';
import type { RunningSimulator } from '@euca2nova/euca-sim';
import { StatusSchema, type Status } from '@euca2nova/model';
import { VERSION } from '../version.ts';

export const statusRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/status', { schema: { response: { 200: StatusSchema } } }, async () => {
    const { pool, kind } = app.runtime.stateDb;
    const [version, migrations] = await Promise.all([
      pool.query<{ server_version: string }>('SHOW server_version'),
      pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY run_on, id`),
    ]);
    return {
      version: VERSION,
      stateDatabase: {
        kind,
        serverVersion: version.rows[0]?.server_version ?? 'unknown',
        migrations: migrations.rows.map((r) => r.name),
      },
      eucalyptus: app.runtime.eucalyptus?.ec2Url
        ? { ec2Url: app.runtime.eucalyptus.ec2Url, configuredBy: 'EUCARC' as const }
        : null,
      demo: {
        nova: await describeDemoNova(app.runtime.demoNova),
        eucalyptus: describeDemoEucalyptus(app.runtime.demoEucalyptus),
      },
    };
  });
};

function describeDemoEucalyptus(sim: RunningSimulator | undefined): Status['demo']['eucalyptus'] {
  if (!sim) return null;
  const { users, instances, images } = sim.scenario;
  return {
    version: sim.eucaVersion,
    ec2Url: sim.urls.ec2,
    users: users.length,
    instances: instances.length,
    images: images.length,
  };
}

async function describeDemoNova(
  demo: { database: string; url: string } | undefined,
): Promise<{ database: string; tables: number } | null> {
  if (!demo) return null;
  const client = new pg.Client({ connectionString: demo.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    return { database: demo.database, tables: Number(rows[0]?.n ?? 0) };
  } finally {
    await client.end();
  }
}
