import { svg, type SVGTemplateResult } from 'lit';

/** A few 16 px line icons, inline so the bundle needs no icon font or request; decorative, hence aria-hidden. */
const icon = (paths: SVGTemplateResult) =>
  svg`<svg class="icon" viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${paths}</svg>`;

export const checkIcon = icon(svg`<circle cx="8" cy="8" r="6.4"/><path d="M5.3 8.2l1.8 1.8 3.6-3.8"/>`);
export const alertIcon = icon(svg`<circle cx="8" cy="8" r="6.4"/><path d="M8 4.8v3.6M8 11h.01"/>`);
export const copyIcon = icon(svg`<rect x="5.5" y="5.5" width="8" height="8" rx="1.5"/><path d="M10.5 5.5V3.8A1.3 1.3 0 0 0 9.2 2.5H3.8a1.3 1.3 0 0 0-1.3 1.3v5.4a1.3 1.3 0 0 0 1.3 1.3h1.7"/>`);
export const linkIcon = icon(svg`<path d="M9.5 2.5h4v4M13.5 2.5L7.5 8.5M12 9.5v3a1 1 0 0 1-1 1H3.5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1h3"/>`);
export const thumbUpIcon = icon(svg`<path d="M5 7v6.5H2.8a.8.8 0 0 1-.8-.8V7.8a.8.8 0 0 1 .8-.8H5zm0 0l2.6-4.6a1.3 1.3 0 0 1 2.3 1.1L9.3 6h3.3a1.4 1.4 0 0 1 1.4 1.7l-1 4.6a1.6 1.6 0 0 1-1.6 1.2H5"/>`);
export const thumbDownIcon = icon(svg`<path d="M11 9V2.5h2.2a.8.8 0 0 1 .8.8v4.9a.8.8 0 0 1-.8.8H11zm0 0l-2.6 4.6a1.3 1.3 0 0 1-2.3-1.1L6.7 10H3.4A1.4 1.4 0 0 1 2 8.3l1-4.6A1.6 1.6 0 0 1 4.6 2.5H11"/>`);
export const plusIcon = icon(svg`<path d="M8 3.5v9M3.5 8h9"/>`);
export const removeIcon = icon(svg`<path d="M4.5 4.5l7 7M11.5 4.5l-7 7"/>`);
export const searchIcon = icon(svg`<circle cx="7" cy="7" r="4.3"/><path d="M10.2 10.2l3.3 3.3"/>`);
export const sparkIcon = icon(svg`<path d="M8 2l1.4 3.6L13 7l-3.6 1.4L8 12l-1.4-3.6L3 7l3.6-1.4z"/>`);
export const reviewIcon = icon(svg`<circle cx="8" cy="8" r="6.4"/><path d="M8 4.8V8l2.2 1.4"/>`);
