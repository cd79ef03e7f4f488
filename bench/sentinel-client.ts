// One more socket client, in a process of its own, for progress-lag.bench.ts: it subscribes after
// the CLIENTS others, so it is the last listener the server serves, and nothing else in its
// process delays its receipt times (like a browser following the job alone). Prints
// `subscribed <replayedTo>` once subscribed, then `<seq> <at ms> <receipt ms> <type>` per event.
// Usage: BENCH_COOKIE='euca2nova_session=…' node --import tsx sentinel-client.ts <url> <jobId>
import { io, type Socket } from 'socket.io-client';
import {
  decodeJobEventsBatch,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@euca2nova/model';

const [url, jobId] = process.argv.slice(2);
const cookie = process.env.BENCH_COOKIE;
if (url === undefined || jobId === undefined || cookie === undefined)
  throw new Error('usage: BENCH_COOKIE=… sentinel-client.ts <url> <jobId>');

const client: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
  transports: ['websocket'],
  extraHeaders: { cookie },
  reconnection: false,
  forceNew: true,
});
let lines: string[] = [];
client.on('job:events', (wire) => {
  const now = Date.now();
  const batch = decodeJobEventsBatch(wire);
  if (batch.jobId !== jobId) return;
  for (const e of batch.events)
    lines.push(`${String(e.seq)} ${String(Date.parse(e.at))} ${String(now)} ${e.type}`);
});
const flush = (): void => {
  if (lines.length === 0) return;
  process.stdout.write(`${lines.join('\n')}\n`);
  lines = [];
};
setInterval(flush, 200);
process.on('SIGTERM', () => {
  flush();
  client.disconnect();
  process.exit(0);
});
client.on('connect_error', (e) => {
  process.stderr.write(`sentinel: could not connect: ${e.message}\n`);
  process.exit(1);
});
client.on('connect', () => {
  void client.emitWithAck('job:subscribe', { jobId, afterSeq: 0 }).then((ack) => {
    if (!ack.ok) {
      process.stderr.write(`sentinel: subscribe refused: ${ack.message}\n`);
      process.exit(1);
    }
    flush();
    process.stdout.write(`subscribed ${String(ack.replayedTo)}\n`);
  });
});
