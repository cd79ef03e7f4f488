import type { PlanSummary } from '@euca2nova/model';
import { formatCount, plural } from '../../format.ts';
import { KIND_ORDER, kindWords } from '../../resource-kinds.ts';

export interface ChecklistItem {
  id: string;
  label: string;
  detail?: string;
}

const count = (plan: PlanSummary, kind: string, action: string): number =>
  plan.counts[kind]?.[action] ?? 0;

const sum = (plan: PlanSummary, action: string): number =>
  Object.values(plan.counts).reduce((n, c) => n + (c[action] ?? 0), 0);

/** What the run does, in the plan's own numbers. */
export function whatHappens(plan: PlanSummary): ChecklistItem[] {
  const rows = KIND_ORDER.filter((k) => k !== 'image' && count(plan, k, 'create') > 0).map(
    (k) => `${formatCount(count(plan, k, 'create'))} ${kindWords(k, count(plan, k, 'create'))}`,
  );
  const images = count(plan, 'image', 'create');
  const identical = sum(plan, 'skip-identical');
  const left = sum(plan, 'conflict') + sum(plan, 'unsupported');
  const imagesPath = plan.settings?.imagesPath;
  const items: ChecklistItem[] = [
    {
      id: 'nova-db',
      label: `Nova's database gets ${rows.length === 0 ? 'no new row' : rows.join(', ')}${rows.length > 0 && count(plan, 'user', 'create') > 0 ? ' (each user with its project)' : ''}.`,
      detail:
        'Ids are kept as the plan shows them. Rows already in Nova are never changed: identical ones are skipped.',
    },
    {
      id: 'image-store',
      label: `Nova's image store gets ${plural(images, 'image')}${typeof imagesPath === 'string' ? ` under ${imagesPath}` : ''}.`,
      detail: 'Copied from Walrus; an interrupted copy continues where it stopped.',
    },
    {
      id: 'eucalyptus-untouched',
      label: 'Nothing is deleted or changed in Eucalyptus: it is only read.',
    },
  ];
  const parts = [
    identical === 0
      ? undefined
      : `${plural(identical, 'item')} already in Nova as ${identical === 1 ? 'it' : 'they'} would be written ${identical === 1 ? 'is' : 'are'} skipped`,
    left === 0
      ? undefined
      : `${plural(left, 'item')} ${left === 1 ? 'is' : 'are'} left out (conflicts, and what is not migrated: see the review)`,
  ].filter((p) => p !== undefined);
  if (parts.length > 0) items.push({ id: 'left-out', label: `${parts.join('; ')}.` });
  return items;
}

/** What the operator does on the Eucalyptus side, before and after the run. */
export const BEFORE_THE_RUN: readonly ChecklistItem[] = [
  {
    id: 'freeze',
    label:
      'The cloud is frozen: users have been told, and their changes are stopped (no new instances, volumes, images, keys or addresses), so what is copied is final.',
    detail: 'Anything changed in Eucalyptus after the run has started may not reach Nova.',
  },
];

export const AFTER_THE_RUN: readonly ChecklistItem[] = [
  {
    id: 'stop-eucalyptus',
    label:
      'After the run, I will stop Eucalyptus (the cloud, cluster and node controllers, and Walrus).',
  },
  {
    id: 'nova-conf',
    label: 'I will set the nova.conf network flags from the Network step on the Nova hosts.',
  },
  {
    id: 'start-nova',
    label:
      "I will start Nova's services (nova-api, nova-scheduler, nova-network, nova-compute, nova-volume, nova-objectstore).",
  },
  {
    id: 'notify',
    label: 'I will send each user the notice from the report: what changed for them, if anything.',
  },
];
