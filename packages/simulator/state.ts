/**
 * In-memory store of everything Klarna would know: OM orders, Payments sessions and their
 * authorization tokens, plus the simulator's switches. One instance per running simulator, so
 * parallel test files never see each other's orders.
 */
import { Clock } from "./clock"
import { SimError, notFoundOrder } from "./errors"
import type { RemoteConfig } from "./remote"
import type { SimAuthorization, SimOrder, SimSession } from "./types"

export interface SimConfig extends RemoteConfig {
  /** Global default of the order-line arithmetic checks (rules/arithmetic.ts). */
  arithmeticChecks: boolean
}

export class SimState {
  readonly orders = new Map<string, SimOrder>()
  readonly sessions = new Map<string, SimSession>()
  readonly authorizations = new Map<string, SimAuthorization>()
  config: SimConfig

  constructor(
    readonly clock: Clock,
    private readonly initialConfig: SimConfig,
  ) {
    this.config = { ...initialConfig }
  }

  /** The order or 404 NO_SUCH_ORDER; `suffix` lets callers append Klarna's per-endpoint tail. */
  order(orderId: string, suffix = ""): SimOrder {
    const order = this.orders.get(orderId)
    if (!order) throw notFoundOrder(orderId, suffix)
    return order
  }

  session(sessionId: string): SimSession {
    const session = this.sessions.get(sessionId)
    if (!session) throw new SimError(404, "NOT_FOUND", `Session ${sessionId} does not exist`)
    return session
  }

  /** Per-order override wins over the global switch. */
  arithmeticFor(order?: SimOrder): boolean {
    return order?.sim.arithmetic_checks ?? this.config.arithmeticChecks
  }

  reset(): void {
    this.orders.clear()
    this.sessions.clear()
    this.authorizations.clear()
    this.config = { ...this.initialConfig }
    this.clock.set(null)
  }
}
