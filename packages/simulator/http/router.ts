/**
 * A tiny router for OpenAPI-style path templates ("/orders/{order_id}/captures").
 * No framework: the simulator must stay dependency-light and its routing obvious.
 */
export interface Match<T> {
  route: T
  params: Record<string, string>
}

interface Compiled<T> {
  method: string
  regex: RegExp
  names: string[]
  route: T
}

export class Router<T> {
  private readonly routes: Compiled<T>[] = []

  add(method: string, template: string, route: T): void {
    const names: string[] = []
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_m, name: string) => {
      names.push(name)
      return "([^/]+)"
    })
    this.routes.push({ method: method.toUpperCase(), regex: new RegExp(`^${pattern}/?$`), names, route })
  }

  /** `route` for method+path; `methodNotAllowed` when only the path matched. */
  match(method: string, path: string): { found?: Match<T>; methodNotAllowed: boolean } {
    let pathMatched = false
    for (const r of this.routes) {
      const m = r.regex.exec(path)
      if (!m) continue
      pathMatched = true
      if (r.method !== method.toUpperCase()) continue
      const params: Record<string, string> = {}
      r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])))
      return { found: { route: r.route, params }, methodNotAllowed: false }
    }
    return { methodNotAllowed: pathMatched }
  }
}
