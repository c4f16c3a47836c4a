/** The status machine of a request, its SLA clock, and the response templates used when an officer writes no note. */
import { AppError } from '../platform/errors/app-error.ts';
import { CLOSE_REASONS, type CloseReason, type RequestStatus, type Text } from './model.ts';

/**
 * Where each status may go (the reporter's reopening is separate). Staff may skip forward (an officer
 * may fix an `open` pothole at once); nothing goes back except by reopening, and `closed` is final.
 */
const NEXT: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  open: ['acknowledged', 'in_progress', 'planned', 'fixed', 'closed'],
  acknowledged: ['in_progress', 'planned', 'fixed', 'closed'],
  in_progress: ['planned', 'fixed', 'closed'],
  planned: ['in_progress', 'fixed', 'closed'],
  fixed: ['closed'],
  closed: [],
};

export function isResolved(status: RequestStatus): boolean {
  return status === 'fixed' || status === 'closed';
}

/** Checks a staff transition; CONFLICT naming the allowed next statuses, BAD_REQUEST_DATA for a missing or stray close reason. */
export function checkTransition(from: RequestStatus, to: RequestStatus, closeReason: CloseReason | undefined): void {
  const allowed = NEXT[from];
  if (!allowed.includes(to)) {
    throw new AppError(
      'CONFLICT',
      allowed.length === 0
        ? `This request is ${from}; it cannot change status (the reporter may reopen it)`
        : `A request that is ${from} may become ${allowed.join(', ')} — not ${to}`,
      { details: { field: 'status', allowed } },
    );
  }
  if (closeReason !== undefined && !CLOSE_REASONS.includes(closeReason)) {
    throw new AppError('BAD_REQUEST_DATA', `closeReason must be one of ${CLOSE_REASONS.join(', ')}`, { details: { field: 'closeReason' } });
  }
  if (to === 'closed' && from !== 'fixed' && closeReason === undefined) {
    throw new AppError('BAD_REQUEST_DATA', `Closing an unfixed request needs a closeReason: ${CLOSE_REASONS.join(', ')}`, { details: { field: 'closeReason' } });
  }
  if (to !== 'closed' && closeReason !== undefined) {
    throw new AppError('BAD_REQUEST_DATA', 'closeReason goes only with status "closed"', { details: { field: 'closeReason' } });
  }
}

const HOUR_MS = 3_600_000;

/** The first due time: the request time plus the category's resolution target (pauses are added as they end). */
export function initialDueAt(requestedAt: Date, resolutionHours: number): Date {
  return new Date(requestedAt.getTime() + resolutionHours * HOUR_MS);
}

/** The due time after a pause that began at `pausedAt` ends at `now`: the paused interval is added. */
export function resumedDueAt(dueAt: Date, pausedAt: Date, now: Date): Date {
  return new Date(dueAt.getTime() + Math.max(0, now.getTime() - pausedAt.getTime()));
}

/** Overdue: not fixed or closed, the clock running (not paused), and now past the due time. */
export function isOverdue(r: { status: RequestStatus; dueAt: Date; pausedAt: Date | null }, now: Date): boolean {
  return !isResolved(r.status) && r.pausedAt === null && now.getTime() > r.dueAt.getTime();
}

/** Response templates per status (status_notes when the officer writes none, and the notification text). */
export const STATUS_TEMPLATES: Readonly<Record<RequestStatus, Text>> = {
  open: { zh: '您的报告已收到，正在分派给责任部门。', en: 'Your report was received and is being routed to the responsible department.' },
  acknowledged: { zh: '责任部门已受理您的报告。', en: 'The responsible department has acknowledged your report.' },
  in_progress: { zh: '工作人员正在处理。', en: 'Work is in progress.' },
  planned: { zh: '已列入维修计划，将按计划处理。', en: 'The work has been scheduled.' },
  fixed: { zh: '问题已处理完毕，欢迎评价。', en: 'The problem has been fixed; please rate how it was handled.' },
  closed: { zh: '该报告已办结。', en: 'This report is closed.' },
};

export const CLOSE_TEMPLATES: Readonly<Record<CloseReason, Text>> = {
  duplicate: { zh: '该问题已有其他报告，将合并处理。', en: 'This problem was already reported; it is handled with the earlier report.' },
  not_city_responsibility: { zh: '该问题不属于政府部门职责范围。', en: 'This is not the city’s responsibility.' },
  no_further_action: { zh: '经核查，无需进一步处理。', en: 'After inspection, no further action is needed.' },
  referred: { zh: '已转交相关单位处理。', en: 'This was referred to the responsible organisation.' },
};

/** The note shown when an officer writes none: the status's (or close reason's) template, Chinese then English. */
export function templateNote(status: RequestStatus, closeReason: CloseReason | null): string {
  const text = status === 'closed' && closeReason ? CLOSE_TEMPLATES[closeReason] : STATUS_TEMPLATES[status];
  return `${text.zh} ${text.en}`;
}
