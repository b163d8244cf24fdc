// What a runner does with one suite's result, in Chromium (run.ts) or in Node (bench-node.ts):
// print the table, add the host's CPU count and load, write the JSON, list disagreements.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { countsProblems, formatCountsReport, type CountsResult } from './counts/result.ts';
import { embedDisagreements, formatEmbedReport, type EmbedResult } from './embed/result.ts';
import { formatProfileReport, type ProfileResult } from './profile/result.ts';
import { disagreements, formatReport } from './stats.ts';
import type { AnySuiteResult } from './suites.ts';
import { formatTrainStepReport, trainDisagreements, type TrainStepResult } from './train/result.ts';
import type { SuiteResult } from './types.ts';

/** Prints and writes `result` to `out`; returns the disagreements (non-empty → exit 3).
 * `summary`, when given, receives the printed table and host line (dist-gpu's summary.txt). */
export async function reportSuite(
  result: AnySuiteResult, loadBefore: number, out: string, extra: Record<string, unknown> = {}, summary?: (text: string) => void,
): Promise<string[]> {
  const host = { cpus: cpus().length, loadavg1Before: loadBefore, loadavg1After: loadavg()[0] };
  const train = result.suite === 'train-step' ? (result as TrainStepResult) : null;
  const embed = result.suite === 'embed' ? (result as EmbedResult) : null;
  const profile = result.suite === 'profile' ? (result as ProfileResult) : null;
  const counts = result.suite === 'counts' ? (result as CountsResult) : null;
  const table = counts ? formatCountsReport(counts) : train ? formatTrainStepReport(train) : embed ? formatEmbedReport(embed) : profile ? formatProfileReport(profile) : formatReport(result as SuiteResult);
  const hostLine = `host: ${host.cpus} CPUs, 1-min load average ${host.loadavg1Before.toFixed(1)} before / ${host.loadavg1After.toFixed(1)} after`;
  console.log('\n' + table);
  console.log(hostLine);
  summary?.(`${table}\n${hostLine}\n`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ ...result, ...extra, host }, null, 2) + '\n');
  console.log(`\nbench: wrote ${out} (${(result.durationMs / 1000).toFixed(1)} s of suite time)`);
  return counts ? countsProblems(counts) : train ? trainDisagreements(train) : embed ? embedDisagreements(embed) : profile ? [] : disagreements((result as SuiteResult).rows);
}
