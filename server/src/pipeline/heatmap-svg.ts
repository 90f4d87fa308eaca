import type { StageStat, StageStatsResponse } from '@huashu/core';

/**
 * The bottleneck heatmap as a self-contained SVG: stages down, groups across,
 * each cell coloured by average working days in the stage and showing the
 * value as text. Every cell has a <title> (the tooltip on hover) and the
 * whole table is repeated in <desc>, so a screen reader gets every number.
 * All text from the tenant (stage and group names) is XML-escaped.
 */

/** Sequential orange–red (ColorBrewer OrRd 6): light = quick, dark = slow. */
export const HEATMAP_COLORS = ['#fef0d9', '#fdd49e', '#fdbb84', '#fc8d59', '#e34a33', '#b30000'] as const;
/** From this level on the cell is dark enough to need white text. */
const DARK_FROM_LEVEL = 4;
const EMPTY_COLOR = '#f0f2f4';
const LABEL_WIDTH = 132;
const CELL_WIDTH = 96;
const CELL_HEIGHT = 40;
const HEADER_HEIGHT = 44;
const TITLE_HEIGHT = 28;
const LEGEND_HEIGHT = 36;
const FONT = '"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif';

/** 0 … 5 by the share of the largest average. */
export function heatLevel(value: number, max: number): number {
  if (max <= 0) return 0;
  return Math.min(HEATMAP_COLORS.length - 1, Math.floor((value / max) * HEATMAP_COLORS.length));
}

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

type Lang = 'zh-CN' | 'en';

const TEXT = {
  'zh-CN': {
    title: '商机阶段瓶颈热力图（平均停留工作日）',
    none: '未填写',
    all: '全部',
    empty: '暂无数据',
    cell: (stage: string, group: string, s: StageStat) =>
      `${stage} · ${group}：平均 ${s.avgWorkingDays ?? '–'} 个工作日（P90 ${s.p90WorkingDays ?? '–'}，日历 ${s.avgCalendarDays ?? '–'} 天），${s.deals} 个商机，阻塞率 ${pct(s.blockingRate)}，升级 ${s.escalations} 次，回退 ${s.backwardMoves} 次`,
    legend: (max: number) => `颜色越深停留越久，最深 ≈ ${max} 个工作日`,
  },
  en: {
    title: 'Pipeline bottlenecks (average working days in stage)',
    none: 'Not reported',
    all: 'All',
    empty: 'No data yet',
    cell: (stage: string, group: string, s: StageStat) =>
      `${stage} · ${group}: average ${s.avgWorkingDays ?? '–'} working days (p90 ${s.p90WorkingDays ?? '–'}, ${s.avgCalendarDays ?? '–'} calendar days), ${s.deals} deals, blocking rate ${pct(s.blockingRate)}, ${s.escalations} escalations, ${s.backwardMoves} backward moves`,
    legend: (max: number) => `Darker means longer; darkest ≈ ${max} working days`,
  },
} as const;

function pct(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 100)}%`;
}

export function renderHeatmapSvg(stats: StageStatsResponse, lang: Lang = 'zh-CN'): string {
  const text = TEXT[lang];
  const groupName = (group: string | null) => (group === null ? text.none : stats.groupBy === null ? text.all : group);
  const stageName = (key: string) => {
    const stage = stats.stages.find((candidate) => candidate.key === key);
    return (lang === 'en' ? stage?.nameEn : undefined) ?? stage?.name ?? key;
  };
  // Terminal stages (won, lost) are where deals end, not where they wait.
  const rows = stats.stages.filter((stage) => !stage.terminal && stats.stats.some((stat) => stat.stage === stage.key)).map((stage) => stage.key);
  const groups = stats.groups;
  const cell = new Map(stats.stats.map((stat) => [`${stat.stage}\n${stat.group}`, stat]));
  const max = Math.max(0, ...stats.stats.map((stat) => stat.avgWorkingDays ?? 0));
  const width = LABEL_WIDTH + Math.max(1, groups.length) * CELL_WIDTH;
  const gridTop = TITLE_HEIGHT + HEADER_HEIGHT;
  const height = gridTop + Math.max(1, rows.length) * CELL_HEIGHT + LEGEND_HEIGHT;
  const parts: string[] = [];
  const lines: string[] = [];

  parts.push(`<text x="0" y="18" font-size="15" font-weight="600" fill="#1f2328">${escapeXml(text.title)}</text>`);
  groups.forEach((group, column) => {
    const x = LABEL_WIDTH + column * CELL_WIDTH + CELL_WIDTH / 2;
    parts.push(`<text x="${x}" y="${TITLE_HEIGHT + HEADER_HEIGHT - 14}" font-size="12" text-anchor="middle" fill="#59636e">${escapeXml(groupName(group))}</text>`);
  });
  rows.forEach((stage, row) => {
    const y = gridTop + row * CELL_HEIGHT;
    parts.push(`<text x="0" y="${y + CELL_HEIGHT / 2 + 4}" font-size="13" fill="#1f2328">${escapeXml(stageName(stage))}</text>`);
    groups.forEach((group, column) => {
      const x = LABEL_WIDTH + column * CELL_WIDTH;
      const stat = cell.get(`${stage}\n${group}`);
      const value = stat?.avgWorkingDays ?? null;
      const level = value === null ? -1 : heatLevel(value, max);
      const fill = level < 0 ? EMPTY_COLOR : HEATMAP_COLORS[level];
      const ink = level >= DARK_FROM_LEVEL ? '#ffffff' : '#1f2328';
      const label = stat ? text.cell(stageName(stage), groupName(group), stat) : `${stageName(stage)} · ${groupName(group)}: –`;
      lines.push(label);
      parts.push(
        `<g><title>${escapeXml(label)}</title><rect x="${x + 1}" y="${y + 1}" width="${CELL_WIDTH - 2}" height="${CELL_HEIGHT - 2}" rx="4" fill="${fill}"/>` +
          `<text x="${x + CELL_WIDTH / 2}" y="${y + CELL_HEIGHT / 2 + 5}" font-size="13" text-anchor="middle" fill="${ink}">${value === null ? '–' : value.toFixed(1)}</text></g>`,
      );
    });
  });
  if (groups.length === 0) parts.push(`<text x="${LABEL_WIDTH}" y="${gridTop + CELL_HEIGHT / 2}" font-size="13" fill="#59636e">${escapeXml(text.empty)}</text>`);
  const legendY = height - LEGEND_HEIGHT + 12;
  HEATMAP_COLORS.forEach((color, index) => parts.push(`<rect x="${index * 20}" y="${legendY}" width="20" height="10" fill="${color}"/>`));
  parts.push(`<text x="${HEATMAP_COLORS.length * 20 + 8}" y="${legendY + 9}" font-size="11" fill="#59636e">${escapeXml(text.legend(Math.round(max * 10) / 10))}</text>`);

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="hs-title hs-desc" font-family='${FONT}'>
<title id="hs-title">${escapeXml(text.title)}</title>
<desc id="hs-desc">${escapeXml(lines.join('\n') || text.empty)}</desc>
${parts.join('\n')}
</svg>
`;
}
