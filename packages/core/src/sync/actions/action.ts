import type { KlarnaOm } from "../klarna-port"
import type { CaptureRecord, JobIntent, JobRecord, KlarnaOrderRecord, PlannedCapture, SyncLogger, SyncStore, SyncableOrder } from "../ports"
import type { FollowUpReason } from "../required-jobs"

/** What an action gets: the claimed job, fresh platform state, and the means to act. */
export interface ActionContext {
  job: JobRecord
  order: SyncableOrder
  klarnaOrder: KlarnaOrderRecord
  klarna: KlarnaOm
  store: SyncStore
  logger: SyncLogger
  /** Freezes the request on the first attempt; later attempts get the frozen one back. */
  freezeRequest<T extends object>(build: () => T): Promise<T>
  /**
   * freezeRequest in two steps, for a request that is frozen together with the row it is sent for: the
   * frozen request (later attempts), or one built now and not stored yet (`frozen: false`), which
   * freezeCapture then stores with its capture row in one statement, before Klarna is called.
   */
  draftRequest<T extends object>(build: () => T): { request: T; frozen: boolean }
  freezeCapture(request: object, capture: PlannedCapture): Promise<CaptureRecord>
  enqueue(intent: Omit<JobIntent, "platform">): Promise<void>
  /** Queues the jobs the planner (required-jobs.ts) plans for this order and `reason`: the follow-ups of a job. */
  enqueueRequired(reason: FollowUpReason): Promise<void>
}

export type ActionOutcome =
  /** `klarnaOrder`: the mapping row as the action left it, when it has it (the engine then does not read it again). */
  | { kind: "succeeded"; result: Record<string, unknown>; klarnaOrder?: KlarnaOrderRecord }
  /**
   * Nothing to do. `settled`: because the job's goal was already reached (e.g. an earlier attempt's capture
   * reached Klarna and the worker died before finishing the job), so the follow-ups of a success still run.
   */
  | { kind: "skipped"; reason: string; settled?: boolean }
  /** Not yet: another job of the order must finish first. Not counted as an attempt. */
  | { kind: "defer"; reason: string; delayMs: number }

export type Action = (context: ActionContext) => Promise<ActionOutcome>

export const skipped = (reason: string): ActionOutcome => ({ kind: "skipped", reason })
/** Skipped because the job's goal is already reached: the engine still runs the follow-ups of a success. */
export const alreadyDone = (reason: string): ActionOutcome => ({ kind: "skipped", reason, settled: true })
export const deferred = (reason: string, delayMs = 1000): ActionOutcome => ({ kind: "defer", reason, delayMs })
