import {
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  type ChartOptions,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { Bar, Line } from "react-chartjs-2";
import { useTranslation } from "react-i18next";
import { useFormats } from "../ui/format.js";

// Only what the dashboard draws is registered, so that the bundle carries nothing else of Chart.js.
ChartJS.register(BarElement, CategoryScale, Legend, LinearScale, LineElement, PointElement, Tooltip);

export interface ChartSeries {
  label: string;
  /** null: a withheld value, drawn as a gap (never as 0). */
  data: (number | null)[];
  /** "right": a second axis (amounts beside counts). */
  axis?: "left" | "right";
}

const COLOURS = ["#0b5394", "#e69138", "#6aa84f", "#a64d79", "#45818e", "#cc0000"];

/**
 * A chart of a section's table (Chart.js through react-chartjs-2). The canvas is an image with a
 * name; the figures are read in the table that follows it.
 */
export function StatisticChart({
  title,
  type = "bar",
  labels,
  series,
}: {
  title: string;
  type?: "bar" | "line";
  labels: string[];
  series: ChartSeries[];
}) {
  const { t, i18n } = useTranslation();
  const formats = useFormats();
  const rtl = i18n.dir() === "rtl";
  const twoAxes = series.some((s) => s.axis === "right");
  const datasets = series.map((s, i) => ({
    label: s.label,
    data: s.data,
    yAxisID: s.axis === "right" ? "right" : "left",
    backgroundColor: COLOURS[i % COLOURS.length],
    borderColor: COLOURS[i % COLOURS.length],
  }));
  const options: ChartOptions<"bar" | "line"> = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    locale: formats.locale,
    plugins: { legend: { rtl, display: series.length > 1 }, tooltip: { rtl } },
    scales: {
      x: { reverse: rtl },
      left: { type: "linear", position: rtl ? "right" : "left", beginAtZero: true },
      ...(twoAxes
        ? {
            right: {
              type: "linear",
              position: rtl ? "left" : "right",
              beginAtZero: true,
              grid: { drawOnChartArea: false },
            },
          }
        : {}),
    },
  } as const;
  const label = t("dashboard.chartNote", { title });
  return (
    <div className="chart">
      {type === "line" ? (
        <Line data={{ labels, datasets }} options={options as ChartOptions<"line">} role="img" aria-label={label} />
      ) : (
        <Bar data={{ labels, datasets }} options={options as ChartOptions<"bar">} role="img" aria-label={label} />
      )}
    </div>
  );
}
