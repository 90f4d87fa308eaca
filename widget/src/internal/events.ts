import type { AskResponse, CapturedLead, HealthResponse, KnowledgeEntry, LearningPack, StageStatsResponse, SuccessRate } from '@huashu/core';
import type { HuashuApiError } from '@huashu/sdk';

/**
 * Every event the widgets dispatch, by name, with its `detail`. All names share
 * the `huashu-` prefix (the type below rejects any other), all events bubble
 * and cross shadow roots, so one listener on `document` hears every widget.
 */
export interface HuashuEventMap {
  /** A lead was stored; `created` is false when the same submission had already been stored or joined an existing lead (then `lead` may hold only its id). */
  'huashu-lead-submitted': { lead: CapturedLead; created: boolean };
  /** A lead could not be submitted (field problems are in `error.issues`). */
  'huashu-lead-error': { error: HuashuApiError };
  /** The assistant answered a question with matches or an abstention. */
  'huashu-asked': { question: string; response: AskResponse };
  /** The assistant could not answer (network, expired token, …). */
  'huashu-assistant-error': { error: HuashuApiError };
  /** A rep reported whether a script worked; `successRate` is the entry's updated rate. */
  'huashu-outcome-reported': { entryId: string; outcome: 'success' | 'failure'; successRate: SuccessRate };
  /** The assistant found nothing and the rep chose to contribute a script for `question`. */
  'huashu-contribute-request': { question: string };
  /** A contribution was stored and waits for review. */
  'huashu-contribution-submitted': { entry: KnowledgeEntry };
  /** A contribution was refused (field problems are in `error.issues`). */
  'huashu-contribution-error': { error: HuashuApiError };
  /** A learning pack is shown; `firstDelivery` when the rep met its scenario just now. */
  'huashu-pack-delivered': { pack: LearningPack; firstDelivery: boolean };
  /** The rep marked a pack item done or not done; `progress` is the pack's after the change. */
  'huashu-pack-progress': { slug: string; itemId: string; done: boolean; progress: LearningPack['progress'] };
  /** The pack could not be loaded or progress not saved. */
  'huashu-pack-error': { error: HuashuApiError };
  /** The heatmap shows these statistics. */
  'huashu-heatmap-loaded': { stats: StageStatsResponse };
  /** The heatmap could not load its statistics. */
  'huashu-heatmap-error': { error: HuashuApiError };
  /** The health dashboard shows this report. */
  'huashu-health-loaded': { report: HealthResponse };
  /** The health dashboard could not load its report. */
  'huashu-health-error': { error: HuashuApiError };
}

/** Compiles only while every name in the map carries the prefix; emits no code. */
type Prefixed<Name extends `huashu-${string}`> = Name;
export type HuashuEventName = Prefixed<keyof HuashuEventMap>;

export type HuashuEvent<K extends HuashuEventName> = CustomEvent<HuashuEventMap[K]>;

/** Dispatches a typed, bubbling, composed event from `el` and returns it (callers of cancelable events read `defaultPrevented`). */
export function emit<K extends HuashuEventName>(el: HTMLElement, name: K, detail: HuashuEventMap[K], options: { cancelable?: boolean } = {}): HuashuEvent<K> {
  const event = new CustomEvent(name, { detail, bubbles: true, composed: true, cancelable: options.cancelable ?? false });
  el.dispatchEvent(event);
  return event;
}

declare global {
  // Typed `addEventListener('huashu-…', (event) => event.detail…)` on any element and on document.
  interface HTMLElementEventMap extends HuashuEventMapAsEvents {}
  interface DocumentEventMap extends HuashuEventMapAsEvents {}
}
type HuashuEventMapAsEvents = { [K in HuashuEventName]: HuashuEvent<K> };
