export {
  ConfigFileError,
  clampAddrsPerNet,
  parseEucalyptusConf,
  parseEucarc,
  parseShellAssignments,
  type Assignment,
  type Eucarc,
} from './config-files.ts';
export { SourceError, classifyError, type SourceErrorCode } from './errors.ts';
export {
  SourceConnection,
  connect,
  type ConnectInput,
  type Credentials,
  type SourceEndpoints,
} from './connect.ts';
export {
  discover,
  fetchManifest,
  type DiscoverOptions,
  type DiscoveryKind,
  type DiscoveryProgress,
} from './discover.ts';
export { GuardedHttpHandler, DEFAULT_MAX_RESPONSE_BYTES, hasDoctype } from './http.ts';
export { QuerySignatureV2Signer, querySignatureV2AuthScheme } from './signing/query-v2.ts';
export { S3SignatureV2Signer, s3SignatureV2AuthScheme } from './signing/s3-v2.ts';
export { openImage, type ImageStream, type OpenImageOptions } from './images.ts';
export {
  readCredentialsZip,
  type CredentialsZip,
  type ReadCredentialsZipOptions,
} from './credentials-zip.ts';
export { createInventoryCommand } from './command.ts';
export {
  addSourceOptions,
  mergeSourceInput,
  resolveSourceInput,
  type SourceFlags,
  type SourceParts,
} from './options.ts';
