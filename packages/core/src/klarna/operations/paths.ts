/** Path prefixes of the two Klarna APIs the client calls. */
export const OM_ORDERS = "/ordermanagement/v1/orders"
export const PAYMENTS_V1 = "/payments/v1"
