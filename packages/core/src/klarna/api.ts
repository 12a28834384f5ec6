/**
 * What the rest of the plugin may ask of Klarna: one method per endpoint of endpoints.ts, typed from its
 * declaration. The sync engine depends on this interface (a slice of it: sync/klarna-port.ts), not on
 * KlarnaClient, so tests can hand it a fake. All methods throw KlarnaError (see errors.ts) on failure.
 */
import type { EndpointMethod } from "./endpoint"
import type { KlarnaEndpointName, KlarnaEndpoints } from "./endpoints"

export type { KlarnaCallOptions, KlarnaMutationOptions } from "./operation"
export type { KlarnaOptionalKeyOptions } from "./endpoint"
export type { CreateCaptureResult, CreateRefundResult } from "./endpoints"

/** The methods of KlarnaApi, one per declared endpoint. */
export type KlarnaEndpointMethods = { [Name in KlarnaEndpointName]: EndpointMethod<KlarnaEndpoints[Name]> }

// An interface, not an alias: error messages and editors name it KlarnaApi instead of expanding the mapped type.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface KlarnaApi extends KlarnaEndpointMethods {}
