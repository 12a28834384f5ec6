/**
 * `npm run demo:order`: places a new Klarna order in the running demo through the store API, the way a
 * storefront does: cart, line items, address, shipping method, payment sessions, the `klarna` provider,
 * the shopper's approval in Klarna's widget (the simulator stands in: POST /__sim/sessions/:id/authorize
 * returns the authorization_token), then cart completion, which makes the Klarna order.
 *
 * Reads the demo's URLs from DEMO_DIR/state.json (default .demo/). Prints the order and its admin page:
 * create a fulfillment there and watch the Klarna widget show the capture.
 *
 *   npm run demo:order                      one Merino Sweater and two Wool Socks
 *   npm run demo:order -- --quantity 3      three of each
 *   npm run demo:order -- --json            the result as one JSON line (for scripts)
 *   npm run demo:order -- --v2              in the Medusa v2 demo (npm run demo:v2, DEMO_DIR/v2/state.json)
 */
import { checkout, connect } from "../test/support/store-api"
import { demoDirFrom } from "./config"
import { isAlive } from "./processes"
import { klarnaView, simulatorOrder, type KlarnaOrderViewBody } from "./seed"
import { readDemoState, type DemoState } from "./state-file"
import { klarnaCheckoutV2 } from "../test/support/medusa-v2-klarna-checkout"
import { getV2Order } from "../test/support/medusa-v2-orders"
import { loginV2Admin } from "../test/support/medusa-v2-stack"
import { readV2Seed, seededStoreOf } from "./v2/seed"
import path from "node:path"

interface Args {
  quantity: number
  json: boolean
  v2: boolean
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quantity: 1, json: false, v2: false }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--json") args.json = true
    else if (argv[i] === "--v2") args.v2 = true
    else if (argv[i] === "--quantity" || argv[i] === "-q") {
      args.quantity = Number(argv[++i])
      if (!Number.isInteger(args.quantity) || args.quantity < 1 || args.quantity > 100) throw new Error("--quantity must be 1..100")
    } else throw new Error(`unknown argument ${argv[i]} (use --quantity N, --json, --v2)`)
  }
  return args
}

/** The running demo's state (v1: DEMO_DIR/state.json, v2: DEMO_DIR/v2/state.json). */
function runningDemo(v2: boolean): DemoState {
  const stateFile = v2 ? path.join(demoDirFrom(), "v2", "state.json") : path.join(demoDirFrom(), "state.json")
  const state = readDemoState(stateFile)
  if (!state || !state.running || !isAlive(state.pid)) {
    const start = v2 ? "npm run demo:v2" : "npm start"
    throw new Error(`the demo is not running (${stateFile}${state ? " says it stopped" : " does not exist"}): start it with ${start}`)
  }
  return state
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const state = runningDemo(args.v2)
  const result = args.v2 ? await placeV2Order(state, args.quantity) : await placeV1Order(state, args.quantity)
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`)
    return
  }
  const amount = `${(result.total / 100).toFixed(2)} ${result.currency.toUpperCase()}`
  process.stdout.write(
    [
      `Placed order #${result.display_id} (${result.order_id}), ${amount}, paid with Klarna in ${result.checkout_ms} ms.`,
      `  Klarna order ${result.klarna_order_id}: ${result.klarna_status}   (simulator: ${state.simulator.url}/__sim/orders/${result.klarna_order_id})`,
      result.admin_url
        ? `  Admin: ${result.admin_url}   (login ${state.admin.email} / ${state.admin.password})`
        : `  Admin API: ${state.medusa.url}/admin/orders/${result.order_id}`,
      "  Create a fulfillment there (and then mark it shipped with a tracking number): the Klarna panel shows the capture within seconds.",
      "",
    ].join("\n"),
  )
}

interface PlacedOrder {
  order_id: string
  display_id: number
  /** Minor units. */
  total: number
  currency: string
  klarna_order_id: string
  klarna_status: string
  plugin_status: string
  admin_url: string | null
  checkout_ms: number
}

/** One Merino Sweater and two Wool Socks (times quantity) through Medusa v2's store API and the plugin's provider. */
async function placeV2Order(state: DemoState, quantity: number): Promise<PlacedOrder> {
  const admin = await loginV2Admin(state.medusa.url, state.admin.email, state.admin.password)
  const seed = await readV2Seed(admin)
  if (!seed) throw new Error("the v2 demo store has no seed record: restart it with DEMO_RESET=1 npm run demo:v2")
  const [sweater, socks] = state.store.products
  const started = Date.now()
  const placed = await klarnaCheckoutV2({ server: { url: state.medusa.url }, admin }, seededStoreOf(seed), state.simulator.url, {
    items: [
      { sku: sweater.sku, quantity },
      { sku: socks.sku, quantity: 2 * quantity },
    ],
    email: `shopper+${Date.now()}@example.com`,
  })
  const checkoutMs = Date.now() - started
  const order = await getV2Order(admin, placed.orderId)
  const klarna = await simulatorOrder(state.simulator.url, placed.klarnaOrderId)
  // Records the mapping at once, as the order page would.
  const { klarna_order: view } = await admin.get<KlarnaOrderViewBody>(`/admin/klarna/orders/${placed.orderId}`)
  return {
    order_id: order.id,
    display_id: order.display_id,
    total: klarna.order_amount,
    currency: order.currency_code,
    klarna_order_id: placed.klarnaOrderId,
    klarna_status: klarna.status,
    plugin_status: view.status,
    admin_url: state.admin.url ? `${state.admin.url}/orders/${order.id}` : null,
    checkout_ms: checkoutMs,
  }
}

async function placeV1Order(state: DemoState, quantity: number): Promise<PlacedOrder> {
  const api = await connect(state.medusa.url, state.admin.email, state.admin.password)
  const [sweater, socks] = state.store.products
  const placed = await checkout(api, {
    regionId: state.store.region_id,
    shippingOptionId: state.store.shipping_option_id,
    items: [
      { variantId: sweater.variant_id, quantity: quantity },
      { variantId: socks.variant_id, quantity: 2 * quantity },
    ],
    provider: "klarna",
    simulatorUrl: state.simulator.url,
    email: `shopper+${Date.now()}@example.com`,
  })
  const klarnaOrderId = placed.klarnaOrderId
  if (!klarnaOrderId) throw new Error(`order ${placed.order.id} has no Klarna order id in payment.data.order_id`)
  const klarna = await simulatorOrder(state.simulator.url, klarnaOrderId)
  const view = await klarnaView(api, placed.order.id) // records the mapping at once, as the order page would
  const result = {
    order_id: placed.order.id,
    display_id: placed.order.display_id,
    total: placed.order.total,
    currency: placed.order.currency_code,
    klarna_order_id: klarnaOrderId,
    klarna_status: klarna.status,
    plugin_status: view.status,
    admin_url: state.admin.url ? `${state.admin.url}/a/orders/${placed.order.id}` : null,
    checkout_ms: placed.ms,
  }
  return result
}

main().catch((err: unknown) => {
  process.stderr.write(`demo:order failed: ${(err as Error)?.message ?? String(err)}\n`)
  process.exit(1)
})
