import {
  DEFAULT_CONVERSATION_GAP_HOURS,
  DEFAULT_DOCUMENTS_PER_WEEK_TARGET,
  DEFAULT_HEALTH_THRESHOLDS,
  DEFAULT_NURTURING_STAGE,
  DEFAULT_OFF_HOURS_REPLY_MINUTES,
  DEFAULT_TRUST_WEIGHTS,
  isWorkingTime,
  type HealthMetrics,
  type HealthSettings,
  type HealthSettingsInput,
  type WorkSchedule,
} from '@huashu/core';

/**
 * The process-health metrics as arithmetic over counts, so the definitions
 * live in one place and a test can check them against numbers worked out by hand.
 */

/** Trust components are scored 0–10; the index is their weighted mean. */
const FULL_SCORE = 10;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

export const HEALTH_LABELS = {
  leadNurturing: { zh: '线索培育有效性', en: 'Lead nurturing effectiveness' },
  progressCompliance: { zh: '商机推进合规率', en: 'Stage-gate compliance' },
  customerTrust: { zh: '客户信任指数', en: 'Customer trust index' },
  documentsPerWeek: { zh: '每周分享资料数', en: 'Documents shared per week' },
  offHoursReplyRate: { zh: '非工作时间回复率', en: 'Off-hours reply rate' },
  customerInitiated: { zh: '客户主动发起沟通占比', en: 'Customer-initiated conversations' },
} as const;

/** Stored settings over the defaults. */
export function resolveHealthSettings(stored: HealthSettingsInput | undefined): HealthSettings {
  return {
    nurturingStage: stored?.nurturingStage ?? DEFAULT_NURTURING_STAGE,
    thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, ...stored?.thresholds },
    trustWeights: { ...DEFAULT_TRUST_WEIGHTS, ...stored?.trustWeights },
    documentsPerWeekTarget: stored?.documentsPerWeekTarget ?? DEFAULT_DOCUMENTS_PER_WEEK_TARGET,
    offHoursReplyMinutes: stored?.offHoursReplyMinutes ?? DEFAULT_OFF_HOURS_REPLY_MINUTES,
    conversationGapHours: stored?.conversationGapHours ?? DEFAULT_CONVERSATION_GAP_HOURS,
  };
}

export interface Message {
  at: Date;
  sender: 'customer' | 'rep';
}

export interface MessageCounts {
  /** Customer messages sent outside working time in the period. */
  offHoursReceived: number;
  /** … of which the rep answered within the reply window. */
  offHoursReplied: number;
  /** Conversations begun in the period: a message after more than the gap of silence on the deal, or its first. */
  conversations: number;
  /** … of which the customer sent the first message. */
  customerInitiated: number;
}

/**
 * Counts over one deal's messages in time order. `messages` may reach back one
 * gap before the period (to know whether a message starts a conversation) and
 * one reply window after it (to see the reply).
 */
export function countMessages(messages: readonly Message[], period: { from: Date; to: Date }, settings: HealthSettings, schedule: WorkSchedule): MessageCounts {
  const gapMs = settings.conversationGapHours * HOUR_MS;
  const replyMs = settings.offHoursReplyMinutes * MINUTE_MS;
  const counts: MessageCounts = { offHoursReceived: 0, offHoursReplied: 0, conversations: 0, customerInitiated: 0 };
  messages.forEach((message, index) => {
    const at = message.at.getTime();
    if (at < period.from.getTime() || at >= period.to.getTime()) return;
    const previous = messages[index - 1];
    if (!previous || at - previous.at.getTime() > gapMs) {
      counts.conversations++;
      if (message.sender === 'customer') counts.customerInitiated++;
    }
    if (message.sender === 'customer' && !isWorkingTime(message.at, schedule)) {
      counts.offHoursReceived++;
      const replied = messages.slice(index + 1).some((later) => later.sender === 'rep' && later.at.getTime() - at <= replyMs);
      if (replied) counts.offHoursReplied++;
    }
  });
  return counts;
}

