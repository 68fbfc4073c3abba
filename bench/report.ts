/** Figures, the table printed to stdout, and the JSON result file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Summary } from './stats.js';

export type Section = 'handshake' | 'messages' | 'durable' | 'scale' | 'log' | 'groups' | 'relay' | 'files';

export interface Reference {
  readonly name: string;
  readonly value: Summary;
}

export interface Figure {
  readonly section: Section;
  readonly name: string;
  readonly unit: string;
  readonly value: Summary;
  /** What the spread is over, e.g. "3 runs" or "200 handshakes". */
  readonly over: string;
  readonly higherIsBetter: boolean;
  readonly references: readonly Reference[];
  readonly goal?: { readonly text: string; readonly pass: boolean };
  readonly note?: string;
}

export interface Goal {
  readonly text: string;
  readonly pass: boolean;
  /** Not judged in this run (e.g. --quick measures too few sessions to judge the 10,000 goal). */
  readonly skipped?: boolean;
  readonly evidence: string;
}

/** value / reference, both medians. */
export const ratio = (f: Figure, r: Reference): number => f.value.median / r.value.median;

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export function table(figs: readonly Figure[], goals: readonly Goal[]): string {
  const rows: string[][] = [['figure', 'median', 'spread (p25–p75)', 'unit', 'over', 'vs reference (ratio of medians)', 'goal']];
  let section = '';
  const out: string[] = [];
  for (const f of figs) {
    if (f.section !== section) {
      section = f.section;
      rows.push([`## ${section}`, '', '', '', '', '', '']);
    }
    const refs = f.references.map((r) => `${r.name} ${fmt(r.value.median)} (×${fmt(ratio(f, r))})`).join('; ');
    rows.push([
      f.name,
      fmt(f.value.median),
      `${fmt(f.value.p25)}–${fmt(f.value.p75)}`,
      f.unit,
      f.over,
      refs,
      f.goal === undefined ? '' : `${f.goal.pass ? 'PASS' : 'FAIL'} ${f.goal.text}`,
    ]);
  }
  const widths = [0, 1, 2, 3, 4, 5].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) {
    if ((r[0] ?? '').startsWith('## ')) {
      out.push(r[0] ?? '');
      continue;
    }
    out.push(
      [pad(r[0] ?? '', widths[0] ?? 0), lpad(r[1] ?? '', widths[1] ?? 0), lpad(r[2] ?? '', widths[2] ?? 0), pad(r[3] ?? '', widths[3] ?? 0), pad(r[4] ?? '', widths[4] ?? 0), pad(r[5] ?? '', widths[5] ?? 0), r[6] ?? '']
        .join('  ')
        .trimEnd(),
    );
  }
  out.push('', '## goals');
  for (const g of goals) out.push(`${g.skipped === true ? 'SKIP' : g.pass ? 'PASS' : 'FAIL'}  ${g.text}: ${g.evidence}`);
  return out.join('\n');
}

export function writeJson(path: string, result: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
}
