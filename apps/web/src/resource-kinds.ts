import { RESOURCE_KINDS, type ResourceKind } from '@euca2nova/model';

/** The kinds of resource in the order the wizard lists them (the model's order). */
export const KIND_ORDER: readonly ResourceKind[] = RESOURCE_KINDS;

/** Each kind in words: one, many. */
const WORDS: Readonly<Record<ResourceKind, readonly [string, string]>> = {
  user: ['user', 'users'],
  keyPair: ['key pair', 'key pairs'],
  securityGroup: ['security group', 'security groups'],
  network: ['network', 'networks'],
  address: ['elastic IP', 'elastic IPs'],
  image: ['image', 'images'],
  volume: ['volume', 'volumes'],
  snapshot: ['snapshot', 'snapshots'],
  instance: ['instance', 'instances'],
};

export function isResourceKind(k: string): k is ResourceKind {
  return Object.hasOwn(WORDS, k);
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** "key pair" or "key pairs" for a count, in a sentence; the raw name for an unknown kind. */
export function kindWords(k: string, n: number): string {
  return isResourceKind(k) ? WORDS[k][n === 1 ? 0 : 1] : k;
}

/** "key pair", in a sentence. */
export function kindOne(k: string): string {
  return kindWords(k, 1);
}

/** "Key pairs": a heading, a tab, a row of counts. */
export function kindLabel(k: string): string {
  return capital(kindWords(k, 2));
}

/** "Key pair": one item's kind in a table cell. */
export function kindTitle(k: string): string {
  return capital(kindWords(k, 1));
}
