/**
 * Klarna wire DTOs: snake_case exactly as Klarna sends and receives them, money in integer minor units.
 * Shared by the client (which sends them) and the sync engine (which builds them). Platform-free.
 */

export type OrderLineType =
  "physical" | "discount" | "shipping_fee" | "sales_tax" | "store_credit" | "gift_card" | "digital" | "surcharge" | "return_fee"

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

// ---------------------------------------------------------------------------------------------
// Order Management: requests without their own DTO above
// ---------------------------------------------------------------------------------------------

/** Body of POST /orders/{order_id}/captures/{capture_id}/shipping-info (1..500 entries). */
export interface AppendShippingInfoRequest {
  shipping_info: KlarnaShippingInfo[]
}

/** Body of PATCH /orders/{order_id}/merchant-references. Omitted fields are left as they are; "" clears one. */
export interface UpdateMerchantReferencesRequest {
  merchant_reference1?: string
  merchant_reference2?: string
}

/** Body of PATCH /orders/{order_id}/authorization. Omitting order_lines deletes the original lines (Klarna docs). */
export interface UpdateAuthorizationRequest {
  order_amount: number
  description?: string
  order_lines?: KlarnaOrderLine[]
}

// ---------------------------------------------------------------------------------------------
// Order Management: responses
// ---------------------------------------------------------------------------------------------

export type KlarnaOrderStatus = "AUTHORIZED" | "PART_CAPTURED" | "CAPTURED" | "CANCELLED" | "EXPIRED" | "CLOSED"

/** "Either ACCEPTED, PENDING or REJECTED" per the spec, which types it as a free string. */
export type KlarnaFraudStatus = "ACCEPTED" | "PENDING" | "REJECTED" | (string & {})

export interface KlarnaAddress {
  attention?: string
  city?: string
  /** ISO 3166-1 alpha-2. */
  country?: string
  email?: string
  family_name?: string
  given_name?: string
  organization_name?: string
  phone?: string
  postal_code?: string
  region?: string
  street_address?: string
  street_address2?: string
  title?: string
}

export interface KlarnaInitialPaymentMethod {
  type?: string
  description?: string
  number_of_installments?: number
}

/** A capture as Klarna returns it (GET .../captures, GET .../captures/{id}, order.captures[]). */
export interface KlarnaCapture {
  capture_id: string
  klarna_reference?: string
  captured_amount: number
  /** ISO 8601. */
  captured_at?: string
  description?: string
  reference?: string
  order_lines?: KlarnaOrderLine[]
  refunded_amount?: number
  billing_address?: KlarnaAddress
  shipping_address?: KlarnaAddress
  shipping_info?: KlarnaShippingInfo[]
}

/** A refund as Klarna returns it (GET .../refunds/{id}, order.refunds[]). */
export interface KlarnaRefund {
  refund_id: string
  refunded_amount: number
  /** ISO 8601. */
  refunded_at?: string
  description?: string
  reference?: string
  order_lines?: KlarnaOrderLine[]
  credit_invoice?: boolean
}

/** MerchantOrderDto: GET /ordermanagement/v1/orders/{order_id}. */
export interface KlarnaOrder {
  order_id: string
  status: KlarnaOrderStatus
  fraud_status?: KlarnaFraudStatus
  order_amount: number
  original_order_amount?: number
  captured_amount: number
  refunded_amount: number
  remaining_authorized_amount: number
  purchase_country?: string
  purchase_currency: string
  locale?: string
  order_lines?: KlarnaOrderLine[]
  merchant_reference1?: string
  merchant_reference2?: string
  merchant_data?: string
  klarna_reference?: string
  customer?: { date_of_birth?: string; national_identification_number?: string }
  billing_address?: KlarnaAddress
  shipping_address?: KlarnaAddress
  /** ISO 8601. */
  created_at?: string
  /** ISO 8601. The order can only be captured until this time. */
  expires_at?: string
  captures?: KlarnaCapture[]
  refunds?: KlarnaRefund[]
  shipping_info?: KlarnaShippingInfo[]
  selected_shipping_option?: Record<string, unknown>
  initial_payment_method?: KlarnaInitialPaymentMethod
}

/** Klarna's error body. Some Klarna APIs send a singular `error_message` instead of `error_messages`. */
export interface KlarnaErrorBody {
  error_code?: string
  error_messages?: string[]
  error_message?: string
  correlation_id?: string
}

// ---------------------------------------------------------------------------------------------
// Klarna Payments (checkout): POST /payments/v1/sessions, POST /payments/v1/authorizations/{token}/order
// ---------------------------------------------------------------------------------------------

export interface KlarnaPaymentsMerchantUrls {
  confirmation?: string
  notification?: string
  push?: string
  authorization?: string
}

export interface KlarnaPaymentsCustomer {
  date_of_birth?: string
  gender?: string
  last_four_ssn?: string
  national_identification_number?: string
  organization_entity_type?: string
  organization_registration_id?: string
  title?: string
  type?: "person" | "organization"
  vat_id?: string
}

/** session_create: body of POST /payments/v1/sessions. */
export interface PaymentsSessionRequest {
  purchase_country: string
  purchase_currency: string
  locale?: string
  order_amount: number
  order_tax_amount?: number
  order_lines: KlarnaOrderLine[]
  acquiring_channel?: "ECOMMERCE" | "IN_STORE" | "TELESALES"
  intent?: "buy" | "tokenize" | "buy_and_tokenize"
  billing_address?: KlarnaAddress
  shipping_address?: KlarnaAddress
  customer?: KlarnaPaymentsCustomer
  merchant_reference1?: string
  merchant_reference2?: string
  merchant_data?: string
  merchant_urls?: KlarnaPaymentsMerchantUrls
  custom_payment_method_ids?: string[]
  design?: string
  options?: Record<string, unknown>
  attachment?: { body: string; content_type: string }
}

export interface KlarnaPaymentMethodCategory {
  identifier?: string
  name?: string
  asset_urls?: { descriptive?: string; standard?: string }
}

/** merchant_session: 200 response of POST /payments/v1/sessions. */
export interface PaymentsSession {
  session_id: string
  /** Goes to the browser, where Klarna's widget turns it into an authorization_token. */
  client_token: string
  payment_method_categories?: KlarnaPaymentMethodCategory[]
}

/** create_order_request: body of POST /payments/v1/authorizations/{token}/order. */
export interface PaymentsOrderRequest {
  purchase_country: string
  purchase_currency: string
  locale?: string
  order_amount: number
  order_tax_amount?: number
  order_lines: KlarnaOrderLine[]
  auto_capture?: boolean
  billing_address?: KlarnaAddress
  shipping_address?: KlarnaAddress
  customer?: KlarnaPaymentsCustomer
  merchant_reference1?: string
  merchant_reference2?: string
  merchant_data?: string
  merchant_urls?: KlarnaPaymentsMerchantUrls
  custom_payment_method_ids?: string[]
}

export interface KlarnaAuthorizedPaymentMethod {
  type: string
  number_of_days?: number
  number_of_installments?: number
}

/** order: 200 response of POST /payments/v1/authorizations/{token}/order. order_id is the OM order id. */
export interface PaymentsOrder {
  order_id: string
  redirect_url?: string
  fraud_status?: KlarnaFraudStatus
  authorized_payment_method?: KlarnaAuthorizedPaymentMethod
}
