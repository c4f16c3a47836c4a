/** The device registry endpoints the Devices page calls (/api/v1/devices). */
import { apiRequest } from '../../api/client.ts';

export interface AttributeMapping {
  key: string;
  name: string;
  unitCode?: string;
}

export interface Device {
  id: string;
  entityId: string;
  entityType: string;
  attributes: AttributeMapping[];
  ownerDepartment: string | null;
  description: string;
  createdAt: string;
  lastSeenAt: string | null;
  messageCount: number;
  errorCount: number;
  throttledCount: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface NewDevice {
  id: string;
  entityType: string;
  entityId?: string;
  attributes?: AttributeMapping[];
  ownerDepartment?: string;
  description?: string;
}

export async function fetchDevices(signal?: AbortSignal): Promise<Device[]> {
  const { devices } = await apiRequest<{ devices: Device[] }>('/api/v1/devices', { signal });
  return devices;
}

export function registerDevice(body: NewDevice): Promise<{ device: Device; key: string }> {
  return apiRequest('/api/v1/devices', { method: 'POST', body });
}

/**
 * Reads a mapping written as `t=temperature:CEL, h=relativeHumidity` (short name = attribute : unit);
 * returns undefined when a part is malformed.
 */
export function parseMappings(text: string): AttributeMapping[] | undefined {
  const parts = text
    .split(/[,，\n]/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const out: AttributeMapping[] = [];
  for (const part of parts) {
    const match = /^([A-Za-z0-9_.-]+)\s*=\s*([^\s:=]+)(?:\s*:\s*([A-Za-z0-9]+))?$/.exec(part);
    if (!match) return undefined;
    out.push({ key: match[1] as string, name: match[2] as string, ...(match[3] ? { unitCode: match[3] } : {}) });
  }
  return out;
}
