import { PanelPlugin } from '@grafana/data';
import { FailureProbabilityPanel, type FailureOptions } from './FailureProbabilityPanel';

export const plugin = new PanelPlugin<FailureOptions>(FailureProbabilityPanel).setPanelOptions((builder) =>
  builder
    .addSliderInput({
      path: 'warning',
      name: 'Warning threshold',
      defaultValue: 0.3,
      settings: { min: 0, max: 1, step: 0.05 },
    })
    .addSliderInput({
      path: 'critical',
      name: 'Critical threshold',
      defaultValue: 0.6,
      settings: { min: 0, max: 1, step: 0.05 },
    })
);
