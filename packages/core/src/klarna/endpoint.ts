/**
 * How one Klarna endpoint is declared (endpoints.ts holds the declarations), and what follows from a
 * declaration: the operation sent for a call (validated arguments, encoded path, body, idempotency key,
 * whether it may be repeated, how the 2xx response is read) and the typed method signature.
 *
 * A method's arguments are, in this order: one string per `{name}` in the path template, the body
 * argument when the endpoint has a body, then the call options (a Klarna-Idempotency-Key when the
 * endpoint requires one).
 */
import type { CallPriority } from "./call-gate"
import { KlarnaError } from "./errors"
import {
  type HttpMethod,
  type KlarnaCallOptions,
  type KlarnaHttpResponse,
  type KlarnaMutationOptions,
  type KlarnaOperation,
  type ParseResult,
  pathParam,
  requireBody,
  requireIdempotencyKey,
} from "./operation"

/**
 * - "required": an Order Management mutation. The caller's key is sent on every attempt and Klarna replays
 *   the first result for it, so the call is safe to retry.
 * - "optional": sent when the caller gives one, but the call is never repeated automatically (Klarna
 *   Payments documents no idempotency key, so a repeat could act twice).
 * - "none": no key. Only a GET is then retried.
 */
export type IdempotencyKeyRule = "required" | "optional" | "none"

/** The parameter names of a path template: "/orders/{orderId}/captures/{captureId}" → ["orderId", "captureId"]. */
export type PathParamNames<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}`
  ? [Name, ...PathParamNames<Rest>]
  : []

/** One string argument per path parameter. */
type PathArgs<Path extends string> = Path extends `${string}{${string}}${infer Rest}` ? [string, ...PathArgs<Rest>] : []

/** Builds the JSON body from the method's body argument. Throws {@link InvalidBody} for input Klarna would refuse. */
export type BodyBuilder = (input: never) => object

export interface EndpointDeclaration<
  Path extends string = string,
  Body extends BodyBuilder | undefined = BodyBuilder | undefined,
  Key extends IdempotencyKeyRule = IdempotencyKeyRule,
  Result = unknown,
> {
  method: HttpMethod
  /** Below the base URL; each `{name}` is a string argument, validated (non-empty) and percent-encoded. */
  path: Path
  /** Absent: the request has no body. The built body must be a JSON object. */
  body?: Body
  idempotencyKey: Key
  /** Path parameters shown as `{name}` in logs, events and errors (authorization tokens are bearer secrets). */
  maskInLogs?: readonly PathParamNames<Path>[number][]
  /** Turns a 2xx response into the method's result, or says why it cannot (a KlarnaUnexpectedResponseError). */
  response: (response: KlarnaHttpResponse) => ParseResult<Result>
  /** `shopper`: a shopper waits for it at checkout, so it goes ahead of queued sync calls at the call gate. */
  priority?: CallPriority
}

/** Declares one endpoint (an identity function, there for type inference and checking). */
export function endpoint<
  const Path extends string,
  Key extends IdempotencyKeyRule,
  Result,
  Body extends BodyBuilder | undefined = undefined,
>(declaration: EndpointDeclaration<Path, Body, Key, Result>): EndpointDeclaration<Path, Body, Key, Result> {
  return declaration
}

/** Thrown by a body builder for input Klarna would refuse; reported as a KlarnaInvalidRequestError of the call. */
export class InvalidBody extends Error {}

/** The body argument is the request body as it is (checked to be an object). */
export function sendAs<T extends object>(): (body: T) => T {
  return (body) => body
}

/** Per-call options with an optional key (see IdempotencyKeyRule "optional"). */
export interface KlarnaOptionalKeyOptions extends KlarnaCallOptions {
  idempotencyKey?: string
}

type BodyArgs<Body> = Body extends (...input: infer Input) => object ? Input : []

type OptionsArgs<Key extends IdempotencyKeyRule> = Key extends "required"
  ? [options: KlarnaMutationOptions]
  : Key extends "optional"
    ? [options?: KlarnaOptionalKeyOptions]
    : [options?: KlarnaCallOptions]

/** The arguments of an endpoint's method. */
export type EndpointArgs<E> =
  E extends EndpointDeclaration<infer Path, infer Body, infer Key, unknown>
    ? [...PathArgs<Path>, ...BodyArgs<Body>, ...OptionsArgs<Key>]
    : never

export type EndpointResult<E> =
  E extends EndpointDeclaration<string, BodyBuilder | undefined, IdempotencyKeyRule, infer Result> ? Result : never

/** The client method of an endpoint. */
export type EndpointMethod<E> = (...args: EndpointArgs<E>) => Promise<EndpointResult<E>>

const PATH_PARAM = /\{([A-Za-z][A-Za-z0-9]*)\}/g

/** A call's operation and options, from its declaration and the method's arguments. */
export function operationFor<E extends EndpointDeclaration>(
  name: string,
  declaration: E,
  args: readonly unknown[],
): { operation: KlarnaOperation<EndpointResult<E>>; options: KlarnaCallOptions | undefined } {
  const paramNames = [...declaration.path.matchAll(PATH_PARAM)].map((match) => match[1])
  const hasBody = declaration.body !== undefined
  const options = args[paramNames.length + (hasBody ? 1 : 0)] as KlarnaOptionalKeyOptions | undefined

  let body: object | undefined
  if (declaration.body !== undefined) {
    body = buildBody(name, declaration.body, args[paramNames.length])
  }
  const encoded = new Map(paramNames.map((param, i) => [param, pathParam(name, param, args[i])]))
  const masked = new Set<string>(declaration.maskInLogs ?? [])
  const fill = (mask: boolean) =>
    declaration.path.replace(PATH_PARAM, (_whole, param: string) => (mask && masked.has(param) ? `{${param}}` : (encoded.get(param) ?? "")))

  let idempotencyKey: string | undefined
  if (declaration.idempotencyKey === "required") idempotencyKey = requireIdempotencyKey(name, options)
  else if (declaration.idempotencyKey === "optional" && options?.idempotencyKey !== undefined) {
    idempotencyKey = requireIdempotencyKey(name, options)
  }

  const operation: KlarnaOperation<EndpointResult<E>> = {
    name,
    method: declaration.method,
    path: fill(false),
    safeToRetry: declaration.method === "GET" || declaration.idempotencyKey === "required",
    parse: declaration.response as KlarnaOperation<EndpointResult<E>>["parse"],
  }
  if (masked.size > 0) operation.logPath = fill(true)
  if (body !== undefined) operation.body = body
  if (idempotencyKey !== undefined) operation.idempotencyKey = idempotencyKey
  if (declaration.priority !== undefined) operation.priority = declaration.priority
  return { operation, options }
}

function buildBody(name: string, build: BodyBuilder, input: unknown): object {
  let body: unknown
  try {
    body = (build as (input: unknown) => unknown)(input)
  } catch (problem: unknown) {
    if (problem instanceof InvalidBody) throw KlarnaError.invalidRequest(name, problem.message)
    throw problem
  }
  requireBody(name, body)
  return body as object
}
