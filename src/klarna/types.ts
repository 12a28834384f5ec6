/**
 * Klarna wire DTOs: snake_case exactly as Klarna sends and receives them, money in integer minor units.
 * Shared by the client (which sends them) and the sync engine (which builds them). Platform-free.
 */

export type OrderLineType =
  | "physical"
  | "discount"
  | "shipping_fee"
  | "sales_tax"
  | "store_credit"
  | "gift_card"
  | "digital"
  | "surcharge"
  | "return_fee"

export interface KlarnaOrderLine {
  type?: OrderLineType
  reference?: string
  name: string
  quantity: number
  quantity_unit?: string
  /** Unit price including tax, before discounts. */
  unit_price: number
  /** Percent with two implied decimals: 2500 = 25%. */
  tax_rate?: number
  /** quantity * unit_price - total_discount_amount */
  total_amount: number
  total_discount_amount?: number
  total_tax_amount?: number
  merchant_data?: string
  product_url?: string
  image_url?: string
}

export type ShippingMethod =
  | "PickUpStore"
  | "Home"
  | "BoxReg"
  | "BoxUnreg"
  | "PickUpPoint"
  | "Own"
  | "Postal"
  | "DHLPackstation"
  | "Digital"
  | "Undefined"
  | "PickUpWarehouse"
  | "ClickCollect"
  | "PalletDelivery"

export interface KlarnaShippingInfo {
  shipping_company?: string
  shipping_method?: ShippingMethod
  tracking_number?: string
  tracking_uri?: string
  return_shipping_company?: string
  return_tracking_number?: string
  return_tracking_uri?: string
}

export interface CaptureRequest {
  captured_amount: number
  description?: string
  reference?: string
  order_lines?: KlarnaOrderLine[]
  shipping_info?: KlarnaShippingInfo[]
  shipping_delay?: number
}

export interface RefundRequest {
  refunded_amount: number
  description?: string
  reference?: string
  order_lines?: KlarnaOrderLine[]
}
