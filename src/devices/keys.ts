/** Device keys: `ccd_<keyId>_<secret>`; only a hash of the secret is stored, like platform API keys. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY = /^ccd_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedDeviceKey {
  keyId: string;
  key: string;
  secretHash: string;
}

// 256 bits of entropy: a fast hash is as safe as scrypt here, and ingest checks keys per message.
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateDeviceKey(): GeneratedDeviceKey {
  const keyId = randomBytes(10).toString('hex').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  return { keyId, key: `ccd_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

export function parseDeviceKey(key: string): { keyId: string; secret: string } | undefined {
  const match = KEY.exec(key);
  return match ? { keyId: match[1] as string, secret: match[2] as string } : undefined;
}

/**
 * Per stored hash, the secret last found to match it. A device sends its key with every message: comparing it with
 * the remembered secret (in constant time) instead of hashing it again was 4% of the MQTT ingest's CPU. Keyed by
 * the hash, so a new key of the device is checked afresh.
 */
const MATCHED = new Map<string, Buffer>();
const MATCHED_KEPT = 100_000;

export function deviceSecretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(secret);
  const known = MATCHED.get(storedHash);
  if (known && known.length === given.length && timingSafeEqual(known, given)) return true;
  const hashed = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  const ok = hashed.length === stored.length && timingSafeEqual(hashed, stored);
  if (ok) {
    if (MATCHED.size >= MATCHED_KEPT) MATCHED.clear();
    MATCHED.set(storedHash, given);
  }
  return ok;
}
