#!/usr/bin/env node
/**
 * cclab command line. Each subcommand lives in src/cli/commands/<name>.ts and
 * registers itself on the program; this file only assembles them.
 */
import { Command, CommanderError } from 'commander';
import { CCLAB_VERSION } from '../results/version.js';
import { handleCliError } from './errors.js';
import { InputError } from '../scenario/errors.js';
import { registerRun } from './commands/run.js';
import { registerFit } from './commands/fit.js';
import { registerPredict } from './commands/predict.js';
import { registerSweep } from './commands/sweep.js';
import { registerChart } from './commands/chart.js';
import { registerReport } from './commands/report.js';
import { registerDemo } from './commands/demo.js';
import { registerCompare } from './commands/compare.js';
import { registerValidate } from './commands/validate.js';
import { registerTrace } from './commands/trace.js';
import { registerAdvise } from './commands/advise.js';
import { loadPlugins } from '../engine/plugins.js';

const program = new Command();
program
  .name('cclab')
  .description('TCP congestion-control lab: simulate and measure Brutal, BBR, Cubic and Reno')
  .version(CCLAB_VERSION)
  .showHelpAfterError(false)
  .exitOverride();

registerRun(program);
registerFit(program);
registerPredict(program);
registerSweep(program);
registerChart(program);
registerReport(program);
registerDemo(program);
registerCompare(program);
registerValidate(program);
registerTrace(program);
registerAdvise(program);

try {
  await loadPlugins().catch((e: Error) => {
    throw new InputError(e.message);
  });
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') process.exit(0);
    // commander already printed its one-line message
    process.exit(2);
  }
  handleCliError(e instanceof InputError ? e : e);
}
