import { existsSync } from 'node:fs';
import type { CoverageReport } from './coverage.service';

/** Debian's CJK fonts, in order of preference (fonts-wqy-microhei is 5 MB; fonts-noto-cjk far larger). */
export const CJK_FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc',
];

/** The font PNG charts are drawn with: CHART_FONT_FILE, or the first Debian CJK font present; null when there is none. */
export function chartFont(configured?: string): string | null {
  if (configured) return existsSync(configured) ? configured : null;
  return CJK_FONT_CANDIDATES.find((f) => existsSync(f)) ?? null;
}

const FONT_FAMILY = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif";

/**
 * The coverage report as a chart, rendered on the server by ECharts without a canvas (its
 * SVG renderer): per region one level below (or the region itself), stacked bars of persons by
 * coverage status and the coverage rate on a second axis, with Chinese labels. Suppressed
 * counts are left out of the bars and said so under the title. ECharts is loaded at the first
 * chart: the service does not hold it until one is asked for.
 */
export async function coverageChartSvg(report: CoverageReport): Promise<string> {
  const echarts = await import('echarts');
  const rows = report.rows.filter((r) => r.kind === 'child');
  const shown = rows.length > 0 ? rows : report.rows.filter((r) => r.kind === 'region');
  const statuses = ['insured-local', 'insured-elsewhere', 'uninsured', 'exempt', 'unresolved'];
  const zh = new Map(report.columns.map((c) => [c.key, c.zh]));
  const hidden = shown.some((r) => r.suppressed.length > 0);
  const width = Math.max(720, 90 * shown.length + 200);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height: 520 });
  chart.setOption({
    animation: false,
    textStyle: { fontFamily: FONT_FAMILY },
    title: {
      text: `${report.name} 参保情况${report.asOf ? `（截至 ${report.asOf}）` : ''}`,
      subtext: `参保率 =（本省参保 + 外省参保）÷（户籍人口 − 免于参保）${hidden ? `；小于 ${report.minCell} 的数及其保护数不显示` : ''}`,
      left: 'center',
      textStyle: { fontFamily: FONT_FAMILY },
      subtextStyle: { fontFamily: FONT_FAMILY },
    },
    legend: { top: 56, textStyle: { fontFamily: FONT_FAMILY } },
    grid: { top: 100, left: 70, right: 70, bottom: 80 },
    xAxis: {
      type: 'category',
      data: shown.map((r) => r.name),
      axisLabel: { interval: 0, rotate: shown.length > 8 ? 30 : 0, fontFamily: FONT_FAMILY },
    },
    yAxis: [
      { type: 'value', name: '人数', nameTextStyle: { fontFamily: FONT_FAMILY } },
      { type: 'value', name: '参保率', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    ],
    series: [
      ...statuses.map((s) => ({
        name: zh.get(s) ?? s,
        type: 'bar',
        stack: 'persons',
        data: shown.map((r) => r.values[s]),
      })),
      {
        name: '参保率',
        type: 'line',
        yAxisIndex: 1,
        data: shown.map((r) => r.coverageRate),
        label: { show: true, formatter: (p: { value: number | null }) => (p.value === null ? '' : `${(p.value * 100).toFixed(1)}%`) },
      },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/** The SVG drawn as PNG (resvg, a Rust SVG renderer with prebuilt binaries), with the given CJK font. */
export function svgToPng(svg: string, fontFile: string): Buffer {
  // Loaded on first use: the native module is needed by PNG charts only.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    background: 'white',
    font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: familyOf(fontFile), sansSerifFamily: familyOf(fontFile) },
  });
  return resvg.render().asPng();
}

/** The family name of the Debian CJK fonts, for text whose listed families the one loaded font does not name. */
function familyOf(fontFile: string): string {
  if (/wqy-microhei/i.test(fontFile)) return 'WenQuanYi Micro Hei';
  if (/wqy-zenhei/i.test(fontFile)) return 'WenQuanYi Zen Hei';
  if (/NotoSerifCJK/i.test(fontFile)) return 'Noto Serif CJK SC';
  if (/NotoSansCJK/i.test(fontFile)) return 'Noto Sans CJK SC';
  return 'sans-serif';
}
