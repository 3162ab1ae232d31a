import React from 'react';
import { dateTimeFormat } from '@grafana/data';
import { useTheme2 } from '@grafana/ui';
import { bandPath, extentOf, linePath, scale } from './scales';

export interface ChartLine {
  name: string;
  values: ArrayLike<number | null | undefined>;
  color: string;
  dashed?: boolean;
}

export interface ChartMarker {
  x: number;
  y: number;
  id: string;
  selected?: boolean;
}

export interface TimeChartProps {
  width: number;
  height: number;
  xs: ArrayLike<number>;
  lines: ChartLine[];
  band?: { lower: ArrayLike<number | null | undefined>; upper: ArrayLike<number | null | undefined>; color: string };
  markers?: ChartMarker[];
  onMarkerClick?: (id: string) => void;
  /** Horizontal lines (thresholds) with their colours. */
  rules?: Array<{ value: number; color: string; label: string }>;
  fixedY?: { min: number; max: number };
  unit?: (v: number) => string;
  testId?: string;
}

const PAD = { left: 48, right: 8, top: 8, bottom: 20 };

/** A small SVG time chart: lines, an optional band, markers and threshold rules. */
export function TimeChart(props: TimeChartProps) {
  const theme = useTheme2();
  const { width, height, xs } = props;
  const xExtent = xs.length ? { min: xs[0]!, max: xs[xs.length - 1]! + (xs.length === 1 ? 1 : 0) } : { min: 0, max: 1 };
  const yExtent =
    props.fixedY ??
    extentOf(
      ...props.lines.map((l) => l.values),
      ...(props.band ? [props.band.lower, props.band.upper] : []),
      props.rules?.map((r) => r.value) ?? []
    );
  const x = scale(xExtent, PAD.left, Math.max(PAD.left + 1, width - PAD.right));
  const y = scale(yExtent, Math.max(PAD.top + 1, height - PAD.bottom), PAD.top);
  const fmt = props.unit ?? ((v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)));
  const muted = theme.colors.text.secondary;
  return (
    <svg width={width} height={height} data-testid={props.testId} role="img">
      <text x={4} y={PAD.top + 8} fontSize={10} fill={muted}>
        {fmt(yExtent.max)}
      </text>
      <text x={4} y={height - PAD.bottom} fontSize={10} fill={muted}>
        {fmt(yExtent.min)}
      </text>
      {xs.length > 0 && (
        <>
          <text x={PAD.left} y={height - 4} fontSize={10} fill={muted}>
            {dateTimeFormat(xExtent.min, { format: 'MM-DD HH:mm' })}
          </text>
          <text x={width - PAD.right} y={height - 4} fontSize={10} fill={muted} textAnchor="end">
            {dateTimeFormat(xExtent.max, { format: 'MM-DD HH:mm' })}
          </text>
        </>
      )}
      {props.band && (
        <path
          d={bandPath(xs, props.band.lower, props.band.upper, x, y)}
          fill={props.band.color}
          fillOpacity={0.2}
          data-testid="chart-band"
        />
      )}
      {props.rules?.map((r) => (
        <g key={r.label}>
          <line
            x1={PAD.left}
            x2={width - PAD.right}
            y1={y(r.value)}
            y2={y(r.value)}
            stroke={r.color}
            strokeDasharray="4 3"
          />
          <text x={width - PAD.right} y={y(r.value) - 2} fontSize={10} fill={r.color} textAnchor="end">
            {r.label}
          </text>
        </g>
      ))}
      {props.lines.map((l) => (
        <path
          key={l.name}
          d={linePath(xs, l.values, x, y)}
          fill="none"
          stroke={l.color}
          strokeWidth={1.5}
          strokeDasharray={l.dashed ? '5 3' : undefined}
          data-testid={`chart-line-${l.name}`}
        >
          <title>{l.name}</title>
        </path>
      ))}
      {props.markers?.map((m) => (
        <circle
          key={m.id + m.x}
          cx={x(m.x)}
          cy={y(m.y)}
          r={m.selected ? 6 : 4}
          fill={theme.colors.error.main}
          stroke={m.selected ? theme.colors.text.primary : 'none'}
          style={{ cursor: props.onMarkerClick ? 'pointer' : undefined }}
          onClick={() => props.onMarkerClick?.(m.id)}
          data-testid="chart-marker"
          data-id={m.id}
        />
      ))}
    </svg>
  );
}
