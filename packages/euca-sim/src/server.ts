import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ec2ErrorReply } from './ec2.ts';
import type { Endpoint, FaultController } from './faults.ts';
import type { SimReply, SimRequest } from './http.ts';
import type { EucaVersion } from './scenario.ts';
import { renderXml } from './xml.ts';
import { s3Error } from './walrus.ts';

export type Handler = (req: SimRequest) => SimReply | Promise<SimReply>;

export type Routes = Partial<Record<Endpoint, Handler>> & {
  /** The test-only control endpoint under `/__sim/`, when enabled. */
  control?: Handler;
};

/** Service paths by emulated release (4.4 would add `/services/compute` and `/services/objectstorage`). */
export function servicePaths(version: EucaVersion): Record<Endpoint, string | undefined> {
  return {
    ec2: '/services/Eucalyptus',
    walrus: '/services/Walrus',
    accounts: '/services/Accounts',
    properties: '/services/Properties',
    euare: version === '2.0' ? undefined : '/services/Euare',
  };
}

const MAX_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function parseParams(
  rawQuery: string,
  body: Buffer,
  contentType: string | undefined,
): Map<string, string> {
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(rawQuery)) params.set(k, v);
  if (
    body.length > 0 &&
    (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')
  ) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  }
  return params;
}

function faultReply(
  endpoint: Endpoint,
  requestId: string,
  kind: 'error500' | 'error503' | 'throttle',
  resource: string,
): SimReply {
  const status = kind === 'error500' ? 500 : 503;
  if (endpoint === 'walrus') {
    const code =
      kind === 'throttle'
        ? 'SlowDown'
        : kind === 'error500'
          ? 'InternalError'
          : 'ServiceUnavailable';
    const message =
      kind === 'throttle'
        ? 'Please reduce your request rate.'
        : 'We encountered an internal error. Please try again.';
    return s3Error(status, code, message, resource, requestId);
  }
  if (endpoint === 'euare') {
    const code =
      kind === 'throttle'
        ? 'Throttling'
        : kind === 'error500'
          ? 'InternalFailure'
          : 'ServiceUnavailable';
    return {
      status: kind === 'throttle' ? 400 : status,
      headers: { 'content-type': 'text/xml' },
      body: renderXml(
        'ErrorResponse',
        {
          Error: {
            Type: kind === 'throttle' ? 'Sender' : 'Receiver',
            Code: code,
            Message: 'Rate exceeded or internal failure',
          },
          RequestId: requestId,
        },
        'https://iam.amazonaws.com/doc/2010-05-08/',
      ),
      errorCode: code,
    };
  }
  if (kind === 'throttle')
    return ec2ErrorReply(requestId, 'RequestLimitExceeded', 'Request limit exceeded.', 503);
  return ec2ErrorReply(
    requestId,
    kind === 'error500' ? 'InternalError' : 'Unavailable',
    kind === 'error500'
      ? 'An internal error has occurred'
      : 'The service is unavailable. Please try again shortly.',
    status,
  );
}

/** One answered request (logged before a streamed body is sent). */
export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  /** The query `Action`, or Walrus' `EucaOperation`. */
  action: string | undefined;
  status: number;
  errorCode?: string;
  ms: number;
}

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** One HTTP port serving every service path of the emulated release. */
export async function startHttpServer(
  version: EucaVersion,
  routes: Routes,
  faults: FaultController,
  host: string,
  port: number,
  onRequest?: (entry: RequestLogEntry) => void,
): Promise<RunningServer> {
  const paths = servicePaths(version);
  const match = (path: string): Endpoint | undefined => {
    for (const [ep, p] of Object.entries(paths) as [Endpoint, string | undefined][]) {
      if (p !== undefined && (path === p || path.startsWith(`${p}/`))) return ep;
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const started = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const body = await readBody(req);
    const simReq: SimRequest = {
      requestId,
      method: req.method ?? 'GET',
      path,
      rawQuery,
      headers: req.headers,
      body,
      params: parseParams(rawQuery, body, req.headers['content-type']),
      host: req.headers.host ?? '',
    };
    let reply: SimReply;
    let endpoint: Endpoint | undefined;
    if (path.startsWith('/__sim/') && routes.control) {
      reply = await routes.control(simReq);
    } else {
      endpoint = match(path);
      const handler = endpoint !== undefined ? routes[endpoint] : undefined;
      if (!endpoint || !handler) {
        reply = {
          status: 404,
          headers: { 'content-type': 'text/plain' },
          body: `No service at ${path}\n`,
        };
      } else {
        const delay = faults.latency(endpoint);
        if (delay > 0) await sleep(delay);
        const decision = faults.decide(endpoint);
        reply = decision ? faultReply(endpoint, requestId, decision, path) : await handler(simReq);
      }
    }
    onRequest?.({
      requestId,
      method: simReq.method,
      path,
      action:
        simReq.params.get('Action') ??
        (typeof req.headers['eucaoperation'] === 'string'
          ? req.headers['eucaoperation']
          : undefined),
      status: reply.status,
      ...(reply.errorCode !== undefined ? { errorCode: reply.errorCode } : {}),
      ms: Date.now() - started,
    });
    const headers: Record<string, string> = {
      'x-amz-request-id': requestId,
      ...(reply.headers ?? {}),
    };
    const b = reply.body;
    if (b === undefined || typeof b === 'string' || Buffer.isBuffer(b)) {
      const buf = b === undefined ? Buffer.alloc(0) : typeof b === 'string' ? Buffer.from(b) : b;
      headers['content-length'] ??= String(buf.length);
      res.writeHead(reply.status, headers);
      res.end(simReq.method === 'HEAD' ? undefined : buf);
      return;
    }
    res.writeHead(reply.status, headers);
    const length = Number(headers['content-length']);
    const cut =
      endpoint === 'walrus'
        ? faults.bodyTransform(
            () => req.socket.destroy(),
            Number.isInteger(length) ? length : undefined,
          )
        : undefined;
    const source: Readable = b;
    try {
      if (cut) await pipeline(source, cut, res);
      else await pipeline(source, res);
    } catch {
      // The client went away or a fault cut the connection: nothing more to send.
      source.destroy();
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`internal simulator error: ${err instanceof Error ? err.message : String(err)}\n`);
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
