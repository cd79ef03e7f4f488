import { hostname } from 'node:os';

/** This process, as recorded in `jobs.owner`. */
export const OWNER = `${hostname()}:${String(process.pid)}`;

/** The recorded owner ran on this host and its process is gone (killed, crashed). */
export function ownerIsGone(owner: string | null): boolean {
  if (owner === null) return true;
  const at = owner.lastIndexOf(':');
  if (owner.slice(0, at) !== hostname()) return false;
  try {
    process.kill(Number(owner.slice(at + 1)), 0);
    return false;
  } catch (e) {
    return (e as { code?: string }).code === 'ESRCH';
  }
}
