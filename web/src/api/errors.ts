import type { Translate } from '../i18n/index.ts';
import { isApiError } from './client.ts';

/**
 * The text to show a person for a failed call: the server's problem `detail` as is,
 * and a translated sentence for failures that carry no detail (network down, bare HTTP error).
 */
export function describeError(error: unknown, t: Translate): string {
  if (isApiError(error)) {
    switch (error.kind) {
      case 'problem':
        return error.message;
      case 'network':
        return t('error.network');
      case 'http':
        return t('error.http', { status: error.status });
      case 'unexpected':
        return t('error.unexpected');
    }
  }
  return t('error.unknown');
}
