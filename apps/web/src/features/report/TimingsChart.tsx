import '@mantine/charts/styles.css';
import type { ReportSummary } from '@euca2nova/model';
import { BarChart } from '@mantine/charts';
import { PHASE_LABELS } from '../../components/jobLabels.ts';
import { formatDuration } from '../../format.ts';

/**
 * The phases' durations as bars (recharts, loaded only when a report is shown). The table beside
 * it carries the same numbers for those who do not read charts.
 */
export function TimingsChart({ timings }: { timings: ReportSummary['timings'] }) {
  const data = timings.map((t) => ({
    phase: PHASE_LABELS[t.phase],
    seconds: Math.round(t.durationMs / 10) / 100,
  }));
  return (
    <BarChart
      h={Math.max(180, data.length * 34)}
      data={data}
      dataKey="phase"
      orientation="vertical"
      series={[{ name: 'seconds', label: 'Duration', color: 'blue.7' }]}
      valueFormatter={(v) => formatDuration(v * 1000)}
      yAxisProps={{ width: 170 }}
      gridAxis="x"
      withTooltip
      // The table beside it is the accessible form: the chart is hidden from assistive technology,
      // so it must hold nothing focusable either.
      barChartProps={{ accessibilityLayer: false }}
      aria-hidden="true"
      data-testid="timings-chart"
    />
  );
}
