/** API keys for apps and devices: `cck_<id>_<secret>`; only a hash of the secret is stored. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY = /^cck_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedKey {
  id: string;
  key: string;
  secretHash: string;
}

export function generateApiKey(): GeneratedKey {
  const id = randomBytes(10).toString('hex').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `cck_${id}_${secret}`, secretHash: hashSecret(secret) };
}

// The secret has 256 bits of entropy, so a fast hash is as safe as scrypt here and costs
// microseconds per request instead of tens of milliseconds.
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const match = KEY.exec(key);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith('cck_');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
