// The API handler's guards against answers that parse but are not the action's (an HTML page or
// an error body sent with 200: the SDK would read either as an empty answer, and a discovery would
// silently miss everything) and against answers trickled forever (slow-loris).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest } from '@smithy/protocol-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedHttpHandler, SourceError } from '../src/index.ts';
import { rootElement } from '../src/http.ts';

let server: Server;
let port = 0;
const answers: Record<string, (res: ServerResponse) => void> = {
  '/ok': (res) =>
    res.end(
      '<?xml version="1.0"?><!-- hi --><DescribeRegionsResponse><regionInfo/></DescribeRegionsResponse>',
    ),
  '/prefixed': (res) => res.end('<ec2:DescribeRegionsResponse xmlns:ec2="x"/>'),
  '/html': (res) => res.end('<html><body>502 Bad Gateway</body></html>'),
  '/error200': (res) =>
    res.end('<Response><Errors><Error><Code>InternalError</Code></Error></Errors></Response>'),
  '/junk': (res) => {
    res.end(Buffer.from([0, 1, 2, 200, 255]));
  },
  '/error400': (res) => {
    res.statusCode = 400;
    res.end('<Response><Errors><Error><Code>AuthFailure</Code></Error></Errors></Response>');
  },
  '/redirect': (res) => {
    res.writeHead(307, { location: 'http://169.254.169.254/latest/' });
    res.end();
  },
  '/trickle': (res) => {
    res.writeHead(200);
    const t = setInterval(() => {
      res.write(' ');
    }, 100);
    res.on('close', () => {
      clearInterval(t);
    });
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    (answers[req.url ?? ''] ?? ((r) => r.end()))(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function ask(path: string, handler = new GuardedHttpHandler()): Promise<number> {
  try {
    const { response } = await handler.handle(
      new HttpRequest({
        protocol: 'http:',
        hostname: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=DescribeRegions&Version=2016-11-15',
      }),
    );
    return response.statusCode;
  } finally {
    handler.destroy();
  }
}

describe('GuardedHttpHandler', () => {
  it("takes the action's own answer, with a declaration, comments or a namespace prefix", async () => {
    expect(await ask('/ok')).toBe(200);
    expect(await ask('/prefixed')).toBe(200);
  });

  it.each([
    ['/html', /answered with <html> instead of <DescribeRegionsResponse>/],
    ['/error200', /answered with <Response> instead of <DescribeRegionsResponse> \(HTTP 200\)/],
    ['/junk', /answered with something that is not XML/],
  ])('refuses %s sent with 200 as malformed, naming what came', async (path, message) => {
    const e = await ask(path).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SourceError);
    expect((e as SourceError).code).toBe('malformed');
    expect((e as SourceError).message).toMatch(message);
  });

  it('refuses a redirect instead of following it, naming where it pointed', async () => {
    const e = await ask('/redirect').catch((err: unknown) => err);
    expect((e as SourceError).code).toBe('malformed');
    expect((e as SourceError).message).toMatch(
      /answered with a redirect \(HTTP 307 to http:\/\/169\.254\.169\.254\/latest\/\), which euca2nova does not follow/,
    );
  });

  it('leaves an error status to the SDK (it reads the error code)', async () => {
    expect(await ask('/error400')).toBe(400);
  });

  it('abandons an answer that trickles past its deadline, though bytes keep coming', async () => {
    const t0 = Date.now();
    const e = await ask('/trickle', new GuardedHttpHandler({ responseTimeoutMs: 500 })).catch(
      (err: unknown) => err,
    );
    expect((e as SourceError).code).toBe('unreachable');
    expect((e as SourceError).message).toMatch(/did not finish within 1 s \(\d+ bytes arrived\)/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('finds the root element', () => {
    expect(rootElement('\uFEFF <?xml version="1.0"?>\n<!-- a --><a:B x="1">')).toBe('a:B');
    expect(rootElement('junk')).toBeUndefined();
  });
});
