/**
 * Charts as accessible figures: a title, the chart drawn by ECharts (hidden from screen readers), and a text
 * summary of what it shows. The ECharts module loads on the first chart.
 */
import type { EChartsCoreOption } from 'echarts/core';
import { el } from './dom';

type ChartInstance = { setOption(option: EChartsCoreOption): void; resize(): void; dispose(): void };

/** The page's font stack (styles.css). */
const CHART_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

const live = new Set<ChartInstance>();
let resizeListening = false;

/** Builds the figure at once and draws the chart when ECharts has loaded. */
export function chartFigure(options: {
  title: string;
  summary: string;
  option: EChartsCoreOption;
  height?: number;
  testId?: string;
}): HTMLElement {
  const canvas = el('div', { class: 'chart', 'aria-hidden': 'true', style: `height:${options.height ?? 320}px` });
  const figure = el('figure', { class: 'chart-figure', 'data-testid': options.testId }, [
    el('figcaption', { class: 'chart-title' }, [options.title]),
    canvas,
    el('p', { class: 'chart-summary' }, [options.summary]),
  ]);
  import('./chart-setup').then(({ echarts }) => {
    if (!canvas.isConnected) {
      return;
    }
    const chart = echarts.init(canvas, undefined, { renderer: 'svg' });
    // ECharts measures label widths for its layout with this font, so it must name real fonts, not `inherit`.
    chart.setOption({ animation: false, textStyle: { fontFamily: CHART_FONT }, ...options.option });
    live.add(chart);
    if (!resizeListening) {
      resizeListening = true;
      window.addEventListener('resize', () => {
        for (const instance of live) {
          instance.resize();
        }
      });
    }
  });
  return figure;
}

/** Disposes every chart; called before a view is replaced. */
export function disposeCharts(): void {
  for (const chart of live) {
    chart.dispose();
  }
  live.clear();
}

/** Colours with at least 4.5:1 contrast on white, told apart by the series' line style as well. */
export const CHART_COLORS = { primary: '#1d4ed8', secondary: '#6b7280', accent: '#b45309', success: '#047857' };
