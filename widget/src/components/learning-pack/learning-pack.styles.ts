import { css } from 'lit';

export const learningPackStyles = css`
  .pack {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: var(--_gap);
  }
  .header {
    display: grid;
    gap: 4px;
  }
  .title-row {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }
  .title {
    margin: 0;
    font-size: 1.07em;
    font-weight: 600;
  }
  .badge {
    padding: 1px 8px;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_accent-contrast);
    font-size: 0.79em;
    font-weight: 600;
  }
  .fresh-detail,
  .description {
    margin: 0;
    color: var(--_muted);
    font-size: 0.93em;
  }
  .progress {
    display: grid;
    gap: 4px;
    font-size: 0.86em;
    color: var(--_muted);
  }
  .progress-text {
    display: inline-flex;
    align-items: center;
    gap: 4px;
  }
  .progress-text .icon {
    color: var(--_success);
  }
  .bar {
    height: 6px;
    border-radius: 999px;
    background: color-mix(in srgb, var(--_border) 55%, var(--_surface));
    overflow: hidden;
  }
  .fill {
    height: 100%;
    border-radius: inherit;
    background: var(--_accent);
    transition: width 0.2s;
  }
  .list {
    display: grid;
    gap: calc(var(--_gap) * 0.5);
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .item {
    display: grid;
    grid-template-columns: auto minmax(0, 1fr) auto;
    align-items: start;
    gap: 8px;
    padding: 8px 10px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius-small);
    background: var(--_surface);
  }
  .item.done {
    background: var(--_surface-alt);
  }
  .item.done .item-title {
    color: var(--_muted);
    text-decoration: line-through;
  }
  .check {
    width: 16px;
    height: 16px;
    margin: 3px 0 0;
    accent-color: var(--_success);
  }
  .check:focus-visible {
    outline: none;
    box-shadow: var(--_focus-ring);
  }
  .item-body {
    display: grid;
    gap: 2px;
    min-width: 0;
    cursor: pointer;
    overflow-wrap: anywhere;
  }
  .kind {
    justify-self: start;
    padding: 0 6px;
    border-radius: 4px;
    background: var(--_accent-soft);
    color: var(--_accent);
    font-size: 0.79em;
    font-weight: 600;
  }
  .link {
    display: inline-flex;
    align-items: center;
    gap: 3px;
    padding-top: 1px;
    color: var(--_accent);
    font-size: 0.86em;
    white-space: nowrap;
    text-decoration: none;
  }
  .link:hover {
    text-decoration: underline;
  }
  .link:focus-visible {
    outline: none;
    border-radius: 3px;
    box-shadow: var(--_focus-ring);
  }
  .status,
  .empty {
    margin: 0;
    color: var(--_muted);
    font-size: 0.93em;
  }
`;
