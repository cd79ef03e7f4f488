import { InventorySchema, type Inventory, type PlanMappings } from '@euca2nova/model';
import { NovaTargetError, type Db } from './db.ts';
import { assertWritableBexar, inspectWithClient } from './inspect.ts';
import { planIds } from './identity.ts';
import { planNetwork } from './network.ts';
import type { WriteOptions } from './upsert.ts';
import { withDb } from './upsert.ts';
import {
  writeFloatingIps,
  writeInstances,
  writeKeyPairs,
  writeNetworks,
  writeSecurityGroups,
  writeUsers,
  writeVolumes,
  type KindWriteResult,
  type NovaWriteInput,
} from './writers.ts';

/** The derived input of every writer: id plan and network plan for an inventory. */
export function prepareWriteInput(
  inventory: Inventory,
  mappings: PlanMappings,
  hosts: NovaWriteInput['hosts'],
): NovaWriteInput {
  // Untrusted input: validated (ids, names, addresses) before anything reaches SQL or a path.
  const parsed = InventorySchema.safeParse(inventory);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new NovaTargetError(
      'invalid-inventory',
      `The inventory is not valid: ${first === undefined ? 'unknown problem' : `${first.path.join('.')}: ${first.message}`}${parsed.error.issues.length > 1 ? ` (and ${String(parsed.error.issues.length - 1)} more)` : ''}.`,
    );
  }
  const ids = planIds(inventory, mappings.largeIdStrategy);
  const network = planNetwork(inventory, mappings, { networkHost: hosts.network, ids });
  return { inventory, mappings, ids, network, hosts };
}

/** Every database writer in dependency order (images are written separately, by stream). */
export async function writeAllRows(
  target: Db | string,
  input: NovaWriteInput,
  options: WriteOptions = {},
): Promise<Record<string, KindWriteResult>> {
  return withDb(target, async (db) => {
    // Never assume the target: a wrong database, version or role stops here, before any write.
    assertWritableBexar(await inspectWithClient(db));
    const out: Record<string, KindWriteResult> = {};
    out.users = await writeUsers(db, input.inventory, options);
    out.keyPairs = await writeKeyPairs(db, input.inventory, options);
    out.securityGroups = await writeSecurityGroups(db, input.inventory, options);
    out.networks = await writeNetworks(db, input.network, options);
    out.instances = await writeInstances(db, input, options);
    out.floatingIps = await writeFloatingIps(db, input, options);
    out.volumes = await writeVolumes(db, input, options);
    return out;
  });
}
