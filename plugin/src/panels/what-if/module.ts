import { PanelPlugin } from '@grafana/data';
import { WhatIfPanel, type WhatIfOptions } from './WhatIfPanel';

export const plugin = new PanelPlugin<WhatIfOptions>(WhatIfPanel).setPanelOptions((builder) =>
  builder
    .addTextInput({
      path: 'instance',
      name: 'Instance',
      description: 'An instance id or $instance (empty: the instance of the query)',
      defaultValue: '$instance',
    })
    .addNumberInput({
      path: 'horizonMinutes',
      name: 'Horizon (minutes)',
      defaultValue: 60,
      settings: { min: 1, max: 10080, integer: true },
    })
);
