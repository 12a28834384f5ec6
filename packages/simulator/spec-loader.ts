/**
 * Loads the two Klarna OpenAPI files kept in simulator/spec/ and repairs the defects listed in
 * /work/shared/klarna/om-api-notes.md §1, so that a strict JSON-schema validator accepts exactly
 * what Klarna accepts. Each repair is a small named function, applied to a parsed copy; the yml
 * files themselves stay byte-identical to the shared originals (they are test data).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import yaml from "js-yaml"

type Json = any // eslint-disable-line @typescript-eslint/no-explicit-any

export type ApiName = "om" | "payments"

export interface SpecOperation {
  api: ApiName
  method: string // upper case
  /** OpenAPI path template, e.g. /ordermanagement/v1/orders/{order_id}/captures */
  path: string
  operationId: string
  /** Name of the request body schema in the returned definitions (sanitized). */
  requestSchema?: string
  requestBodyRequired: boolean
  requiresAuth: boolean
}

export interface LoadedSpec {
  api: ApiName
  /** JSON-schema definitions keyed by sanitized name (spaces → "_"), $refs rewritten to `<api>#/definitions/...`. */
  definitions: Record<string, Json>
  operations: SpecOperation[]
  /** Human-readable list of the repairs applied (for the README / debugging). */
  repairs: string[]
}

export const SPEC_DIR = join(__dirname, "spec")
export const OM_SPEC_FILE = join(SPEC_DIR, "order-management-openapi.yml")
export const PAYMENTS_SPEC_FILE = join(SPEC_DIR, "payments-openapi.yml")

const HTTP_METHODS = ["get", "post", "put", "patch", "delete"]

/** Schema names like "Update authorization" contain spaces; make them safe URI fragments. */
export const sanitizeName = (name: string): string => name.replace(/[^A-Za-z0-9_.-]/g, "_")

function walk(node: Json, visit: (obj: Record<string, Json>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit))
  else if (node && typeof node === "object") {
    visit(node)
    Object.values(node).forEach((v) => walk(v, visit))
  }
}

/**
 * `enum: [ <null> ]` (Addon.price, Location.price, SelectedShippingOptionDto.price/tax_amount/tax_rate,
 * Timeslot.price) is a conversion artifact: taken literally it rejects every value. Drop such enums.
 */
function dropNullEnums(defs: Record<string, Json>, repairs: string[]): void {
  walk(defs, (obj) => {
    if (Array.isArray(obj.enum) && obj.enum.every((v: unknown) => v === null || v === undefined || v === "")) {
      delete obj.enum
      repairs.push("removed enum:[null] artifact")
    }
  })
}

/**
 * order_line.type: the enum is ONE pipe-joined string and the same string is an unanchored
 * pattern. Read it as a list of 9 values.
 */
function splitPipeJoinedEnums(defs: Record<string, Json>, repairs: string[]): void {
  walk(defs, (obj) => {
    if (Array.isArray(obj.enum) && obj.enum.length === 1 && typeof obj.enum[0] === "string" && obj.enum[0].includes("|")) {
      const values = obj.enum[0].split("|").map((s: string) => s.trim())
      obj.enum = values
      if (typeof obj.pattern === "string" && obj.pattern.includes("|")) delete obj.pattern
      repairs.push(`split pipe-joined enum into ${values.length} values`)
    }
  })
}

/**
 * Patterns such as shipping_method "(PickUpStore|Home|...)" and subscription.interval "DAY|WEEK|MONTH|YEAR"
 * are unanchored, so "XHomeY" would pass a JSON-schema validator. Klarna is a Java service, and
 * Bean Validation's @Pattern matches the whole value, so anchoring is the faithful reading.
 */
function anchorPatterns(defs: Record<string, Json>, repairs: string[]): void {
  walk(defs, (obj) => {
    if (typeof obj.pattern === "string" && !obj.pattern.startsWith("^")) {
      obj.pattern = `^(?:${obj.pattern})$`
      repairs.push(`anchored pattern ${obj.pattern}`)
    }
  })
}

/**
 * The Payments yml lists the allowed order_line.type values only in the description
 * ("The possible values are: physical discount ..."). Turn that list into an enum so the
 * simulator catches a wrong type the way Klarna's BAD_VALUE would.
 */
function enumFromDescribedValues(defs: Record<string, Json>, repairs: string[]): void {
  const type = defs.order_line?.properties?.type
  if (!type || type.enum || typeof type.description !== "string") return
  const marker = "The possible values are:"
  const at = type.description.indexOf(marker)
  if (at < 0) return
  const values = type.description
    .slice(at + marker.length)
    .split(/\s+/)
    .map((s: string) => s.trim())
    .filter((s: string) => /^[a-z_]+$/.test(s))
  if (values.length > 0) {
    type.enum = values
    repairs.push(`order_line.type enum from description (${values.length} values)`)
  }
}

/** Point `#/components/schemas/X` refs at the Ajv schema registered for this API (see validation.ts). */
function rewriteRefs(defs: Record<string, Json>, api: ApiName): void {
  walk(defs, (obj) => {
    if (typeof obj.$ref === "string") {
      const m = /^#\/components\/schemas\/(.+)$/.exec(obj.$ref)
      if (!m) throw new Error(`unexpected $ref ${obj.$ref}`)
      obj.$ref = `${api}#/definitions/${sanitizeName(m[1])}`
    }
  })
}

function loadOne(api: ApiName, file: string): LoadedSpec {
  const doc = yaml.load(readFileSync(file, "utf8")) as Json
  const repairs: string[] = []
  const defs: Record<string, Json> = {}
  for (const [name, schema] of Object.entries<Json>(doc.components?.schemas ?? {})) {
    defs[sanitizeName(name)] = structuredClone(schema)
  }
  dropNullEnums(defs, repairs)
  splitPipeJoinedEnums(defs, repairs)
  anchorPatterns(defs, repairs)
  if (api === "payments") enumFromDescribedValues(defs, repairs)
  rewriteRefs(defs, api)

  // Security: OM operations say `security: basicAuth` but the scheme is named
  // `Basic-authorization`; the Payments yml declares no security at all, although Klarna
  // documents HTTP Basic for every API. Treat both as "HTTP Basic required".
  const schemes = doc.components?.securitySchemes ?? {}
  if (schemes["Basic-authorization"] && !schemes.basicAuth) repairs.push("aliased securityScheme basicAuth → Basic-authorization")
  if (!doc.security && api === "payments") repairs.push("Payments: assumed HTTP Basic (yml declares no security)")

  const operations: SpecOperation[] = []
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item[method]
      if (!op) continue
      const ref: string | undefined = op.requestBody?.content?.["application/json"]?.schema?.$ref
      const schemaName = ref ? sanitizeName(ref.replace("#/components/schemas/", "")) : undefined
      operations.push({
        api,
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        requestSchema: schemaName,
        requestBodyRequired: Boolean(op.requestBody?.required),
        requiresAuth: true,
      })
    }
  }
  return { api, definitions: defs, operations, repairs }
}

let cache: { om: LoadedSpec; payments: LoadedSpec } | undefined

/** Both specs, parsed once per process (they are read-only after loading). */
export function loadSpecs(): { om: LoadedSpec; payments: LoadedSpec } {
  if (!cache) cache = { om: loadOne("om", OM_SPEC_FILE), payments: loadOne("payments", PAYMENTS_SPEC_FILE) }
  return cache
}
