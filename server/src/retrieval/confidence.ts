/**
 * Confidence tiers instead of a cliff. Two signals: the fused relevance of the
 * best entry (does the base hold an answer?) and the domain gate (is this a
 * customer-conversation question of this tenant at all?). Pure.
 */
export type Confidence = 'high' | 'low' | 'none';

export interface TierThresholds {
  /** Below this relevance nothing is an answer, whatever the gate says. */
  floor: number;
  /** Relevance from which a match is shown as a confident answer. */
  high: number;
  /** Gate score below which the question counts as off-topic… */
  gate: number;
  /** …unless the best relevance reaches this: a near-verbatim match is never off-topic. */
  override: number;
}

/** The overall tier of a question: its best relevance and its gate score. */
export function overallConfidence(topRelevance: number, gateScore: number, t: TierThresholds): Confidence {
  if (!(topRelevance >= t.floor)) return 'none';
  const offTopic = gateScore < t.gate && topRelevance < t.override;
  if (offTopic) return 'none';
  return topRelevance >= t.high && gateScore >= t.gate ? 'high' : 'low';
}

/** One match's tier: confident only in a confident answer and at the `high` relevance itself. */
export function matchConfidence(relevance: number, overall: Confidence, t: TierThresholds): 'high' | 'low' {
  return overall === 'high' && relevance >= t.high ? 'high' : 'low';
}
