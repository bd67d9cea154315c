import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of /proc CPU times (100 on Linux almost always). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a process (all its threads), in clock ticks; undefined once it is gone. */
export function processCpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) may hold spaces; fields after ")" start at field 3 (state).
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(rest[11]) + Number(rest[12]); // fields 14 (utime) and 15 (stime)
  } catch {
    return undefined;
  }
}

export interface MemoryUse {
  /** Resident set now, MB. */
  readonly rssMb: number;
  /** Peak resident set, MB. */
  readonly hwmMb: number;
}

/** VmRSS and VmHWM from /proc/<pid>/status. */
export function processMemory(pid: number): MemoryUse | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Whole-machine CPU ticks from /proc/stat: busy (user, nice, system, irq, softirq), steal (time
 * the hypervisor gave to other guests) and total.
 */
export function systemCpuTicks(): { busy: number; steal: number; total: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const at = (i: number): number => f[i] ?? 0;
    return { busy: at(0) + at(1) + at(2) + at(5) + at(6), steal: at(7), total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return { busy: 0, steal: 0, total: 0 };
  }
}

export interface ProcessActivity {
  /** read-like + write-like system calls (/proc/<pid>/io syscr + syscw: sockets and files). */
  readonly syscalls: number;
  /** Voluntary context switches (the process blocked: epoll_wait with nothing to do, fsync, locks), all threads. */
  readonly voluntarySwitches: number;
}

/** Counters of a process over all its threads; undefined once it is gone or unreadable. */
export function processActivity(pid: number): ProcessActivity | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, "utf8");
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(io)?.[1] ?? NaN);
    let voluntarySwitches = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
        voluntarySwitches += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      } catch {
        // the thread ended
      }
    }
    return { syscalls: field("syscr") + field("syscw"), voluntarySwitches };
  } catch {
    return undefined;
  }
}
