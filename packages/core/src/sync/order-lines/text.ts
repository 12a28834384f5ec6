/**
 * Klarna text limits. `name`, `reference`, `description` are at most 255 characters. Text that may be
 * shortened (a name, a description) is measured in UTF-16 code units (JavaScript `length`, also Java's
 * `String.length()`), which is never less than the number of code points, so the result fits whichever
 * of the two Klarna counts. Identifiers (references, URLs) are never shortened: a cut identifier is a
 * wrong one. They are measured the way Klarna's schema counts (JSON Schema `maxLength`: code points)
 * and left out when they do not fit.
 *
 * Truncation never splits a surrogate pair, and where `Intl.Segmenter` exists (Node >= 16) it never
 * splits a grapheme cluster (an emoji with modifiers, a letter with combining accents). Lone
 * surrogates, which would serialise as invalid JSON text for a strict parser, become U+FFFD.
 */

export const KLARNA_NAME_MAX = 255
export const KLARNA_REFERENCE_MAX = 255
export const KLARNA_URL_MAX = 1024

const ELLIPSIS = "\u2026"
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

interface Segmenter {
  segment(input: string): Iterable<{ segment: string }>
}
type SegmenterConstructor = new (locale?: string, options?: { granularity: "grapheme" }) => Segmenter

function graphemes(text: string): string[] {
  const ctor = (Intl as unknown as { Segmenter?: SegmenterConstructor }).Segmenter
  if (ctor) return Array.from(new ctor(undefined, { granularity: "grapheme" }).segment(text), (s) => s.segment)
  return Array.from(text) // code points
}

/** Length in Unicode code points, the way JSON Schema's maxLength (and so Klarna's schema) counts. */
export function codePointLength(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/** False when `text` holds a lone surrogate (JSON that PostgreSQL and strict parsers refuse). */
export function isWellFormed(text: string): boolean {
  return !new RegExp(LONE_SURROGATE.source).test(text)
}

/** Replaces lone surrogates with U+FFFD. */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD")
}

/**
 * Cuts `text` to at most `max` UTF-16 code units on a grapheme boundary. With `ellipsis`, a cut
 * text ends in "…" (counted in `max`). A single grapheme longer than the room left is dropped
 * whole (so the result may be shorter than `max`, never longer).
 */
export function truncateText(text: string, max: number, options: { ellipsis?: boolean } = {}): string {
  const clean = toWellFormed(text)
  if (clean.length <= max) return clean
  const suffix = options.ellipsis && max >= 1 ? ELLIPSIS : ""
  const room = max - suffix.length
  let out = ""
  for (const g of graphemes(clean)) {
    if (out.length + g.length > room) break
    out += g
  }
  return out + suffix
}

/** A Klarna `name`: trimmed, never empty (falls back to `fallback`), at most 255 units, "…" when cut. */
export function klarnaName(name: string | undefined, fallback: string): string {
  const trimmed = (name ?? "").trim()
  return truncateText(trimmed.length > 0 ? trimmed : fallback, KLARNA_NAME_MAX, { ellipsis: true })
}

/**
 * A Klarna `reference`, trimmed and sent whole; undefined when empty or when it does not fit in 255
 * code points (a cut reference would point at the wrong thing: callers fall back to another one).
 */
export function klarnaReference(reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined
  const trimmed = reference.trim()
  return trimmed.length > 0 && fitsWhole(trimmed, KLARNA_REFERENCE_MAX) ? trimmed : undefined
}

/** A URL is sent only when it fits (a cut URL is a broken URL). */
export function klarnaUrl(url: string | undefined): string | undefined {
  if (url === undefined || url.length === 0 || !fitsWhole(url, KLARNA_URL_MAX)) return undefined
  return url
}

/** Whether an identifier can be sent as it is: well-formed and at most `max` code points. */
export function fitsWhole(text: string, max: number): boolean {
  return isWellFormed(text) && codePointLength(text) <= max
}
