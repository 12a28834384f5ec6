/**
 * PostgreSQL's numbered placeholders (`$1…$n`) rewritten as the `?` placeholders Knex's raw() takes.
 *
 * Knex binds its `?` in order, so a `$n` used twice becomes two `?` with the value bound twice. Knex also
 * reads every `?` in the text as a placeholder (`??` as an identifier), inside string literals too, so
 * each `?` of the statement itself (jsonb's `?`, `?|`, `?&`, a `?` in a literal) is escaped as `\?`, which
 * Knex turns back into `?`. `$n` is a placeholder only outside string literals, quoted identifiers,
 * dollar-quoted strings and comments: there it is text and stays as it is.
 */

export interface QuestionMarkQuery {
  text: string
  bindings: unknown[]
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/

export function toQuestionMarks(text: string, params: readonly unknown[] = []): QuestionMarkQuery {
  // Knex's PostgreSQL client drops every backslash in front of a `?` (an odd number makes it a literal `?`,
  // an even one a placeholder): a backslash before a `?` or a placeholder cannot be passed through, so it
  // is refused rather than sent as something else.
  if (/\\(\?|\$\d)/.test(text)) throw new Error("SQL text has a backslash before a ? or a $n placeholder, which Knex cannot pass on")
  let out = ""
  const bindings: unknown[] = []
  let i = 0
  /** Copies text[i, end) (a literal, identifier or comment): no placeholders in it, only `?` to escape. */
  const copyVerbatim = (end: number): void => {
    out += escapeQuestionMarks(text.slice(i, end))
    i = end
  }
  while (i < text.length) {
    const c = text[i]
    const next = text[i + 1]
    if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(text[i - 1]) && (i < 2 || !IDENTIFIER_CHAR.test(text[i - 2]))
      copyVerbatim(endOfQuoted(text, i, "'", escapes))
    } else if (c === '"') {
      copyVerbatim(endOfQuoted(text, i, '"', false))
    } else if (c === "-" && next === "-") {
      const end = text.indexOf("\n", i)
      copyVerbatim(end === -1 ? text.length : end + 1)
    } else if (c === "/" && next === "*") {
      copyVerbatim(endOfBlockComment(text, i))
    } else if (c === "$" && (i === 0 || !IDENTIFIER_CHAR.test(text[i - 1]))) {
      const number = /^\$(\d+)/.exec(text.slice(i))
      const tag = number ? null : DOLLAR_TAG.exec(text.slice(i))
      if (number) {
        const index = Number(number[1])
        if (index < 1 || index > params.length) throw new Error(`SQL placeholder $${index} has no parameter (${params.length} given)`)
        out += "?"
        bindings.push(params[index - 1])
        i += number[0].length
      } else if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length)
        if (close === -1) throw new Error(`SQL text has an unterminated dollar-quoted string (${tag[0]})`)
        copyVerbatim(close + tag[0].length)
      } else {
        out += c
        i += 1
      }
    } else if (c === "?") {
      copyVerbatim(i + 1)
    } else {
      out += c
      i += 1
    }
  }
  return { text: out, bindings }
}

function escapeQuestionMarks(part: string): string {
  return part.replace(/\?/g, "\\?")
}

/** Index just past the closing quote; `''` (or `""`) is an escaped quote, and with `backslashes` so is `\'`. */
function endOfQuoted(text: string, start: number, quote: string, backslashes: boolean): number {
  let i = start + 1
  while (i < text.length) {
    const c = text[i]
    if (backslashes && c === "\\") {
      i += 2
    } else if (c === quote) {
      if (text[i + 1] === quote) i += 2
      else return i + 1
    } else {
      i += 1
    }
  }
  throw new Error(`SQL text has an unterminated ${quote === "'" ? "string literal" : "quoted identifier"}`)
}

/** PostgreSQL block comments nest. */
function endOfBlockComment(text: string, start: number): number {
  let depth = 0
  let i = start
  while (i < text.length) {
    if (text[i] === "/" && text[i + 1] === "*") {
      depth += 1
      i += 2
    } else if (text[i] === "*" && text[i + 1] === "/") {
      depth -= 1
      i += 2
      if (depth === 0) return i
    } else {
      i += 1
    }
  }
  throw new Error("SQL text has an unterminated block comment")
}
