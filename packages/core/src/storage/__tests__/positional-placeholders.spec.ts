/** `$1…$n` → Knex's `?` bindings, without a database. */
import { toQuestionMarks } from "../positional-placeholders"
import { unwrapUpdateRows } from "../typeorm-sql"

describe("toQuestionMarks", () => {
  test("each $n becomes ? with its value, in the order the placeholders appear", () => {
    expect(toQuestionMarks("SELECT * FROM t WHERE b = $2 AND a = $1", ["a", "b"])).toEqual({
      text: "SELECT * FROM t WHERE b = ? AND a = ?",
      bindings: ["b", "a"],
    })
  })

  test("a placeholder used twice binds its value twice", () => {
    expect(toQuestionMarks("WHERE platform = $2 AND ($3::text IS NULL OR x = $3) AND y = $2", ["w", "medusa", null])).toEqual({
      text: "WHERE platform = ? AND (?::text IS NULL OR x = ?) AND y = ?",
      bindings: ["medusa", null, null, "medusa"],
    })
  })

  test("$10 is the tenth parameter, not the first followed by 0", () => {
    const params = Array.from({ length: 12 }, (_, i) => `p${i + 1}`)
    expect(toQuestionMarks("VALUES ($1, $10, $12)", params)).toEqual({ text: "VALUES (?, ?, ?)", bindings: ["p1", "p10", "p12"] })
  })

  test("casts after a placeholder stay", () => {
    expect(toQuestionMarks("make_interval(secs => $2::float8 / 1000)", [1, 60000]).text).toBe("make_interval(secs => ?::float8 / 1000)")
  })

  test("the statement's own ? (jsonb operators) are escaped for Knex", () => {
    expect(toQuestionMarks("SELECT payload ? 'a', payload ?| $1, payload ?& $1 FROM j", [["a"]])).toEqual({
      text: "SELECT payload \\? 'a', payload \\?| ?, payload \\?& ? FROM j",
      bindings: [["a"], ["a"]],
    })
  })

  test("inside string literals, quoted identifiers, dollar quotes and comments, $n is text and ? is escaped", () => {
    const { text, bindings } = toQuestionMarks(
      `SELECT 'costs $1?' AS a, 'it''s $2' AS b, E'\\'$1' AS c, "col$1?" AS d, $tag$ $1 ? $tag$ AS e, $$ $2 $$ AS f, $1 AS g -- $2 ?
       /* $1 /* nested $2 */ ? */ FROM t WHERE x = $2`,
      ["one", "two"],
    )
    expect(text).toBe(
      `SELECT 'costs $1\\?' AS a, 'it''s $2' AS b, E'\\'$1' AS c, "col$1\\?" AS d, $tag$ $1 \\? $tag$ AS e, $$ $2 $$ AS f, ? AS g -- $2 \\?
       /* $1 /* nested $2 */ \\? */ FROM t WHERE x = ?`,
    )
    expect(bindings).toEqual(["one", "two"])
  })

  test("a $ inside an identifier is not a placeholder", () => {
    expect(toQuestionMarks("SELECT a$1 FROM t WHERE b = $1", [5])).toEqual({ text: "SELECT a$1 FROM t WHERE b = ?", bindings: [5] })
  })

  test("the SQL the store writes (job key literal with colons, ANY($1), RETURNING) converts", () => {
    const { text, bindings } = toQuestionMarks(
      `SELECT a.* FROM klarna_authorization a
         LEFT JOIN klarna_sync_job j ON j.job_key = a.platform || ':cancel_orphan:' || a.checkout_id
        WHERE a.platform = $1 AND a.id = ANY($3) LIMIT $2`,
      ["medusa", 10, ["x"]],
    )
    expect(text).toContain("':cancel_orphan:'")
    expect(text).toContain("a.platform = ? AND a.id = ANY(?) LIMIT ?")
    expect(bindings).toEqual(["medusa", ["x"], 10])
  })

  test("a placeholder without its parameter is refused, naming it", () => {
    expect(() => toQuestionMarks("SELECT $1, $3", [1, 2])).toThrow("SQL placeholder $3 has no parameter (2 given)")
    expect(() => toQuestionMarks("SELECT $0", [1])).toThrow("$0")
  })

  test("unterminated quotes and comments are refused rather than guessed at", () => {
    expect(() => toQuestionMarks("SELECT 'abc", [])).toThrow(/unterminated string literal/)
    expect(() => toQuestionMarks('SELECT "abc', [])).toThrow(/unterminated quoted identifier/)
    expect(() => toQuestionMarks("SELECT $x$ abc", [])).toThrow(/unterminated dollar-quoted/)
    expect(() => toQuestionMarks("SELECT /* abc", [])).toThrow(/unterminated block comment/)
  })

  test("a backslash before ? or a placeholder, which Knex would eat, is refused", () => {
    expect(() => toQuestionMarks("SELECT 'a\\?'", [])).toThrow(/backslash/)
    expect(() => toQuestionMarks("SELECT E'\\$1'", [])).toThrow(/backslash/)
  })
})

describe("unwrapUpdateRows (TypeORM's pg driver)", () => {
  test("[rows, count] of an UPDATE/DELETE gives the rows; other results are the rows", () => {
    expect(unwrapUpdateRows([[{ id: "a" }], 1])).toEqual([{ id: "a" }])
    expect(unwrapUpdateRows([[], 0])).toEqual([])
    expect(unwrapUpdateRows([{ id: "a" }, { id: "b" }])).toEqual([{ id: "a" }, { id: "b" }])
    expect(unwrapUpdateRows(undefined)).toEqual([])
  })
})
