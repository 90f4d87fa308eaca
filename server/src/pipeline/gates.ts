import type { FieldRequirement, FileRequirement, GateCheckRequest, GateMissing, StageDefinition } from '@huashu/core';
import type { DealSnapshot } from './pipeline.store.js';

/**
 * A stage's gate against what is known of a deal: the values its events
 * reported, with the CRM's values in the request on top. Every unmet
 * requirement is named, in Chinese and English.
 */

type Lang = 'zh-CN' | 'en';

const fieldLabel = (requirement: FieldRequirement) =>
  typeof requirement === 'string' ? { key: requirement, zh: requirement, en: requirement } : { key: requirement.key, zh: requirement.label ?? requirement.key, en: requirement.labelEn ?? requirement.label ?? requirement.key };

const fileLabel = (requirement: FileRequirement) =>
  typeof requirement === 'string'
    ? { kind: requirement, zh: requirement, en: requirement, min: 1 }
    : { kind: requirement.kind, zh: requirement.label ?? requirement.kind, en: requirement.labelEn ?? requirement.label ?? requirement.kind, min: requirement.min ?? 1 };

/** A value that says something: not absent, null, or blank text. */
function present(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  return true;
}

function checkedKeys(request: GateCheckRequest, fields: Record<string, unknown>): Set<string> {
  const checked = new Set<string>();
  const given = request.checklist;
  if (Array.isArray(given)) for (const key of given) checked.add(key);
  else if (given) for (const [key, value] of Object.entries(given)) if (value) checked.add(key);
  // The CRM may also keep the items as boolean fields on the deal (deal.field_updated).
  for (const [key, value] of Object.entries(fields)) if (value === true) checked.add(key);
  return checked;
}

export function evaluateGate(stage: StageDefinition, deal: DealSnapshot | undefined, request: GateCheckRequest, lang: Lang = request.lang ?? 'zh-CN'): GateMissing[] {
  const gate = stage.gate;
  if (!gate) return [];
  const missing: GateMissing[] = [];
  const add = (kind: GateMissing['kind'], key: string, zh: string, en: string) => missing.push({ kind, key, message: lang === 'en' ? en : zh, messages: { zh, en } });
  const fields = { ...(deal?.fields ?? {}), ...(request.fields ?? {}) };

  for (const requirement of gate.requiredFields ?? []) {
    const { key, zh, en } = fieldLabel(requirement);
    if (!present(fields[key])) add('field', key, `缺少必填字段「${zh}」`, `Required field "${en}" is missing`);
  }

  const files = [...(deal?.files ?? []).map((file) => file.kind), ...(request.files ?? []).map((file) => (typeof file === 'string' ? file : file.kind))];
  for (const requirement of gate.requiredFiles ?? []) {
    const { kind, zh, en, min } = fileLabel(requirement);
    const have = files.filter((candidate) => candidate === kind).length;
    if (have >= min) continue;
    if (min === 1) add('file', kind, `缺少文件「${zh}」`, `Missing file: ${en}`);
    else add('file', kind, `文件「${zh}」需要 ${min} 份，目前 ${have} 份`, `File "${en}": ${min} needed, ${have} attached`);
  }

  if (gate.contacts) {
    const contacts = [...(deal?.contacts ?? []), ...(request.contacts ?? [])];
    const min = gate.contacts.min;
    if (min !== undefined && contacts.length < min) {
      add('contact', 'min', `至少需要关联 ${min} 位联系人，目前 ${contacts.length} 位`, `At least ${min} linked contacts needed, ${contacts.length} linked`);
    }
    const roles = new Set(contacts.map((contact) => contact.role).filter(Boolean));
    for (const role of gate.contacts.roles ?? []) {
      if (!roles.has(role)) add('contact', role, `缺少角色为「${role}」的联系人`, `No linked contact with the role "${role}"`);
    }
  }

  const checklist = gate.checklist;
  if (checklist) {
    const checked = checkedKeys(request, fields);
    const done = checklist.items.filter((item) => checked.has(item.key)).length;
    if (done < checklist.minChecked) {
      const total = checklist.items.length;
      for (const item of checklist.items) {
        if (checked.has(item.key)) continue;
        add(
          'checklist',
          item.key,
          `未完成检查项「${item.label}」（${total} 项中至少完成 ${checklist.minChecked} 项，已完成 ${done} 项）`,
          `Checklist item not done: ${item.labelEn ?? item.label} (at least ${checklist.minChecked} of ${total} needed, ${done} done)`,
        );
      }
    }
  }
  return missing;
}
