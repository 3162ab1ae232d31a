const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses "90s", "15m", "3d", "1.5h" or a plain number of milliseconds into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!match) {
    throw new Error(`"${text}" is not a duration (examples: 500ms, 30s, 15m, 6h, 7d, 2w)`);
  }
  return Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
}

export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)}ms`;
  if (abs < 120_000) return `${Math.round(ms / 1000)}s`;
  if (abs < 7_200_000) return `${Math.round(ms / 60_000)}m`;
  if (abs < 172_800_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  return `${(ms / 86_400_000).toFixed(1)}d`;
}
