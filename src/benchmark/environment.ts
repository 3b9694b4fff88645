/**
 * Describes the machine a benchmark ran on.
 *
 * @module
 */
import { arch, cpus, platform, totalmem } from 'node:os';
import type { BenchmarkEnvironment } from './types.js';

/** Node version, OS, CPU model and count, and total memory of this machine. */
export function benchmarkEnvironment(): BenchmarkEnvironment {
  const list = cpus();
  return {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    totalMemoryMB: Math.round(totalmem() / (1024 * 1024)),
  };
}

/** One line: `AMD EPYC (2 cores), 23 GiB, linux x64, Node v20.20.2`. */
export function describeEnvironment(env: BenchmarkEnvironment): string {
  const gib = (env.totalMemoryMB / 1024).toFixed(0);
  return `${env.cpuModel} (${env.cpus} cores), ${gib} GiB, ${env.platform} ${env.arch}, Node ${env.node}`;
}
