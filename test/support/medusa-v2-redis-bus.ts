/**
 * Medusa v2's Redis event bus (@medusajs/medusa/event-bus-redis) seen from a test: a BullMQ queue named
 * "events-queue" under the prefix "RedisEventBusService" (node_modules/@medusajs/event-bus-redis/dist/services).
 * The test reads what the bus holds, and puts an event on it again as a redelivering bus (or a second emitter)
 * would: the job has the shape Medusa's emit gives it ({data, metadata} in BullMQ's one data field), so the
 * servers' own bus workers deliver it to the plugin's subscribers. BullMQ and ioredis are the v2 project's own
 * (the versions Medusa runs), loaded from its node_modules.
 *
 *   const bus = openV2RedisBus(stack.project.dir, redis.url)
 *   const ids = await bus.emit("order.placed", { id: orderId }, 2)
 *   await bus.close()
 */
import { createRequire } from "node:module"
import path from "node:path"

export const V2_EVENT_QUEUE = { name: "events-queue", prefix: "RedisEventBusService" }

/** The part of BullMQ's Queue this file uses. */
interface BullQueue {
  add(name: string, data: unknown, opts: Record<string, unknown>): Promise<{ id?: string }>
  getJobState(id: string): Promise<string>
  getJobCounts(...types: string[]): Promise<Record<string, number>>
  close(): Promise<void>
}

interface RedisConnection {
  keys(pattern: string): Promise<string[]>
  quit(): Promise<unknown>
}

export interface V2RedisBus {
  /** Puts the event on the bus `times` times; resolves with the BullMQ job ids (kept once completed). */
  emit(name: string, data: Record<string, unknown>, times?: number): Promise<string[]>
  /** BullMQ's state of each job: "completed" once every subscriber of the event succeeded. */
  states(ids: string[]): Promise<string[]>
  /** Jobs per state (wait, active, delayed, prioritized, failed): all 0 once the bus has delivered everything. */
  pending(): Promise<Record<string, number>>
  /** The Redis keys of the bus's queue. */
  keys(): Promise<string[]>
  close(): Promise<void>
}

export function openV2RedisBus(projectDir: string, redisUrl: string): V2RedisBus {
  const fromProject = createRequire(path.join(projectDir, "package.json"))
  const { Queue } = fromProject("bullmq") as { Queue: new (name: string, options: Record<string, unknown>) => BullQueue }
  const IORedis = fromProject("ioredis") as new (url: string, options: Record<string, unknown>) => RedisConnection
  const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null })
  const queue = new Queue(V2_EVENT_QUEUE.name, { prefix: V2_EVENT_QUEUE.prefix, connection })
  return {
    async emit(name, data, times = 1) {
      const ids: string[] = []
      for (let i = 0; i < times; i++) {
        const now = new Date().toISOString()
        const job = await queue.add(
          name,
          { data, metadata: { created_at: now, published_at: now } },
          // Medusa's own defaults (one attempt), but kept once completed so the test can see it was delivered.
          { attempts: 1, removeOnComplete: false, removeOnFail: false },
        )
        if (!job.id) throw new Error(`the Redis bus gave ${name} no job id`)
        ids.push(job.id)
      }
      return ids
    },
    states: (ids) => Promise.all(ids.map((id) => queue.getJobState(id))),
    pending: () => queue.getJobCounts("wait", "active", "delayed", "prioritized", "failed"),
    keys: () => connection.keys(`${V2_EVENT_QUEUE.prefix}:${V2_EVENT_QUEUE.name}:*`),
    async close() {
      await queue.close()
      await connection.quit()
    },
  }
}
