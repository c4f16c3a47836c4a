/** Photos: which image type a file's bytes are (magic numbers), whatever its name or declared type says. */
import { AppError } from '../platform/errors/app-error.ts';
import { MAX_MEDIA_BYTES, MEDIA_TYPES, type MediaType } from './model.ts';

/** The image type of these bytes (JPEG, PNG or WebP), or undefined when they are none of those. */
export function sniffImageType(bytes: Uint8Array): MediaType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'image/png';
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/**
 * Checks a photo and returns its real type: PAYLOAD_TOO_LARGE over 10 MB, UNSUPPORTED_MEDIA_TYPE when the bytes
 * are no JPEG, PNG or WebP image or are another image type than the declared one. `field` goes into the details.
 */
export function checkPhoto(bytes: Uint8Array, declaredType: string | undefined, field: string): MediaType {
  const mb = MAX_MEDIA_BYTES / 1024 / 1024;
  if (bytes.length > MAX_MEDIA_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', `A photo may be at most ${mb} MB; this one is ${(bytes.length / 1024 / 1024).toFixed(1)} MB`, { details: { field } });
  }
  if (bytes.length === 0) throw new AppError('BAD_REQUEST_DATA', 'The photo is empty; send its bytes', { details: { field } });
  const sniffed = sniffImageType(bytes);
  if (!sniffed) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'This file is not an image: send a JPEG, PNG or WebP photo (its bytes are checked, whatever its name or type says)', {
      details: { field },
    });
  }
  const declared = declaredType?.split(';')[0]?.trim().toLowerCase();
  if (declared && (MEDIA_TYPES as readonly string[]).includes(declared) && declared !== sniffed) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `This file's bytes are ${sniffed} but its type says ${declared}; send the matching type`, { details: { field } });
  }
  return sniffed;
}
