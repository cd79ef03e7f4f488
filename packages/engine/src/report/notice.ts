import type { IdMapEntry, Report, ResourceKind } from '@euca2nova/model';

/*
 * The message an operator sends each user after the cutover: what stays (their keys, their ids),
 * what to change (the EC2 endpoint), what moved. Plain text, so it pastes into any mail. Pure: it
 * reads the report and what the caller knows of the user's credentials, never a secret key.
 */

/** Written where the operator did not say where Nova's EC2 API answers. */
export const EC2_URL_PLACEHOLDER = "<Nova's EC2 URL>";

/** Changed ids the notice lists one by one; the rest are counted. */
export const NOTICE_LIST_LIMIT = 50;

/** What the notice says about signing in, from the inventory (ids only, never a secret key). */
export interface NoticeCredentials {
  /** The access key Nova keeps for the user (Nova keeps one per user). */
  readonly accessKeyId: string | null;
  /** Whether that key's secret key was read, so the old secret key works in Nova. */
  readonly secretKept: boolean;
  /** The Nova project the user works in. */
  readonly project: string;
  /**
   * A 3.x user who is not the account's `admin` reaches the account's project in Nova only with
   * the project appended to the access key (`user.project-suffix-needed`).
   */
  readonly projectSuffixNeeded: boolean;
}

export interface UserNoticeInput {
  readonly report: Report;
  /** The user's key as the id map names it (`account/user` in 3.x). */
  readonly user: string;
  /** The user's entries in the id map (their own included). */
  readonly entries: readonly IdMapEntry[];
  /** Unknown (the inventory is gone): the notice says the keys stay without naming them. */
  readonly credentials?: NoticeCredentials;
  readonly ec2Url?: string;
}

/** The name part of an `owner/name` id: what EC2 shows of a key pair or a group. */
function nameOf(id: string, prefix: string | undefined): string {
  if (prefix !== undefined && id.startsWith(`${prefix}/`)) return id.slice(prefix.length + 1);
  const slash = id.indexOf('/');
  return slash < 0 ? id : id.slice(slash + 1);
}

/**
 * Whether the user sees this id change. EC2 ids (instances, volumes, images, addresses) are what
 * scripts hold, so any difference counts, case included. Key pairs and groups are known by name,
 * which stays: only the project part of the plan's id changes (3.x accounts become numbered
 * projects). A user's own entry changes nothing they type: they sign in with their access key.
 * Networks have no id a user sees.
 */
export function userSeesIdChange(entry: IdMapEntry): boolean {
  switch (entry.kind) {
    case 'user':
    case 'network':
      return false;
    case 'keyPair':
    case 'securityGroup':
      return nameOf(entry.sourceId, entry.owner) !== nameOf(entry.targetId, undefined);
    default:
      return entry.sourceId !== entry.targetId;
  }
}

const KIND_WORDS: Readonly<Record<ResourceKind, readonly [string, string]>> = {
  user: ['user', 'users'],
  keyPair: ['key pair', 'key pairs'],
  securityGroup: ['security group', 'security groups'],
  network: ['network', 'networks'],
  address: ['elastic IP address', 'elastic IP addresses'],
  image: ['image', 'images'],
  volume: ['volume', 'volumes'],
  snapshot: ['snapshot', 'snapshots'],
  instance: ['instance', 'instances'],
};

/** Reading order for people: what they run first, what it needs after. */
const COUNT_ORDER: readonly ResourceKind[] = [
  'instance',
  'volume',
  'image',
  'address',
  'keyPair',
  'securityGroup',
  'snapshot',
  'network',
];

const counted = (n: number, kind: ResourceKind): string =>
  `${String(n)} ${KIND_WORDS[kind][n === 1 ? 0 : 1]}`;

