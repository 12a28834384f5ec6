/**
 * `.demo/state.json`: what `npm start` brought up, for scripts (`npm run demo:order`, the demo test, your
 * own). Written once everything is ready; rewritten with `running: false` when the demo stops.
 * The schema is documented in docs/demo.md; keep the two in step.
 */
import fs from "node:fs"
import path from "node:path"

export const STATE_VERSION = 1

export type SeededOrderLabel = "authorized" | "part_captured_tracked" | "captured_part_refunded" | "cancelled" | "sync_failed"

export interface SeededOrder {
  label: SeededOrderLabel
  /** One sentence: what this order shows. */
  description: string
  order_id: string
  display_id: number
  klarna_order_id: string
  /** Klarna's order status once the seed settled. */
  klarna_status: string
  /** Admin page of the order. */
  admin_url?: string
}

export interface DemoProduct {
  id: string
  title: string
  variant_id: string
  sku: string
  price: number
}

export interface DemoStore {
  region_id: string
  currency: string
  country: string
  shipping_option_id: string
  products: DemoProduct[]
  /** Medusa v2 only (npm run demo:v2): where fulfillments ship from (POST /admin/orders/:id/fulfillments location_id). */
  stock_location_id?: string
}

export interface DemoState {
  version: typeof STATE_VERSION
  /** True while the demo runs (false after Ctrl-C). */
  running: boolean
  started_at: string
  stopped_at?: string
  /** The `npm start` process (node demo/start.ts). */
  pid: number
  medusa: { url: string; port: number; pid: number | null; log_file: string }
  admin: { url: string | null; email: string; password: string }
  store_api: { url: string }
  simulator: { url: string; port: number; username: string; password: string; state_file: string }
  postgres: { url: string; port: number; embedded: boolean; data_dir: string | null; pid: number | null }
  store: DemoStore
  seeded_orders: SeededOrder[]
  /** Whether this start seeded (false: it found the data of an earlier start). */
  seeded_now: boolean
  timings_ms: Record<string, number>
}

export function writeDemoState(file: string, state: DemoState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`)
  fs.renameSync(tmp, file)
}

export function readDemoState(file: string): DemoState | undefined {
  if (!fs.existsSync(file)) return undefined
  return JSON.parse(fs.readFileSync(file, "utf8")) as DemoState
}
