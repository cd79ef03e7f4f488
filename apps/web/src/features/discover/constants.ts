import type { JobStatus } from '@euca2nova/model';

/** What a discovery reads, as the operator reads it, in the order it reads them. */
export const DISCOVERY_RESOURCES: readonly { resource: string; label: string }[] = [
  { resource: 'users', label: 'Users and their keys' },
  { resource: 'availabilityZones', label: 'Availability zones' },
  { resource: 'images', label: 'Images' },
  { resource: 'manifests', label: 'Image manifests (sizes)' },
  { resource: 'instances', label: 'Instances' },
  { resource: 'volumes', label: 'Volumes' },
  { resource: 'snapshots', label: 'Snapshots' },
  { resource: 'addresses', label: 'Elastic IPs' },
  { resource: 'securityGroups', label: 'Security groups' },
  { resource: 'keyPairs', label: 'Key pairs' },
  { resource: 'perUser', label: 'Each user’s own resources' },
];

export function resourceLabel(resource: string): string {
  return DISCOVERY_RESOURCES.find((r) => r.resource === resource)?.label ?? resource;
}

/** Listing counts are named after the inventory's arrays. */
export const LISTING_COUNTS: readonly { key: string; label: string }[] = [
  { key: 'users', label: 'users' },
  { key: 'instances', label: 'instances' },
  { key: 'images', label: 'images' },
  { key: 'volumes', label: 'volumes' },
  { key: 'snapshots', label: 'snapshots' },
  { key: 'addresses', label: 'elastic IPs' },
];

export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** Severity by word first; the colours (with autoContrast text) meet WCAG AA on white. */
export const SEVERITY_STYLE = {
  error: { color: 'red.8', label: 'Error' },
  warning: { color: 'yellow.4', label: 'Warning' },
  info: { color: 'blue.8', label: 'Info' },
} as const;
