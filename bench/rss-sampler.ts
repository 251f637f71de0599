import { readMemory } from "./processes.js";

/** Samples a process's resident set while a scenario runs. */
export interface RssSampler {
  /** Stops sampling; returns the largest figure seen, counting the kernel's own peak (VmHWM). */
  stop(): { peakRssMb: number; samples: number };
}

/** Reads /proc/PID/status every `intervalMs` until stopped. */
export function sampleRss(pid: number, intervalMs = 50): RssSampler {
  let peak = 0;
  let samples = 0;
  const sample = () => {
    const memory = readMemory(pid);
    if (memory === null) return;
    samples++;
    peak = Math.max(peak, memory.rssMb, memory.peakRssMb);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakRssMb: peak, samples };
    },
  };
}
