/** Subscriptions (ETSI GS CIM 009 clause 5.2.12) as CityCloud stores them, and the notification triggers. */
import type { Principal } from '../platform/auth/model.ts';

export const TRIGGERS = ['entityCreated', 'entityUpdated', 'entityDeleted', 'attributeCreated', 'attributeUpdated', 'attributeDeleted'] as const;
export type Trigger = (typeof TRIGGERS)[number];
/** Clause 5.2.12: without notificationTrigger, attribute creation and update notify. */
export const DEFAULT_TRIGGERS: readonly Trigger[] = ['attributeCreated', 'attributeUpdated'];

export const FORMATS = ['normalized', 'concise', 'keyValues'] as const;
export type NotificationFormat = (typeof FORMATS)[number];

export const ACCEPTS = ['application/json', 'application/ld+json', 'application/geo+json'] as const;
export type NotificationAccept = (typeof ACCEPTS)[number];

export interface KeyValue {
  key: string;
  value: string;
}

/** EntitySelector (clause 5.2.33): `type` is an entity type selection (clause 4.17) in the subscription's @context. */
export interface EntitySelector {
  type: string;
  id?: string;
  idPattern?: string;
}

export interface GeoQueryBody {
  geometry: string;
  coordinates: unknown;
  georel: string;
  geoproperty?: string;
}

export interface EndpointBody {
  uri: string;
  accept: NotificationAccept;
  /** Milliseconds before an attempt counts as failed. */
  timeout?: number;
  receiverInfo?: KeyValue[];
  notifierInfo?: KeyValue[];
}

/** The checked subscription, as kept in `ngsi_subscriptions.body`: attribute names are expanded IRIs; type selections and q as written. */
export interface SubscriptionBody {
  subscriptionName?: string;
  description?: string;
  entities?: EntitySelector[];
  watchedAttributes?: string[];
  notificationTrigger: Trigger[];
  q?: string;
  geoQ?: GeoQueryBody;
  scopeQ?: string;
  lang?: string;
  timeInterval?: number;
  throttling?: number;
  expiresAt?: string;
  isActive: boolean;
  notification: {
    attributes?: string[];
    format: NotificationFormat;
    showChanges: boolean;
    sysAttrs: boolean;
    endpoint: EndpointBody;
  };
}

/** Delivery counters of a subscription (NotificationParams members, clause 5.2.14). */
export interface DeliveryStatus {
  timesSent: number;
  timesFailed: number;
  lastNotification?: string;
  lastSuccess?: string;
  lastFailure?: string;
  lastFailureReason?: string;
}

export interface SubscriptionRecord {
  tenant: string;
  id: string;
  owner: Principal;
  /** The @context the subscription was written with (URL, object or array); undefined: the core context. */
  context: unknown;
  body: SubscriptionBody;
  createdAt: string;
  modifiedAt: string;
  status: DeliveryStatus;
}

/** The subscription's state (clause 5.2.12 `status`). */
export function subscriptionState(body: Pick<SubscriptionBody, 'isActive' | 'expiresAt'>, now = Date.now()): 'active' | 'paused' | 'expired' {
  if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= now) return 'expired';
  return body.isActive ? 'active' : 'paused';
}
