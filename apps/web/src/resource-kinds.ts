import type { ResourceKind } from '@euca2nova/model';

/** The kinds of resource as the operator reads them, in the order the wizard lists them. */
export const KIND_ORDER: readonly ResourceKind[] = [
  'user',
  'keyPair',
  'securityGroup',
  'address',
  'image',
  'volume',
  'snapshot',
  'instance',
  'network',
];

export const KIND_LABELS: Readonly<Record<ResourceKind, { one: string; many: string }>> = {
  user: { one: 'user', many: 'Users' },
  keyPair: { one: 'key pair', many: 'Key pairs' },
  securityGroup: { one: 'security group', many: 'Security groups' },
  network: { one: 'network', many: 'Networks' },
  address: { one: 'elastic IP', many: 'Elastic IPs' },
  image: { one: 'image', many: 'Images' },
  volume: { one: 'volume', many: 'Volumes' },
  snapshot: { one: 'snapshot', many: 'Snapshots' },
  instance: { one: 'instance', many: 'Instances' },
};

export function isResourceKind(k: string): k is ResourceKind {
  return Object.hasOwn(KIND_LABELS, k);
}

/** "Images" for a known kind, the raw name otherwise. */
export function kindLabel(k: string): string {
  return isResourceKind(k) ? KIND_LABELS[k].many : k;
}

/** "image" for a known kind, the raw name otherwise. */
export function kindOne(k: string): string {
  return isResourceKind(k) ? KIND_LABELS[k].one : k;
}
