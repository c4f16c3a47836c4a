/** Devices: what the registry keeps about each device, and what one message from a device carries. */

/** How a device's short measurement name becomes an entity attribute (FIWARE IoT Agent `attributes`). */
export interface AttributeMapping {
  /** The name the device sends, e.g. `t`. */
  key: string;
  /** The entity attribute it becomes, e.g. `temperature`. */
  name: string;
  /** UN/CEFACT unit code, e.g. `CEL`. */
  unitCode?: string;
  /** How an UltraLight text value is read; JSON values keep their JSON type. Default: numbers where the text is a number. */
  valueType?: 'number' | 'text' | 'boolean';
}

/** The attribute one measured value becomes: `location` a GeoProperty, anything else a Property with the mapping's unit. */
export function measuredAttribute(name: string, value: unknown, observedAt: string, mapping: Pick<AttributeMapping, 'unitCode'> | undefined): Record<string, unknown> {
  return name === 'location'
    ? { type: 'GeoProperty', value, observedAt }
    : { type: 'Property', value, observedAt, ...(mapping?.unitCode ? { unitCode: mapping.unitCode } : {}) };
}

export interface Device {
  id: string;
  tenant: string;
  entityId: string;
  entityType: string;
  attributes: AttributeMapping[];
  ownerDepartment: string | null;
  description: string;
  /** The public part of the device key (`ccd_<keyId>_…`), to tell keys apart without the secret. */
  keyId: string;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What the registry counts per device (kept in memory and written in batches). */
export interface DeviceActivity {
  lastSeenAt: string | null;
  messageCount: number;
  errorCount: number;
  throttledCount: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

export type DeviceView = Device & DeviceActivity;

/** A device record as the ingest path needs it, with the hash of its key. */
export interface DeviceCredential {
  device: Device;
  secretHash: string;
}

export interface NewDevice {
  id: string;
  entityType: string;
  entityId?: string;
  attributes?: AttributeMapping[];
  ownerDepartment?: string;
  description?: string;
  /** NGSI-LD attributes set once on the entity at registration (e.g. its location). */
  staticAttributes?: Record<string, unknown>;
}

export interface DeviceChange {
  attributes?: AttributeMapping[];
  description?: string;
}

/** One measurement: attribute values by the device's short names, and when they were observed. */
export interface Measurement {
  observedAt?: string;
  values: Record<string, unknown>;
}

export type PayloadFormat = 'json' | 'ultralight';

/** Why a message was refused; each is counted per device (or, when no device is known, in the metrics). */
export type Rejection = 'unknown_device' | 'wrong_key' | 'bad_payload' | 'too_large' | 'throttled' | 'write_failed' | 'bad_topic';

/** A refused message: a reason code and a sentence a device owner can act on. */
export class IngestRejected extends Error {
  override readonly name = 'IngestRejected';
  constructor(
    readonly reason: Rejection,
    message: string,
  ) {
    super(message);
  }
}

/** Device ids go into MQTT topics and URLs: no `/`, `+`, `#` or spaces. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
