/**
 * `benchmarkEnvironment` and `describeEnvironment` (`ai-response-cache/bench`): the machine a
 * benchmark ran on, and its one-line description (shown in `BenchmarkSuite.toMarkdown()`).
 */
import { arch, cpus, platform, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { BenchmarkSuite, benchmarkEnvironment, describeEnvironment } from '../../src/benchmark/index.js';

describe('benchmarkEnvironment', () => {
  it('describes this process and machine: Node version, OS, architecture, CPUs, memory in MB', () => {
    const env = benchmarkEnvironment();
    expect(env).toEqual({
      node: process.version,
      platform: platform(),
      arch: arch(),
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      cpus: cpus().length,
      totalMemoryMB: Math.round(totalmem() / (1024 * 1024)),
    });
    expect(env.cpuModel).toBe(env.cpuModel.trim());
    expect(env.cpuModel.length).toBeGreaterThan(0);
    expect(Number.isInteger(env.totalMemoryMB)).toBe(true);
  });

  it('is plain JSON data (stored with suites as baselines)', () => {
    const env = benchmarkEnvironment();
    expect(JSON.parse(JSON.stringify(env))).toEqual(env);
  });
});

describe('describeEnvironment', () => {
  const env = {
    node: 'v20.20.2',
    platform: 'linux',
    arch: 'x64',
    cpuModel: 'AMD EPYC',
    cpus: 2,
    totalMemoryMB: 23_552,
  };

  it('is one line: CPU (cores), memory in GiB, OS and architecture, Node version', () => {
    expect(describeEnvironment(env)).toBe('AMD EPYC (2 cores), 23 GiB, linux x64, Node v20.20.2');
  });

  it('rounds the memory to whole GiB', () => {
    expect(describeEnvironment({ ...env, totalMemoryMB: 1536 })).toBe(
      'AMD EPYC (2 cores), 2 GiB, linux x64, Node v20.20.2',
    );
    expect(describeEnvironment({ ...env, totalMemoryMB: 16_000 })).toContain(', 16 GiB,');
  });

  it("describes this machine's benchmarkEnvironment()", () => {
    const here = benchmarkEnvironment();
    const line = describeEnvironment(here);
    expect(line).toContain(`Node ${process.version}`);
    expect(line).toContain(`${here.platform} ${here.arch}`);
    expect(line.startsWith(`${here.cpuModel} (${here.cpus} cores)`)).toBe(true);
  });

  it("is the machine line of a suite's markdown", () => {
    const suite = new BenchmarkSuite({
      name: 'run',
      results: [],
      environment: env,
      createdAt: '2026-01-02T03:04:05Z',
    });
    expect(suite.toMarkdown().split('\n')[2]).toBe(`${describeEnvironment(env)}, 2026-01-02T03:04:05Z`);
  });
});
