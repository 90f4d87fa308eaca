import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { FieldRequirement, FileRequirement, PipelineStagesRequest } from '@huashu/core';
import { baseStyles } from '../../internal/styles.js';
import { adminStyles } from '../internal/admin-styles.js';
import { RuleSetElement } from '../internal/rule-set-element.js';

type Stage = PipelineStagesRequest['stages'][number];
type Draft = { stages: Stage[]; workingHours?: PipelineStagesRequest['workingHours'] };

const splitList = (text: string) => text.split(/[,，、\n]+/).map((part) => part.trim()).filter(Boolean);
const keyOf = (requirement: FieldRequirement | FileRequirement) => (typeof requirement === 'string' ? requirement : 'key' in requirement ? requirement.key : requirement.kind);
/** Keeps the labels of requirements that are still listed: only the keys are edited here. */
function relist<T extends FieldRequirement | FileRequirement>(previous: readonly T[] | undefined, text: string): T[] {
  return splitList(text).map((key) => previous?.find((requirement) => keyOf(requirement) === key) ?? (key as T));
}

/**
 * @summary The pipeline's stages as a list to drag into order, each with its entry gate (required fields, files, a k-of-n checklist), stall threshold and who a stall alerts.
 *
 * Dragging is optional: every stage also has move-up / move-down buttons.
 * Changes are saved as a draft version and published to everyone.
 *
 * @tag huashu-stage-editor
 *
 * @attr {string} endpoint - Base URL of the Huashu API.
 * @attr {string} token - A rep token with role admin (a reviewer sees, an admin changes).
 * @attr {string} lang - `zh-CN` (default) or `en`.
 *
 * @event {{ widget, what, result }} huashu-admin-saved - A draft was saved or a version published.
 * @event {{ widget, error }} huashu-admin-error - A request was refused (the message names the field).
 *
 * @csspart base - The wrapper of everything.
 * @csspart stage - One stage's card.
 * @csspart versions - The versions and their actions.
 * @csspart status - The announcement after a save.
 * @csspart alert - An error message.
 *
 * @cssproperty --huashu-accent - Buttons, drop target and focus rings. Default `#1f6feb`.
 */
export class HuashuStageEditor extends RuleSetElement<Draft> {
  static override styles = [baseStyles, adminStyles];
  static override properties: PropertyDeclarations = { ...RuleSetElement.properties, dragging: { state: true } };

  protected readonly widget = 'stage-editor';
  protected readonly ruleSet = 'pipeline-stages' as const;
  private dragging = -1;

  protected empty(): Draft {
    return { stages: [{ key: 'qualify', name: '线索确认', order: 1 }] };
  }

  protected override fromContent(content: unknown): Draft {
    const draft = structuredClone(content) as Draft;
    draft.stages.sort((a, b) => a.order - b.order);
    return draft;
  }

  /** Orders follow the list's order: what the manager sees is what the pipeline becomes. */
  protected override toContent(draft: Draft): unknown {
    return { ...draft, stages: draft.stages.map((stage, index) => ({ ...stage, order: index + 1 })) };
  }

  private move(from: number, to: number, focusSelector?: string): void {
    const stages = this.draft!.stages;
    if (to < 0 || to >= stages.length || from === to) return;
    const [moved] = stages.splice(from, 1);
    stages.splice(to, 0, moved!);
    this.notice = this.at('stages.moved', { name: moved!.name, position: to + 1 });
    this.touch();
    if (focusSelector) void this.updateComplete.then(() => this.renderRoot.querySelectorAll<HTMLElement>(focusSelector)[to]?.focus());
  }

  private edit(stage: Stage, change: (stage: Stage) => void): void {
    change(stage);
    this.touch();
  }

  private gate(stage: Stage): NonNullable<Stage['gate']> {
    return (stage.gate ??= {});
  }

  private renderChecklist(stage: Stage, index: number): TemplateResult {
    const checklist = stage.gate?.checklist;
    const items = checklist?.items ?? [];
    return html`<fieldset class="card">
      <legend>${this.at('stages.checklist')}</legend>
      ${items.map(
        (item, itemIndex) => html`<div class="row">
          <label class="field"><span class="label">${this.at('stages.itemLabel', { n: itemIndex + 1 })}</span>
            <input class="control" name="item-label" .value=${item.label} @input=${(e: Event) => this.edit(stage, () => {
              item.label = (e.target as HTMLInputElement).value;
              if (!item.key || item.key.startsWith('item-')) item.key = `item-${itemIndex + 1}`;
            })} /></label>
          <button class="btn small text" aria-label=${this.at('stages.removeItem', { n: itemIndex + 1 })} @click=${() => this.edit(stage, () => {
            items.splice(itemIndex, 1);
            if (items.length === 0) delete this.gate(stage).checklist;
            else checklist!.minChecked = Math.min(checklist!.minChecked, items.length);
          })}>${this.at('remove')}</button>
        </div>`,
      )}
      <div class="row">
        <button class="btn small" name="add-item" @click=${() => this.edit(stage, () => {
          const gate = this.gate(stage);
          gate.checklist ??= { items: [], minChecked: 1 };
          gate.checklist.items.push({ key: `item-${gate.checklist.items.length + 1}`, label: '' });
        })}>${this.at('stages.addItem')}</button>
        ${checklist
          ? html`<label class="field narrow"><span class="label">${this.at('stages.minChecked', { n: items.length })}</span>
              <input class="control" name="min-checked" type="number" min="1" max=${items.length} .value=${String(checklist.minChecked)} @input=${(e: Event) => this.edit(stage, () => (checklist.minChecked = Number((e.target as HTMLInputElement).value) || 1))} /></label>`
          : nothing}
      </div>
    </fieldset>`;
  }

