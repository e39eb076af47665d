export type { CancellableSleep, Env, LogData } from './env.js';
export { cancellableSleep, StoppableSleeper } from './cancellable-sleep.js';
export type { DirentLike, FsPromises, StatsLike, WriteOptions } from './fs.js';
export { errorCode } from './fs.js';
export { realEnv, type RealEnvOptions } from './real-env.js';
export { InputError, HarnessError, errorFamily, type ErrorFamily } from './errors.js';
