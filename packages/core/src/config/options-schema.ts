/**
 * The JSON Schema of the plugin options every platform package takes (Medusa v1's `plugins: [{ resolve,
 * options }]`, Medusa v2's the same): one source of truth for validation, defaults (ajv fills them in) and
 * the documentation of each option. parseKlarnaOptions() (plugin-options.ts) validates against it.
 */
import { SHIPPING_METHODS } from "../sync/shipping-info"

export const KLARNA_OPTIONS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["credentials"],
  properties: {
    credentials: {
      description:
        "Klarna (or Kustom) API credentials. One entry per account; an entry applies to the currencies (lower case ISO 4217) it lists, or to every currency when it lists none.",
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["username", "password"],
        properties: {
          username: {
            type: "string",
            minLength: 1,
          },
          password: {
            type: "string",
            minLength: 1,
          },
          currencies: {
            type: "array",
            items: {
              type: "string",
              pattern: "^[a-z]{3}$",
            },
          },
          provider: {
            description:
              "Who serves the Order Management API for this account: Klarna, or Kustom (former Klarna Checkout merchants, https://api.kustom.co).",
            enum: ["klarna", "kustom"],
            default: "klarna",
          },
          region: {
            description: "Klarna only (default eu); Kustom has one host per environment.",
            enum: ["eu", "na", "oc"],
          },
          environment: {
            enum: ["live", "playground"],
            default: "playground",
          },
          baseUrl: {
            type: "string",
            pattern: "^https?://",
          },
        },
      },
    },
    klarnaProviderIds: {
      description: "Medusa payment provider ids whose payments are Klarna orders.",
      type: "array",
      items: {
        type: "string",
      },
      default: ["klarna"],
    },
    orderIdPath: {
      description: "Where the Klarna order id is kept in payment.data (dot path).",
      type: "string",
      default: "order_id",
    },
    carrierMapping: {
      description: "Klarna shipping_company code per Medusa fulfillment provider id or shipping option name.",
      type: "object",
      additionalProperties: {
        type: "string",
        maxLength: 100,
      },
      default: {},
    },
    defaultShippingCompany: {
      type: "string",
      maxLength: 100,
    },
    shippingMethod: {
      description: "Klarna shipping_method sent with tracking.",
      enum: SHIPPING_METHODS,
      default: "Home",
    },
    captureOn: {
      description: "When a fulfillment is captured: when it is created, or when it is shipped.",
      enum: ["fulfillment", "shipment"],
      default: "fulfillment",
    },
    autoRelease: {
      description: "Release the remaining authorization once every item is fulfilled, returned or canceled.",
      type: "boolean",
      default: true,
    },
    enableUI: {
      type: "boolean",
      default: true,
    },
    purchaseCountry: {
      description: "Fallback ISO 3166 alpha-2 country for Klarna Payments sessions when the cart has no address.",
      type: "string",
      pattern: "^[A-Za-z]{2}$",
    },
    worker: {
      type: "object",
      additionalProperties: false,
      properties: {
        enabled: {
          type: "boolean",
          default: true,
        },
        pollIntervalMs: {
          description: "How often an idle worker looks for due jobs when it cannot listen for them (ms).",
          type: "integer",
          minimum: 10,
          default: 1000,
        },
        idlePollIntervalMs: {
          description:
            "While the worker listens for jobs (LISTEN/NOTIFY: a job queued on any server wakes it), how often it looks anyway when idle (ms); 0: do not listen, poll every pollIntervalMs.",
          type: "integer",
          minimum: 0,
          default: 60000,
        },
        maxAttempts: {
          type: "integer",
          minimum: 1,
          default: 8,
        },
        baseBackoffMs: {
          type: "integer",
          minimum: 1,
          default: 2000,
        },
        maxBackoffMs: {
          type: "integer",
          minimum: 1,
          default: 300000,
        },
        leaseMs: {
          type: "integer",
          minimum: 1000,
          default: 60000,
        },
        sweepIntervalMs: {
          type: "integer",
          minimum: 0,
          default: 300000,
        },
        concurrency: {
          type: "integer",
          minimum: 1,
          default: 4,
        },
        maxConcurrency: {
          description:
            "Most jobs the worker runs at once when Klarna's latency and rate limit allow more than concurrency (the Klarna calls in flight adapt between 1 and this).",
          type: "integer",
          minimum: 1,
          default: 32,
        },
      },
    },
    orphanGraceMs: {
      description:
        "How long a Klarna order created at checkout may wait for its cart to become a Medusa order before the sweep cancels it (milliseconds).",
      type: "integer",
      minimum: 1000,
      default: 3600000,
    },
    http: {
      type: "object",
      additionalProperties: false,
      properties: {
        timeoutMs: {
          type: "integer",
          minimum: 1,
          default: 10000,
        },
        maxRetries: {
          type: "integer",
          minimum: 0,
          default: 2,
        },
      },
    },
  },
}
