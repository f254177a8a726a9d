/** Data-parallel runs on libtorch's c10d: configuration, the process group the trainer uses, and a local launcher. */
export { distConfigFrom, checkMaster, parseMaster, DEFAULT_PORT, DEFAULT_TIMEOUT_S, type DistConfig, type DistFlags } from './config.js';
export { ProcessGroup, BUCKET_BYTES } from './process-group.js';
export { graphDigest } from './graph-digest.js';
export { launchLocal, exitWithLauncher, freePort, STOP_GRACE_MS, type LaunchOptions } from './launch.js';
