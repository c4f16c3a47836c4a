/** Password hashing with scrypt (memory-hard), in a self-describing format so parameters can change. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Refuses passwords a person should not use; the message says what to change. */
export function checkPasswordPolicy(password: string, username: string): void {
  if (password.length < 8) throw new AppError('BAD_REQUEST_DATA', 'The password must be at least 8 characters long');
  if (password.length > 256) throw new AppError('BAD_REQUEST_DATA', 'The password must be at most 256 characters long');
  if (password.toLowerCase() === username.toLowerCase()) {
    throw new AppError('BAD_REQUEST_DATA', 'The password must not be the same as the username');
  }
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to compare against when the user does not exist, so timing does not reveal usernames. */
export const DECOY_HASH = await hashPassword(randomBytes(12).toString('hex'));
