import { parse as parseShellWords } from 'shell-quote';
import {
  Ipv4Schema,
  NETWORK_MODES,
  ipv4ToNumber,
  NetworkSchema,
  type Network,
  type NetworkMode,
  type PublicIpRange,
  type VnetConfig,
} from '@euca2nova/model';

/** A problem in a file the operator gave us, located so they can fix it. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(line === undefined ? `${file}: ${problem}` : `${file}, line ${line}: ${problem}`);
  }
}

export interface Assignment {
  value: string;
  line: number;
}

/** Generous for a hand-edited file, small enough that a hostile upload cannot cost much. */
const MAX_FILE_BYTES = 256 * 1024;
const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
/** Lines a shell file may hold that set no variable we read. */
const IGNORED = /^(?:alias|unset|if|then|else|fi|echo|source|\.)(?:\s|$)/;

/**
 * Reads `KEY=value` lines the way the shell would for the files Eucalyptus writes (eucarc,
 * eucalyptus.conf): quotes, `$VAR`/`${VAR}` expansion from earlier lines, comments. A value that
 * runs a command (`$(…)`) is recorded as unknown rather than executed or guessed.
 */
export function parseShellAssignments(text: string, file: string): Map<string, Assignment> {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    throw new ConfigFileError(file, undefined, `is larger than ${MAX_FILE_BYTES / 1024} KiB`);
  }
  if (text.includes('\0')) throw new ConfigFileError(file, undefined, 'is not a text file');
  const values = new Map<string, Assignment>();
  const env = (name: string): string => values.get(name)?.value ?? '';
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || IGNORED.test(trimmed)) return;
    const m = ASSIGNMENT.exec(trimmed);
    if (!m) throw new ConfigFileError(file, line, 'expected KEY=value');
    const [, key = '', rhs = ''] = m;
    if (rhs.startsWith('$(') || rhs.startsWith('`')) return; // a command: not ours to run
    checkQuotes(rhs, file, line);
    const words = parseShellWords(rhs, env).filter(
      (w) => typeof w === 'string' || !('comment' in w),
    );
    if (words.length === 0) {
      values.set(key, { value: '', line });
      return;
    }
    const [word] = words;
    if (words.length > 1 || typeof word !== 'string') {
      throw new ConfigFileError(file, line, `${key} must be one value; quote it if it has spaces`);
    }
    values.set(key, { value: word, line });
  });
  return values;
}

/** shell-quote accepts an unterminated quote silently; the shell would not. */
function checkQuotes(rhs: string, file: string, line: number): void {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < rhs.length; i++) {
    const c = rhs[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (c === '\\') {
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && i > 0 && /\s/.test(rhs[i - 1] ?? '')) {
      return; // a trailing comment
    }
  }
  if (quote) throw new ConfigFileError(file, line, `unterminated ${quote} quote`);
}

// ---------------------------------------------------------------------------------------------
// eucarc

export interface Eucarc {
  ec2Url?: string;
  s3Url?: string;
  euareUrl?: string;
  accessKey?: string;
  secretKey?: string;
  /** `EC2_USER_ID`: the account number (3.x) or user id. */
  userId?: string;
}

const EUCARC_KEYS = {
  EC2_URL: 'ec2Url',
  S3_URL: 's3Url',
  EUARE_URL: 'euareUrl',
  EC2_ACCESS_KEY: 'accessKey',
  EC2_SECRET_KEY: 'secretKey',
  EC2_USER_ID: 'userId',
} as const satisfies Record<string, keyof Eucarc>;

