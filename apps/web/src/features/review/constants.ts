import type { PlanAction, Severity } from '@euca2nova/model';
import type { Tone } from '../../components/StatusBadge.tsx';

export const ACTION_INFO: Readonly<
  Record<PlanAction, { label: string; column: string; tone: Tone; help: string }>
> = {
  create: {
    label: 'Create',
    column: 'Create',
    tone: 'info',
    help: 'written into Nova',
  },
  'skip-identical': {
    label: 'Already in Nova',
    column: 'Already in Nova',
    tone: 'neutral',
    help: 'already in Nova exactly as it would be written: left as it is',
  },
  conflict: {
    label: 'Conflict',
    column: 'Conflict',
    tone: 'error',
    help: 'already in Nova with different data: cannot be written',
  },
  unsupported: {
    label: 'Not migrated',
    column: 'Not migrated',
    tone: 'warn',
    help: 'reported, not migrated (the findings say why)',
  },
};

export const SEVERITY_INFO: Readonly<
  Record<Severity, { title: string; lead: string; tone: Tone; label: string }>
> = {
  error: {
    title: 'Errors',
    lead: 'Each blocks the cutover until it is resolved.',
    tone: 'error',
    label: 'Error: blocks the cutover',
  },
  warning: {
    title: 'Warnings',
    lead: 'Read each one and acknowledge it to continue.',
    tone: 'warn',
    label: 'Warning: acknowledge to continue',
  },
  info: {
    title: 'For your information',
    lead: 'Nothing to do.',
    tone: 'info',
    label: 'Information',
  },
};

/** Why a dependency came along, as "needed by <kind> <id> as its …". */
export const RELATION_LABELS: Readonly<Record<string, string>> = {
  owner: 'as its owner',
  image: 'as its image',
  kernel: 'as its kernel',
  ramdisk: 'as its ramdisk',
  'key-pair': 'as its key pair',
  'security-group': 'as its security group',
  'granted-group': 'as a group its rules grant access to',
  'attached-volume': 'as a volume attached to it',
  'associated-address': 'as the address associated with it',
  'source-volume': 'as the volume it was taken from',
  'source-snapshot': 'as the snapshot it was made from',
};
