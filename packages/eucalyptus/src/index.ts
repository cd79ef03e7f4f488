export {
  ConfigFileError,
  clampAddrsPerNet,
  parseEucalyptusConf,
  parseEucarc,
  parseShellAssignments,
  type Assignment,
  type Eucarc,
} from './config-files.ts';
