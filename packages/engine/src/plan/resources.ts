import { createHash } from 'node:crypto';
import {
  userKey,
  type Address,
  type Image,
  type Instance,
  type Inventory,
  type KeyPair,
  type Owner,
  type ResourceKind,
  type SecurityGroup,
  type Snapshot,
  type User,
  type Volume,
} from '@euca2nova/model';
import { novaProjectIdOf, novaUserIdOf, projectOfOwner } from '@euca2nova/nova';

/** One thing of the inventory, as the plan names it. Networks are derived, so not here. */
export type Resource =
  | { readonly kind: 'user'; readonly value: User }
  | { readonly kind: 'keyPair'; readonly value: KeyPair }
  | { readonly kind: 'securityGroup'; readonly value: SecurityGroup }
  | { readonly kind: 'address'; readonly value: Address }
  | { readonly kind: 'image'; readonly value: Image }
  | { readonly kind: 'volume'; readonly value: Volume }
  | { readonly kind: 'snapshot'; readonly value: Snapshot }
  | { readonly kind: 'instance'; readonly value: Instance };

export interface ResourceRef {
  readonly kind: Exclude<ResourceKind, 'network'>;
  /** The plan item's `sourceId` (see PlanItemSchema). */
  readonly sourceId: string;
  /** `userKey` of the owning user, when one is known. */
  readonly owner: string | undefined;
  /** The Nova project the item lands in, when its owner is known. */
  readonly project: string | undefined;
  readonly resource: Resource;
}

/** Plan items are unique by kind and case-insensitive source id (PlanSchema). */
export function itemKey(kind: ResourceKind, sourceId: string): string {
  return `${kind}\u0000${sourceId.toLowerCase()}`;
}

/**
 * `owner/name` ids can exceed the 255 characters a plan item allows (names alone may have
 * 255): long ones are cut and given a hash of the whole, so they stay unique and stable.
 */
