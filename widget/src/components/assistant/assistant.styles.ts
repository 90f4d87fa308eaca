import { css } from 'lit';

export const assistantStyles = css`
  .base {
    display: grid;
    gap: var(--_gap);
  }
  /* Single-column grids whose track may shrink below its content's min-content width: without
     minmax(0, …) one unbreakable line (a nowrap citation, a long URL) widens the whole panel. */
  .base,
  .results,
  .cards,
  .card,
  .ai,
  .sources,
  .skeletons {
    grid-template-columns: minmax(0, 1fr);
  }

  /* Question box: one bordered field holding the textarea and the button, like a CRM's search bar. */
  .search-box {
    display: flex;
    align-items: flex-end;
    gap: 8px;
    padding: 6px 6px 6px 10px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    transition:
      border-color 0.15s,
      box-shadow 0.15s;
  }
  .search-box:focus-within {
    border-color: var(--_accent);
    box-shadow: var(--_focus-ring);
  }
  .search-icon {
    align-self: flex-start;
    padding-top: 5px;
    color: var(--_muted);
  }
  .question {
    flex: 1;
    min-width: 0;
    min-height: 3.2em;
    max-height: 12em;
    padding: 3px 0;
    border: 0;
    outline: 0;
    resize: none;
    background: transparent;
    line-height: 1.5;
    /* Grows with the text where supported; two rows elsewhere. */
    field-sizing: content;
  }
  .question::placeholder {
    color: color-mix(in srgb, var(--_muted) 75%, transparent);
  }
  .hint {
    margin-top: 4px;
    font-size: 0.8em;
  }
  .status {
    font-size: 0.86em;
    color: var(--_muted);
  }
  .results {
    display: grid;
    gap: var(--_gap);
  }
  .results:empty {
    display: none;
  }
  .cards {
    display: grid;
    gap: var(--_gap);
  }

  .card {
    display: grid;
    gap: 10px;
    padding: 12px 14px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    box-shadow: 0 1px 2px rgb(31 35 40 / 0.05);
  }
  .card:focus {
    outline: none;
  }
  .card:focus-visible {
    box-shadow: var(--_focus-ring);
  }
  .card-head {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .rank {
    flex: none;
    display: grid;
    place-items: center;
    width: 22px;
    height: 22px;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_accent-contrast);
    font-size: 12px;
    font-weight: 700;
  }
  .chips {
    display: flex;
    flex: 1;
    flex-wrap: wrap;
    gap: 4px;
    min-width: 0;
  }
  .tag {
    padding: 0 8px;
    border: 1px solid var(--_border);
    border-radius: 999px;
    background: var(--_surface-alt);
    color: var(--_muted);
    font-size: 0.8em;
    line-height: 1.7;
    white-space: nowrap;
  }
  .tag.industry {
    border-color: transparent;
    background: var(--_accent-soft);
    color: var(--_accent);
  }
  .stale {
    flex: none;
    display: inline-flex;
    align-items: center;
    gap: 3px;
    margin-left: auto;
    padding: 0 8px;
    border-radius: 999px;
    background: color-mix(in srgb, var(--_warning) 13%, var(--_surface));
    color: var(--_warning);
    font-size: 0.8em;
    font-weight: 600;
    line-height: 1.7;
    white-space: nowrap;
  }
  .stale .icon {
    margin: 0;
    width: 1em;
    height: 1em;
  }
  .quote {
    margin: 0;
    padding: 6px 10px;
    border-left: 3px solid color-mix(in srgb, var(--_accent) 35%, var(--_border));
    border-radius: 0 var(--_radius-small) var(--_radius-small) 0;
    background: var(--_surface-alt);
    color: var(--_muted);
    font-size: 0.93em;
    overflow-wrap: anywhere;
  }
  .section-head {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    min-height: 26px;
  }
  .section-title {
    margin: 0;
    color: var(--_muted);
    font-size: 0.8em;
    font-weight: 600;
    letter-spacing: 0.04em;
  }
  .proof .section-title {
    margin-bottom: 4px;
  }
  .answer {
    margin: 2px 0 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .copy .icon {
    margin: 0;
  }

  .evidence {
    display: grid;
    gap: 5px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .evidence li {
    display: flex;
    align-items: baseline;
    gap: 8px;
    min-width: 0;
    font-size: 0.93em;
  }
  .kind {
    flex: none;
    padding: 0 6px;
    border-radius: 4px;
    font-size: 0.8em;
    font-weight: 600;
    line-height: 1.75;
    background: var(--_surface-alt);
    color: var(--_muted);
  }
  .kind-case {
    background: var(--_accent-soft);
    color: var(--_accent);
  }
  .kind-test_report {
    background: color-mix(in srgb, #8250df 11%, var(--_surface));
    color: #8250df;
  }
  .kind-certification {
    background: color-mix(in srgb, var(--_success) 11%, var(--_surface));
    color: var(--_success);
  }
  .evidence-title {
    min-width: 0;
    overflow-wrap: anywhere;
  }
  a.evidence-title {
    color: var(--_accent);
    text-decoration: none;
    border-radius: 2px;
  }
  a.evidence-title:hover {
    text-decoration: underline;
  }
  a.evidence-title:focus-visible {
    outline: none;
    box-shadow: var(--_focus-ring);
  }
  a.evidence-title .icon {
    width: 0.85em;
    height: 0.85em;
    margin: 0 0 0 3px;
    vertical-align: -0.05em;
  }
  .muted {
    margin: 0;
    color: var(--_muted);
    font-size: 0.93em;
  }

  .card-foot {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 8px 12px;
    padding-top: 10px;
    border-top: 1px solid color-mix(in srgb, var(--_border) 65%, transparent);
  }
  .rate {
    display: inline-flex;
    align-items: center;
    gap: 8px;
    font-size: 0.86em;
    font-weight: 600;
    font-variant-numeric: tabular-nums;
  }
  .rate.none {
    color: var(--_muted);
    font-weight: 400;
  }
  .rate.high {
    color: var(--_success);
  }
  .rate.mid {
    color: var(--_warning);
  }
  .rate.low {
    color: var(--_danger);
  }
  .bar {
    width: 64px;
    height: 6px;
    overflow: hidden;
    border-radius: 3px;
    background: color-mix(in srgb, currentColor 14%, var(--_surface));
  }
  .bar-fill {
    display: block;
    height: 100%;
    border-radius: 3px;
    background: currentColor;
    transition: width 0.3s;
  }
  .feedback {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
  }
  .vote .icon {
    margin: 0;
  }
  .vote.chosen,
  .vote.chosen:disabled {
    border-color: var(--_accent);
    background: var(--_accent-soft);
    color: var(--_accent);
    opacity: 1;
  }
  .feedback-note {
    font-size: 0.8em;
    color: var(--_success);
  }
  .feedback-note:empty {
    display: none;
  }
  .feedback-note.failed {
    color: var(--_danger);
  }

  .abstain {
    display: grid;
    justify-items: center;
    gap: 10px;
    padding: 18px 16px;
    border: 1px dashed color-mix(in srgb, var(--_border) 60%, var(--_muted));
    border-radius: var(--_radius);
    background: var(--_surface-alt);
    text-align: center;
  }
  .abstain-text {
    margin: 0;
  }

  .maybe {
    display: grid;
    gap: var(--_gap);
  }
  .maybe-title {
    margin: 0;
    font-size: 1em;
    color: var(--_muted);
  }
  .maybe-hint {
    margin: 0;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
    color: var(--_muted);
  }

  .ai {
    display: grid;
    gap: 8px;
    padding: 12px 14px;
    border: 1px solid color-mix(in srgb, var(--_accent) 25%, transparent);
    border-radius: var(--_radius);
    background: linear-gradient(180deg, var(--_accent-soft), var(--_surface) 85%);
  }
  .ai-head {
    display: flex;
    align-items: center;
    gap: 6px;
    color: var(--_accent);
  }
  .ai-head .icon {
    margin: 0;
  }
  .ai-title {
    margin: 0;
    font-size: 0.93em;
    font-weight: 700;
  }
  .ai-badge {
    margin-left: auto;
    color: var(--_muted);
    font-size: 0.78em;
  }
  .ai-text {
    margin: 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .cite {
    display: inline-grid;
    place-items: center;
    min-width: 1.45em;
    height: 1.45em;
    margin: 0 1px;
    padding: 0 3px;
    border: 0;
    border-radius: 4px;
    background: color-mix(in srgb, var(--_accent) 14%, var(--_surface));
    color: var(--_accent);
    font-size: 0.72em;
    font-weight: 700;
    line-height: 1;
    vertical-align: 0.15em;
    cursor: pointer;
  }
  button.cite:focus-visible {
    outline: none;
    box-shadow: var(--_focus-ring);
  }
  .caret {
    display: inline-block;
    width: 0.45em;
    height: 1em;
    margin-left: 2px;
    vertical-align: text-bottom;
    background: var(--_accent);
    animation: blink 1s steps(2) infinite;
  }
  @keyframes blink {
    50% {
      opacity: 0;
    }
  }
  .sources {
    display: grid;
    gap: 2px;
    margin: 0;
    padding: 6px 0 0;
    border-top: 1px solid color-mix(in srgb, var(--_accent) 15%, transparent);
    list-style: none;
  }
  .source {
    display: flex;
    min-width: 0;
    align-items: center;
    gap: 6px;
    width: 100%;
    padding: 2px 0;
    border: 0;
    border-radius: 4px;
    background: none;
    color: var(--_muted);
    font-size: 0.86em;
    text-align: left;
    cursor: pointer;
  }
  .source:hover .source-text {
    color: var(--_text);
  }
  .source:focus-visible {
    outline: none;
    box-shadow: var(--_focus-ring);
  }
  .source-text {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .skeletons {
    display: grid;
    gap: var(--_gap);
  }
  .skeleton {
    display: grid;
    gap: 10px;
    padding: 14px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  .skeleton span {
    height: 10px;
    border-radius: 4px;
    background: linear-gradient(90deg, var(--_surface-alt) 25%, color-mix(in srgb, var(--_border) 55%, var(--_surface)) 50%, var(--_surface-alt) 75%);
    background-size: 200% 100%;
    animation: shimmer 1.2s linear infinite;
  }
  .skeleton span:nth-child(1) {
    width: 35%;
  }
  .skeleton span:nth-child(2) {
    width: 92%;
  }
  .skeleton span:nth-child(3) {
    width: 70%;
  }
  @keyframes shimmer {
    to {
      background-position: -200% 0;
    }
  }

  /* A narrow side panel: tighter cards, the rate bar shrinks before the buttons wrap. */
  @container (max-width: 380px) {
    .card {
      padding: 10px 12px;
    }
    .bar {
      width: 44px;
    }
    .ai-badge {
      display: none;
    }
  }
`;
