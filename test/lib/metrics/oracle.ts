/** Loads the sklearn oracle cases (test/fixtures/oracle) for the performance metrics. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ORACLE = fileURLToPath(new URL('../../fixtures/oracle/', import.meta.url));

export interface BinaryInput {
  name: string;
  threshold: number;
  y_true: number[];
  y_score: number[];
  y_pred: number[];
}
export interface MulticlassInput {
  name: string;
  labels: string[];
  y_true: string[];
  y_proba: number[][];
  y_pred: string[];
}
export interface RegressionInput {
  name: string;
  y_true: number[];
  y_pred: number[];
}

/** An expected value: a number, or undefined (null or an error object). */
export type Expected = number | null | { error: string };

export interface OracleCase<I> {
  name: string;
  input: I;
  // biome-ignore lint/suspicious/noExplicitAny: the oracle's JSON is free-form
  expected: { sklearn: Record<string, any>; rank?: Record<string, any> };
}

interface IndexEntry {
  name: string;
  kind: string;
  input: string;
  expected: string;
}

function load<I>(kind: string): OracleCase<I>[] {
  const index = JSON.parse(readFileSync(`${ORACLE}index.json`, 'utf8')) as { cases: IndexEntry[] };
  return index.cases
    .filter((c) => c.kind === kind)
    .map((c) => ({
      name: c.name,
      input: JSON.parse(readFileSync(`${ORACLE}${c.input}`, 'utf8')) as I,
      expected: JSON.parse(readFileSync(`${ORACLE}${c.expected}`, 'utf8')).expected,
    }));
}

export const binaryCases = (): OracleCase<BinaryInput>[] => load<BinaryInput>('binary_classification');
export const multiclassCases = (): OracleCase<MulticlassInput>[] =>
  load<MulticlassInput>('multiclass_classification');
export const regressionCases = (): OracleCase<RegressionInput>[] => load<RegressionInput>('regression');

/** 1e-9 relative, 1e-12 absolute near 0. */
export function close(actual: number, expected: number, rel = 1e-9, abs = 1e-12): boolean {
  return Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected));
}
