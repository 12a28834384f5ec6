/**
 * Issue 13: `npm run shopify` starts as easily as `npm start`. Without DATABASE_URL and SHOPIFY_API_SECRET it
 * used to stop with "DATABASE_URL is required"; now it starts an embedded PostgreSQL under DEMO_DIR (a
 * temporary one here, never the checkout's .demo/), generates a webhook secret once for that directory,
 * prints both, and a webhook signed with the printed secret is verified and recorded. A second start of
 * the same directory uses the same secret and data. Runs what the npm script runs (demo/shopify.ts).
 */
import { type ChildProcess, spawn } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { Client } from "pg"
import { freePort } from "../../scripts/free-port"
import { REPO_ROOT } from "../../scripts/medusa-cli"
import { getHmac } from "./support/harness"
import { eventually } from "../support/store-api"

jest.setTimeout(240_000)

const demoDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kos-shopify-launcher-")), ".demo")
fs.chmodSync(path.dirname(demoDir), 0o755)
const running = new Set<ChildProcess>()

afterAll(async () => {
  for (const child of running) await interrupt(child)
  fs.rmSync(path.dirname(demoDir), { recursive: true, force: true })
})

interface Launched {
  child: ChildProcess
  output: () => string
}

function launch(env: NodeJS.ProcessEnv): Launched {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("demo", "shopify.ts")], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  })
  running.add(child)
  let output = ""
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  return { child, output: () => output }
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  child.kill("SIGINT")
  const code = await exited
  running.delete(child)
  return code
}

function cleanEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_DIR: demoDir, SHOPIFY_WEBHOOK_PORT: String(port) }
  for (const name of ["DATABASE_URL", "SHOPIFY_API_SECRET", "SHOPIFY_KLARNA_MODE", "KLARNA_USERNAME", "KLARNA_PASSWORD"]) delete env[name]
  return env
}

async function started(run: Launched): Promise<{ webhookUrl: string; secret: string; postgresPort: number }> {
  const text = await eventually(
    async () => {
      if (run.child.exitCode !== null) throw new Error(`npm run shopify exited (${run.child.exitCode}):\n${run.output()}`)
      return run.output().includes("record_only:") ? run.output() : undefined
    },
    { what: "the Shopify server's start-up lines", timeoutMs: 180_000 },
  )
  const webhookUrl = /Shopify webhooks on (\S+) \(mode record_only\)/.exec(text)?.[1]
  const secret = /webhook secret {3}([0-9a-f]{64}) {3}generated for this demo directory/.exec(text)?.[1]
  const postgres = /PostgreSQL {7}postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:(\d+)\/shopify {3}embedded, data in (\S+)/.exec(text)
  if (!webhookUrl || !secret || !postgres) throw new Error(`unexpected start-up lines:\n${text}`)
  expect(postgres[2]).toBe(path.join(demoDir, "shopify-postgres"))
  return { webhookUrl, secret, postgresPort: Number(postgres[1]) }
}

async function postWebhook(url: string, secret: string, webhookId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify({ id: 820982911946154500, name: "#9999", financial_status: "paid", line_items: [] })
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": "orders/create",
      "X-Shopify-Hmac-Sha256": getHmac(body, secret),
      "X-Shopify-Shop-Domain": "launcher-test.myshopify.com",
      "X-Shopify-API-Version": "2026-07",
      "X-Shopify-Webhook-Id": webhookId,
      "X-Shopify-Triggered-At": new Date().toISOString(),
      "X-Shopify-Event-Id": webhookId,
    },
    body,
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function receipts(postgresPort: number): Promise<string[]> {
  const client = new Client({ host: "127.0.0.1", port: postgresPort, user: "postgres", password: "postgres", database: "shopify" })
  await client.connect()
  try {
    return (await client.query<{ id: string }>("SELECT id FROM klarna_webhook_receipt ORDER BY id")).rows.map((r) => r.id)
  } finally {
    await client.end()
  }
}

test("without DATABASE_URL or SHOPIFY_API_SECRET: embedded PostgreSQL, a printed secret, a verified webhook; the same again on restart", async () => {
  const port = await freePort()
  const first = launch(cleanEnv(port))
  const one = await started(first)
  expect(one.webhookUrl).toBe(`http://127.0.0.1:${port}/shopify/webhooks`)
  expect(first.output()).not.toContain("DATABASE_URL is required")

  expect(await postWebhook(one.webhookUrl, one.secret, "launcher-1")).toMatchObject({ status: 200, body: { ok: true } })
  expect((await postWebhook(one.webhookUrl, "not-the-secret", "launcher-forged")).status).toBe(401)
  expect(await receipts(one.postgresPort)).toEqual(["launcher-1"])
  expect(await interrupt(first.child)).toBe(0)

  // Same directory, later: the same secret, the same database (the receipt is still there).
  const second = launch(cleanEnv(await freePort()))
  const two = await started(second)
  expect(two.secret).toBe(one.secret)
  expect(await postWebhook(two.webhookUrl, two.secret, "launcher-2")).toMatchObject({ status: 200, body: { ok: true } })
  expect(await receipts(two.postgresPort)).toEqual(["launcher-1", "launcher-2"])
  expect(await interrupt(second.child)).toBe(0)
})
