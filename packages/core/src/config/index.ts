export * from "./options-schema"
export * from "./plugin-options"
export * from "./klarna-clients"
export * from "./carrier-mapping"
