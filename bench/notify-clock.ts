// When each batch of job events became visible: a process of its own that LISTENs on the job
// events channel and prints `<jobId>:<lastSeq> <Date.now()>` per notification. PostgreSQL delivers
// a notification when the appending transaction commits, so these are the commit times, taken away
// from the busy socket clients of progress-lag.bench.ts. Prints `listening` once it listens.
// Usage: node --import tsx notify-clock.ts <state database URL>
import pg from 'pg';
import { JOB_EVENTS_CHANNEL } from '@euca2nova/state';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: notify-clock.ts <state database URL>');
const client = new pg.Client({ connectionString: url });
let lines: string[] = [];
client.on('notification', (n) => {
  if (n.channel === JOB_EVENTS_CHANNEL && n.payload !== undefined)
    lines.push(`${n.payload} ${String(Date.now())}`);
});
// Written in chunks, so printing costs as little as it can while events arrive.
const flush = (): void => {
  if (lines.length === 0) return;
  process.stdout.write(`${lines.join('\n')}\n`);
  lines = [];
};
setInterval(flush, 200);
process.on('SIGTERM', () => {
  flush();
  void client.end().finally(() => process.exit(0));
});
await client.connect();
await client.query(`LISTEN ${JOB_EVENTS_CHANNEL}`);
process.stdout.write('listening\n');
