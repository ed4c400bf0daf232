/** Where the preview proxy connects for a session's port: a loopback TCP port or a unix socket bridged into the session. */
export type SandboxConnectTarget = { host: string; port: number } | { socketPath: string };

/** A coding session's port as the preview proxy needs it. */
export interface SandboxPortTarget {
  /** `running`/`idle` sessions serve; `terminated`/`failed` answer 410 `session_ended` */
  sessionStatus: 'provisioning' | 'running' | 'idle' | 'terminated' | 'failed';
  /** whether the session listens on this port (unbound → 502) */
  bound: boolean;
  connect: SandboxConnectTarget;
}

/**
 * Port (exported by CiabNativeModule): what the preview proxy asks about a session.
 * `null` when the session does not exist in that org.
 */
export abstract class SandboxSessionsContract {
  abstract portTarget(orgId: string, sessionId: string, port: number): Promise<SandboxPortTarget | null>;
  /** Preview traffic counts as activity (keeps the session from being reaped as idle). */
  abstract touch(orgId: string, sessionId: string): Promise<void>;
}
