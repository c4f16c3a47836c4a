/** Public opinion: posts per topic and district (volume) and their mean lexicon sentiment. Pure. */
import { sentiment } from './sentiment.ts';

export interface PostFacts {
  text: string;
  topic?: string;
  district?: string;
}

export interface OpinionFigure {
  volume: number;
  /** mean lexicon score (−1…1) */
  sentiment: number;
  negative: number;
  positive: number;
}

/** Volume and sentiment of posts grouped by `key` ('topic' or 'district'); posts without that field go to ''. */
export function opinionBy(posts: readonly PostFacts[], key: 'topic' | 'district'): Map<string, OpinionFigure> {
  const out = new Map<string, OpinionFigure & { sum: number }>();
  for (const p of posts) {
    const k = p[key] ?? '';
    const s = sentiment(p.text);
    const f = out.get(k) ?? { volume: 0, sentiment: 0, negative: 0, positive: 0, sum: 0 };
    f.volume++;
    f.sum += s.score;
    if (s.label === 'negative') f.negative++;
    if (s.label === 'positive') f.positive++;
    out.set(k, f);
  }
  const result = new Map<string, OpinionFigure>();
  for (const [k, f] of out) result.set(k, { volume: f.volume, sentiment: Math.round((f.sum / f.volume) * 1000) / 1000, negative: f.negative, positive: f.positive });
  return result;
}
