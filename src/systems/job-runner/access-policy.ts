/**
 * Who may see and stop which job: the one policy the real server (`src/real/job-runner/server.ts`)
 * and the simulation both apply, through `CallerView` (`access.ts`) over the runner. A caller is a
 * client certificate's subject CN; it sees, reads and stops the jobs it started. The CNs the server
 * names as admins (`jobs serve --admin CN`) see, read and stop every user's jobs. Anyone else's job
 * is, to a caller, a job that does not exist.
 *
 * The runner takes `mayAct` as one of its rules (`JobRunnerRules.mayAct`), so a deliberately broken
 * policy (`any-user-stops-any-job`) is the same swap in the simulation and on the real server.
 */

/** A client as the server knows it: its certificate's name, and whether that name is an admin's. */
export interface Caller {
  readonly name: string;
  readonly admin: boolean;
}

/** The caller a client certificate with subject CN `name` is, on a server whose admins are `admins`. */
export function callerNamed(name: string, admins: Iterable<string>): Caller {
  return { name, admin: new Set(admins).has(name) };
}

/** Whether `caller` may see, read and stop a job started by `owner` (undefined: a job nobody owns, which only an admin may touch). */
export function mayAct(caller: Caller, owner: string | undefined): boolean {
  return caller.admin || (owner !== undefined && owner === caller.name);
}
