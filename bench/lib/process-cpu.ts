/**
 * CPU time of other processes (Linux /proc): the PostgreSQL server and the simulator share the machine's
 * cores with the process being measured, so what a sync costs them counts too.
 */
import fs from "node:fs"
import path from "node:path"

const TICKS_PER_S = 100

function statFields(pid: number): string[] | null {
  try {
    // Fields after the command name (which may hold spaces), from field 3 (state) on.
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  } catch {
    return null
  }
}

/** utime + stime of a process, in ms (0 when it is gone). */
export function cpuMsOfPid(pid: number): number {
  const fields = statFields(pid)
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S : 0
}

/**
 * CPU of a PostgreSQL server so far, in ms: its postmaster, the children it has reaped (cutime + cstime: backends
 * of closed connections) and every child alive now (backends, walwriter, ...).
 */
export function postgresCpuMs(dataDir: string): number {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0])
  const own = statFields(postmaster)
  let total = own ? ((Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) * 1000) / TICKS_PER_S : 0
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    if (Number(statFields(Number(entry))?.[1]) === postmaster) total += cpuMsOfPid(Number(entry))
  }
  return total
}
