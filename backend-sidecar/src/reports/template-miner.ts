/** A group of log messages that differ only in their variable parts. */
export interface LogTemplate {
  id: number;
  /** The message with its variable tokens as `<*>`. */
  template: string;
  count: number;
}

interface Cluster {
  id: number;
  tokens: string[];
  count: number;
}

export interface TemplateMinerOptions {
  /** Tokens after the length that route a message down the tree (Drain's depth - 2). */
  prefixTokens?: number;
  /** Share of equal tokens from which a message joins a cluster. */
  similarity?: number;
  /** Children per tree node before further tokens go to a shared wildcard child. */
  maxChildren?: number;
}

const WILDCARD = '<*>';
// Tokens that are values, not words: numbers, hex, addresses, paths with digits, sizes, durations.
const VARIABLE = /\d/;

/**
 * Online log template mining after Drain (He et al., ICWS 2017): messages are routed by their length
 * and first tokens to a small set of clusters, join the most similar one when enough tokens agree
 * (the tokens that differ become wildcards), or start a new one. One pass, bounded work per line.
 */
export class TemplateMiner {
  private readonly root = new Map<string, Map<string, unknown>>();
  private readonly clusters: Cluster[] = [];
  private readonly prefixTokens: number;
  private readonly similarity: number;
  private readonly maxChildren: number;

  constructor(options: TemplateMinerOptions = {}) {
    this.prefixTokens = options.prefixTokens ?? 2;
    this.similarity = options.similarity ?? 0.5;
    this.maxChildren = options.maxChildren ?? 100;
  }

  static tokens(message: string): string[] {
    return message
      .trim()
      .split(/\s+/)
      .filter((t) => t.length > 0)
      .map((t) => (VARIABLE.test(t) ? WILDCARD : t));
  }

  /** Adds a message; returns its template (after this message joined it) and whether it was new. */
  add(message: string): { template: LogTemplate; isNew: boolean } {
    const tokens = TemplateMiner.tokens(message);
    const leaf = this.leafFor(tokens);
    let best: Cluster | undefined;
    let bestScore = -1;
    for (const cluster of leaf) {
      const score = this.score(cluster.tokens, tokens);
      if (score > bestScore) [best, bestScore] = [cluster, score];
    }
    if (best && bestScore >= this.similarity) {
      for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i]) best.tokens[i] = WILDCARD;
      best.count++;
      return { template: this.view(best), isNew: false };
    }
    const cluster: Cluster = { id: this.clusters.length + 1, tokens: [...tokens], count: 1 };
    this.clusters.push(cluster);
    leaf.push(cluster);
    return { template: this.view(cluster), isNew: true };
  }

  templates(): LogTemplate[] {
    return this.clusters.map((c) => this.view(c)).sort((a, b) => b.count - a.count);
  }

  private view(c: Cluster): LogTemplate {
    return { id: c.id, template: c.tokens.join(' '), count: c.count };
  }

  /** Share of positions where the tokens agree (wildcards in the cluster do not count as agreement). */
  private score(cluster: string[], tokens: string[]): number {
    if (tokens.length === 0) return 1;
    let same = 0;
    for (let i = 0; i < tokens.length; i++) if (cluster[i] === tokens[i] && tokens[i] !== WILDCARD) same++;
    let constants = 0;
    for (const t of tokens) if (t !== WILDCARD) constants++;
    return constants === 0 ? 1 : same / constants;
  }

  private leafFor(tokens: string[]): Cluster[] {
    const lengthKey = String(tokens.length);
    let node = this.root.get(lengthKey) as Map<string, unknown> | undefined;
    if (!node) this.root.set(lengthKey, (node = new Map()));
    const depth = Math.min(this.prefixTokens, tokens.length);
    for (let d = 0; d < depth; d++) {
      let key = tokens[d]!;
      if (!node.has(key)) {
        if (node.size >= this.maxChildren) key = WILDCARD;
        if (!node.has(key)) node.set(key, new Map());
      }
      node = node.get(key) as Map<string, unknown>;
    }
    let leaf = node.get('') as Cluster[] | undefined;
    if (!leaf) node.set('', (leaf = []));
    return leaf;
  }
}
