/**
 * Klarna text limits. `name`, `reference`, `description` are at most 255 characters. We measure in
 * UTF-16 code units (JavaScript `length`, also Java's `String.length()`), which is never less than
 * the number of code points, so the result fits whichever of the two Klarna counts.
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

/** A Klarna `reference`: at most 255 units, cut without an ellipsis; undefined when empty. */
export function klarnaReference(reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined
  const trimmed = reference.trim()
  return trimmed.length > 0 ? truncateText(trimmed, KLARNA_REFERENCE_MAX) : undefined
}

/** A URL is sent only when it fits (a cut URL is a broken URL). */
export function klarnaUrl(url: string | undefined): string | undefined {
  if (url === undefined || url.length === 0 || url.length > KLARNA_URL_MAX) return undefined
  return url
}
