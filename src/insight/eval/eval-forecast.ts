/**
 * `npm run eval:forecast [-- --limit N --scale-hours H --periods 24,168 --model '{"lags":6}']`: the issue 8
 * forecasting evaluation; the last line is JSON. --periods and --model override the defaults to compare variants.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_DIRECT_AR, type DirectArOptions } from '../forecast/index.ts';
import { evaluateForecast, formatEvaluation, readPm25, summary } from './forecast.ts';

const { values: args } = parseArgs({
  options: {
    limit: { type: 'string' },
    'scale-hours': { type: 'string' },
    periods: { type: 'string' },
    model: { type: 'string' },
  },
});
const limit = args.limit ? Number(args.limit) : undefined;
const scaleWindow = args['scale-hours'] ? Number(args['scale-hours']) : undefined;
const periods = args.periods ? args.periods.split(',').map(Number) : undefined;
const model = args.model ? { ...DEFAULT_DIRECT_AR, ...(JSON.parse(args.model) as Partial<DirectArOptions>) } : undefined;
const started = Date.now();
const evaluation = evaluateForecast(readPm25(), {
  ...(limit ? { limit } : {}),
  ...(scaleWindow ? { scaleWindow } : {}),
  ...(periods ? { periods } : {}),
  ...(model ? { model } : {}),
  onProgress: (done, total) => {
    if (done % 30 === 0 || done === total) process.stderr.write(`\rforecast origins ${done}/${total}`);
  },
});
process.stderr.write(`\n${((Date.now() - started) / 1000).toFixed(1)} s\n`);
console.log(formatEvaluation(evaluation));
console.log(JSON.stringify(summary(evaluation)));
