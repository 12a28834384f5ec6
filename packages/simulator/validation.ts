/**
 * Request-body validation against the (repaired) Klarna yml schemas, and translation of Ajv's
 * errors into Klarna's wording.
 *
 * OM answers schema/length violations with 422 UNPROCESSABLE_ENTITY; the one verbatim sample is
 * "The size of the shipping_info/shipping_company value must be between 0 and 100" (OM docs error
 * table). That sample shows the path as '/'-joined property names with the array index left out,
 * and the Java Bean Validation phrasing ("size must be between", "must not be null", ...). The
 * other messages below follow the same pattern; only the size message is verbatim Klarna.
 *
 * The Payments API answers with 400 BAD_VALUE "Bad value: order_lines[0].total_tax_amount"
 * (Payments error samples quoted in the notes), so its paths keep the index, dot-joined.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv"
import addFormats from "ajv-formats"
import { loadSpecs, type ApiName, type LoadedSpec } from "./spec-loader"

export class RequestValidator {
  private readonly ajv: Ajv
  private readonly compiled = new Map<string, ValidateFunction>()

  constructor(specs: LoadedSpec[] = Object.values(loadSpecs())) {
    this.ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false })
    addFormats(this.ajv)
    // OpenAPI 3.0 annotations that are not JSON Schema keywords (Ajv 8 already knows nullable/discriminator).
    this.ajv.addVocabulary(["example", "xml", "externalDocs"])
    for (const spec of specs) this.ajv.addSchema({ $id: spec.api, definitions: spec.definitions })
  }

  /** Ajv errors for `body` against definition `schema` of `api` (empty = valid). */
  validate(api: ApiName, schema: string, body: unknown): ErrorObject[] {
    const key = `${api}#/definitions/${schema}`
    let fn = this.compiled.get(key)
    if (!fn) {
      fn = this.ajv.compile({ $ref: key })
      this.compiled.set(key, fn)
    }
    return fn(body) ? [] : [...(fn.errors ?? [])]
  }
}

function segments(err: ErrorObject): string[] {
  const parts = err.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
  if (err.keyword === "required") parts.push(String((err.params as { missingProperty: string }).missingProperty))
  return parts
}

/** "shipping_info/0/shipping_company" → "shipping_info/shipping_company" (OM style: index dropped). */
export function omPath(err: ErrorObject): string {
  const p = segments(err).filter((s) => !/^\d+$/.test(s))
  return p.length ? p.join("/") : "request body"
}

/** "order_lines/0/total_tax_amount" → "order_lines[0].total_tax_amount" (Payments style). */
export function paymentsPath(err: ErrorObject): string {
  let out = ""
  for (const s of segments(err)) out += /^\d+$/.test(s) ? `[${s}]` : out ? `.${s}` : s
  return out || "request body"
}

/** Show the yml's own pattern text, not the anchoring added by spec-loader.ts. */
const unanchor = (pattern: string): string => pattern.replace(/^\^\(\?:(.*)\)\$$/, "$1")

const JAVA_INT_MAX = 2147483647 // @Size's default max, shown when the schema gives only a minimum

/** One Klarna-style OM message per violation (deduplicated, since indexes are dropped). */
export function omMessages(errors: ErrorObject[]): string[] {
  // A wrong type makes every other complaint about the same value noise (e.g. int64 format on 10.5).
  const typeErrorAt = new Set(errors.filter((e) => e.keyword === "type").map((e) => e.instancePath))
  const relevant = errors.filter((e) => e.keyword === "type" || e.keyword === "required" || !typeErrorAt.has(e.instancePath))
  const out = relevant.map((err) => {
    const p = omPath(err)
    const s = (err.parentSchema ?? {}) as Record<string, unknown>
    switch (err.keyword) {
      case "maxLength":
      case "minLength":
        return `The size of the ${p} value must be between ${s.minLength ?? 0} and ${s.maxLength ?? JAVA_INT_MAX}`
      case "maxItems":
      case "minItems":
        return `The size of the ${p} value must be between ${s.minItems ?? 0} and ${s.maxItems ?? JAVA_INT_MAX}`
      case "minimum":
      case "maximum":
        if (s.minimum !== undefined && s.maximum !== undefined) return `The ${p} value must be between ${s.minimum} and ${s.maximum}`
        return err.keyword === "minimum"
          ? `The ${p} value must be greater than or equal to ${s.minimum}`
          : `The ${p} value must be less than or equal to ${s.maximum}`
      case "required":
        return `The ${p} value must not be null`
      case "type":
        if (p === "request body") return "The request body must be a JSON object"
        return `The ${p} value must be of type ${(err.params as { type: string }).type}`
      case "enum":
        return `The ${p} value must be one of [${((err.params as { allowedValues: unknown[] }).allowedValues ?? []).join(", ")}]`
      case "pattern":
        return `The ${p} value must match "${unanchor((err.params as { pattern: string }).pattern)}"`
      case "format":
        return `The ${p} value must be a valid ${(err.params as { format: string }).format}`
      default:
        return `The ${p} value is invalid (${err.message ?? err.keyword})`
    }
  })
  return [...new Set(out)]
}

/** Payments paths for BAD_VALUE messages (deduplicated). */
export function paymentsPaths(errors: ErrorObject[]): string[] {
  return [...new Set(errors.map(paymentsPath))]
}
