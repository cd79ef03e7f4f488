import { verifyQueryRequest } from './auth.ts';
import { ec2ErrorReply, listParam } from './ec2.ts';
import { secretFor, type SimEnv } from './env.ts';
import { xmlReply, type SimReply, type SimRequest } from './http.ts';
import type { SimAccount, SimUser } from './scenario.ts';
import { itemSet, memberSet, renderXml, type XmlNode } from './xml.ts';

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const MSGS_NS = 'http://msgs.eucalyptus.com';
const CREATED = '2013-01-07T09:00:00Z';

/**
 * 2.0's `/services/Accounts` (euca_admin, `Version=eucalyptus`): `DescribeUsers` hands every user's
 * access and secret key to an admin; anyone else gets a bare 403.
 */
export function handleAccounts(env: SimEnv, req: SimRequest): SimReply {
  const auth = verifyQueryRequest(req, (k) => secretFor(env, k), env.version !== '2.0');
  if (!auth.ok) return ec2ErrorReply(req.requestId, 'AuthFailure', auth.message, 400);
  const caller = env.userByAccessKey.get(auth.accessKey);
  if (!caller?.isAdmin) return { status: 403, headers: { 'content-type': 'text/plain' }, body: '' };
  const action = req.params.get('Action') ?? '';
  if (action === 'DescribeUsers') {
    const wanted = [
      ...listParam(req.params, 'UserNames'),
      ...listParam(req.params, 'UserNames.member'),
    ];
    const users = env.scenario.users.filter((u) => wanted.length === 0 || wanted.includes(u.name));
    const body: XmlNode = {
      requestId: req.requestId,
      users: itemSet(
        users.map((u) => ({
          userName: u.name,
          email: u.email,
          certificateCode: u.token,
          confirmationCode: u.token.slice(0, 24),
          accessKey: u.accessKey,
          secretKey: u.secretKey,
          admin: u.isAdmin,
          enabled: u.enabled,
          distinguishedName: `CN=www.eucalyptus.com, OU=Eucalyptus, O=${u.name}, L=Santa Barbara, ST=CA, C=US`,
          certificateSerial: u.certificateSerial,
          groups: itemSet([{ '#text': 'all' }]),
          revoked: false,
        })),
      ),
    };
    return xmlReply(200, renderXml('DescribeUsersResponse', body, MSGS_NS));
  }
  if (action === 'DescribeGroups') {
    return xmlReply(
      200,
      renderXml(
        'DescribeGroupsResponse',
        {
          requestId: req.requestId,
          groups: itemSet([
            {
              groupName: 'all',
              users: itemSet(env.scenario.users.map((u) => ({ '#text': u.name }))),
            },
          ]),
        },
        MSGS_NS,
      ),
    );
  }
  return ec2ErrorReply(
    req.requestId,
    'InvalidAction',
    `The action ${action || '(none)'} is not valid for this web service.`,
  );
}

/**
 * `/services/Properties` (`DescribeProperties`, `Version=eucalyptus`, admin only). 3.x exposes the CC's
 * network settings as read-only `<partition>.cluster.*` properties; 2.0 has nothing network-related.
 */
export function handleProperties(env: SimEnv, req: SimRequest): SimReply {
  const auth = verifyQueryRequest(req, (k) => secretFor(env, k), env.version !== '2.0');
  if (!auth.ok) return ec2ErrorReply(req.requestId, 'AuthFailure', auth.message, 400);
  const caller = env.userByAccessKey.get(auth.accessKey);
  if (!caller?.isAdmin) return { status: 403, headers: { 'content-type': 'text/plain' }, body: '' };
  const action = req.params.get('Action') ?? '';
  if (action !== 'DescribeProperties') {
    return ec2ErrorReply(
      req.requestId,
      'InvalidAction',
      `The action ${action || '(none)'} is not valid for this web service.`,
    );
  }
  const wanted = [
    ...listParam(req.params, 'Property'),
    ...listParam(req.params, 'Properties.member'),
  ];
  const props = systemProperties(env).filter(
    (p) => wanted.length === 0 || wanted.some((w) => p.name === w || p.name.startsWith(`${w}.`)),
  );
  return xmlReply(
    200,
    renderXml(
      'DescribePropertiesResponse',
      {
        requestId: req.requestId,
        properties: itemSet(
          props.map((p) => ({
            name: p.name,
            value: p.value,
            description: p.description,
            defaultValue: p.value,
            readOnly: p.readOnly,
          })),
        ),
      },
      MSGS_NS,
    ),
  );
}

