/** True when GET <url>/health answers 200 within two seconds (Medusa's health route). */
export async function isHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })
    await res.text()
    return res.status === 200
  } catch {
    return false
  }
}
