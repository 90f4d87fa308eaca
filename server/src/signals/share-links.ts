import { randomBytes, randomUUID } from 'node:crypto';
import { HuashuError, SHARE_LINK_OPENED, type ShareLink, type ShareLinkEngagement, type ShareLinkInput } from '@huashu/core';
import { ingestBatch } from '../events/index.js';
import { getLead } from '../leads/index.js';
import type { Database, Queryable } from '../platform/db/types.js';
import { onEventsStored } from './evaluation.js';
import * as store from './signals.store.js';

/**
 * Tracked share links. `POST /v1/share-links` gives a rep a short link to a
 * proposal or white paper; `GET /s/:id` records an open (time, device class,
 * referrer host — nothing else about the visitor) as a `share_link_opened`
 * event of the lead, then redirects to the document with `hs_link=<id>`
 * added, so an HTML document carrying the SDK can report per-section
 * `page_dwell` events that name the link (README "Share links").
 */

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 10 base-62 characters: about 59 random bits, unguessable for a link that carries no secret. */
const ID_LENGTH = 10;
/** The query parameter the redirect adds so the document's SDK can name the link. */
export const LINK_PARAM = 'hs_link';
const WHOLE_DOCUMENT = '(document)';
/**
 * Opens from the same device class and referrer within this long are one
 * visit: reloading a proposal ten times must not read as ten revisits, nor
 * add ten times the weight of a `share_link_opened` rule.
 */
export const SAME_VISIT_MS = 30 * 60_000;

function newLinkId(): string {
  const bytes = randomBytes(ID_LENGTH * 2);
  let id = '';
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 62).
  for (const byte of bytes) {
    if (byte >= ID_ALPHABET.length * 4) continue;
    id += ID_ALPHABET[byte % ID_ALPHABET.length];
    if (id.length === ID_LENGTH) return id;
  }
  return newLinkId();
}

const view = (row: store.ShareLinkRow, base: string): ShareLink => ({
  id: row.id,
  url: `${base}/s/${row.id}`,
  target: row.target_url,
  title: row.title,
  leadId: row.lead_id,
  createdAt: new Date(row.created_at).toISOString(),
});

/** A link for one of the tenant's leads (a rep token: one of the rep's own). `base` is this server's public origin. */
export async function createShareLink(db: Queryable, tenantId: string, input: ShareLinkInput, actor: { by: string; repId: string | null }, base: string): Promise<{ link: ShareLink }> {
  const lead = await getLead(db, tenantId, input.leadId, { viewer: { repId: actor.repId } });
  const row = await store.insertShareLink(db, tenantId, { id: newLinkId(), leadId: lead.id, url: input.url, title: input.title, createdBy: actor.by });
  return { link: view(row, base) };
}

export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'bot';

/**
 * The device class of a User-Agent. Link previews (WeChat, DingTalk, Slack
 * unfurls, crawlers) fetch a link without anyone reading it: they are `bot`,
 * and a bot's fetch is redirected but not counted as an open.
 */
export function deviceClass(userAgent: string | undefined): DeviceClass {
  const ua = userAgent ?? '';
  if (ua === '' || /bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|curl|wget|python-requests|headless/i.test(ua)) return 'bot';
  if (/iPad|Tablet|Android(?!.*Mobile)/i.test(ua)) return 'tablet';
  if (/Mobi|iPhone|iPod|Android|HarmonyOS|MicroMessenger.*Mobile/i.test(ua)) return 'mobile';
  return 'desktop';
}

/** Only the host of a referrer is kept (paths and queries can carry someone else's data). */
export function referrerHost(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    const url = new URL(referer);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : null;
  } catch {
    return null;
  }
}

/** Records an open of link `id` (unless a bot fetched it) and answers where to send the visitor. */
export async function openShareLink(db: Database, id: string, request: { userAgent?: string; referer?: string }, now = new Date()): Promise<{ location: string; counted: boolean }> {
  const link = await store.findShareLinkById(db, id);
  if (!link) throw new HuashuError('not_found', `share link ${id} not found`);
  const device = deviceClass(request.userAgent);
  const host = referrerHost(request.referer);
  const counted = device !== 'bot' && !(await store.openedSince(db, link.tenant_id, link.id, device, host, new Date(now.getTime() - SAME_VISIT_MS)));
  if (counted) {
    const event = {
      messageId: `share_open_${randomUUID()}`,
      type: 'track',
      event: SHARE_LINK_OPENED,
      leadId: link.lead_id,
      properties: { linkId: link.id, title: link.title, device, ...(host ? { referrerHost: host } : {}) },
      timestamp: now.toISOString(),
    };
    await ingestBatch(db, link.tenant_id, { sentAt: now.toISOString(), batch: [event] }, now, { onStored: onEventsStored });
  }
  const target = new URL(link.target_url);
  target.searchParams.set(LINK_PARAM, link.id);
  return { location: target.toString(), counted };
}

export async function shareLinkEngagement(db: Queryable, tenantId: string, id: string, viewer: { repId: string | null }): Promise<ShareLinkEngagement> {
  const link = await store.findShareLink(db, tenantId, id);
  if (!link) throw new HuashuError('not_found', `share link ${id} not found`);
  if (viewer.repId !== null) await getLead(db, tenantId, link.lead_id, { viewer });
  const views = await store.viewsOfLink(db, tenantId, id);
  const opens = views.filter((v) => v.kind === 'open');
  const devices: Record<string, number> = {};
  const referrers = new Map<string, number>();
  for (const open of opens) {
    if (open.device) devices[open.device] = (devices[open.device] ?? 0) + 1;
    if (open.referrer_host) referrers.set(open.referrer_host, (referrers.get(open.referrer_host) ?? 0) + 1);
  }
  const sections = new Map<string, { dwellSeconds: number; views: number; visits: number; lastViewedAt: string }>();
  let dwellSeconds = 0;
  // A visit to a section is a run of its dwell reports (views arrive in time order): the reader
  // switching tabs and coming back reports twice without having left it, which is no revisit.
  let previous: string | undefined;
  for (const dwell of views.filter((v) => v.kind === 'dwell')) {
    const seconds = Number(dwell.active_seconds);
    dwellSeconds += seconds;
    const name = dwell.section ?? WHOLE_DOCUMENT;
    const section = sections.get(name) ?? { dwellSeconds: 0, views: 0, visits: 0, lastViewedAt: '' };
    section.dwellSeconds += seconds;
    section.views += 1;
    if (name !== previous) section.visits += 1;
    previous = name;
    section.lastViewedAt = new Date(dwell.occurred_at).toISOString();
    sections.set(name, section);
  }
  const at = (row: store.ViewRow | undefined) => (row ? new Date(row.occurred_at).toISOString() : null);
  return {
    linkId: link.id,
    leadId: link.lead_id,
    title: link.title,
    opens: opens.length,
    revisits: Math.max(0, opens.length - 1),
    firstOpenedAt: at(opens[0]),
    lastOpenedAt: at(opens[opens.length - 1]),
    devices,
    referrers: [...referrers].map(([host, count]) => ({ host, opens: count })).sort((a, b) => b.opens - a.opens),
    dwellSeconds,
    sections: [...sections]
      .map(([section, stats]) => ({ section, dwellSeconds: stats.dwellSeconds, views: stats.views, revisits: Math.max(0, stats.visits - 1), lastViewedAt: stats.lastViewedAt }))
      .sort((a, b) => b.dwellSeconds - a.dwellSeconds),
  };
}
