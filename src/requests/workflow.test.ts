/** The status machine and the SLA clock arithmetic. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../platform/errors/app-error.ts';
import { idPrefix } from './service.ts';
import { checkTransition, initialDueAt, isOverdue, resumedDueAt, templateNote } from './workflow.ts';

describe('workflow', () => {
  test('a forbidden transition is a conflict naming the allowed ones', () => {
    assert.throws(
      () => checkTransition('fixed', 'in_progress', undefined),
      (e: unknown) => e instanceof AppError && e.code === 'CONFLICT' && /may become closed/.test(e.message),
    );
    assert.throws(() => checkTransition('closed', 'open', undefined), (e: unknown) => e instanceof AppError && e.code === 'CONFLICT');
  });

  test('closing an unfixed request needs a reason, and a reason goes only with closing', () => {
    assert.throws(() => checkTransition('open', 'closed', undefined), /needs a closeReason/);
    assert.doesNotThrow(() => checkTransition('open', 'closed', 'duplicate'));
    assert.doesNotThrow(() => checkTransition('fixed', 'closed', undefined));
    assert.throws(() => checkTransition('open', 'fixed', 'referred'), /only with status "closed"/);
  });

  test('the due time grows by each pause, and a paused request is never overdue', () => {
    const requested = new Date('2025-05-01T00:00:00Z');
    const due = initialDueAt(requested, 24);
    assert.equal(due.toISOString(), '2025-05-02T00:00:00.000Z');
    const resumed = resumedDueAt(due, new Date('2025-05-01T06:00:00Z'), new Date('2025-05-01T16:00:00Z'));
    assert.equal(resumed.toISOString(), '2025-05-02T10:00:00.000Z');
    const late = new Date('2025-05-03T00:00:00Z');
    assert.equal(isOverdue({ status: 'open', dueAt: due, pausedAt: new Date('2025-05-01T06:00:00Z') }, late), false);
    assert.equal(isOverdue({ status: 'open', dueAt: due, pausedAt: null }, late), true);
    assert.equal(isOverdue({ status: 'fixed', dueAt: due, pausedAt: null }, late), false);
  });

  test('templates give a note in both languages, per close reason when closing', () => {
    assert.match(templateNote('fixed', null), /已处理完毕.*fixed/);
    assert.match(templateNote('closed', 'referred'), /转交.*referred/);
  });

  test('request ids start with the city initials', () => {
    assert.equal(idPrefix('hangzhou'), 'HZ');
    assert.equal(idPrefix('shenzhen'), 'SZ');
    assert.equal(idPrefix('beijing'), 'BJ');
    assert.equal(idPrefix('x1'), 'X');
  });
});
