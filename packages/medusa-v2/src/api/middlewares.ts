import { defineMiddlewares } from "@medusajs/framework/http"
import { rejectMalformedIds } from "./admin/klarna/_lib/malformed-ids"

export default defineMiddlewares({
  routes: [
    // v2-admin: malformed ids in /admin/klarna/... are a 400, not a 500 (see _lib/malformed-ids.ts).
    { matcher: "/admin/klarna/*", middlewares: [rejectMalformedIds] },
  ],
})
