/** An error Medusa's error handler answers with 400 and its message (it reads `type`, as of a MedusaError). */
export class NotAllowedError extends Error {
  override readonly name = "NotAllowedError"
  readonly type = "not_allowed"
}
