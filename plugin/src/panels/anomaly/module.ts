import { PanelPlugin } from '@grafana/data';
import { AnomalyPanel, type AnomalyOptions } from './AnomalyPanel';

export const plugin = new PanelPlugin<AnomalyOptions>(AnomalyPanel).setPanelOptions((builder) =>
  builder
    .addTextInput({
      path: 'metric',
      name: 'Metric',
      description: 'Which metric to draw (empty: the first)',
      defaultValue: '',
    })
    .addBooleanSwitch({ path: 'showBand', name: 'Adaptive band', defaultValue: true })
);