export function boundedId(id: string): string {
  if (id.length <= 255) return id;
  return `${id.slice(0, 238)}~${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
}

/** Shown in place of an owner nobody could name, e.g. `(unknown)/mykey`. */
export const UNKNOWN_OWNER = '(unknown)';

const lower = (s: string): string => s.toLowerCase();
const pair = (project: string, name: string): string => `${project}\u0000${name}`;

function listIn<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  return list;
}

/**
 * Lookups the planner needs over one inventory, built once: owners, key pairs and groups by
 * (project, name), images and instances by id, volumes and addresses by instance.
 */
export class InventoryIndex {
  readonly inventory: Inventory;
  /** Every resource in inventory order, first of each item key only. */
  readonly refs: readonly ResourceRef[];
  /** Resources whose item key an earlier resource already had (see `selection.duplicate-item`). */
  readonly duplicates: readonly ResourceRef[];
  private readonly byKey = new Map<string, ResourceRef>();
  private readonly usersByName = new Map<string, User[]>();
  private readonly usersByProject = new Map<string, User[]>();
  private readonly userByNovaId = new Map<string, ResourceRef>();
  private readonly keyPairs = new Map<string, ResourceRef>();
  private readonly groups = new Map<string, ResourceRef>();
  private readonly volumesByInstance = new Map<string, ResourceRef[]>();
  private readonly addressesByInstance = new Map<string, ResourceRef[]>();

  constructor(inventory: Inventory) {
    this.inventory = inventory;
    for (const u of inventory.users) {
      listIn(this.usersByName, u.userName).push(u);
      listIn(this.usersByProject, novaProjectIdOf(u)).push(u);
    }
    const refs: ResourceRef[] = [];
    const duplicates: ResourceRef[] = [];
    const add = (ref: ResourceRef): boolean => {
      const key = itemKey(ref.kind, ref.sourceId);
      if (this.byKey.has(key)) {
        duplicates.push(ref);
        return false;
      }
      this.byKey.set(key, ref);
      refs.push(ref);
      return true;
    };
    const owned = (
      owner: Owner | undefined,
    ): { owner: string | undefined; project: string | undefined } => ({
      owner: this.ownerKey(owner),
      project: projectOfOwner(owner, inventory),
    });
    for (const value of inventory.users) {
      const ref: ResourceRef = {
        kind: 'user',
        sourceId: userKey(value),
        owner: undefined,
        project: novaProjectIdOf(value),
        resource: { kind: 'user', value },
      };
      if (add(ref)) this.userByNovaId.set(novaUserIdOf(value), ref);
    }
    for (const value of inventory.keyPairs) {
      const o = owned(value.owner);
      const ref: ResourceRef = {
        kind: 'keyPair',
        sourceId: boundedId(`${o.owner ?? UNKNOWN_OWNER}/${value.keyName}`),
        ...o,
        resource: { kind: 'keyPair', value },
      };
      if (add(ref) && o.project !== undefined)
        this.keyPairs.set(pair(o.project, value.keyName), ref);
    }
    for (const value of inventory.securityGroups) {
      const o = owned(value.owner);
      const ref: ResourceRef = {
        kind: 'securityGroup',
        sourceId: boundedId(`${o.owner ?? UNKNOWN_OWNER}/${value.groupName}`),
        ...o,
        resource: { kind: 'securityGroup', value },
      };
      if (add(ref) && o.project !== undefined)
        this.groups.set(pair(o.project, value.groupName), ref);
    }
    for (const value of inventory.addresses) {
      const ref: ResourceRef = {
        kind: 'address',
        sourceId: value.publicIp,
        ...owned(value.owner),
        resource: { kind: 'address', value },
      };
      if (add(ref) && value.state === 'associated' && value.instanceId !== undefined) {
        listIn(this.addressesByInstance, lower(value.instanceId)).push(ref);
      }
    }
    for (const value of inventory.images) {
      add({
        kind: 'image',
        sourceId: value.imageId,
        ...owned(value.owner),
        resource: { kind: 'image', value },
      });
    }
    for (const value of inventory.volumes) {
      const ref: ResourceRef = {
        kind: 'volume',
        sourceId: value.volumeId,
        ...owned(value.owner),
        resource: { kind: 'volume', value },
      };
      if (!add(ref)) continue;
      for (const a of value.attachments) {
        if (a.status !== 'attached' && a.status !== 'attaching') continue;
        listIn(this.volumesByInstance, lower(a.instanceId)).push(ref);
      }
    }
    for (const value of inventory.snapshots) {
      add({
        kind: 'snapshot',
        sourceId: value.snapshotId,
        ...owned(value.owner),
        resource: { kind: 'snapshot', value },
      });
    }
    for (const value of inventory.instances) {
      add({
        kind: 'instance',
        sourceId: value.instanceId,
        ...owned(value.owner),
        resource: { kind: 'instance', value },
      });
    }
    this.refs = refs;
    this.duplicates = duplicates;
  }

  get(kind: ResourceKind, sourceId: string): ResourceRef | undefined {
    return this.byKey.get(itemKey(kind, sourceId));
  }

  /**
   * The user an owner names: by user name within its project, else (3.x, account only) the
   * user whose Nova id is the project's (the account's `admin`), else the account's first user.
   */
  ownerUser(owner: Owner | undefined): User | undefined {
    const project = projectOfOwner(owner, this.inventory);
    if (owner === undefined || project === undefined) return undefined;
    if (owner.userName !== undefined) {
      return (this.usersByName.get(owner.userName) ?? []).find(
        (u) => novaProjectIdOf(u) === project,
      );
    }
    const members = this.usersByProject.get(project) ?? [];
    return members.find((u) => novaUserIdOf(u) === project) ?? members[0];
  }

  /** `userKey` of an owner's user; the project id when no user of the inventory matches. */
  ownerKey(owner: Owner | undefined): string | undefined {
    const u = this.ownerUser(owner);
    if (u !== undefined) return userKey(u);
    return projectOfOwner(owner, this.inventory);
  }

  ownerRef(owner: Owner | undefined): ResourceRef | undefined {
    const u = this.ownerUser(owner);
    return u === undefined ? undefined : this.get('user', userKey(u));
  }

  userByNovaUserId(novaUserId: string): ResourceRef | undefined {
    return this.userByNovaId.get(novaUserId);
  }

  keyPair(project: string, name: string): ResourceRef | undefined {
    return this.keyPairs.get(pair(project, name));
  }

  securityGroup(project: string, name: string): ResourceRef | undefined {
    return this.groups.get(pair(project, name));
  }

  volumesAttachedTo(instanceId: string): readonly ResourceRef[] {
    return this.volumesByInstance.get(lower(instanceId)) ?? [];
  }

  addressesAssociatedWith(instanceId: string): readonly ResourceRef[] {
    return this.addressesByInstance.get(lower(instanceId)) ?? [];
  }
}
