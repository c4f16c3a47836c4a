/** Prometheus metrics: one registry per running platform, exposed as text at /metrics. */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  httpErrors: Counter<'code'>;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'citycloud_' });
  const httpRequestDuration = new Histogram({
    name: 'citycloud_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const httpErrors = new Counter({
    name: 'citycloud_http_errors_total',
    help: 'Error responses by error code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  return { registry, httpRequestDuration, httpErrors };
}
