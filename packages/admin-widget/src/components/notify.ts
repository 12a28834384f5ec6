/** The admin's notification toasts, as it hands them to widgets (WidgetProps.notify). */
export interface Notify {
  success(title: string, message: string): void
  error(title: string, message: string): void
  warn(title: string, message: string): void
  info(title: string, message: string): void
}
