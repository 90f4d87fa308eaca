import { css } from 'lit';

/**
 * Tokens and controls every widget shares. Public tokens are `--huashu-*`
 * custom properties set by the host page (they inherit through the shadow
 * root); each is read once here into a private `--_*` alias with its default,
 * so component styles never repeat a fallback. The font is inherited from the
 * page unless `--huashu-font-family` is set: a widget inside a CRM should look
 * like the CRM.
 */
export const baseStyles = css`
  :host {
    --_accent: var(--huashu-accent, #1f6feb);
    --_accent-contrast: var(--huashu-accent-contrast, #ffffff);
    --_accent-soft: color-mix(in srgb, var(--_accent) 9%, var(--_surface));
    --_radius: var(--huashu-radius, 8px);
    --_radius-small: calc(var(--_radius) * 0.75);
    --_text: var(--huashu-text-color, #1f2328);
    --_muted: var(--huashu-muted-color, #59636e);
    --_border: var(--huashu-border-color, #d1d9e0);
    --_surface: var(--huashu-surface, #ffffff);
    --_surface-alt: var(--huashu-surface-alt, #f6f8fa);
    --_danger: var(--huashu-danger, #cf222e);
    --_success: var(--huashu-success, #1a7f37);
    --_warning: var(--huashu-warning, #9a6700);
    --_gap: var(--huashu-spacing, 12px);
    --_focus-ring: 0 0 0 3px color-mix(in srgb, var(--_accent) 30%, transparent);

    display: block;
    /* Unset custom property → invalid at computed-value time → inherits the page's font. */
    font-family: var(--huashu-font-family);
    font-size: var(--huashu-font-size, 14px);
    line-height: 1.55;
    color: var(--_text);
    /* Components adapt to the width they are given (a 360 px side panel or a full page), not to the viewport. */
    container-type: inline-size;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  input,
  textarea,
  select,
  button {
    font: inherit;
    color: inherit;
  }

  .field {
    display: grid;
    gap: 4px;
    min-width: 0;
  }
  .label {
    font-size: 0.93em;
    font-weight: 600;
  }
  .label .optional {
    font-weight: 400;
    color: var(--_muted);
  }
  .hint {
    font-size: 0.86em;
    color: var(--_muted);
  }
  .control {
    width: 100%;
    min-width: 0;
    padding: 7px 10px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius-small);
    background: var(--_surface);
    transition:
      border-color 0.15s,
      box-shadow 0.15s;
  }
  textarea.control {
    resize: vertical;
    min-height: 4.5em;
  }
  select.control {
    padding-right: 4px;
  }
  .control::placeholder {
    color: color-mix(in srgb, var(--_muted) 75%, transparent);
  }
  .control:hover {
    border-color: color-mix(in srgb, var(--_border) 60%, var(--_text));
  }
  .control:focus {
    outline: none;
    border-color: var(--_accent);
    box-shadow: var(--_focus-ring);
  }
  .control[aria-invalid='true'] {
    border-color: var(--_danger);
  }
  .control[aria-invalid='true']:focus {
    box-shadow: 0 0 0 3px color-mix(in srgb, var(--_danger) 25%, transparent);
  }
  .error {
    font-size: 0.86em;
    color: var(--_danger);
  }
  .error:empty {
    display: none;
  }

  .btn {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 6px;
    min-height: 32px;
    padding: 0 14px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius-small);
    background: var(--_surface);
    font-weight: 500;
    white-space: nowrap;
    cursor: pointer;
    transition:
      background 0.15s,
      border-color 0.15s,
      filter 0.15s;
  }
  .btn:hover:not(:disabled) {
    background: var(--_surface-alt);
  }
  .btn:focus-visible {
    outline: none;
    box-shadow: var(--_focus-ring);
  }
  .btn:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  .btn.primary {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_accent-contrast);
  }
  .btn.primary:hover:not(:disabled) {
    background: var(--_accent);
    filter: brightness(0.93);
  }
  .btn.small {
    min-height: 26px;
    padding: 0 9px;
    font-size: 0.88em;
  }
  .btn.text {
    border-color: transparent;
    background: transparent;
    color: var(--_accent);
    padding: 0 6px;
  }
  .btn.text:hover:not(:disabled) {
    background: var(--_accent-soft);
  }

  .alert {
    display: flex;
    gap: 8px;
    align-items: flex-start;
    padding: 10px 12px;
    border-radius: var(--_radius-small);
    border: 1px solid;
  }
  .alert.error {
    font-size: 1em;
    color: var(--_danger);
    border-color: color-mix(in srgb, var(--_danger) 30%, transparent);
    background: color-mix(in srgb, var(--_danger) 6%, var(--_surface));
  }
  .alert.success {
    color: var(--_success);
    border-color: color-mix(in srgb, var(--_success) 30%, transparent);
    background: color-mix(in srgb, var(--_success) 7%, var(--_surface));
  }
  .icon {
    flex: none;
    width: 1.15em;
    height: 1.15em;
    margin-top: 0.15em;
  }

  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }

  .spinner {
    width: 1em;
    height: 1em;
    border: 2px solid currentColor;
    border-right-color: transparent;
    border-radius: 50%;
    animation: spin 0.7s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation-duration: 0.01ms !important;
      animation-iteration-count: 1 !important;
      transition-duration: 0.01ms !important;
    }
  }
`;

/** The submit row and the success panel the two form widgets share. */
export const formFooterStyles = css`
  .actions {
    display: flex;
    justify-content: flex-end;
  }
  @container (max-width: 400px) {
    .actions .btn {
      width: 100%;
    }
  }
  .success {
    display: flex;
    gap: 10px;
    align-items: flex-start;
    padding: 14px 16px;
    border: 1px solid color-mix(in srgb, var(--_success) 30%, transparent);
    border-radius: var(--_radius);
    background: color-mix(in srgb, var(--_success) 7%, var(--_surface));
    color: var(--_success);
  }
  .success:focus {
    outline: none;
  }
  .success:focus-visible {
    box-shadow: var(--_focus-ring);
  }
`;
