/**
 * The wizard's steps in order, with where each lives. The ids a step needs travel in its URL
 * (query or path), so a reload, a bookmark or a second tab lands on the same step with the same
 * data; `trail` remembers them so the stepper can link back to earlier steps.
 */
export enum StepId {
  Eucalyptus = 'eucalyptus',
  Nova = 'nova',
  Discover = 'discover',
  Choose = 'choose',
  Network = 'network',
  Review = 'review',
  Cutover = 'cutover',
  Progress = 'progress',
  Report = 'report',
}

export const STEP_ORDER: readonly StepId[] = [
  StepId.Eucalyptus,
  StepId.Nova,
  StepId.Discover,
  StepId.Choose,
  StepId.Network,
  StepId.Review,
  StepId.Cutover,
  StepId.Progress,
  StepId.Report,
];

export const STEP_LABELS: Readonly<Record<StepId, { label: string; description: string }>> = {
  [StepId.Eucalyptus]: { label: 'Eucalyptus', description: 'Source cloud' },
  [StepId.Nova]: { label: 'Nova', description: 'Target database' },
  [StepId.Discover]: { label: 'Discover', description: 'Read the cloud' },
  [StepId.Choose]: { label: 'Choose', description: 'What moves' },
  [StepId.Network]: { label: 'Network', description: 'Mode to manager' },
  [StepId.Review]: { label: 'Review', description: 'Plan and findings' },
  [StepId.Cutover]: { label: 'Cutover', description: 'Confirm' },
  [StepId.Progress]: { label: 'Progress', description: 'The run' },
  [StepId.Report]: { label: 'Report', description: 'Verified result' },
};

/** The ids the steps hand on to each other. */
export interface Trail {
  source?: string;
  target?: string;
  discovery?: string;
  inventory?: string;
  plan?: string;
  job?: string;
}

const q = (params: Record<string, string | undefined>): string => {
  const s = new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
  ).toString();
  return s === '' ? '' : `?${s}`;
};

/** The URL of a step for the ids at hand, or undefined when an id it needs is missing. */
export function stepPath(step: StepId, t: Trail): string | undefined {
  switch (step) {
    case StepId.Eucalyptus:
      return `/migrate/eucalyptus${q({ source: t.source })}`;
    case StepId.Nova:
      return t.source === undefined
        ? undefined
        : `/migrate/nova${q({ source: t.source, target: t.target })}`;
    case StepId.Discover:
      return t.source === undefined || t.target === undefined
        ? undefined
        : `/migrate/discover${q({ source: t.source, target: t.target, job: t.discovery })}`;
    case StepId.Choose:
      return t.inventory === undefined || t.target === undefined
        ? undefined
        : `/migrate/choose${q({ inventory: t.inventory, target: t.target })}`;
    case StepId.Network:
      return t.plan === undefined ? undefined : `/plans/${t.plan}/network`;
    case StepId.Review:
      return t.plan === undefined ? undefined : `/plans/${t.plan}/review`;
    case StepId.Cutover:
      return t.plan === undefined ? undefined : `/plans/${t.plan}/cutover`;
    case StepId.Progress:
      return t.job === undefined ? undefined : `/jobs/${t.job}`;
    case StepId.Report:
      return t.job === undefined ? undefined : `/jobs/${t.job}/report`;
  }
}
