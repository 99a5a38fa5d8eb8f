/**
 * transformers' beam search bookkeeping (BeamSearchScorer and BeamHypotheses, early_stopping
 * false): each step keeps the numBeams best continuations that are not EOS; a continuation that is
 * EOS (among the numBeams best) becomes a finished hypothesis scored sum(log p) / length^penalty.
 */

interface Hypothesis {
  score: number;
  tokens: number[];
}

/** The best `numBeams` finished hypotheses of one prompt. */
export class BeamHypotheses {
  readonly items: Hypothesis[] = [];
  private worst = 1e9;

  constructor(
    private readonly numBeams: number,
    private readonly lengthPenalty: number,
  ) {}

  /** Adds a hypothesis whose `generatedLength` new tokens sum to `sumLogprobs`. */
  add(tokens: number[], sumLogprobs: number, generatedLength: number): void {
    const score = sumLogprobs / generatedLength ** this.lengthPenalty;
    if (this.items.length < this.numBeams || score > this.worst) {
      this.items.push({ score, tokens });
      if (this.items.length > this.numBeams) {
        const sorted = this.items.map((h, i) => [h.score, i] as const).sort((a, b) => a[0] - b[0]);
        this.items.splice(sorted[0][1], 1);
        this.worst = sorted[1][0];
      } else this.worst = Math.min(score, this.worst);
    }
  }

  /** No running beam can still beat the worst kept hypothesis (early_stopping false). */
  isDone(bestSumLogprobs: number, generatedLength: number): boolean {
    if (this.items.length < this.numBeams) return false;
    return this.worst >= bestSumLogprobs / generatedLength ** this.lengthPenalty;
  }

  best(): Hypothesis {
    return this.items.reduce((a, b) => (b.score > a.score ? b : a));
  }
}

export interface BeamStep {
  /** Per row of the next step (batch × beams): its score, token and the row it continues. */
  scores: Float64Array;
  tokens: number[];
  sources: number[];
}

/**
 * One step of beam search: `logprobs` [batch·beams][vocab] (processed log-softmax) plus each row's
 * running score; the 2·beams (more with several EOS ids) best candidates of each prompt, in order;
 * EOS candidates ranked below numBeams are dropped, the others finish a hypothesis.
 */
export function beamStep(
  logprobs: readonly Float32Array[],
  beamScores: Float64Array,
  rows: readonly number[][],
  hyps: BeamHypotheses[],
  done: boolean[],
  options: { numBeams: number; eos: readonly number[]; pad: number; promptLength: number },
): BeamStep {
  const { numBeams, eos } = options;
  const vocab = logprobs[0].length;
  const batch = hyps.length;
  const keep = Math.max(2, 1 + eos.length) * numBeams;
  const scores = new Float64Array(batch * numBeams);
  const tokens = new Array<number>(batch * numBeams).fill(options.pad);
  const sources = new Array<number>(batch * numBeams).fill(0);
  const generated = rows[0].length + 1 - options.promptLength;
  for (let b = 0; b < batch; b++) {
    if (done[b]) continue;
    // scores are float32 in transformers: score = fround(logprob + beam score)
    const candidates: { score: number; index: number }[] = [];
    for (let k = 0; k < numBeams; k++) {
      const row = logprobs[b * numBeams + k];
      const base = beamScores[b * numBeams + k];
      for (let v = 0; v < vocab; v++) candidates.push({ score: Math.fround(row[v] + base), index: k * vocab + v });
    }
    candidates.sort((x, y) => y.score - x.score || x.index - y.index);
    const top = candidates.slice(0, keep);
    let beam = 0;
    for (let rank = 0; rank < top.length; rank++) {
      const { score, index } = top[rank];
      const token = index % vocab;
      const source = b * numBeams + Math.floor(index / vocab);
      if (eos.includes(token)) {
        if (rank >= numBeams) continue;
        hyps[b].add([...rows[source]], score, generated);
      } else {
        scores[b * numBeams + beam] = score;
        tokens[b * numBeams + beam] = token;
        sources[b * numBeams + beam] = source;
        beam++;
      }
      if (beam === numBeams) break;
    }
    done[b] = done[b] || hyps[b].isDone(top[0].score, generated);
  }
  return { scores, tokens, sources };
}
