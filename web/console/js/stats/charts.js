// The dashboard's charts: Chart.js (web/console/vendor/chart/, loaded when the dashboard first
// opens: not part of the console's first load), a line chart of a period and grouped bars. Each
// chart is an image with a label for screen readers; its numbers are in the table next to it
// (the text alternative), whose rows are also the keyboard's way to drill down.
import { html, useEffect, useRef, useState } from '../lib.js';
import { t } from '../i18n.js';

const SCRIPT = new URL('../../vendor/chart/chart.umd.min.js', import.meta.url).href;
let loading = null;

export function loadChart() {
  loading ||= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = SCRIPT;
    script.onload = () => resolve(window.Chart);
    script.onerror = () => {
      loading = null;
      reject(new Error(`could not load ${SCRIPT}`));
    };
    document.head.append(script);
  });
  return loading;
}

//: Colours of the series (opened, resolved, ...), at least 3:1 against white.
export const COLOURS = ['#0a4f96', '#1b7a3d', '#a2531b', '#6b3fa0', '#4a525c'];

//: Longer category names are cut on the axis (the tooltip and the table have them whole).
const LABEL_CHARACTERS = 26;

function scales(type) {
  const counts = { beginAtZero: true, ticks: { precision: 0 } };
  if (type !== 'bar') return { y: counts, x: { ticks: { autoSkip: true, maxRotation: 45 } } };
  // Bars lie horizontally: the names of departments and categories are long.
  return {
    x: counts,
    y: { ticks: { autoSkip: false, callback(value) {
      const text = String(this.getLabelForValue(value));
      return text.length > LABEL_CHARACTERS ? `${text.slice(0, LABEL_CHARACTERS - 1)}…` : text;
    } } },
  };
}

/** A chart of `type` ('line', or 'bar': horizontal bars) with `labels` and `series`
 * ([{label, data}]); `onPick(index)` when a point or bar is clicked. */
export function ChartBox({ type, labels, series, label, onPick = null, height = 280 }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  const pick = useRef(onPick);
  pick.current = onPick;
  const [failed, setFailed] = useState(false);
  const data = JSON.stringify([type, labels, series]);
  useEffect(() => {
    let cancelled = false;
    loadChart().then((Chart) => {
      if (cancelled || !canvas.current) return;
      const datasets = series.map((s, i) => ({
        label: s.label, data: s.data, borderColor: COLOURS[i % COLOURS.length],
        backgroundColor: COLOURS[i % COLOURS.length], borderWidth: type === 'line' ? 2 : 0,
        pointRadius: type === 'line' && labels.length > 40 ? 0 : 3, tension: 0.2,
      }));
      if (chart.current) {
        chart.current.config.type = type;
        chart.current.data.labels = labels;
        chart.current.data.datasets = datasets;
        chart.current.update();
        return;
      }
      chart.current = new Chart(canvas.current, {
        type,
        data: { labels, datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          indexAxis: type === 'bar' ? 'y' : 'x',
          interaction: { mode: 'index', axis: type === 'bar' ? 'y' : 'x', intersect: type === 'bar' },
          scales: scales(type),
          plugins: { legend: { position: 'bottom' } },
          onHover: (event, elements) => {
            if (event.native?.target) event.native.target.style.cursor = elements.length && pick.current ? 'pointer' : 'default';
          },
          onClick: (event, elements) => {
            if (elements.length && pick.current) pick.current(elements[0].index);
          },
        },
      });
    }, (error) => {
      console.warn(error);
      if (!cancelled) setFailed(true);
    });
    return () => { cancelled = true; };
  }, [data]);
  useEffect(() => () => { chart.current?.destroy(); chart.current = null; }, []);
  if (failed) return html`<p class="muted" role="status">${t('stats.chart.unavailable')}</p>`;
  return html`<div class="stats-chart" style=${`height:${height}px`}>
    <canvas ref=${canvas} role="img" aria-label=${label}></canvas>
  </div>`;
}
