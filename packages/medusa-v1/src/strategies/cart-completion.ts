/**
 * Medusa's own cart completion, plus one thing: when completing a cart fails after its payment was
 * authorized, the Klarna order created for it is cancelled at once (through the outbox, klarna-sync.ts
 * cartCompletionFailed), instead of holding the shopper's money until Klarna's authorization expires.
 *
 * Medusa v1 authorizes the payment in one step and creates the order in the next; when the second fails
 * (an item sold out meanwhile: 409; a deadlock or any other error: thrown) nothing tells the payment
 * processor that this cart will not become an order. Registered by the plugin as `cartCompletionStrategy`
 * (a store with its own completion strategy keeps it: the sweep then cancels such orders after
 * orphanGraceMs).
 */
import type { CartCompletionResponse, IdempotencyKey } from "@medusajs/medusa"
import CartCompletionStrategy from "@medusajs/medusa/dist/strategies/cart-completion"
import type { RequestContext } from "@medusajs/medusa/dist/types/request"
import type KlarnaSyncService from "../services/klarna-sync"

type Cradle = ConstructorParameters<typeof CartCompletionStrategy>[0] & {
  klarnaSyncService?: KlarnaSyncService
  logger?: { warn(message: string): void }
}

export default class KlarnaCartCompletionStrategy extends CartCompletionStrategy {
  private readonly cradle_: Cradle

  constructor(cradle: Cradle) {
    super(cradle)
    this.cradle_ = cradle
  }

  override async complete(id: string, ikey: IdempotencyKey, context: RequestContext): Promise<CartCompletionResponse> {
    let response: CartCompletionResponse
    try {
      response = await super.complete(id, ikey, context)
    } catch (error) {
      await this.completionFailed(id, (error as Error)?.message ?? String(error))
      throw error
    }
    if (response.response_code >= 400) await this.completionFailed(id, `${response.response_code} ${describeBody(response.response_body)}`)
    return response
  }

  /** Never masks the completion's own answer: a failure here is logged, and the sweep catches the orphan later. */
  private async completionFailed(cartId: string, reason: string): Promise<void> {
    try {
      await this.cradle_.klarnaSyncService?.cartCompletionFailed(cartId, reason)
    } catch (error) {
      this.cradle_.logger?.warn(
        `klarna-order-sync: could not queue the cancel of the Klarna order of cart ${cartId} after its completion failed: ${(error as Error).message}`,
      )
    }
  }
}

/** The messages of Medusa's error body ({message} or {errors: [{message}]}), for the reason recorded. */
function describeBody(body: Record<string, unknown>): string {
  const errors = Array.isArray(body.errors) ? (body.errors as { message?: string }[]) : [body as { message?: string }]
  return (
    errors
      .map((e) => e?.message)
      .filter(Boolean)
      .join("; ") || JSON.stringify(body).slice(0, 500)
  )
}