interface Property {
  name: string;
  value: string;
  description: string;
  readOnly: boolean;
}

function systemProperties(env: SimEnv): Property[] {
  const s = env.scenario;
  const out: Property[] = [
    {
      name: 'walrus.storagemaxcachesizeinmb',
      value: '30720',
      description: 'Maximum size of the image cache (MB)',
      readOnly: false,
    },
    {
      name: 'walrus.storagemaxbucketsizeinmb',
      value: '5120',
      description: 'Maximum size per bucket (MB)',
      readOnly: false,
    },
  ];
  if (env.version === '2.0') return out;
  const c = s.network.conf;
  const managed = s.networkMode === 'MANAGED' || s.networkMode === 'MANAGED-NOVLAN';
  out.push(
    {
      name: 'cloud.network.global_min_network_tag',
      value: '1',
      description: 'Global minimum network tag',
      readOnly: false,
    },
    {
      name: 'cloud.network.global_max_network_tag',
      value: '4096',
      description: 'Global maximum network tag',
      readOnly: false,
    },
    {
      name: 'cloud.network.min_network_index',
      value: '2',
      description: 'Minimum network index',
      readOnly: false,
    },
    {
      name: 'cloud.network.max_network_index',
      value: '4096',
      description: 'Maximum network index',
      readOnly: false,
    },
  );
  for (const z of s.zones) {
    const p = (k: string, value: string, description: string): void => {
      out.push({ name: `${z.name}.cluster.${k}`, value, description, readOnly: true });
    };
    p('networkmode', s.networkMode, 'Currently configured network mode');
    p(
      'usenetworktags',
      String(s.networkMode === 'MANAGED'),
      'Indicates whether vlans are in use or not',
    );
    p('minnetworktag', managed ? '2' : '0', 'Minimum vlan tag to use');
    p('maxnetworktag', managed ? '4095' : '0', 'Maximum vlan tag to use');
    p('minnetworkindex', managed ? '9' : '0', 'Minimum network index');
    p(
      'maxnetworkindex',
      managed ? String(Number(c['VNET_ADDRSPERNET'] ?? '0') - 2) : '0',
      'Maximum network index',
    );
    p(
      'addressespernetwork',
      c['VNET_ADDRSPERNET'] ?? '0',
      'Number of total addresses per network (including unusable)',
    );
    p(
      'vnetsubnet',
      c['VNET_SUBNET'] ?? '',
      'IP subnet used by the cluster virtual private networking',
    );
    p(
      'vnetnetmask',
      c['VNET_NETMASK'] ?? '',
      'Netmask used by the cluster virtual private networking',
    );
    p('vnettype', 'ipv4', 'Type of cluster virtual private networking');
  }
  return out;
}

class IamError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function iamError(req: SimRequest, status: number, code: string, message: string): SimReply {
  return xmlReply(
    status,
    renderXml(
      'ErrorResponse',
      {
        Error: { Type: status >= 500 ? 'Receiver' : 'Sender', Code: code, Message: message },
        RequestId: req.requestId,
      },
      IAM_NS,
    ),
    code,
  );
}

interface IamCall {
  env: SimEnv;
  req: SimRequest;
  caller: SimUser;
  account: SimAccount;
}

function userNode(env: SimEnv, u: SimUser): XmlNode {
  return {
    Path: '/',
    UserName: u.iamUserName,
    UserId: u.userId,
    Arn: `arn:aws:iam::${u.accountNumber}:user/${u.iamUserName}`,
    CreateDate: CREATED,
  };
}

function accountUsers(c: IamCall): SimUser[] {
  return c.env.scenario.users.filter((u) => u.accountName === c.account.name);
}

function userNamed(c: IamCall, name: string | undefined): SimUser {
  if (name === undefined) {
    if (c.caller.accountName !== c.account.name)
      throw new IamError(400, 'ValidationError', 'UserName is required with DelegateAccount');
    return c.caller;
  }
  const u = accountUsers(c).find((x) => x.iamUserName === name);
  if (!u) throw new IamError(404, 'NoSuchEntity', `The user with name ${name} cannot be found.`);
  return u;
}

function groupNode(c: IamCall, g: { name: string; path: string; groupId: string }): XmlNode {
  return {
    Path: g.path,
    GroupName: g.name,
    GroupId: g.groupId,
    Arn: `arn:aws:iam::${c.account.number}:group${g.path}${g.name}`,
    CreateDate: CREATED,
  };
}

