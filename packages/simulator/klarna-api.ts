/**
 * The Klarna route table: operationId → handler. Paths, request schemas and the auth
 * requirement come from the yml (spec-loader.ts), so a handler can't drift from the spec's
 * paths; buildKlarnaRoutes() throws if a handler names an operation the spec doesn't have.
 * Handlers are synchronous and return plain SimResponse data (see http/io.ts for why).
 */
import { SimError, notAllowed } from "./errors"
import { empty, json, type SimResponse } from "./http/io"
import { loadSpecs, type ApiName, type SpecOperation } from "./spec-loader"
import type { SimState } from "./state"
import { createCapture, appendCaptureShippingInfo, triggerSendOut, type CaptureBody } from "./rules/captures"
import {
  acknowledgeOrder,
  appendOrderShippingInfo,
  cancelOrder,
  extendAuthorizationTime,
  releaseRemainingAuthorization,
  updateAuthorization,
  updateCustomerDetails,
  updateMerchantReferences,
  type UpdateAuthorizationBody,
} from "./rules/lifecycle"
import { getCapture, getOrder, getRefund, listCaptures } from "./rules/orders"
import { cancelAuthorization, createOrderFromAuthorization, createSession, readSession, updateSession } from "./rules/payments"
import { createRefund, type RefundBody } from "./rules/refunds"
import type { WireShippingInfo } from "./types"

export interface HandlerContext {
  state: SimState
  params: Record<string, string>
  /** Parsed, schema-valid JSON body (undefined for operations without a body). */
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  /** http://host:port as the client addressed us; used for absolute Location headers. */
  baseUrl: string
}

export type Handler = (ctx: HandlerContext) => SimResponse

export interface KlarnaRoute extends SpecOperation {
  handle: Handler
  /** Klarna-Idempotency-Key is honoured (OM mutations). */
  idempotent: boolean
}

const OM = "/ordermanagement/v1"
const orderUrl = (ctx: HandlerContext): string => `${ctx.baseUrl}${OM}/orders/${encodeURIComponent(ctx.params.order_id)}`

const HANDLERS: Record<ApiName, Record<string, Handler>> = {
  om: {
    getOrder: (ctx) => json(200, getOrder(ctx.state, ctx.params.order_id)),
    captureOrder: (ctx) => {
      const capture = createCapture(ctx.state, ctx.params.order_id, ctx.body as CaptureBody)
      // 201 without a body; Capture-Id + absolute Location (yml + docs "capture_id and location as headers").
      return empty(201, { "Capture-Id": capture.capture_id, Location: `${orderUrl(ctx)}/captures/${capture.capture_id}` })
    },
    getCaptures: (ctx) => json(200, listCaptures(ctx.state, ctx.params.order_id)),
    getCapture: (ctx) => json(200, getCapture(ctx.state, ctx.params.order_id, ctx.params.capture_id)),
    appendShippingInfo: (ctx) => {
      appendCaptureShippingInfo(ctx.state, ctx.params.order_id, ctx.params.capture_id, ctx.body.shipping_info as WireShippingInfo[])
      return empty(204)
    },
    triggerSendOut: (ctx) => {
      triggerSendOut(ctx.state, ctx.params.order_id, ctx.params.capture_id)
      return empty(204)
    },
    refundOrder: (ctx) => {
      const refund = createRefund(ctx.state, ctx.params.order_id, ctx.body as RefundBody)
      return empty(201, { "Refund-Id": refund.refund_id, Location: `${orderUrl(ctx)}/refunds/${refund.refund_id}` })
    },
    get: (ctx) => json(200, getRefund(ctx.state, ctx.params.order_id, ctx.params.refund_id)),
    releaseRemainingAuthorization: (ctx) => {
      releaseRemainingAuthorization(ctx.state, ctx.params.order_id)
      return empty(204)
    },
    cancelOrder: (ctx) => {
      cancelOrder(ctx.state, ctx.params.order_id)
      return empty(204)
    },
    extendAuthorizationTime: (ctx) => {
      extendAuthorizationTime(ctx.state, ctx.params.order_id)
      return empty(204)
    },
    updateAuthorization: (ctx) => {
      updateAuthorization(ctx.state, ctx.params.order_id, ctx.body as UpdateAuthorizationBody)
      return empty(204)
    },
    updateMerchantReferences: (ctx) => {
      updateMerchantReferences(ctx.state, ctx.params.order_id, ctx.body)
      return empty(204)
    },
    updateConsumerDetails: (ctx) => {
      updateCustomerDetails(ctx.state, ctx.params.order_id, ctx.body)
      return empty(204)
    },
    acknowledgeOrder: (ctx) => {
      acknowledgeOrder(ctx.state, ctx.params.order_id)
      return empty(204)
    },
    appendOrderShippingInfo: (ctx) => {
      appendOrderShippingInfo(ctx.state, ctx.params.order_id, ctx.body.shipping_info as WireShippingInfo[])
      return empty(204)
    },
    // Due-date extension is a paid, per-merchant feature; the simulated merchant doesn't have it:
    // the options list is empty ("fees may be empty, meaning no options are currently available").
    getOptionsForExtendDueDate: (ctx) => {
      const order = ctx.state.order(ctx.params.order_id)
      getCapture(ctx.state, ctx.params.order_id, ctx.params.capture_id)
      return json(200, { currency: order.purchase_currency, options: [] })
    },
    extendDueDate: (ctx) => {
      getCapture(ctx.state, ctx.params.order_id, ctx.params.capture_id)
      throw notAllowed("Extension of due date is not possible.")
    },
  },
  payments: {
    createCreditSession: (ctx) => json(200, createSession(ctx.state, ctx.body)),
    updateCreditSession: (ctx) => {
      updateSession(ctx.state, ctx.params.session_id, ctx.body)
      return empty(204)
    },
    readCreditSession: (ctx) => json(200, readSession(ctx.state, ctx.params.session_id)),
    createOrder: (ctx) => json(200, createOrderFromAuthorization(ctx.state, ctx.params.authorizationToken, ctx.body ?? {}, ctx.baseUrl)),
    cancelAuthorization: (ctx) => {
      cancelAuthorization(ctx.state, ctx.params.authorizationToken)
      return empty(204)
    },
    purchaseToken: () => {
      throw new SimError(403, "NOT_ALLOWED", "Customer tokens are not enabled for this merchant")
    },
  },
}

export function buildKlarnaRoutes(): KlarnaRoute[] {
  const specs = loadSpecs()
  const routes: KlarnaRoute[] = []
  for (const spec of [specs.om, specs.payments]) {
    const table = HANDLERS[spec.api]
    const known = new Set(spec.operations.map((o) => o.operationId))
    for (const id of Object.keys(table)) if (!known.has(id)) throw new Error(`handler ${spec.api}.${id} has no operation in the yml`)
    for (const op of spec.operations) {
      const handle = table[op.operationId]
      if (!handle) continue
      routes.push({ ...op, handle, idempotent: op.api === "om" && op.method !== "GET" })
    }
  }
  return routes
}
