// Turning an exercise's checks into PASS/FAIL: each promised number, scaled to LAB_TIME_SCALE,
// beside what was measured.
import type { Check } from './exercise';
import { num } from './format';
import type { Recording } from './recording';
import { scaleValue } from './time-scale';

export interface CheckResult {
  what: string;
  expect: Check['expect'];
  expected: number;
  unit: string;
  /** The allowed error for ≈, in the unit (already scaled). */
  allowed?: number;
  measured: number;
  pass: boolean;
  /** Why nothing could be measured, when that happened. */
  error?: string;
}

/** How much an "=" may differ: status values are rounded to two decimals. */
const EXACT_SLACK = 0.005;

export function evaluate(check: Check, recording: Recording, scale: number): CheckResult {
  const expected = scaleValue(check.value, check.unit, scale);
  let measured = NaN;
  let error: string | undefined;
  try {
    measured = check.measure(recording);
  } catch (err) {
    error = (err as Error).message;
  }
  const allowed = check.expect === '≈' ? allowedError(check, expected, scale) : undefined;
  const pass = !Number.isNaN(measured) && compare(check.expect, measured, expected, allowed ?? 0);
  const result: CheckResult = { what: check.what, expect: check.expect, expected, unit: check.unit, measured, pass };
  if (allowed !== undefined) result.allowed = allowed;
  if (error) result.error = error;
  return result;
}

function allowedError(check: Check, expected: number, scale: number): number {
  const relative = (check.tolerance ?? 0) * Math.abs(expected);
  const absolute = check.within === undefined ? 0 : scaleValue(check.within, check.unit, scale);
  return Math.max(relative, absolute);
}

function compare(expect: Check['expect'], measured: number, expected: number, allowed: number): boolean {
  switch (expect) {
    case '=':
      return Math.abs(measured - expected) <= EXACT_SLACK * Math.max(1, Math.abs(expected));
    case '≈':
      return Math.abs(measured - expected) <= allowed;
    case '≤':
      return measured <= expected;
    case '≥':
      return measured >= expected;
  }
}

/** "≈ 6 items/s (±1.2)", "≤ 100 items", "= 0". */
export function describeExpectation(r: Pick<CheckResult, 'expect' | 'expected' | 'unit' | 'allowed'>): string {
  const unit = r.unit ? ` ${r.unit}` : '';
  const allowed = r.allowed ? ` ±${num(r.allowed)}` : '';
  return `${r.expect} ${num(r.expected)}${unit}${allowed}`;
}

/** The expectation as the learner's page writes it (scale 1, tolerance as a percentage). */
export function describeCheck(check: Check): string {
  const unit = check.unit ? ` ${check.unit}` : '';
  let text = `${check.expect} ${num(check.value)}${unit}`;
  if (check.expect === '≈') {
    const relative = check.tolerance ? `±${Math.round(check.tolerance * 100)}%` : '';
    const absolute = check.within !== undefined ? `±${num(check.within)}` : '';
    text += ` (${[relative, absolute].filter(Boolean).join(' or ')})`;
  }
  return text;
}