/** The variables euca2nova needs from a eucarc; URLs are checked, keys never echoed. */
export function parseEucarc(text: string, file = 'eucarc'): Eucarc {
  const values = parseShellAssignments(text, file);
  const result: Eucarc = {};
  for (const [variable, field] of Object.entries(EUCARC_KEYS)) {
    const found = values.get(variable);
    if (!found || found.value === '') continue;
    if (field.endsWith('Url') && !isHttpUrl(found.value)) {
      throw new ConfigFileError(file, found.line, `${variable} is not an http(s) URL`);
    }
    result[field] = found.value;
  }
  if (!result.ec2Url && !result.accessKey) {
    throw new ConfigFileError(
      file,
      undefined,
      'sets neither EC2_URL nor EC2_ACCESS_KEY: is this a eucarc from a Eucalyptus credentials zip?',
    );
  }
  return result;
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

// ---------------------------------------------------------------------------------------------
// eucalyptus.conf

/**
 * The network part of `eucalyptus.conf` (eucalyptus.md §4.2). Every VNET_* value is validated;
 * a wrong one is an error naming its line, since a silently wrong subnet would move fixed IPs.
 */
export function parseEucalyptusConf(text: string, file = 'eucalyptus.conf'): Network {
  const values = parseShellAssignments(text, file);
  const raw: Record<string, string> = {};
  for (const [key, { value }] of values) if (key.startsWith('VNET_')) raw[key] = value;

  const modeEntry = values.get('VNET_MODE');
  if (!modeEntry) {
    throw new ConfigFileError(file, undefined, 'has no VNET_MODE line; is it a eucalyptus.conf?');
  }
  const mode = modeEntry.value.toUpperCase();
  if (!(NETWORK_MODES as readonly string[]).includes(mode)) {
    throw new ConfigFileError(
      file,
      modeEntry.line,
      `VNET_MODE "${modeEntry.value.slice(0, 40)}" is not one of ${NETWORK_MODES.join(', ')}`,
    );
  }

  const vnet: VnetConfig = {};
  const at = (key: string) => values.get(key);
  const ip = (key: string): string | undefined => {
    const e = at(key);
    if (!e || e.value === '') return undefined;
    if (!isIpv4(e.value))
      throw new ConfigFileError(
        file,
        e.line,
        `${key} "${e.value.slice(0, 40)}" is not an IPv4 address`,
      );
    return e.value;
  };
  const word = (key: string): string | undefined => {
    const e = at(key);
    return e && e.value !== '' ? e.value : undefined;
  };

  const assign = <K extends keyof VnetConfig>(field: K, value: VnetConfig[K] | undefined) => {
    if (value !== undefined) vnet[field] = value;
  };
  assign('subnet', ip('VNET_SUBNET'));
  assign('netmask', ip('VNET_NETMASK'));
  assign('dns', ip('VNET_DNS'));
  assign('broadcast', ip('VNET_BROADCAST'));
  assign('router', ip('VNET_ROUTER'));
  assign('localIp', ip('VNET_LOCALIP'));
  assign('cloudIp', ip('VNET_CLOUDIP'));
  assign('domainName', word('VNET_DOMAINNAME'));
  assign('bridge', word('VNET_BRIDGE'));
  assign('privInterface', word('VNET_PRIVINTERFACE'));
  assign('pubInterface', word('VNET_PUBINTERFACE'));
  assign('dhcpDaemon', word('VNET_DHCPDAEMON'));
  assign('dhcpUser', word('VNET_DHCPUSER'));

  const perNet = at('VNET_ADDRSPERNET');
  if (perNet && perNet.value !== '') {
    const n = Number(perNet.value);
    if (!Number.isInteger(n) || n < 1) {
      throw new ConfigFileError(
        file,
        perNet.line,
        `VNET_ADDRSPERNET "${perNet.value.slice(0, 20)}" is not a whole number`,
      );
    }
    vnet.addrsPerNet = clampAddrsPerNet(n);
  }
  const publicIps = at('VNET_PUBLICIPS');
  if (publicIps && publicIps.value.trim() !== '') {
    vnet.publicIps = parsePublicIps(publicIps.value, file, publicIps.line);
  }
  const macMap = at('VNET_MACMAP');
  if (macMap && macMap.value.trim() !== '')
    vnet.macMap = parseMacMap(macMap.value, file, macMap.line);

  if (vnet.subnet && vnet.netmask && !isNetmask(vnet.netmask)) {
    throw new ConfigFileError(
      file,
      at('VNET_NETMASK')?.line,
      `VNET_NETMASK ${vnet.netmask} is not a contiguous netmask`,
    );
  }

  const parsed = NetworkSchema.safeParse({
    mode: mode as NetworkMode,
    source: 'eucalyptus.conf',
    vnet,
    rawVnet: raw,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigFileError(
      file,
      undefined,
      `${issue?.path.join('.') ?? 'value'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** 3.x clamps rather than rejects (eucalyptus.md §4.2): below 16 -> 16, down to a power of two, at most 2048. */
export function clampAddrsPerNet(n: number): number {
  if (n < 16) return 16;
  if (n > 2048) return 2048;
  return 2 ** Math.floor(Math.log2(n));
}

function parsePublicIps(value: string, file: string, line: number): PublicIpRange[] {
  return value
    .trim()
    .split(/\s+/)
    .map((token) => {
      const [first = '', last = first, extra] = token.split('-');
      if (extra !== undefined || !isIpv4(first) || !isIpv4(last)) {
        throw new ConfigFileError(
          file,
          line,
          `VNET_PUBLICIPS entry "${token.slice(0, 40)}" is neither an IP nor an IP-IP range`,
        );
      }
      if (ipv4ToNumber(first) > ipv4ToNumber(last)) {
        throw new ConfigFileError(
          file,
          line,
          `VNET_PUBLICIPS range "${token}" ends before it starts`,
        );
      }
      return { first, last };
    });
}

function parseMacMap(value: string, file: string, line: number): { mac: string; ip: string }[] {
  return value
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const [mac = '', ip = '', extra] = pair.split('=');
      if (
        extra !== undefined ||
        !/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/.test(mac) ||
        !isIpv4(ip)
      ) {
        throw new ConfigFileError(
          file,
          line,
          `VNET_MACMAP entry "${pair.slice(0, 60)}" is not MAC=IP`,
        );
      }
      return { mac: mac.toUpperCase(), ip };
    });
}

function isIpv4(value: string): boolean {
  return Ipv4Schema.safeParse(value).success;
}

function isNetmask(ip: string): boolean {
  const n = ipv4ToNumber(ip);
  const inverted = ~n >>> 0;
  return (inverted & (inverted + 1)) === 0;
}