const IAM_ACTIONS: Record<string, (c: IamCall) => XmlNode> = {
  ListAccounts(c) {
    const accounts = c.caller.isAdmin
      ? c.env.scenario.accounts
      : c.env.scenario.accounts.filter((a) => a.name === c.caller.accountName);
    return {
      Accounts: memberSet(accounts.map((a) => ({ AccountName: a.name, AccountId: a.number }))),
    };
  },
  ListUsers(c) {
    const prefix = c.req.params.get('PathPrefix') ?? '/';
    const users = prefix === '/' ? accountUsers(c) : [];
    return { Users: memberSet(users.map((u) => userNode(c.env, u))), IsTruncated: false };
  },
  GetUser(c) {
    return { User: userNode(c.env, userNamed(c, c.req.params.get('UserName'))) };
  },
  ListGroups(c) {
    const groups = c.env.scenario.iamGroups.filter((g) => g.accountName === c.account.name);
    return { Groups: memberSet(groups.map((g) => groupNode(c, g))), IsTruncated: false };
  },
  GetGroup(c) {
    const name = c.req.params.get('GroupName') ?? '';
    const g = c.env.scenario.iamGroups.find(
      (x) => x.accountName === c.account.name && x.name === name,
    );
    if (!g) throw new IamError(404, 'NoSuchEntity', `The group with name ${name} cannot be found.`);
    const members = accountUsers(c).filter((u) => g.members.includes(u.name));
    return {
      Group: groupNode(c, g),
      Users: memberSet(members.map((u) => userNode(c.env, u))),
      IsTruncated: false,
    };
  },
  ListGroupsForUser(c) {
    const u = userNamed(c, c.req.params.get('UserName'));
    const groups = c.env.scenario.iamGroups.filter(
      (g) => g.accountName === c.account.name && g.members.includes(u.name),
    );
    return { Groups: memberSet(groups.map((g) => groupNode(c, g))), IsTruncated: false };
  },
  ListAccessKeys(c) {
    const u = userNamed(c, c.req.params.get('UserName'));
    // Only metadata: the secret appears nowhere in Euare but CreateAccessKey's answer.
    return {
      AccessKeyMetadata: memberSet([
        {
          UserName: u.iamUserName,
          AccessKeyId: u.accessKey,
          Status: u.enabled ? 'Active' : 'Inactive',
          CreateDate: CREATED,
        },
      ]),
      IsTruncated: false,
    };
  },
  ListAccountAliases(c) {
    return { AccountAliases: memberSet([{ '#text': c.account.name }]), IsTruncated: false };
  },
};

/** 3.4's Euare at `/services/Euare`: IAM XML, Eucalyptus' `ListAccounts`, and `DelegateAccount` on every call. */
export function handleEuare(env: SimEnv, req: SimRequest): SimReply {
  const auth = verifyQueryRequest(req, (k) => secretFor(env, k), true);
  if (!auth.ok) {
    const code = auth.message.startsWith('Unknown access key')
      ? 'InvalidClientTokenId'
      : auth.code === 'AuthFailure'
        ? 'SignatureDoesNotMatch'
        : 'MissingAuthenticationToken';
    return iamError(req, 403, code, auth.message);
  }
  const caller = env.userByAccessKey.get(auth.accessKey);
  if (!caller) return iamError(req, 403, 'InvalidClientTokenId', 'Unknown access key');
  const action = req.params.get('Action') ?? '';
  const handler = IAM_ACTIONS[action];
  if (!handler)
    return iamError(req, 400, 'InvalidAction', `Could not find operation ${action || '(none)'}`);
  const delegate = req.params.get('DelegateAccount');
  let accountName = caller.accountName;
  if (delegate !== undefined && delegate !== '') {
    // Only a system admin may delegate, and the value is the account *name* (Accounts.lookupAccountByName).
    if (!caller.isAdmin)
      return iamError(
        req,
        403,
        'NotAuthorized',
        `Delegation access not authorized for ${caller.iamUserName}`,
      );
    accountName = delegate;
  }
  const account = env.scenario.accounts.find((a) => a.name === accountName);
  if (!account) return iamError(req, 404, 'NoSuchEntity', `Can not find account ${accountName}`);
  try {
    const result = handler({ env, req, caller, account });
    return xmlReply(
      200,
      renderXml(
        `${action}Response`,
        { [`${action}Result`]: result, ResponseMetadata: { RequestId: req.requestId } },
        IAM_NS,
      ),
    );
  } catch (e) {
    if (e instanceof IamError) return iamError(req, e.status, e.code, e.message);
    throw e;
  }
}
