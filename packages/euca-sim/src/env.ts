import type { EucaVersion, Scenario, SimSecurityGroup, SimUser, SimVolume } from './scenario.ts';

export interface SimUrls {
  ec2: string;
  s3: string;
  /** 2.0's `/services/Accounts`. */
  accounts: string;
  /** 3.4's `/services/Euare`. */
  euare?: string;
}

/** Everything the service handlers share. */
export interface SimEnv {
  scenario: Scenario;
  version: EucaVersion;
  urls: SimUrls;
  userByAccessKey: Map<string, SimUser>;
  userByName: Map<string, SimUser>;
  /** Volumes attached to each instance. */
  volumesByInstance: Map<string, SimVolume[]>;
  /** Security groups by `owner\u0000name`. */
  groupByOwnerName: Map<string, SimSecurityGroup>;
}

export function createEnv(scenario: Scenario, urls: SimUrls): SimEnv {
  return {
    scenario,
    version: scenario.eucaVersion,
    urls,
    userByAccessKey: new Map(scenario.users.map((u) => [u.accessKey, u])),
    userByName: new Map(scenario.users.map((u) => [u.name, u])),
    volumesByInstance: volumesByInstance(scenario.volumes),
    groupByOwnerName: new Map(scenario.securityGroups.map((g) => [`${g.owner}\u0000${g.name}`, g])),
  };
}

/** The secret of an enabled user's access key: disabled users cannot authenticate. */
export function secretFor(env: SimEnv, accessKey: string): string | undefined {
  const u = env.userByAccessKey.get(accessKey);
  return u?.enabled === true ? u.secretKey : undefined;
}

/** The owner as Eucalyptus shows it: the user name in 2.0, the 12-digit account number from 3.0 on. */
export function ownerId(env: SimEnv, userName: string): string {
  if (env.version === '2.0') return userName;
  return env.userByName.get(userName)?.accountNumber ?? userName;
}

/** The owner's "full name" as the admin address listing shows it (user name in 2.0, a user ARN in 3.x). */
export function ownerFullName(env: SimEnv, userName: string): string {
  if (env.version === '2.0') return userName;
  const u = env.userByName.get(userName);
  return u ? `arn:aws:euare::${u.accountNumber}:user/${u.iamUserName}` : userName;
}

/** Whether two scenario users are the same owner for visibility: same user (2.0) or same account (3.x). */
export function sameOwner(env: SimEnv, a: string, b: string): boolean {
  if (a === b) return true;
  if (env.version === '2.0') return false;
  const x = env.userByName.get(a);
  const y = env.userByName.get(b);
  return x !== undefined && y !== undefined && x.accountNumber === y.accountNumber;
}

/** Resolve an owner as written in a request (user name in 2.0, account number in 3.x) to scenario users. */
export function ownersMatching(env: SimEnv, written: string): Set<string> {
  const out = new Set<string>();
  for (const u of env.scenario.users) {
    if (u.name === written || (env.version !== '2.0' && u.accountNumber === written))
      out.add(u.name);
  }
  return out;
}

function volumesByInstance(volumes: SimVolume[]): Map<string, SimVolume[]> {
  const out = new Map<string, SimVolume[]>();
  for (const v of volumes) {
    if (!v.attachment) continue;
    const list = out.get(v.attachment.instanceId) ?? [];
    list.push(v);
    out.set(v.attachment.instanceId, list);
  }
  return out;
}

export function groupOf(env: SimEnv, owner: string, name: string): SimSecurityGroup | undefined {
  return env.groupByOwnerName.get(`${owner}\u0000${name}`);
}
