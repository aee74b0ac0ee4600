export {
  createNotificationChannel,
  listAlerts,
  listNotificationChannels,
  type AlertView,
  type ChannelView,
} from "./channels";
export {
  deliverNotifications,
  MAX_DELIVERY_ATTEMPTS,
  type DeliveryResult,
} from "./deliver";
export { evaluateAlerts, type EvaluateAlertsResult } from "./evaluate";
export { createNotificationSender, type NotificationSender } from "./transport";
export * from "./schemas";
