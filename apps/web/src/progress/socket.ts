import {
  decodeJobEventsBatch,
  type ClientToServerEvents,
  type JobEventsBatch,
  type JobSubscribeAck,
  type ServerToClientEvents,
} from '@euca2nova/model';
import { io, type Socket } from 'socket.io-client';

type ProgressSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: ProgressSocket | undefined;

/**
 * The one socket of this page, opened on first use. The handshake carries the session cookie,
 * which the server checks like any API call; socket.io reconnects by itself after a drop or a
 * server restart, and every subscriber then subscribes again after the last seq it applied.
 */
function progressSocket(): ProgressSocket {
  socket ??= io({ path: '/socket.io', transports: ['websocket'], withCredentials: true });
  return socket;
}

export interface FollowHandlers {
  /** The highest seq applied so far: a (re)subscription asks for what came after it. */
  afterSeq: () => number;
  onEvents: (batch: JobEventsBatch) => void;
  onState: (state: 'live' | 'connecting' | 'refused', message?: string) => void;
}

/** Follows one job's events until the returned function is called. */
export function followJob(jobId: string, handlers: FollowHandlers): () => void {
  const s = progressSocket();
  const onBatch = (wire: Parameters<ServerToClientEvents['job:events']>[0]): void => {
    const batch = decodeJobEventsBatch(wire);
    if (batch.jobId === jobId) handlers.onEvents(batch);
  };
  const subscribe = (): void => {
    s.emit('job:subscribe', { jobId, afterSeq: handlers.afterSeq() }, (ack: JobSubscribeAck) => {
      if (ack.ok) handlers.onState('live');
      else handlers.onState('refused', ack.message);
    });
  };
  const onDisconnect = (): void => {
    handlers.onState('connecting');
  };
  const onConnectError = (e: Error): void => {
    handlers.onState(
      'connecting',
      e.message === 'unauthorized' ? 'Your session has ended: sign in again.' : undefined,
    );
  };
  s.on('job:events', onBatch);
  s.on('connect', subscribe);
  s.on('disconnect', onDisconnect);
  s.on('connect_error', onConnectError);
  if (s.connected) subscribe();
  else handlers.onState('connecting');
  return () => {
    s.off('job:events', onBatch);
    s.off('connect', subscribe);
    s.off('disconnect', onDisconnect);
    s.off('connect_error', onConnectError);
    if (s.connected) s.emit('job:unsubscribe', { jobId });
  };
}
