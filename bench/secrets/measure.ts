/** Run a command and measure it: wall time, peak RSS (GNU time's, or /proc VmHWM polling), CPU time. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface Measured {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Peak resident set size of the process (and its largest descendant), bytes; 0 when unknown. */
  peakRss: number;
  /** User + system CPU seconds, when GNU time is there. */
  cpuSeconds?: number;
  timedOut: boolean;
}

const GNU_TIME = '/usr/bin/time';

export async function measure(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Measured> {
  const useTime = existsSync(GNU_TIME);
  const started = performance.now();
  const child = useTime ? spawn(GNU_TIME, ['-v', cmd, ...args], { cwd: opts.cwd }) : spawn(cmd, args, { cwd: opts.cwd });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  let polled = 0;
  const poll = useTime ? undefined : setInterval(() => (polled = Math.max(polled, vmHwm(child.pid))), 100);
  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  const seconds = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  if (timer) clearTimeout(timer);
  let stderr = Buffer.concat(err).toString('utf8');
  let peakRss = polled;
  let cpuSeconds: number | undefined;
  if (useTime) {
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
    const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
    const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
    if (rss) peakRss = Number(rss[1]) * 1024;
    if (user && sys) cpuSeconds = Number(user[1]) + Number(sys[1]);
    const cut = stderr.indexOf('\tCommand being timed:');
    if (cut >= 0) stderr = stderr.slice(0, cut);
  }
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr, seconds, peakRss, cpuSeconds, timedOut };
}

/** Peak RSS of a running process from /proc (Linux), bytes. */
function vmHwm(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
