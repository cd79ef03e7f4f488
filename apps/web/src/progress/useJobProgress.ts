import { applyJobEvents, type JobEvent, type JobProgress } from '@euca2nova/model';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { jobProgressQuery } from '../api/jobs/jobs.ts';
import { followJob } from './socket.ts';

export interface LiveJobProgress {
  progress: JobProgress | undefined;
  /** `live` once subscribed; `connecting` while the socket is away (it comes back by itself). */
  connection: 'live' | 'connecting' | 'refused';
  connectionMessage: string | undefined;
  error: Error | null;
  isPending: boolean;
}

/** Events are applied at most this often, so a burst of thousands costs one render. */
const APPLY_EVERY_MS = 200;

/**
 * A job's progress, live: the server's snapshot (reduced up to its `asOfSeq`), then every event
 * after it from the socket, reduced with the same function the server used. A reload or a server
 * restart resumes from the snapshot and the socket's replay: nothing missed, nothing twice.
 */
export function useJobProgress(jobId: string): LiveJobProgress {
  const snapshot = useQuery(jobProgressQuery(jobId));
  // The live progress, tagged with the snapshot it grew from: a new snapshot starts over.
  const [live, setLive] = useState<{ from: JobProgress; progress: JobProgress } | undefined>();
  const [connection, setConnection] = useState<LiveJobProgress['connection']>('connecting');
  const [connectionMessage, setConnectionMessage] = useState<string | undefined>(undefined);
  const current = useRef<JobProgress | undefined>(undefined);

  useEffect(() => {
    const base = snapshot.data;
    if (base === undefined) return undefined;
    current.current = base;
    let pending: JobEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      timer = undefined;
      const now = current.current;
      if (now === undefined || pending.length === 0) return;
      const next = applyJobEvents(now, pending);
      pending = [];
      current.current = next;
      setLive({ from: base, progress: next });
    };
    const stop = followJob(jobId, {
      afterSeq: () => Math.max(current.current?.asOfSeq ?? 0, pending.at(-1)?.seq ?? 0),
      onEvents: (batch) => {
        pending.push(...batch.events);
        timer ??= setTimeout(flush, APPLY_EVERY_MS);
      },
      onState: (state, message) => {
        setConnection(state);
        setConnectionMessage(message);
      },
    });
    return () => {
      stop();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [jobId, snapshot.data]);

  return {
    progress: live !== undefined && live.from === snapshot.data ? live.progress : snapshot.data,
    connection,
    connectionMessage,
    error: snapshot.error,
    isPending: snapshot.isPending,
  };
}
