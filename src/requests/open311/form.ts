/** The Open311 POST form: url-encoded or multipart fields, `attribute[CODE]` / `attribute[CODE][]`, read into the workflow's input. */
import { AppError } from '../../platform/errors/app-error.ts';
import type { SubmitInput } from '../model.ts';

/** Every field of a form by name, in the order sent; a name may repeat (a multivaluelist). */
export type FormFields = Map<string, string[]>;

/** Fields a form may hold at most; far above what any service definition asks for. */
export const MAX_FIELDS = 200;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function addField(fields: FormFields, name: string, value: string): void {
  const values = fields.get(name);
  if (values) values.push(value);
  else {
    if (fields.size >= MAX_FIELDS) throw new AppError('BAD_REQUEST_DATA', `The form has more than ${MAX_FIELDS} fields`);
    fields.set(name, [value]);
  }
}

/** Parses `application/x-www-form-urlencoded` text (UTF-8, as GeoReport v2 requires). */
export function parseUrlEncoded(body: Buffer): FormFields {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new AppError('BAD_REQUEST_DATA', 'The form is not valid UTF-8; GeoReport v2 requires UTF-8 (charset=utf-8)');
  }
  const fields: FormFields = new Map();
  for (const [name, value] of new URLSearchParams(text)) addField(fields, name, value);
  return fields;
}

/** What the binding reads from a submitted form besides the workflow's input. */
export interface Submission {
  jurisdictionId: string | undefined;
  apiKey: string | undefined;
  input: SubmitInput;
}

const ATTRIBUTE = /^attribute\[([^[\]]{1,64})\](\[\])?$/;
const SCALARS = {
  jurisdiction_id: 'jurisdictionId',
  api_key: 'apiKey',
  service_code: 'serviceCode',
  lat: 'lat',
  long: 'long',
  address_string: 'addressString',
  address_id: 'addressId',
  email: 'email',
  device_id: 'deviceId',
  account_id: 'accountId',
  first_name: 'firstName',
  last_name: 'lastName',
  phone: 'phone',
  description: 'description',
  media_url: 'mediaUrl',
} as const;
type Scalar = keyof typeof SCALARS;

function isScalar(name: string): name is Scalar {
  return Object.hasOwn(SCALARS, name);
}

/**
 * Reads the GeoReport v2 POST arguments. An empty argument counts as not sent ("Optional Arguments");
 * an argument sent twice with different values is refused rather than one of them silently chosen.
 * Names the spec does not define are ignored, so clients that send extra fields still work.
 */
export function readSubmission(fields: FormFields): Submission {
  const scalars: Partial<Record<Scalar, string>> = {};
  // A Map, so a code such as __proto__ is only ever a key (the workflow refuses it as an unknown attribute).
  const attributes = new Map<string, string | string[]>();
  for (const [name, values] of fields) {
    if (isScalar(name)) {
      const given = [...new Set(values.filter((v) => v !== ''))];
      if (given.length > 1) throw new AppError('BAD_REQUEST_DATA', `${name} was sent ${values.length} times with different values; send it once`);
      if (given[0] !== undefined) scalars[name] = given[0];
      continue;
    }
    if (!name.startsWith('attribute')) continue;
    const match = ATTRIBUTE.exec(name);
    if (!match) {
      throw new AppError(
        'BAD_REQUEST_DATA',
        `"${name.slice(0, 80)}" is not an attribute field: write attribute[CODE]=value, or attribute[CODE][]=value once per value of a multivaluelist`,
      );
    }
    const code = match[1] as string;
    const many = match[2] !== undefined;
    if (attributes.has(code)) {
      throw new AppError('BAD_REQUEST_DATA', `attribute[${code}]: send either attribute[${code}]=value or attribute[${code}][]=value, not both`, {
        details: { field: `attributes.${code}` },
      });
    }
    const given = values.filter((v) => v !== '');
    if (given.length === 0) continue;
    // A repeated attribute[CODE] is read as a list too; the workflow refuses it unless the datatype is a multivaluelist.
    attributes.set(code, many || given.length > 1 ? given : (given[0] as string));
  }

  if (scalars.service_code === undefined) {
    throw new AppError('BAD_REQUEST_DATA', 'service_code is required: choose one from GET services', { details: { field: 'serviceCode' } });
  }
  const input: SubmitInput = { serviceCode: scalars.service_code };
  for (const name of Object.keys(SCALARS) as Scalar[]) {
    const value = scalars[name];
    const key = SCALARS[name];
    if (value === undefined || key === 'jurisdictionId' || key === 'apiKey' || key === 'serviceCode') continue;
    input[key] = value;
  }
  if (attributes.size > 0) input.attributes = Object.fromEntries(attributes);
  return { jurisdictionId: scalars.jurisdiction_id, apiKey: scalars.api_key, input };
}
