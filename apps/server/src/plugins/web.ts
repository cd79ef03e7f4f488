import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/**
 * Serves the built wizard from `root`. Returns false, with a page that says how to build it, when
 * there is no build; the not-found handler then has no index.html to fall back to.
 */
export async function registerWeb(app: FastifyInstance, root: string = WEB_DIST): Promise<boolean> {
  if (!existsSync(`${root}/index.html`)) {
    app.log.warn(`No built web app in ${root}: run "npm run build" (npm start does it for you)`);
    app.get('/', async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send('The web app is not built. Run "npm run build", or start with "npm start".'),
    );
    return false;
  }
  await app.register(fastifyStatic, { root, wildcard: false });
  return true;
}