function andList(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1) ?? ''}`;
}

/** What moved of the user's, per kind, their own entry not counted. */
export function userCounts(entries: readonly IdMapEntry[]): Partial<Record<ResourceKind, number>> {
  const counts: Partial<Record<ResourceKind, number>> = {};
  for (const e of entries) if (e.kind !== 'user') counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  return counts;
}

/** The notice for one user, as plain text lines joined with `\n`. */
export function renderUserNotice(input: UserNoticeInput): string {
  const { report, user, entries, credentials } = input;
  const ec2Url = input.ec2Url ?? report.target.ec2Endpoint ?? EC2_URL_PLACEHOLDER;
  const counts = userCounts(entries);
  const changed = entries.filter(userSeesIdChange);
  const caseOnly = changed.filter((e) => e.sourceId.toLowerCase() === e.targetId.toLowerCase());
  const renamed = changed.filter((e) => e.sourceId.toLowerCase() !== e.targetId.toLowerCase());
  const verification = report.verification.users.find((u) => u.user === user);
  const lines: string[] = [];
  const para = (...text: string[]): void => {
    if (lines.length > 0) lines.push('');
    lines.push(...text);
  };

  para('Subject: Your cloud now runs on OpenStack Nova');
  para(`Hello ${user},`);
  const moved = COUNT_ORDER.flatMap((k) => {
    const n = counts[k];
    return n === undefined ? [] : [counted(n, k)];
  });
  para(
    `The cloud you used through Eucalyptus (${report.source.endpoint}) now runs on OpenStack Nova. Your account moved with it${moved.length === 0 ? '.' : `, and so did your resources: ${andList(moved)}.`}`,
  );

  const stays: string[] = [];
  const change = [
    `- Point your EC2 tools (euca2ools, scripts, SDKs) at Nova's EC2 endpoint: set EC2_URL=${ec2Url} in your eucarc or your environment.`,
  ];
  if (credentials === undefined) {
    stays.push('- Your access key ID and your secret key: keep using them.');
  } else if (credentials.accessKeyId !== null) {
    const id = credentials.accessKeyId;
    if (credentials.secretKept) {
      stays.push(`- Your access key ID (${id}) and your secret key: keep using them.`);
    } else {
      stays.push(`- Your access key ID (${id}).`);
      change.push(
        '- Your secret key could not be carried over: you will receive a new one separately. Until then your old credentials do not work in Nova.',
      );
    }
    if (credentials.projectSuffixNeeded)
      change.push(
        `- Add your project to your access key, so that Nova lets you into your account's resources: set EC2_ACCESS_KEY=${id}:${credentials.project}`,
      );
  }
  if (stays.length > 0) para('What stays the same:', ...stays);
  para('What to change:', ...change);

  if (changed.length === 0) {
    para(
      'Your instances, volumes, images, addresses, key pairs and security groups keep their ids.',
    );
  } else {
    para(
      'Your instances, volumes, images, addresses, key pairs and security groups keep their ids, except:',
    );
    if (renamed.length > 0) {
      lines.push(
        ...renamed
          .slice(0, NOTICE_LIST_LIMIT)
          .map((e) => `- ${KIND_WORDS[e.kind][0]} ${e.sourceId} is now ${e.targetId}`),
      );
      if (renamed.length > NOTICE_LIST_LIMIT)
        lines.push(
          `- and ${String(renamed.length - NOTICE_LIST_LIMIT)} more (the operator has the full list).`,
        );
    }
    const example = caseOnly[0];
    if (example !== undefined)
      lines.push(
        `- ${caseOnly.length === 1 ? 'one id is' : `${String(caseOnly.length)} ids are`} now written in lower case (for example ${example.sourceId} is now ${example.targetId}). Most tools ignore the case of ids; a script that compares them exactly needs the new form.`,
      );
  }

  if (verification?.result === 'differing')
    para(
      `We compared what Nova shows you with what Eucalyptus showed you and found ${verification.differences.length === 1 ? '1 difference' : `${String(verification.differences.length)} differences`}. We are looking into it and will tell you when it is settled.`,
    );
  return lines.join('\n');
}
