export {
  ApiError,
  type ApiResponse,
  apiFetch,
  apiRequest,
  configureApiClient,
  isApiError,
  type RequestOptions,
} from './client.ts';
export * from './endpoints.ts';
export { describeError } from './errors.ts';
export * from './types.ts';
export { type ApiState, useApi } from './useApi.ts';
export * from './ngsi.ts';
export { type LiveChange, type LiveQuery, type LiveState, streamEntityChanges } from './live.ts';
