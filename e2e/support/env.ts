import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * Where the stack under test lives; read by playwright.config.ts and by the specs' helpers, so
 * both agree without passing values around.
 */
// Below Linux's ephemeral range (32768-60999), so no outgoing connection holds a port we need.
export const E2E_PORT = Number(process.env.E2E_PORT ?? 29780);
export const BASE_URL = `http://127.0.0.1:${String(E2E_PORT)}/`;
/** A fresh data folder per run: the server creates its embedded PostgreSQL there. */
export const DATA_DIR = join(tmpdir(), `euca2nova-e2e-${String(E2E_PORT)}`);
/** The embedded PostgreSQL's port, fixed so the specs can create Nova databases beside the demo. */
export const PG_PORT = E2E_PORT + 1;
/** A second, simulated Eucalyptus 2.0 (the server's own demo is 3.4). */
export const SIM20_PORT = E2E_PORT + 2;
export const SIM20_DIR = join(tmpdir(), `euca2nova-e2e-${String(E2E_PORT)}-sim20`);
export const SIM20_EC2_URL = `http://127.0.0.1:${String(SIM20_PORT)}/services/Eucalyptus`;
export const OPERATOR_PASSWORD = 'an e2e operator password';
/** Saved sign-in of the setup project, reused by the wizard specs. */
export const STORAGE_STATE = join(import.meta.dirname, '..', 'artifacts', '.auth', 'operator.json');