export interface HealthCounts extends MessageCounts {
  /** Deals whose first stage entry fell in the period. */
  newDeals: number;
  /** … of which reached the nurturing stage (or a later one). */
  reached: number;
  /** Entries into gated stages in the period. */
  gatedEntries: number;
  /** … whose last gate check before entering passed. */
  compliantEntries: number;
  /** Files attached to the deals plus documents their customers opened. */
  documents: number;
}

export function emptyCounts(): HealthCounts {
  return { newDeals: 0, reached: 0, gatedEntries: 0, compliantEntries: 0, documents: 0, offHoursReceived: 0, offHoursReplied: 0, conversations: 0, customerInitiated: 0 };
}

export function addCounts(target: HealthCounts, add: Partial<HealthCounts>): void {
  for (const [key, value] of Object.entries(add) as Array<[keyof HealthCounts, number]>) target[key] += value;
}

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;
const ratio = (numerator: number, denominator: number) => (denominator > 0 ? numerator / denominator : null);

function ratioMetric(numerator: number, denominator: number, threshold: number) {
  const value = ratio(numerator, denominator);
  return { value: value === null ? null : round(value), numerator, denominator, threshold, healthy: value === null ? null : value >= threshold };
}

/**
 * The three metrics from the counts of one rep or team over a period of
 * `periodMs`. A trust component with nothing to measure (no off-hours message
 * from a customer, no conversation) is left out and the others' weights carry
 * the index; with none measurable the index is null.
 */
export function healthMetrics(counts: HealthCounts, periodMs: number, settings: HealthSettings): HealthMetrics {
  const weeks = periodMs / WEEK_MS;
  const documentsPerWeek = weeks > 0 ? counts.documents / weeks : null;
  const documentsScore = documentsPerWeek === null ? null : Math.min(FULL_SCORE, (FULL_SCORE * documentsPerWeek) / settings.documentsPerWeekTarget);
  const replyRate = ratio(counts.offHoursReplied, counts.offHoursReceived);
  const initiatedShare = ratio(counts.customerInitiated, counts.conversations);
  const weights = settings.trustWeights;
  const parts: Array<[number | null, number]> = [
    [documentsScore, weights.documents],
    [replyRate === null ? null : FULL_SCORE * replyRate, weights.offHoursReplies],
    [initiatedShare === null ? null : FULL_SCORE * initiatedShare, weights.customerInitiated],
  ];
  const measured = parts.filter((part): part is [number, number] => part[0] !== null);
  const weightSum = measured.reduce((sum, [, weight]) => sum + weight, 0);
  const trust = weightSum > 0 ? measured.reduce((sum, [score, weight]) => sum + score * weight, 0) / weightSum : null;
  const score = (value: number | null) => (value === null ? null : round(value, 2));
  return {
    leadNurturing: ratioMetric(counts.reached, counts.newDeals, settings.thresholds.leadNurturing),
    progressCompliance: ratioMetric(counts.compliantEntries, counts.gatedEntries, settings.thresholds.progressCompliance),
    customerTrust: {
      value: score(trust),
      threshold: settings.thresholds.customerTrust,
      healthy: trust === null ? null : trust >= settings.thresholds.customerTrust,
      components: {
        documentsPerWeek: { value: documentsPerWeek === null ? null : round(documentsPerWeek), score: score(documentsScore), weight: weights.documents, documents: counts.documents, weeks: round(weeks) },
        offHoursReplyRate: { value: replyRate === null ? null : round(replyRate), score: score(replyRate === null ? null : FULL_SCORE * replyRate), weight: weights.offHoursReplies, received: counts.offHoursReceived, replied: counts.offHoursReplied },
        customerInitiated: { value: initiatedShare === null ? null : round(initiatedShare), score: score(initiatedShare === null ? null : FULL_SCORE * initiatedShare), weight: weights.customerInitiated, conversations: counts.conversations, initiated: counts.customerInitiated },
      },
    },
  };
}
