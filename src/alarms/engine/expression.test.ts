import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EvalContext, ExpressionError, parseDuration, parseExpression, test } from './expression.ts';

function ctx(attrs: Record<string, unknown>, extra: Partial<EvalContext> = {}): EvalContext {
  return { now: 0, attrs, entityId: 'e1', entity: () => undefined, nearest: () => undefined, samples: () => undefined, changedAt: () => undefined, ...extra };
}

describe('alarm condition language', () => {
  it('compares numbers, strings and booleans with and/or/not and parentheses', () => {
    const e = parseExpression('(value >= 15 and state == "triggered") or not armed');
    assert.equal(test(e, ctx({ value: 18, state: 'triggered', armed: true })), true);
    assert.equal(test(e, ctx({ value: 8, state: 'triggered', armed: true })), false);
    assert.equal(test(e, ctx({ value: 8, state: 'idle', armed: false })), true);
  });

  it('reads a threshold from the entity’s own attribute', () => {
    const e = parseExpression('pm25 > alarmThreshold');
    assert.equal(test(e, ctx({ pm25: 80, alarmThreshold: 75 })), true);
    assert.equal(test(e, ctx({ pm25: 70, alarmThreshold: 75 })), false);
    assert.equal(test(e, ctx({ pm25: 70 })), false, 'a missing threshold never matches');
  });

  it('hops through a relationship and tests membership with in (…)', () => {
    const e = parseExpression('refBuilding.occupancyState in ("away", "night")');
    const building = (occupancyState: string) => ctx({ refBuilding: 'urn:b1' }, { entity: (id) => (id === 'urn:b1' ? { occupancyState } : undefined) });
    assert.equal(test(e, building('night')), true);
    assert.equal(test(e, building('home')), false);
  });

  it('reads the nearest entity of a type', () => {
    const e = parseExpression('nearest(WeatherObserved).windSpeed > 8');
    assert.equal(test(e, ctx({}, { nearest: (t) => (t === 'WeatherObserved' ? { windSpeed: 9.2 } : undefined) })), true);
    assert.equal(test(e, ctx({}, { nearest: () => ({ windSpeed: 3 }) })), false);
  });

  it('computes the rate of change over a window', () => {
    const e = parseExpression('rate(pm25, PT10M) > 20');
    const samples = (list: [number, number][]) => ctx({}, { samples: () => list });
    assert.equal(test(e, samples([[0, 50], [300_000, 65]])), true, '15 in 5 min is 30 per 10 min');
    assert.equal(test(e, samples([[0, 50], [600_000, 60]])), false);
  });

  it('tells whether an attribute changed recently', () => {
    const e = parseExpression('changed(refBuilding.occupancyState, PT3M)');
    const c = (at: number | undefined) => ctx({ refBuilding: 'b' }, { now: 600_000, changedAt: () => at });
    assert.equal(test(e, c(500_000)), true);
    assert.equal(test(e, c(0)), false);
    assert.equal(test(e, c(undefined)), false);
  });

  it('says where a syntax error is and what was expected', () => {
    assert.throws(() => parseExpression('value >= '), (e: unknown) => e instanceof ExpressionError && e.column === 10 && /expected a number, a "string" or an attribute name after '>='/.test(e.message));
    assert.throws(() => parseExpression('value = 3'), /column 7: '=='/);
    assert.throws(() => parseExpression('rate(pm25, 10) > 1'), /column 12: expected an ISO 8601 duration/);
    assert.throws(() => parseExpression('a > 1 b'), /column 7: expected 'and', 'or' or the end/);
    assert.throws(() => parseExpression('(a > 1'), /expected '\)'/);
  });

  it('parses ISO 8601 durations', () => {
    assert.equal(parseDuration('PT10M'), 600_000);
    assert.equal(parseDuration('P1DT1H'), 90_000_000);
    assert.equal(parseDuration('10 minutes'), undefined);
    assert.equal(parseDuration('PT'), undefined);
  });
});
