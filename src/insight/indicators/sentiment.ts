/**
 * Chinese sentiment of a short text from the project's lexicon (`lexicon.ts`): longest-match segmentation over the
 * lexicon's words (deterministic, no dictionary download; `Intl.Segmenter` splits 没人管 or 一路绿灯 into pieces the
 * lexicon weighs differently), negation (不/没/未/别… within three characters before a word flips it, an even
 * number cancels), degree words (很/非常/太/有点… multiply the next word), contrast (after 但/不过 counts 1.5×,
 * before it 0.5×), and questions damped (最近流感的人多吗 asks, it does not complain). Pure.
 */
import type { SentimentResult } from '../model.ts';
import { CONTRAST, DEGREE, NEGATIVE, NEGATORS, NEUTRAL_WORDS, POSITIVE } from './lexicon.ts';

type Kind = 'pos' | 'neg' | 'negator' | 'degree' | 'contrast' | 'neutral';

const WORDS = new Map<string, { kind: Kind; weight: number }>();
for (const [w, v] of Object.entries(DEGREE)) WORDS.set(w, { kind: 'degree', weight: v });
for (const w of NEGATORS) WORDS.set(w, { kind: 'negator', weight: -1 });
for (const w of CONTRAST) WORDS.set(w, { kind: 'contrast', weight: 1 });
// sentiment words last: where a word is both (好几 is degree, 好 sentiment) the longer one wins anyway
for (const [w, v] of Object.entries(POSITIVE)) WORDS.set(w, { kind: 'pos', weight: v });
for (const [w, v] of Object.entries(NEGATIVE)) WORDS.set(w, { kind: 'neg', weight: -v });
for (const w of NEUTRAL_WORDS) if (!WORDS.has(w)) WORDS.set(w, { kind: 'neutral', weight: 0 });
const MAX_LEN = Math.max(...[...WORDS.keys()].map((w) => w.length));

export interface Token {
  text: string;
  /** character offset */
  at: number;
  kind: Kind | 'other';
  weight: number;
}

/** Longest match over the lexicon, left to right; characters not in any word are single `other` tokens. */
export function segment(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    let hit: Token | null = null;
    for (let n = Math.min(MAX_LEN, text.length - i); n >= 1; n--) {
      const w = text.slice(i, i + n);
      const entry = WORDS.get(w);
      if (entry) {
        hit = { text: w, at: i, kind: entry.kind, weight: entry.weight };
        break;
      }
    }
    const token = hit ?? { text: text[i] as string, at: i, kind: 'other' as const, weight: 0 };
    tokens.push(token);
    i += token.text.length;
  }
  return tokens;
}

/** Where the score is neutral: |score| below this. */
export const NEUTRAL_BAND = 0.2;

/** The sentiment of a text: score in −1…1 (a sum squashed by s/(|s|+1)), label and the words that decided it. */
export function sentiment(text: string): SentimentResult {
  const tokens = segment(text);
  const matched: string[] = [];
  let sum = 0;
  let clause = 1;
  let negations = 0;
  let lastNegatorAt = -100;
  let degree = 1;
  let lastDegreeAt = -100;
  for (const t of tokens) {
    if (/[，,。！!？?；;\s]/.test(t.text)) {
      // negation and degree do not cross a clause
      negations = 0;
      degree = 1;
      continue;
    }
    if (t.kind === 'contrast') {
      sum *= 0.5;
      clause = 1.5;
      continue;
    }
    if (t.kind === 'negator') {
      negations = t.at - lastNegatorAt <= 3 ? negations + 1 : 1;
      lastNegatorAt = t.at + t.text.length - 1;
      continue;
    }
    if (t.kind === 'degree') {
      degree = t.weight;
      lastDegreeAt = t.at + t.text.length - 1;
      continue;
    }
    if (t.kind === 'pos' || t.kind === 'neg') {
      let w = t.weight;
      if (t.at - lastDegreeAt <= 3) w *= degree;
      if (negations % 2 === 1 && t.at - lastNegatorAt <= 3) w *= -0.8;
      sum += w * clause;
      matched.push(t.text);
      degree = 1;
      negations = 0;
    }
  }
  if (/[吗嘛么]？?\s*$|[?？]\s*$/.test(text)) sum *= 0.3;
  const score = sum / (Math.abs(sum) + 1);
  const label = score > NEUTRAL_BAND ? 'positive' : score < -NEUTRAL_BAND ? 'negative' : 'neutral';
  return { score: Math.round(score * 1000) / 1000, label, matched };
}

export interface Confusion {
  accuracy: number;
  n: number;
  perClass: Record<SentimentResult['label'], { precision: number; recall: number; support: number }>;
}

/** Accuracy and per-class precision/recall of `sentiment` on labelled texts. */
export function evaluateSentiment(rows: { text: string; label: SentimentResult['label'] }[]): Confusion {
  const labels: SentimentResult['label'][] = ['negative', 'neutral', 'positive'];
  const predicted = rows.map((r) => sentiment(r.text).label);
  const perClass = {} as Confusion['perClass'];
  for (const l of labels) {
    const tp = rows.filter((r, i) => r.label === l && predicted[i] === l).length;
    const p = predicted.filter((x) => x === l).length;
    const s = rows.filter((r) => r.label === l).length;
    perClass[l] = { precision: p ? tp / p : 0, recall: s ? tp / s : 0, support: s };
  }
  const correct = rows.filter((r, i) => r.label === predicted[i]).length;
  return { accuracy: rows.length ? correct / rows.length : 0, n: rows.length, perClass };
}
