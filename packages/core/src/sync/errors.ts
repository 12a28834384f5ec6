/** Errors of the engine itself (the planner's are in order-lines/errors.ts, the client's in klarna/errors.ts). */

/** The order is not (or no longer) in a state where the job makes sense; retrying cannot fix it. */
export class SyncNotPossibleError extends Error {
  override readonly name = "SyncNotPossibleError"
  readonly retryable = false
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** What the outbox stores of any error: Klarna's fields when it is a Klarna error. */
export interface DescribedError {
  retryable: boolean
  httpStatus?: number
  errorCode?: string
  errorMessages?: string[]
  correlationId?: string
  retryAfterMs?: number
  message: string
}

export function describeError(error: unknown): DescribedError {
  if (error instanceof Error) {
    const fields = error as Error & Partial<Omit<DescribedError, "message">> & { code?: string }
    return {
      // Unknown errors (a dropped database connection, a bug fixed by a deploy) are worth another try.
      retryable: typeof fields.retryable === "boolean" ? fields.retryable : true,
      httpStatus: fields.httpStatus,
      errorCode:
        fields.errorCode ??
        (typeof fields.code === "string" ? fields.code : undefined) ??
        (fields.retryable === false ? error.name : undefined),
      errorMessages: fields.errorMessages,
      correlationId: fields.correlationId,
      retryAfterMs: fields.retryAfterMs,
      message: error.message,
    }
  }
  return { retryable: true, message: String(error) }
}

/**
 * The job is no longer this worker's (its lease ran out and another worker took it over): whatever this
 * worker would do next belongs to the other one now. Failing with it changes nothing (failJob is guarded
 * by the worker too).
 */
export class JobNotHeldError extends Error {
  override readonly name = "JobNotHeldError"
  constructor(jobId: string, workerId: string) {
    super(`Job ${jobId} is no longer held by ${workerId}`)
  }
}
