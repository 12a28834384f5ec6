import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"

export async function GET(req: MedusaRequest, res: MedusaResponse): Promise<void> {
  const sync = req.scope.resolve("klarnaSync") as { tables(): Promise<string[]> }
  res.json({ order_id: req.params.id, tables: await sync.tables() })
}
