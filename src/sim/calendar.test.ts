/** Unit tests of the holiday calendar: days off, make-up working days, ordinary weekends. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayTypeOfDate, isHeatingSeason, isMakeUpWorkday, localDayNumber } from './calendar.ts';

describe('the Chinese holiday calendar', () => {
  it('treats National Day 2026 as days off, weekdays included', () => {
    for (const d of ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-07']) assert.equal(dayTypeOfDate(d), 'holiday', d);
    assert.equal(dayTypeOfDate('2026-10-08'), 'workday');
  });

  it('treats the make-up Sunday and Saturday around National Day 2026 as working days', () => {
    assert.equal(dayTypeOfDate('2026-09-20'), 'workday');
    assert.equal(dayTypeOfDate('2026-10-10'), 'workday');
    assert.ok(isMakeUpWorkday('2026-10-10'));
    assert.equal(dayTypeOfDate('2026-10-11'), 'weekend');
  });

  it('knows the Spring Festival of 2024, 2025 and 2026 and their make-up days', () => {
    assert.equal(dayTypeOfDate('2024-02-12'), 'holiday');
    assert.equal(dayTypeOfDate('2024-02-04'), 'workday');
    assert.equal(dayTypeOfDate('2025-01-29'), 'holiday');
    assert.equal(dayTypeOfDate('2025-02-08'), 'workday');
    assert.equal(dayTypeOfDate('2026-02-23'), 'holiday');
    assert.equal(dayTypeOfDate('2026-02-28'), 'workday');
  });

  it('treats ordinary Saturdays and Sundays as weekends and ordinary weekdays as workdays', () => {
    assert.equal(dayTypeOfDate('2026-11-07'), 'weekend');
    assert.equal(dayTypeOfDate('2026-11-08'), 'weekend');
    assert.equal(dayTypeOfDate('2026-11-09'), 'workday');
  });

  it('counts local days in Asia/Shanghai, so 16:00 UTC is already the next day', () => {
    assert.equal(localDayNumber(Date.parse('2026-10-09T15:59:00Z')) + 1, localDayNumber(Date.parse('2026-10-09T16:00:00Z')));
  });

  it('puts January in the heating season and July outside it', () => {
    assert.ok(isHeatingSeason(localDayNumber(Date.parse('2026-01-15T04:00:00Z'))));
    assert.ok(!isHeatingSeason(localDayNumber(Date.parse('2026-07-15T04:00:00Z'))));
    assert.ok(isHeatingSeason(localDayNumber(Date.parse('2026-11-20T04:00:00Z'))));
  });
});
