import { DEFAULT_FIRST_RESPONSE_SLA, deadline, parseIsoDuration, type IsoDuration, type WorkSchedule } from '@huashu/core';
import { chinaWorkSchedule } from '../platform/working-time.js';

/**
 * First-response SLA of a lead: its source's ISO 8601 duration (PT48H unless
 * the source says otherwise), in calendar time, or in working time on the
 * Chinese calendar (调休 included) within the source's working hours when the
 * source has `workingTime`. The clock starts when the lead arrives at Huashu
 * (a platform that delivers late cannot make a rep late) and stops at the
 * first response.
 */
export interface SlaPolicy {
  text: string;
  duration: IsoDuration;
  schedule: WorkSchedule | undefined;
}

export function slaPolicy(source?: { first_response_sla: string; working_hours: { start: string; end: string }[] | null }): SlaPolicy {
  const text = source?.first_response_sla ?? DEFAULT_FIRST_RESPONSE_SLA;
  // Stored values were checked on the way in; a bad one falls back to the default rather than failing capture.
  const duration = parseIsoDuration(text) ?? parseIsoDuration(DEFAULT_FIRST_RESPONSE_SLA)!;
  return { text, duration, schedule: source?.working_hours ? chinaWorkSchedule(source.working_hours) : undefined };
}

export function firstResponseDue(arrivedAt: Date, policy: SlaPolicy): Date {
  return deadline(arrivedAt, policy.duration, policy.schedule);
}
