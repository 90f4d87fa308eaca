import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WIDGET_DIST } from './test-support/paths.js';

interface Declaration {
  tagName?: string;
  attributes: Array<{ name: string; fieldName?: string }>;
  members: Array<{ kind: string; name: string }>;
  events: Array<{ name: string; type?: { text: string } }>;
  cssParts: Array<{ name: string }>;
  cssProperties: Array<{ name: string; default?: string }>;
}

const MANIFEST = `${WIDGET_DIST}custom-elements.json`;

// widget/scripts/manifest.mjs writes it during the rollup build.
describe('custom-elements.json', () => {
  /** The elements of the rep widgets (src/components) or of the console (src/admin) by tag: the admin health dashboard reuses the rep one's tag in its own bundle. */
  const elements = (folder = 'src/components/') => {
    if (!existsSync(MANIFEST)) throw new Error(`${MANIFEST} is missing: run \`npx rollup -c rollup.config.mjs\``);
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { modules: Array<{ path: string; declarations: Declaration[] }> };
    const modules = manifest.modules.filter((module) => module.path.startsWith(folder));
    return new Map(modules.flatMap((module) => module.declarations).map((declaration) => [declaration.tagName, declaration]));
  };

  it('describes every element with its attributes, events, parts and CSS properties', () => {
    const byTag = elements();
    expect([...byTag.keys()].sort()).toEqual(['huashu-assistant', 'huashu-contribute', 'huashu-daily-report', 'huashu-health-dashboard', 'huashu-lead-form', 'huashu-learning-pack', 'huashu-pipeline-heatmap']);
    for (const element of byTag.values()) {
      expect(element.attributes.map((attribute) => attribute.name)).toEqual(expect.arrayContaining(['endpoint', 'lang']));
      expect(element.events.length).toBeGreaterThan(0);
      for (const event of element.events) expect(event.name).toMatch(/^huashu-[a-z-]+$/);
      expect(element.cssParts.map((part) => part.name)).toContain('base');
      expect(element.cssProperties).toContainEqual({ name: '--huashu-accent', description: expect.any(String), default: '#1f6feb' });
      expect(element.members).toContainEqual(expect.objectContaining({ kind: 'field', name: 'client' }));
    }
  });

  it('describes every console (admin) element, with the token and client its base class documents', () => {
    const byTag = elements('src/admin/');
    expect([...byTag.keys()].sort()).toEqual([
      'huashu-capture-rules',
      'huashu-health-dashboard',
      'huashu-lead-routing',
      'huashu-learning-packs',
      'huashu-points-admin',
      'huashu-review-queue',
      'huashu-signal-rules',
      'huashu-stage-editor',
    ]);
    for (const element of byTag.values()) {
      expect(element.attributes.map((attribute) => attribute.name)).toEqual(expect.arrayContaining(['endpoint', 'token', 'lang']));
      expect(element.events.length).toBeGreaterThan(0);
      for (const event of element.events) expect(event.name).toMatch(/^huashu-[a-z-]+$/);
      expect(element.members).toContainEqual(expect.objectContaining({ kind: 'field', name: 'token' }));
      expect(element.members).toContainEqual(expect.objectContaining({ kind: 'field', name: 'client' }));
    }
    expect(byTag.get('huashu-health-dashboard')!.cssParts.map((part) => part.name)).toContain('arrange');
  });

  it('names the public API each element documents', () => {
    const byTag = elements();
    expect(byTag.get('huashu-lead-form')!.events.map((event) => event.name)).toEqual(['huashu-lead-submitted', 'huashu-lead-error']);
    expect(byTag.get('huashu-lead-form')!.attributes).toContainEqual({ name: 'publishable-key', description: expect.any(String), type: { text: 'string' }, fieldName: 'publishableKey' });
    expect(byTag.get('huashu-assistant')!.events.map((event) => event.name)).toContain('huashu-contribute-request');
    expect(byTag.get('huashu-assistant')!.cssParts.map((part) => part.name)).toEqual(expect.arrayContaining(['card', 'evidence-link', 'input', 'button']));
    expect(byTag.get('huashu-contribute')!.members).toContainEqual(expect.objectContaining({ kind: 'method', name: 'prefill' }));
    expect(byTag.get('huashu-contribute')!.events.map((event) => event.name)).toContain('huashu-contribution-submitted');
    expect(byTag.get('huashu-learning-pack')!.attributes.map((attribute) => attribute.name)).toEqual(expect.arrayContaining(['token', 'lead-id', 'industry']));
    expect(byTag.get('huashu-learning-pack')!.events.map((event) => event.name)).toEqual(['huashu-pack-delivered', 'huashu-pack-progress', 'huashu-pack-error']);
  });
});