  private renderStage(stage: Stage, index: number, count: number): TemplateResult {
    const field = (key: 'name' | 'key', label: string) => html`<label class="field"><span class="label">${label}</span>
      <input class="control" name="stage-${key}" .value=${stage[key]} @input=${(e: Event) => this.edit(stage, () => (stage[key] = (e.target as HTMLInputElement).value))} /></label>`;
    return html`<li part="stage" class="card ${this.dragging === index ? 'dragging' : ''}" draggable="true"
        aria-label=${this.at('stages.position', { name: stage.name, position: index + 1, count })}
        @dragstart=${(e: DragEvent) => {
          this.dragging = index;
          e.dataTransfer?.setData('text/plain', String(index));
        }}
        @dragend=${() => (this.dragging = -1)}
        @dragover=${(e: DragEvent) => e.preventDefault()}
        @drop=${(e: DragEvent) => {
          e.preventDefault();
          const from = Number(e.dataTransfer?.getData('text/plain') ?? this.dragging);
          this.dragging = -1;
          this.move(from, index);
        }}>
      <div class="row">
        <span class="handle" aria-hidden="true">⠿</span>
        <strong>${index + 1}. ${stage.name}</strong>
        <button class="btn small move-up" ?disabled=${index === 0} aria-label=${this.at('stages.moveUp', { name: stage.name })} @click=${() => this.move(index, index - 1, '.move-up')}>↑</button>
        <button class="btn small move-down" ?disabled=${index === count - 1} aria-label=${this.at('stages.moveDown', { name: stage.name })} @click=${() => this.move(index, index + 1, '.move-down')}>↓</button>
        <button class="btn small text" aria-label=${this.at('stages.removeStage', { name: stage.name })} @click=${() => this.edit(stage, () => this.draft!.stages.splice(index, 1))}>${this.at('remove')}</button>
      </div>
      <div class="row">
        ${field('name', this.at('stages.name'))}${field('key', this.at('stages.key'))}
        <label class="field narrow"><span class="label">${this.at('stages.stall')}</span>
          <input class="control" name="stall" type="number" min="0" step="0.5" .value=${stage.stall ? String(stage.stall.workingDays) : ''} @input=${(e: Event) => this.edit(stage, () => {
            const days = Number((e.target as HTMLInputElement).value);
            if (days > 0) stage.stall = { workingDays: days };
            else delete stage.stall;
          })} /></label>
        <label class="field"><span class="label">${this.at('stages.alert')}</span>
          <input class="control" name="alert" .value=${(stage.alert ?? []).join(', ')} placeholder="owner, manager" @input=${(e: Event) => this.edit(stage, () => {
            const list = splitList((e.target as HTMLInputElement).value);
            if (list.length) stage.alert = list;
            else delete stage.alert;
          })} /></label>
        <label class="row"><input type="checkbox" name="terminal" .checked=${!!stage.terminal} @change=${(e: Event) => this.edit(stage, () => {
          if ((e.target as HTMLInputElement).checked) stage.terminal = true;
          else delete stage.terminal;
        })} />${this.at('stages.terminal')}</label>
      </div>
      <div class="row">
        <label class="field"><span class="label">${this.at('stages.fields')}</span>
          <input class="control" name="required-fields" .value=${(stage.gate?.requiredFields ?? []).map(keyOf).join(', ')} placeholder="budget, decision_maker" @change=${(e: Event) => this.edit(stage, () => {
            const list = relist(stage.gate?.requiredFields, (e.target as HTMLInputElement).value);
            if (list.length) this.gate(stage).requiredFields = list;
            else delete this.gate(stage).requiredFields;
          })} /></label>
        <label class="field"><span class="label">${this.at('stages.files')}</span>
          <input class="control" name="required-files" .value=${(stage.gate?.requiredFiles ?? []).map(keyOf).join(', ')} placeholder="定制化PPT" @change=${(e: Event) => this.edit(stage, () => {
            const list = relist(stage.gate?.requiredFiles, (e.target as HTMLInputElement).value);
            if (list.length) this.gate(stage).requiredFiles = list;
            else delete this.gate(stage).requiredFiles;
          })} /></label>
      </div>
      ${this.renderChecklist(stage, index)}
    </li>`;
  }

  protected override render(): TemplateResult {
    const stages = this.draft?.stages ?? [];
    return html`<section part="base" class="admin" aria-busy=${this.busy ? 'true' : 'false'}>
      <h3>${this.at('stages.title')}</h3>
      <p class="muted">${this.at('stages.hint')}</p>
      ${this.renderStatus()}
      <ol class="admin" style="list-style:none;margin:0;padding:0">${stages.map((stage, index) => this.renderStage(stage, index, stages.length))}</ol>
      <div class="row"><button class="btn" name="add-stage" @click=${() => {
        stages.push({ key: `stage-${stages.length + 1}`, name: this.at('stages.newStage', { n: stages.length + 1 }), order: stages.length + 1 });
        this.touch();
      }}>${this.at('stages.addStage')}</button></div>
      ${this.renderVersions()}
    </section>`;
  }
}
