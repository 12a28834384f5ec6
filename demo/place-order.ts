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
 */
import { checkout, connect } from "../test/support/store-api"
import { demoDirFrom } from "./config"
import { isAlive } from "./processes"
import { klarnaView, simulatorOrder } from "./seed"
import { readDemoState } from "./state-file"
import path from "node:path"

interface Args {
  quantity: number
  json: boolean
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quantity: 1, json: false }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--json") args.json = true
    else if (argv[i] === "--quantity" || argv[i] === "-q") {
      args.quantity = Number(argv[++i])
      if (!Number.isInteger(args.quantity) || args.quantity < 1 || args.quantity > 100) throw new Error("--quantity must be 1..100")
    } else throw new Error(`unknown argument ${argv[i]} (use --quantity N, --json)`)
  }
  return args
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const stateFile = path.join(demoDirFrom(), "state.json")
  const state = readDemoState(stateFile)
  if (!state || !state.running || !isAlive(state.pid)) {
    throw new Error(`the demo is not running (${stateFile}${state ? " says it stopped" : " does not exist"}): start it with npm start`)
  }
  const api = await connect(state.medusa.url, state.admin.email, state.admin.password)
  const [sweater, socks] = state.store.products
  const placed = await checkout(api, {
    regionId: state.store.region_id,
    shippingOptionId: state.store.shipping_option_id,
    items: [
      { variantId: sweater.variant_id, quantity: args.quantity },
      { variantId: socks.variant_id, quantity: 2 * args.quantity },
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
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`)
    return
  }
  const amount = `${(result.total / 100).toFixed(2)} ${result.currency.toUpperCase()}`
  process.stdout.write(
    [
      `Placed order #${result.display_id} (${result.order_id}), ${amount}, paid with Klarna in ${result.checkout_ms} ms.`,
      `  Klarna order ${klarnaOrderId}: ${klarna.status}   (simulator: ${state.simulator.url}/__sim/orders/${klarnaOrderId})`,
      result.admin_url
        ? `  Admin: ${result.admin_url}   (login ${state.admin.email} / ${state.admin.password})`
        : `  Admin API: ${state.medusa.url}/admin/orders/${result.order_id}`,
      "  Create a fulfillment there (and then mark it shipped with a tracking number): the Klarna panel shows the capture within seconds.",
      "",
    ].join("\n"),
  )
}

main().catch((err: unknown) => {
  process.stderr.write(`demo:order failed: ${(err as Error)?.message ?? String(err)}\n`)
  process.exit(1)
})
