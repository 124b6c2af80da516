import { vi } from 'vitest';
import { main } from '../../lib/cli/main.js';

/** Runs the driftwatch CLI in-process and captures its exit code, stdout and stderr. */
export async function runCli(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const errors: string[] = [];
  const outputs: string[] = [];
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    errors.push(String(chunk));
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    outputs.push(String(chunk));
    return true;
  });
  try {
    const code = await main(args);
    return { code, stderr: errors.join(''), stdout: outputs.join('') };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}
